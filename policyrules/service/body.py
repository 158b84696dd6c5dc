"""Reading a request body within limits: at most ``limit`` bytes whatever the headers say
(a declared length over the limit is refused before reading; a chunked or undeclared body
is counted as it arrives), within ``timeout`` seconds from the first byte asked for; then
strict JSON (UTF-8, no NaN or infinities, numbers as exact decimals, bounded nesting)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from starlette.requests import ClientDisconnect, Request

from policyrules.service.problems import Problem

MAX_DEPTH = 64


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Problem(400, "bad-length", "Bad Content-Length", f"Content-Length {declared!r} is not a size")
        if int(declared) > limit:
            raise Problem(413, "too-large", "Request body too large",
                          f"the body is {int(declared)} bytes; at most {limit} are accepted",
                          headers={"Connection": "close"})
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Problem(413, "too-large", "Request body too large",
                                  f"the body exceeds {limit} bytes", headers={"Connection": "close"})
                chunks.append(chunk)
    except ClientDisconnect:  # nobody is left to read the reply; it is still a status, not a traceback
        raise Problem(400, "disconnected", "Client disconnected", "the client closed the connection during the body",
                      headers={"Connection": "close"}) from None
    except TimeoutError:
        raise Problem(408, "timeout", "Request timeout",
                      f"the body did not arrive within {timeout:g} seconds", headers={"Connection": "close"}) from None
    return b"".join(chunks)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _depth(text: str) -> int:
    depth = best = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
            if best > MAX_DEPTH:
                return best
        elif ch in "]}":
            depth -= 1
    return best


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or a 400 problem saying exactly what is wrong and where."""
    if not raw.strip():
        raise Problem(400, "empty-body", "Empty body", "the request has no body; send a JSON object")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Problem(400, "not-utf8", "Body is not UTF-8",
                      f"byte {err.start} (0x{raw[err.start]:02x}) is not valid UTF-8") from None
    if ("[" in text or "{" in text) and _depth(text) > MAX_DEPTH:
        raise Problem(400, "too-deep", "Body nested too deeply", f"JSON nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise Problem(400, "bad-json", "Body is not valid JSON",
                      f"{err.msg} at line {err.lineno} column {err.colno}") from None
    except (ValueError, RecursionError) as err:
        raise Problem(400, "bad-json", "Body is not valid JSON", str(err)) from None

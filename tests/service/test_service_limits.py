"""Limits over raw sockets: the body limit whatever the headers say (negative, too large,
missing, chunked), body and header timeouts, hostile JSON, a full worker pool, and 200
concurrent requests all served.  Every reply has a status; none has a traceback."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from service_support import b1_request, service_on

from policyrules.service import Service, Settings

LIMITS = Settings(body_limit=100_000, body_timeout=1.0, header_timeout=1.0, idle_timeout=1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Service]]:
    with service_on(tmp_path_factory.mktemp("limits"), LIMITS) as (url, service):
        yield url, int(url.rsplit(":", 1)[1]), service


def _raw(port: int, *parts: bytes, pause: float = 0.0, wait: float = 6.0) -> tuple[bytes, float]:
    """Send ``parts`` (pausing between them), read until the server closes; (reply, seconds)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        try:
            for part in parts:
                s.sendall(part)
                time.sleep(pause)
        except OSError:  # the server answered and closed while we were still sending
            pass
        reply = b""
        try:
            while chunk := s.recv(65536):
                reply += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return reply, time.monotonic() - start


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.1 ") else 0


def _json(reply: bytes) -> Any:
    return json.loads(reply.split(b"\r\n\r\n", 1)[1])


HEAD = b"POST /evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"


def test_negative_length(server: tuple[str, int, Service]) -> None:
    reply, _ = _raw(server[1], HEAD + b"Content-Length: -1\r\n\r\n" + b"x" * 1000)
    assert _status(reply) == 400


def test_declared_length_over_the_limit(server: tuple[str, int, Service]) -> None:
    reply, took = _raw(server[1], HEAD + b"Content-Length: 104857600\r\n\r\n" + b"{" * 100)
    assert _status(reply) == 413 and took < 3
    assert _json(reply)["type"] == "urn:policyrules:problem:too-large"


def test_chunked_body_over_the_limit(server: tuple[str, int, Service]) -> None:
    chunk = b"%x\r\n%s\r\n" % (20_000, b" " * 20_000)
    reply, _ = _raw(server[1], HEAD + b"Transfer-Encoding: chunked\r\n\r\n", *[chunk] * 8, b"0\r\n\r\n")
    assert _status(reply) == 413


def test_chunked_body_is_read(server: tuple[str, int, Service]) -> None:
    body = json.dumps(b1_request()).encode()
    half = len(body) // 2
    chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:])]
    reply, _ = _raw(server[1], HEAD + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", *chunks,
                    b"0\r\n\r\n")
    assert _status(reply) == 200 and _json(reply)["policy"] == "b1"


def test_missing_length_is_no_body(server: tuple[str, int, Service]) -> None:
    reply, _ = _raw(server[1], HEAD + b"Connection: close\r\n\r\n" + json.dumps(b1_request()).encode())
    assert _status(reply) == 400 and _json(reply)["type"].endswith("empty-body")


def test_slow_body_times_out(server: tuple[str, int, Service]) -> None:
    reply, took = _raw(server[1], HEAD + b"Content-Length: 500\r\n\r\n{\"policy\"", wait=8)
    assert _status(reply) == 408 and took < 5


def test_slow_headers_are_cut(server: tuple[str, int, Service]) -> None:
    reply, took = _raw(server[1], b"POST /evaluate HTTP/1.1\r\nHost: t\r\n", wait=8)
    assert reply == b"" and took < 5


def test_many_slow_connections_do_not_block_others(server: tuple[str, int, Service]) -> None:
    url, port, _ = server
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    try:
        for s in slow:
            s.sendall(HEAD + b"Content-Length: 500\r\n\r\n{")
        assert httpx.post(url + "/evaluate", json=b1_request(), timeout=10).status_code == 200
        time.sleep(2.5)
        for s in slow:  # each was answered 408 and closed
            s.settimeout(3)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            assert _status(data) == 408
    finally:
        for s in slow:
            s.close()


@pytest.mark.parametrize("body, kind, pointer", [
    (b'{"policy": "b1", "facts": {"person": {"age": "\xff\xfe"}}}', "not-utf8", None),
    (b'{"policy": "b1", "facts": {"person": {"annual_rent": NaN}}, "date": "2024-01-01"}', "bad-json", None),
    (b'{"policy": "b1", "facts": {"person": {"annual_rent": 1e30}}, "date": "2024-01-01"}', "input-refused",
     "/facts/person/annual_rent"),
    (b"[" * 90_000, "too-deep", None),
    (b'{"policy": "b1", "facts": {"person": {"age": ' + b"9" * 5000 + b"}}}", "bad-json", None),
    (b"[1, 2]", "input-refused", ""),
])
def test_hostile_json(server: tuple[str, int, Service], body: bytes, kind: str, pointer: str | None) -> None:
    r = httpx.post(server[0] + "/evaluate", content=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and r.json()["type"].endswith(kind)
    if pointer is not None:
        assert pointer in [p["pointer"] for p in r.json()["problems"]]


def test_200_concurrent_requests_all_served(server: tuple[str, int, Service]) -> None:
    url, _, service = server
    before = service.store.count()

    limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
    with httpx.Client(base_url=url, timeout=60, limits=limits) as client, ThreadPoolExecutor(200) as pool:
        statuses = list(pool.map(lambda i: client.post("/evaluate", json=b1_request(i)).status_code, range(200)))
    assert statuses.count(200) == 200, {s: statuses.count(s) for s in set(statuses)}
    assert service.store.count() == before + 200 and service.store.verify().ok


def test_full_pool_is_503_with_retry_after(tmp_path: Any) -> None:
    with service_on(tmp_path, Settings(max_pending=0)) as (url, _):
        r = httpx.post(url + "/evaluate", json=b1_request(), timeout=10)
    assert r.status_code == 503 and r.headers["retry-after"] == "1" and r.json()["status"] == 503

"""Reading a ``.policy`` file: at most :data:`MAX_POLICY_BYTES`, UTF-8 (a leading BOM accepted and
dropped), every problem an F001 diagnostic naming the file, never a bare ``UnicodeDecodeError``.

The size bound keeps parsing and checking (linear, about a second per 100 KB of policy text
for the parser) within seconds, and refuses a hostile file (say 50 MB of one quoted string)
without reading it: the largest real policy is about 30 KB.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from policyrules.diagnostics import Diagnostic, PolicyError
from policyrules.source import Source, Span

MAX_POLICY_BYTES = 1_000_000
"""The largest ``.policy`` file read (1 MB)."""


def read_policy(path: str | Path) -> str:
    """The text of the policy file ``path``; PolicyError (F001) when it cannot be read, is
    larger than MAX_POLICY_BYTES or is not UTF-8."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_POLICY_BYTES + 1)
            if len(raw) > MAX_POLICY_BYTES:
                fh.seek(0, 2)
                size = fh.tell()
                raise too_large(name, size)
    except OSError as err:
        raise PolicyError([Diagnostic("F001", f"cannot read the policy file: {err.__class__.__name__}: {err}",
                                      None, name)]) from None
    return decode_policy(raw, name)


def too_large(name: str, size: int) -> PolicyError:
    return PolicyError([Diagnostic(
        "F001", f"the policy file is {size:,} bytes; a policy file may be at most {MAX_POLICY_BYTES:,} bytes (1 MB)",
        None, name, hint="split it into several policies")])


def decode_policy(raw: bytes, name: str) -> str:
    """``raw`` as UTF-8 text without a leading BOM; PolicyError (F001) at the first byte that is
    not UTF-8, with its line and column."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
        offset = len(codecs.BOM_UTF8)
    else:
        offset = 0
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[: err.start].decode("utf-8", errors="replace")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        text = raw.decode("utf-8", errors="replace")
        byte = offset + err.start
        raise PolicyError([Diagnostic(
            "F001", f"the policy file must be UTF-8 (byte {byte}, 0x{raw[err.start]:02x}, is not)",
            Span(line, column, line, column + 1), name,
            hint="save it as UTF-8 (a file from a Chinese Windows editor is often GBK)")],
            {name: Source(name, text)}) from None

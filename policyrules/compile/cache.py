"""Compiled SQL cached by what it was compiled from, so that a batch run of a policy it has seen
does not parse, check or compile it again (nor import Lark or sqlglot): start-up in milliseconds.

An entry is keyed by a digest of everything the SQL depends on: the policy file's bytes, the
parameters given, the evaluation date, the caller's context (for ``batch``: the input's format,
columns and their types, the column mapping, the options) and the engine: the files of the
``policyrules`` package (name, size, modification time), the Python version and the versions of
DuckDB and sqlglot.  Change any of them and the key changes: the policy is compiled afresh.

An entry is SQL that DuckDB will run, so it is guarded like the parse cache
(:mod:`policyrules.syntax.cache`, both through :mod:`policyrules.userkey`): JSON data (never pickle), with an HMAC-SHA256 over the key and
the payload under the per-user secret key kept outside the cache directory
(``$XDG_STATE_HOME/policyrules/cache-key``, mode 0600).  An entry planted, edited, truncated or
made for another key fails the check and is ignored: the policy is compiled again and the entry
replaced.  Deleting the cache directory is always safe.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import importlib.util
import json
import os
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from policyrules.userkey import cache_dir, read_signed, user_key, write_signed

FORMAT = "policyrules-sql/1"
_PACKAGE = Path(__file__).resolve().parent.parent  # the policyrules package


def _stamp(path: str) -> str:
    st = os.stat(path)
    return f"{st.st_size}:{st.st_mtime_ns}"


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """A digest of the code that turns a policy into SQL: every file of the ``policyrules``
    package (relative name, size, modification time, as Python checks its bytecode), the Python
    version, and sqlglot's installed files; DuckDB's version is added by the caller, which has
    DuckDB imported anyway.  Nothing is imported to compute it."""
    h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
    root = str(_PACKAGE)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        relative = folder[len(root) + 1:]  # (os.path.relpath's answer, in a fraction of its time)
        for name in sorted(files):
            if name.endswith((".py", ".lark", ".gz")):
                full = os.path.join(folder, name)
                h.update(f"{os.path.join(relative, name)}\0{_stamp(full)}\n".encode())
    spec = importlib.util.find_spec("sqlglot")
    if spec is not None and spec.origin:
        root = os.path.dirname(spec.origin)
        for name in ("__init__.py", "_version.py"):
            with contextlib.suppress(OSError):
                h.update(f"sqlglot/{name}\0{_stamp(os.path.join(root, name))}\n".encode())
    return h.hexdigest()


def entry_key(policy: bytes, params: Mapping[str, str], on: dt.date, context: Mapping[str, Any],
              engine: str = "") -> str:
    """The key of the SQL compiled from policy file bytes ``policy`` with the parameters as given,
    on date ``on``, for ``context`` (JSON data describing the caller's input and options) by
    ``engine`` (e.g. ``duckdb 1.2.0``), on this version of the package."""
    material = {
        "format": FORMAT,
        "code": engine_fingerprint(),
        "engine": engine,
        "policy": hashlib.sha256(policy).hexdigest(),
        "params": sorted(params.items()),
        "on": on.isoformat(),
        "context": context,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _mac(key: bytes, entry: str, payload: bytes) -> str:
    return hmac.new(key, FORMAT.encode() + b"\0" + entry.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def _path(folder: Path, entry: str) -> Path:
    return folder / f"sql-{entry[:40]}.json"


def load(entry: str) -> dict[str, Any] | None:
    """The payload stored under ``entry`` if it is there and authentic; else None."""
    folder = cache_dir()
    key = user_key() if folder is not None else None
    if folder is None or key is None:
        return None
    payload = read_signed(_path(folder, entry), FORMAT, entry, lambda p: _mac(key, entry, p))
    if payload is None:
        return None
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def store(entry: str, payload: Mapping[str, Any]) -> None:
    """Write ``payload`` (JSON data) under ``entry``, atomically; silently nothing when the cache
    directory or the user key is unavailable."""
    folder = cache_dir()
    key = user_key() if folder is not None else None
    if folder is None or key is None:
        return
    try:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    except (TypeError, ValueError):
        return
    write_signed(_path(folder, entry), FORMAT, entry, _mac(key, entry, data), data)

"""The user's private cache directory and secret key, and the signed entry files of the two caches
(parsed policies, :mod:`policyrules.syntax.cache`; compiled SQL, :mod:`policyrules.compile.cache`).

Standard library only, so that a cache hit imports nothing heavy.  An entry file is one ASCII line
``FORMAT NAME MAC`` then the payload; the MAC (HMAC-SHA256 under the per-user key kept *outside*
the cache directory, ``$XDG_STATE_HOME/policyrules/cache-key``, mode 0600) is the caller's.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def private_dir(env: str, default: str) -> Path | None:
    """``$env/policyrules`` (or ``~/default/policyrules``), created mode 0700; None when it cannot
    be made or is not the user's alone (then what is in it is not trusted)."""
    base = os.environ.get(env) or os.path.join(os.path.expanduser("~"), default)
    path = Path(base) / "policyrules"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
    except OSError:
        return None
    return path


def cache_dir() -> Path | None:
    """The cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``, ``policyrules/``), created private
    to the user; None when it cannot be."""
    return private_dir("XDG_CACHE_HOME", ".cache")


def user_key() -> bytes | None:
    """The per-user secret that authenticates cache entries, created on first use; None when it
    cannot be read or made (then nothing is cached)."""
    folder = private_dir("XDG_STATE_HOME", os.path.join(".local", "state"))
    if folder is None:
        return None
    path = folder / "cache-key"
    try:
        if not path.exists():
            tmp = folder / f"cache-key.{os.getpid()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
            os.replace(tmp, path)
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def read_signed(path: Path, fmt: str, name: str, mac: Callable[[bytes], str]) -> bytes | None:
    """The payload of entry ``path`` if its header names ``fmt`` and ``name`` and carries
    ``mac(payload)``; None for anything else (missing, truncated, edited, another key's)."""
    try:
        head, _, payload = path.read_bytes().partition(b"\n")
        fields = head.decode("ascii").split(" ")
    except (OSError, UnicodeDecodeError):
        return None
    if len(fields) != 3 or fields[0] != fmt or fields[1] != name:
        return None
    return payload if hmac.compare_digest(fields[2], mac(payload)) else None


def write_signed(path: Path, fmt: str, name: str, mac: str, payload: bytes) -> None:
    """Write entry ``path`` atomically (never a half-written entry); silently nothing on failure."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(f"{fmt} {name} {mac}\n".encode("ascii") + payload)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()

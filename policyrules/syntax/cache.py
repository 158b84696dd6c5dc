"""Parsed policies cached by content, as Python caches bytecode: a file parsed once is not
parsed again (and Lark not even imported) until its text or the syntax stage changes.

An entry can neither run code nor change an amount:

- it is JSON, decoded by :mod:`policyrules.syntax.astjson` into AST classes of an allow-list
  (no pickle: nothing in the file is ever executed);
- it carries an HMAC-SHA256 over the digest of the policy text, the syntax stage's fingerprint
  and the AST, under a per-user secret key kept *outside* the cache directory
  (``$XDG_STATE_HOME/policyrules/cache-key``, mode 0600): an entry planted or edited in the
  cache (copied from another machine, restored from a poisoned CI cache, tampered by hand)
  fails the check; so does one whose source text differs from the file being loaded;
- any problem at all (a missing key, a bad digest, corrupt bytes, an unknown class) means a
  plain parse, silently; the fresh parse then replaces the entry.

The cache lives in the user's cache directory (``$XDG_CACHE_HOME`` or ``~/.cache``,
``policyrules/``, mode 0700) and is not used when that directory is not the user's alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from functools import lru_cache
from importlib import resources
from pathlib import Path

from policyrules.syntax import astjson
from policyrules.syntax import nodes as n

# the modules whose code decides what AST a text gives
_SHAPING = ("syntax/transform.py", "syntax/scorecard_ast.py", "syntax/nodes.py", "syntax/numerals.py",
            "syntax/astjson.py", "scorecard/model.py", "scorecard/expr.py", "source.py", "types.py",
            "grammar/policy.lark")
_FORMAT = "policyrules-ast/2"


def _private_dir(env: str, default: str) -> Path | None:
    base = os.environ.get(env) or os.path.join(os.path.expanduser("~"), default)
    path = Path(base) / "policyrules"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None  # not ours alone: do not trust what is in it
    except OSError:
        return None
    return path


def cache_dir() -> Path | None:
    """The cache directory, created private to the user; None when it cannot be."""
    return _private_dir("XDG_CACHE_HOME", ".cache")


def _key() -> bytes | None:
    """The per-user secret that authenticates cache entries, created on first use; None when
    it cannot be read or made (then nothing is cached)."""
    folder = _private_dir("XDG_STATE_HOME", os.path.join(".local", "state"))
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


@lru_cache(maxsize=1)
def _syntax_fingerprint() -> str:
    root = resources.files("policyrules")
    h = hashlib.sha256(_FORMAT.encode())
    for name in _SHAPING:
        h.update(root.joinpath(name).read_bytes())
    return h.hexdigest()


def _source_digest(text: str, path: str) -> str:
    return hashlib.sha256((_syntax_fingerprint() + "\0" + path + "\0" + text).encode()).hexdigest()


def _mac(key: bytes, source: str, payload: bytes) -> str:
    return hmac.new(key, source.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def load_entry(entry: Path, key: bytes, source: str) -> n.Policy | None:
    """The AST stored in ``entry`` if it is authentic and made from ``source``; else None."""
    try:
        raw = entry.read_bytes()
        head, _, payload = raw.partition(b"\n")
        fields = head.decode("ascii").split(" ")
        if len(fields) != 3 or fields[0] != _FORMAT or fields[1] != source:
            return None
        if not hmac.compare_digest(fields[2], _mac(key, source, payload)):
            return None
        policy = astjson.decode(json.loads(payload))
    except Exception:  # noqa: BLE001 - whatever is wrong with an entry, the answer is a plain parse
        return None
    return policy if isinstance(policy, n.Policy) else None


def store_entry(entry: Path, key: bytes, source: str, policy: n.Policy) -> None:
    """Write ``policy`` to ``entry`` atomically (never a half-written entry)."""
    try:
        payload = json.dumps(astjson.encode(policy), ensure_ascii=False, separators=(",", ":")).encode()
    except (TypeError, ValueError, RecursionError):
        return
    tmp = entry.with_suffix(f".{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(f"{_FORMAT} {source} {_mac(key, source, payload)}\n".encode("ascii") + payload)
        os.replace(tmp, entry)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def parse_cached(text: str, path: str) -> n.Policy:
    """``parse(text, path)``, from the cache when this text was parsed before."""
    folder = cache_dir()
    key = _key() if folder is not None else None
    source = _source_digest(text, path)
    entry = folder / f"ast-{source[:32]}.json" if folder is not None else None
    if entry is not None and key is not None:
        cached = load_entry(entry, key, source)
        if cached is not None:
            return cached
    from policyrules.syntax.parse import parse  # Lark is imported only here

    policy = parse(text, path)
    if entry is not None and key is not None:
        store_entry(entry, key, source, policy)
    return policy

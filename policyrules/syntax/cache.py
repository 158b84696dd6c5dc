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

import hashlib
import hmac
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from policyrules.syntax import astjson
from policyrules.syntax import nodes as n
from policyrules.userkey import cache_dir, read_signed, user_key, write_signed

__all__ = ["cache_dir", "load_entry", "parse_cached", "store_entry"]

# the modules whose code decides what AST a text gives
_SHAPING = ("syntax/lalr.py", "syntax/regex_starts.py", "syntax/transform.py", "syntax/scorecard_ast.py",
            "syntax/nodes.py", "syntax/numerals.py", "syntax/astjson.py", "scorecard/model.py", "scorecard/expr.py",
            "source.py", "types.py", "grammar/policy.lark")
_FORMAT = "policyrules-ast/3"


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
    payload = read_signed(entry, _FORMAT, source, lambda p: _mac(key, source, p))
    if payload is None:
        return None
    try:
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
    write_signed(entry, _FORMAT, source, _mac(key, source, payload), payload)


CACHE_MAX_CHARS = 200_000
"""Longer texts are parsed afresh and not cached: with the lean driver, reading the entry of a
1 MB policy (14 MB of JSON) takes 85 % of parsing it, and writing it 75 % more on every edit
(``docs/performance.md``, issue 8); what the cache saves on a short text is mostly the imports."""


def parse_cached(text: str, path: str) -> n.Policy:
    """``parse(text, path)``, from the cache when this text was parsed before."""
    if len(text) > CACHE_MAX_CHARS:
        from policyrules.syntax.parse import parse

        return parse(text, path)
    folder = cache_dir()
    key = user_key() if folder is not None else None
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

"""Parsed policies cached by content, as Python caches bytecode: a file parsed once is not
parsed again (and Lark not even imported) until its text or the syntax stage changes.

The key is a hash of the policy text, the grammar and the source of every module that
shapes the AST; the cache lives in the user's cache directory (``$XDG_CACHE_HOME`` or
``~/.cache``, ``policyrules/``, mode 0700).  Any problem with the cache means a plain parse.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from importlib import resources
from pathlib import Path

from policyrules.syntax import nodes as n

# the modules whose code decides what AST a text gives
_SHAPING = ("syntax/transform.py", "syntax/scorecard_ast.py", "syntax/nodes.py", "syntax/numerals.py",
            "scorecard/model.py", "scorecard/expr.py", "source.py", "grammar/policy.lark")


def cache_dir() -> Path | None:
    """The cache directory, created private to the user; None when it cannot be."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "policyrules"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_uid != os.getuid() or path.stat().st_mode & 0o077:
            return None  # not ours alone: do not trust what is in it
    except OSError:
        return None
    return path


@lru_cache(maxsize=1)
def _syntax_fingerprint() -> str:
    root = resources.files("policyrules")
    h = hashlib.sha256()
    for name in _SHAPING:
        h.update(root.joinpath(name).read_bytes())
    return h.hexdigest()


def parse_cached(text: str, path: str) -> n.Policy:
    """``parse(text, path)``, from the cache when this text was parsed before."""
    folder = cache_dir()
    key = hashlib.sha256((_syntax_fingerprint() + "\0" + path + "\0" + text).encode()).hexdigest()
    entry = folder / f"ast-{key[:32]}.pickle" if folder is not None else None
    if entry is not None:
        try:
            with entry.open("rb") as fh:
                policy = pickle.load(fh)
            if isinstance(policy, n.Policy):
                return policy
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            pass
    from policyrules.syntax.parse import parse  # Lark is imported only here

    policy = parse(text, path)
    if entry is not None:
        try:
            tmp = entry.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(policy, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except (OSError, pickle.PicklingError, RecursionError):
            pass
    return policy

"""The grammar, loaded once from ``grammar/policy.lark`` shipped in the package, with
Lark's parse tables cached per grammar text in the user's cache directory."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import lark


@lru_cache(maxsize=1)
def parser() -> lark.Lark:
    """The LALR parser, built once from ``grammar/policy.lark`` shipped in the package."""
    text = resources.files("policyrules").joinpath("grammar/policy.lark").read_text(encoding="utf-8")
    return lark.Lark(text, parser="lalr", propagate_positions=True, strict=True, maybe_placeholders=False,
                     cache=_cache_path(text))


def _cache_path(text: str) -> str | bool:
    """Lark's parse tables cached per grammar text (and Lark version) in the user's cache
    directory; no cache when there is none."""
    import hashlib

    from policyrules.syntax.cache import cache_dir

    folder = cache_dir()
    if folder is None:
        return False
    key = hashlib.sha256((text + lark.__version__).encode()).hexdigest()[:16]
    return str(folder / f"grammar-{key}.lark.cache")

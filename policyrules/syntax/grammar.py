"""The grammar, ``grammar/policy.lark`` shipped in the package, and its LALR parser.

The parse tables are generated once from the grammar, when it changes, by
``python -m policyrules.syntax.grammar``, and shipped beside it as plain data
(``grammar/policy.tables.json.gz``, recording the digest of the grammar and the Lark version
they were made from). Loading them takes no table construction and no cache: nothing is
read from a user-writable place and nothing loaded can run code. When the shipped tables do
not match the grammar or the installed Lark, the parser is built from the grammar in memory
(slower, same result); a test fails when the shipped tables are stale.  The lean driver of
:mod:`policyrules.syntax.lalr` has its own tables beside them (``policy.driver.json.gz``,
made from Lark's by the same command), so that a parse loads no Lark parser at all.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import lark

GRAMMAR = "grammar/policy.lark"
TABLES = "grammar/policy.tables.json.gz"
DRIVER = "grammar/policy.driver.json.gz"
_OPTIONS: dict[str, Any] = {"parser": "lalr", "propagate_positions": True, "strict": True,
                            "maybe_placeholders": False}


def grammar_text() -> str:
    return resources.files("policyrules").joinpath(GRAMMAR).read_text(encoding="utf-8")


def grammar_digest(text: str) -> str:
    """What the shipped tables must have been made from: the grammar text and Lark's version."""
    return hashlib.sha256((text + "\0" + lark.__version__).encode()).hexdigest()


@lru_cache(maxsize=1)
def parser() -> lark.Lark:
    """The LALR parser: from the shipped tables when they match the grammar, else built."""
    text = grammar_text()
    try:
        raw = resources.files("policyrules").joinpath(TABLES).read_bytes()
        doc = json.loads(gzip.decompress(raw), object_hook=_decode)
        if doc["grammar"] == grammar_digest(text):
            return lark.Lark._load_from_dict(doc["data"], doc["memo"], propagate_positions=True)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        pass
    return build(text)


def driver_data() -> dict[str, Any] | None:
    """The shipped tables of the lean driver (``syntax/lalr.py``), when they match the grammar:
    plain JSON, read without loading Lark's parser."""
    try:
        raw = resources.files("policyrules").joinpath(DRIVER).read_bytes()
        doc = json.loads(gzip.decompress(raw))
        from policyrules.syntax.lalr import FORMAT

        if doc["grammar"] == grammar_digest(grammar_text()) and doc.get("format") == FORMAT:
            return doc["data"]  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        pass
    return None


def driver_tables(text: str) -> bytes:
    """The lean driver's tables for ``text`` as gzipped JSON (what is shipped as ``DRIVER``)."""
    from policyrules.syntax.lalr import FORMAT, describe

    doc = {"grammar": grammar_digest(text), "format": FORMAT, "data": describe(build(text))}
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(body.encode(), mtime=0)


def build(text: str) -> lark.Lark:
    return lark.Lark(text, **_OPTIONS)


def tables(text: str) -> bytes:
    """The parse tables of ``text`` as gzipped JSON (what is shipped as ``TABLES``)."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = build(text).memo_serialize([TerminalDef, Rule])
    doc = {"grammar": grammar_digest(text), "data": data, "memo": memo}
    body = json.dumps(_encode(doc), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return gzip.compress(body.encode(), mtime=0)


# JSON keeps neither tuples nor non-text keys, which the tables use: both are tagged.
def _encode(x: Any) -> Any:
    if isinstance(x, dict):
        if all(isinstance(k, str) and not k.startswith("\0") for k in x):
            return {k: _encode(v) for k, v in x.items()}
        return {"\0pairs": [[_encode(k), _encode(v)] for k, v in x.items()]}
    if isinstance(x, tuple):
        return {"\0tuple": [_encode(v) for v in x]}
    if isinstance(x, list):
        return [_encode(v) for v in x]
    if x is None or isinstance(x, str | int | float | bool):
        return x
    raise TypeError(f"cannot store {type(x).__name__} in the parse tables")


def _decode(d: dict[str, Any]) -> Any:
    if len(d) == 1:
        if "\0pairs" in d:
            return {tuple(k) if isinstance(k, list) else k: v for k, v in d["\0pairs"]}
        if "\0tuple" in d:
            return tuple(d["\0tuple"])
    return d


def main() -> None:
    """Regenerate the shipped parse tables (Lark's, and the lean driver's) from the grammar."""
    for name, make in ((TABLES, tables), (DRIVER, driver_tables)):
        path = resources.files("policyrules").joinpath(name)
        with resources.as_file(path) as target:
            target.write_bytes(make(grammar_text()))
            print(f"wrote {target}")


if __name__ == "__main__":
    main()

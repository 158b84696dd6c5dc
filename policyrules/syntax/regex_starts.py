"""Which characters a regular expression can start with: what the lean driver needs to know
before it lets each token's match take the whitespace and comments after it.

The answers are conservative: an expression this module does not follow (a flag, a back
reference, a character set of a class it does not know) "may start with" any character, and
a set of first characters is known only when it is small and finite.
"""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

_CLASSES = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_NOT_DIGIT: r"\D", c.CATEGORY_SPACE: r"\s",
            c.CATEGORY_NOT_SPACE: r"\S", c.CATEGORY_WORD: r"\w", c.CATEGORY_NOT_WORD: r"\W"}
_REPEATS = {c.MAX_REPEAT, c.MIN_REPEAT} | ({c.POSSESSIVE_REPEAT} if hasattr(c, "POSSESSIVE_REPEAT") else set())
_ZERO_WIDTH = {c.ASSERT, c.ASSERT_NOT, c.AT}


def may_start_with(pattern: str, ch: str, flags: int = 0) -> bool:
    """Can a match of ``pattern`` begin with the character ``ch``?  (True when unsure.)"""
    parsed = sre.parse(pattern, flags)
    if parsed.state.flags & re.IGNORECASE:  # given, or written `(?i)` at the start
        return True
    hit, empty = _seq(parsed, ch)
    return hit or empty


def first_chars(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Every character a match of ``pattern`` can begin with, or None if not known to be few."""
    parsed = sre.parse(pattern, flags)
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _firsts(list(parsed))
    if found is None or "" in found:
        return None  # unknown, or the empty string matches
    return frozenset(found)


def _seq(items: Any, ch: str) -> tuple[bool, bool]:
    """(may start with ch, may match the empty string) for a sequence of parsed items."""
    for op, av in items:
        hit, empty = _item(op, av, ch)
        if hit:
            return True, False
        if not empty:
            return False, False
    return False, True


def _item(op: Any, av: Any, ch: str) -> tuple[bool, bool]:
    if op is c.LITERAL:
        return chr(av) == ch, False
    if op is c.NOT_LITERAL:
        return chr(av) != ch, False
    if op is c.ANY:
        return True, False
    if op is c.IN:
        return _in(av, ch), False
    if op in _REPEATS:
        low, _, sub = av
        hit, empty = _seq(sub, ch)
        return hit, empty or low == 0
    if op is c.SUBPATTERN:
        _, add, _, sub = av
        return (True, True) if add else _seq(sub, ch)
    if op is c.BRANCH:
        results = [_seq(branch, ch) for branch in av[1]]
        return any(h for h, _ in results), any(e for _, e in results)
    if op in _ZERO_WIDTH:
        return False, True  # only narrows what follows
    return True, True


def _in(av: Any, ch: str) -> bool:
    negate, hit = False, False
    for op, arg in av:
        if op is c.NEGATE:
            negate = True
        elif op is c.LITERAL:
            hit = hit or chr(arg) == ch
        elif op is c.RANGE:
            hit = hit or arg[0] <= ord(ch) <= arg[1]
        elif op is c.CATEGORY and arg in _CLASSES:
            hit = hit or re.fullmatch(_CLASSES[arg], ch) is not None
        else:
            return True
    return hit != negate


def _firsts(items: list[Any]) -> set[str] | None:
    """The first characters of a sequence ("" among them when it may match nothing)."""
    out: set[str] = set()
    for op, av in items:
        found = _first_of(op, av)
        if found is None:
            return None
        out |= found - {""}
        if "" not in found:
            return out
    return out | {""}


def _first_of(op: Any, av: Any) -> set[str] | None:
    if op is c.LITERAL:
        return {chr(av)}
    if op is c.IN:
        chars: set[str] = set()
        for o, arg in av:
            if o is c.LITERAL:
                chars.add(chr(arg))
            elif o is c.RANGE and arg[1] - arg[0] < 256:
                chars.update(chr(i) for i in range(arg[0], arg[1] + 1))
            else:
                return None
        return chars
    if op in _REPEATS:
        low, _, sub = av
        found = _firsts(list(sub))
        return None if found is None else (found | {""} if low == 0 else found)
    if op is c.SUBPATTERN:
        _, add, _, sub = av
        return None if add else _firsts(list(sub))
    if op is c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            found = _firsts(list(branch))
            if found is None:
                return None
            out |= found
        return out
    return None

"""First characters of regular expressions (``syntax/regex_starts.py``)."""

from __future__ import annotations

import re

import pytest

from policyrules.syntax.regex_starts import first_chars, may_start_with


@pytest.mark.parametrize(("pattern", "ch", "expected"), [
    (r"(?!\d)\w+", " ", False),
    (r"(?!\d)\w+", "a", True),
    (r"(?!\d)\w+", "名", True),
    (r'"(?:[^"\\\n]|\\.)*"', '"', True),
    (r'"(?:[^"\\\n]|\\.)*"', "#", False),
    (r"\d+(\.\d+)?[ \t]*元", " ", False),
    (r"[ \t]*元", " ", True),           # a repeat of at least none: what follows may start it
    (r"[ \t]*元", "元", True),
    (r"[^a-z]x", " ", True),            # a negated set
    (r"[^ ]x", " ", False),
    (r"a|\s", "\n", True),              # a branch
    (r"(?i:of)", " ", True),            # a flag it does not follow: assume it may
    (r"(?i)of", " ", True),             # the same, for the whole pattern
    (r"(a?)\1", " ", True),             # a back reference it does not follow: assume it may
    (r"\S+", " ", False),
    (r".", "#", True),
])
def test_may_start_with(pattern: str, ch: str, expected: bool) -> None:
    assert may_start_with(pattern, ch) is expected
    if not expected:  # never wrong in that direction: no match starts with ch
        for tail in ("", "a", "1", " ", "元", '"'):
            m = re.compile(pattern).match(ch + tail)
            assert m is None or m.end() == 0


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"(?:[ \t\f\r\n])+", frozenset(" \t\f\r\n")),
    (r"#[^\n]*", frozenset("#")),
    (r"(?:ab|c)d", frozenset("ac")),
    (r"x?y", frozenset("xy")),
    (r"[a-c]", frozenset("abc")),
    (r"\w", None),                      # not few
    (r"x*", None),                      # matches the empty string
    (r"(?i:x)", None),
    (r"(?i)x", None),
    (r"(?x) a", frozenset("a")),        # verbose: the space is layout
])
def test_first_chars(pattern: str, expected: frozenset[str] | None) -> None:
    assert first_chars(pattern) == expected

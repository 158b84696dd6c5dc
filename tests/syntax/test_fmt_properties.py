"""Properties of the formatter over the repository's policies with their layout mutated (lines
joined and split, indentation scrambled, blank lines, comments added everywhere, keywords in the
other language): the result is a fixed point, means the same (equal AST), and every comment
stays between the same two tokens, trailing or on its own line as written, with the same
declaration.  Budgets are fixed and derandomized, so a run is reproducible."""

from __future__ import annotations

from bisect import bisect_right
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules.diagnostics import PolicyError
from policyrules.syntax.concrete import Concrete, concrete
from policyrules.syntax.fmt import format_text
from policyrules.syntax.keywords import convert
from policyrules.syntax.parse import parse

ROOT = Path(__file__).resolve().parents[2]
PATHS = sorted((ROOT / "policies").glob("*.policy"))
TEXTS = [p.read_text(encoding="utf-8") for p in PATHS]
NAMES = [p.stem for p in PATHS]
BUDGET = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

COMMENT_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)
GAP = st.one_of(
    st.just(" "),
    st.integers(0, 9).map(lambda n: "\n" + " " * n),
    st.integers(0, 9).map(lambda n: "\n\n\n" + " " * n),
    st.tuples(st.integers(0, 9), COMMENT_TEXT).map(lambda x: f"\n{' ' * x[0]}# {x[1]}\n  "),
    COMMENT_TEXT.map(lambda c: f"   # {c}\n    "),
)


@cache
def source(index: int, lang: str | None) -> Concrete:
    text = TEXTS[index] if lang is None else convert(TEXTS[index], lang)
    return concrete(text)


@st.composite
def mutated(draw: st.DrawFn, index: int | None = None) -> str:
    """A few declarations of a repository policy (of ``index``, or any), keywords maybe converted,
    white space rewritten."""
    which = draw(st.integers(0, len(TEXTS) - 1)) if index is None else index
    c = source(which, draw(st.sampled_from([None, "en", "zh"])))
    text = c.text
    starts = sorted({t.nodes[1].first for t in c.tokens})
    first = draw(st.integers(0, len(starts) - 1))
    stop = starts[first + 6] if first + 6 < len(starts) else len(c.tokens)
    toks = c.tokens[starts[first]:stop]
    ends = [k - 1 for k in range(1, len(toks))  # the last token of each declaration but the last
            if toks[k].nodes[1].first == starts[first] + k]
    where = st.integers(0, len(toks) - 2) if not ends else st.one_of(st.integers(0, len(toks) - 2), st.sampled_from(ends))
    gaps = {k: draw(GAP) for k in draw(st.lists(where, max_size=25))}
    out = []
    for k, tok in enumerate(toks):
        out.append(tok.text)
        if k + 1 < len(toks):
            gap = text[tok.end:toks[k + 1].start]
            out.append(gaps[k] if k in gaps and "#" not in gap else gap)
    return "".join(out) + "\n"


def attachment(text: str) -> list[tuple[str, bool, int, int | None]]:
    """Each comment: its text, trailing or not, the token it follows and the declaration it belongs
    to (the one it is written in; between two, the one it is indented under or else the next)."""
    c = concrete(text)
    decls = sorted({t.nodes[1].first for t in c.tokens})

    def decl(k: int) -> int:
        return bisect_right(decls, k) - 1

    out = []
    for cm in c.comments:
        nxt = cm.after + 1
        owner: int | None
        if cm.after >= 0 and (cm.trailing or cm.column > 1 or (nxt < len(c.tokens) and decl(nxt) == decl(cm.after))):
            owner = decl(cm.after)
        else:
            owner = decl(nxt) if nxt < len(c.tokens) else None
        out.append((cm.text, cm.trailing, cm.after, owner))
    return out


@pytest.mark.parametrize("index", range(len(TEXTS)), ids=lambda k: NAMES[k])
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_formatting_is_a_fixed_point_that_keeps_meaning_and_comments(index: int, data: st.DataObject) -> None:
    text = data.draw(mutated(index))
    out = format_text(text)
    assert format_text(out) == out
    assert parse(out).decls == parse(text).decls
    assert attachment(out) == attachment(text)


@BUDGET
@given(mutated(), st.lists(st.integers(0, 10_000), min_size=1, max_size=3))
def test_broken_text_is_refused_with_a_position_or_formatted(text: str, cuts: list[int]) -> None:
    """Lines deleted from a policy: a PolicyError naming where, or a formatted fixed point."""
    lines = text.splitlines(keepends=True)
    for cut in cuts:
        if lines:
            del lines[cut % len(lines)]
    broken = "".join(lines)
    try:
        out = format_text(broken)
    except PolicyError as err:
        assert err.diagnostics and "<policy>:" in str(err)
        return
    assert format_text(out) == out
    assert attachment(out) == attachment(broken)

"""Readable cards: a formula line longer than the width is broken by structure, as the formatter
breaks a policy line (loosest operator at the outermost bracket level first, the operator
starting the continued line, inside a bracket one column after it); clause text is wrapped by
display width and never starts a line with closing punctuation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.explain.formula import wrap, wrap_text
from policyrules.syntax.printer import width


def test_a_short_line_is_left_alone() -> None:
    assert wrap("  amount: 80 元 × 3 = 240.00 → 240.00") == ["  amount: 80 元 × 3 = 240.00 → 240.00"]


def test_the_outer_or_breaks_before_the_and_inside_brackets() -> None:
    line = ("    ✓ ((is_4050 true and months_since_ui_ended 14 months >= 12 months ✓) and economic_difficulty true)"
            " or near_retirement false")
    assert wrap(line) == [
        "    ✓ ((is_4050 true and months_since_ui_ended 14 months >= 12 months ✓)",
        "       and economic_difficulty true)",
        "      or near_retirement false",
    ]


def test_a_bound_breaks_after_its_comma_and_lines_up_in_the_bracket() -> None:
    line = ("  amount: min(10% × annual_rent 36000.00 = 3600.00, cap 2000.00) = 2000.00 (cap applied; 三(二)3)"
            " → 2000.00")
    assert wrap(line) == ["  amount: min(10% × annual_rent 36000.00 = 3600.00,",
                          "              cap 2000.00) = 2000.00 (cap applied; 三(二)3) → 2000.00"]


def test_a_taken_branch_breaks_before_then_or_else() -> None:
    line = ("    urban_assistance = 如果 near_retirement 是 则 (si_standard 2640.00/年 × (min(months_to_retirement"
            " 20个月, 12个月) = 12个月) = 2640.00) = 2640.00")
    out = wrap(line)
    assert out[0] == "    urban_assistance = 如果 near_retirement 是"
    assert out[1].startswith("      则 (si_standard 2640.00/年")
    assert all(width(x) <= 100 for x in out)


def test_nowhere_to_break_stays_long() -> None:
    line = "  needed: " + "x" * 120
    assert wrap(line) == [line]


def test_clause_text_wraps_by_display_width_without_leading_punctuation() -> None:
    text = ("对\"4050\"就业困难人员从事个体经营或以灵活就业方式实现就业以及其他就业困难人员从事个体经营的,"
            "月收入达到本市企业最低工资标准并缴纳社会保险费的……给予上年度本市平均工资11%的社会保险补贴,"
            "其中养老保险补贴为上年度市平均工资的6%;医疗保险补贴为上年度市平均工资的5%。")
    lines = wrap_text(text, 90)
    assert "".join(lines) == text
    assert all(width(x) <= 90 for x in lines) and len(lines) == 3
    assert not any(x[0] in ",;。、)" for x in lines)
    assert wrap_text("a few English words, then " + "y" * 100, 40)[-1] == "y" * 20


NAMES = st.sampled_from(["hardship true", "age 45 >= 40", "wage 960.00/month", "3 months", "cap 2000.00",
                         "registered_unemployed false", "10% × annual_rent 36000.00 = 3600.00"])


def _expr(depth: int) -> st.SearchStrategy[str]:
    if depth == 0:
        return NAMES
    inner = _expr(depth - 1)
    return st.one_of(
        NAMES,
        st.tuples(inner, st.sampled_from([" and ", " or ", " 且 ", " + ", " × "]), inner).map("".join),
        st.tuples(inner, inner).map(lambda x: f"min({x[0]}, {x[1]}) = 1.00"),
        st.tuples(inner, inner).map(lambda x: f"({x[0]} or {x[1]})"),
        st.tuples(inner, inner).map(lambda x: f"if {x[0]} then {x[1]}"),
    )


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(["  amount: ", "    ✓ ", "    name = ", "parameters: "]), _expr(4))
def test_broken_lines_keep_every_word_and_fit_where_they_can(head: str, expr: str) -> None:
    line = head + expr
    out = wrap(line)
    assert " ".join(" ".join(out).split()) == " ".join(line.split())
    assert out[0].startswith(head.rstrip())
    for piece in out:
        if width(piece) > 100:  # too wide only when nothing in it can break
            assert not any(sep in piece.strip() for sep in (" and ", " or ", " 且 ", ", ", " + ", " × ", " then "))

"""Range tables with explicit bounds and progressive schedules (issue 7.5): lookups at and
around every bound, gaps and overlaps reported with the uncovered values (C010), and the
progressive schedule equal to its quick-deduction form."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.api import PolicyError, loads

LEAVE = """
policy leave
table leave_days "年休假天数": years -> days
  满 1 year 不满 10 years: 5 days
  from 10 years below 20 years: 10 days
  from 20 years: 15 days
  otherwise: 0 days
facts person:
  years_worked: years
output days: days = leave_days[years_worked]
"""

TAX = """
policy tax
table tax_rates "综合所得税率表": money -> percent progressive
  up_to 36000 元: 3%
  above 36000 元 up_to 144000 元: 10%
  above 144000 元 up_to 300000 元: 20%
  above 300000 元 up_to 420000 元: 25%
  above 420000 元 up_to 660000 元: 30%
  above 660000 元 up_to 960000 元: 35%
  above 960000 元: 45%
facts person:
  taxable: money
output tax: money = tax_rates[taxable]
"""
QUICK = [(Decimal(36000), Decimal("0.03"), 0), (Decimal(144000), Decimal("0.10"), 2520),
         (Decimal(300000), Decimal("0.20"), 16920), (Decimal(420000), Decimal("0.25"), 31920),
         (Decimal(660000), Decimal("0.30"), 52920), (Decimal(960000), Decimal("0.35"), 85920),
         (None, Decimal("0.45"), 181920)]


def quick_deduction(x: Decimal) -> Decimal:
    for up_to, rate, deduction in QUICK:
        if up_to is None or x <= up_to:
            return (x * rate - deduction).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise AssertionError


@pytest.mark.parametrize(("years", "days"), [(0, 0), (Decimal("0.99"), 0), (1, 5), (Decimal("9.99"), 5), (10, 10),
                                             (19, 10), (20, 15), (40, 15)])
def test_the_row_that_holds_the_key(years: object, days: int) -> None:
    d = loads(LEAVE).evaluate({"person": {"years_worked": str(years)}}, on="2024-01-01")
    assert d.value("days") == days


@pytest.mark.parametrize(("rows", "message"), [
    ("  from 1 year up_to 10 years: 5 days\n  from 10 years: 10 days\n", "rows overlap at 10 years"),
    ("  from 1 year below 10 years: 5 days\n  above 10 years: 10 days\n", "gap: no row holds 10 years"),
    ("  from 1 year below 10 years: 5 days\n  from 12 years: 10 days\n", "gap: no row holds from 10 years below 12 years"),
    ("  from 1 year below 12 years: 5 days\n  from 10 years: 10 days\n", "rows overlap at 10 years to 12 years"),
    ("  from 5 years below 2 years: 5 days\n", "lower bound is not below its upper bound"),
])
def test_gaps_and_overlaps_are_c010_with_the_values(rows: str, message: str) -> None:
    text = "policy t\ntable t: years -> days\n" + rows + "facts p:\n  y: years\noutput d: days = t[y]\n"
    with pytest.raises(PolicyError) as err:
        loads(text)
    found = [(x.code, x.message) for x in err.value.diagnostics]
    assert any(code == "C010" and message in text for code, text in found), found


def test_a_gap_is_allowed_with_an_otherwise_row() -> None:
    loads("policy t\ntable t: years -> days\n  from 1 year below 10 years: 5 days\n  from 12 years: 10 days\n"
          "  otherwise: 0 days\nfacts p:\n  y: years\noutput d: days = t[y]\n")


def test_a_key_no_row_holds_is_still_needed() -> None:
    p = loads("policy t\ntable t: integer -> money\n  from 1 up_to 10: 5 元\nfacts p:\n  y: integer\n"
              "output d: money = t[y]\n")
    d = p.evaluate({"p": {"y": 11}}, on="2024-01-01")
    assert d.outputs["d"].needed == ("a row of table t for 11",)


def test_the_progressive_card_shows_each_band() -> None:
    p = loads(TAX)
    d = p.evaluate({"person": {"taxable": "187000.00"}}, on="2024-01-01")
    assert d.value("tax") == Decimal("20480.00")
    text = p.explain(d)
    assert "band 1: 36000.00 × 3% = 1080.00" in text and "band 3: 43000.00 × 20% = 8600.00" in text


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=5_000_000, places=2))
def test_the_progressive_schedule_equals_its_quick_deduction_form(x: Decimal) -> None:
    d = loads(TAX).evaluate({"person": {"taxable": str(x)}}, on="2024-01-01")
    assert d.value("tax") == quick_deduction(x)


bounds = st.lists(st.integers(0, 60), min_size=2, max_size=6, unique=True).map(sorted)


@settings(max_examples=100, deadline=None)
@given(bounds, st.lists(st.booleans(), min_size=12, max_size=12))
def test_a_table_that_checks_has_exactly_one_row_for_every_value_it_covers(cuts: list[int], incl: list[bool]) -> None:
    """Whatever bounds a drafter writes: if the table checks, every value from the first bound
    to the last is held by exactly one row; if it does not, C010 names an overlap or a gap."""
    rows = []
    for i, (lo, hi) in enumerate(zip(cuts, cuts[1:], strict=False)):
        lo_kw = "from" if incl[2 * i] else "above"
        hi_kw = "up_to" if incl[2 * i + 1] else "below"
        rows.append(f"  {lo_kw} {lo} {hi_kw} {hi}: {i} 元\n")
    text = "policy t\ntable t: number -> money\n" + "".join(rows) + "facts p:\n  y: number\noutput d: money = t[y]\n"
    try:
        p = loads(text)
    except PolicyError as err:
        assert {x.code for x in err.diagnostics} == {"C010"}
        return
    probes = [Decimal(c) for c in cuts] + [Decimal(c) + Decimal("0.5") for c in cuts[:-1]]
    for y in probes:
        d = p.evaluate({"p": {"y": str(y)}}, on="2024-01-01")
        first, last = Decimal(cuts[0]), Decimal(cuts[-1])
        inside_ends = (y > first or incl[0]) and (y < last or incl[2 * (len(cuts) - 2) + 1])
        if inside_ends:
            assert not d.outputs["d"].needed, y

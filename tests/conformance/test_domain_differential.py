"""Interpreter against the compiled query on DuckDB over the whole value domain (issue 12):
negative amounts where the fact is ``signed``, zero, exact half-fen ties, amounts exactly at a
cap or a floor, the documented bounds (below 10^15 yuan, 6 places for money, 8 for
percentages), month ends and 29 February.  Every output of every drawn row must agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import conformance as cf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules.api import loads

BOUND = Decimal("999999999999999.999999")  # the largest money amount a fact may hold (below 10^15)


def amounts(limit: Decimal, places: int, signed: bool, special: list[str]) -> st.SearchStrategy[Decimal]:
    """Money or numbers: anywhere in the domain, or one of the boundary values (and their negatives)."""
    low = -limit if signed else Decimal(0)
    marks = [Decimal(v) for v in special] + [limit]
    marks += [-m for m in marks] if signed else []
    return st.one_of(st.decimals(min_value=low, max_value=limit, places=places),
                     st.sampled_from([m for m in marks if low <= m <= limit]))


TIES = ["0", "0.005", "0.015", "0.125", "0.135", "0.995", "2.5", "3.5", "0.000001", "0.004999", "0.005001",
        "1.005", "2999.995", "3000", "3000.005", "2000", "1999.995", "500", "499.995", "36000", "36000.005",
        "144000", "144000.005", "999999999999999.995"]
money = amounts(BOUND, 6, True, TIES)
small_money = amounts(Decimal("999999999999.99"), 6, True, TIES[:-1])  # products keep 28 digits
percent = amounts(Decimal(1), 8, True, ["0", "0.5", "0.03", "0.000001", "0.0531", "0.15", "1"])
count = st.one_of(st.integers(-1000, 1000), st.sampled_from([0, 1, -1, 3, 7, 8, 10 ** 9]))
dates = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
                  st.sampled_from([dt.date(2024, 2, 29), dt.date(2024, 1, 31), dt.date(2023, 2, 28),
                                   dt.date(2024, 12, 31), dt.date(2000, 2, 29), dt.date(2100, 2, 28)]))

LINEAR = loads("""policy linear
facts person:
  x: signed money
  y: signed money
  n: signed integer
""" + "".join(f"""benefit {m}_{q.replace('.', '_')} once
  amount x - y
  rounding {m} to {q} 元
""" for m in ("half_up", "half_even", "down", "up") for q in ("0.01", "1")) + """
benefit capped once
  amount x, at_least -3000 元, at_most 3000 元
benefit per_n once
  amount x / n
benefit extremes once
  amount max(x, y) - min(x, y) / 2
benefit absolute once
  amount abs(x - y)
""", "<linear>")

PRODUCTS = loads("""policy products
table band: money -> percent progressive
  up_to 36000 元: 3%
  above 36000 元 up_to 144000 元: 10%
  above 144000 元: 20%
facts person:
  x: signed money
  p: signed percent
  n: signed integer
benefit share once
  amount p of x
  rounding half_even to 0.01 元
benefit share_up once
  amount p of x + x × 3%
  rounding up to 0.1 元
benefit ratio once
  amount 100 元 × (x / (x + 1 元))
benefit tax once
  amount band[x]
benefit per_item once
  amount x × n, at_most 3000 元
""", "<products>")

CALENDAR = loads("""policy calendar
facts person:
  a: date
  b: date
  k: signed integer
output plus: date = a + k × 1 month
output minus: date = b - 1 year
output months = months_between(a, b)
output years = years_between(a, b)
output days = days_between(a, b)
output overlap = days_overlap(a, b, 2024-01-01, 2024-12-31)
output overlap_months = months_overlap(a, b, 2024-01-01, 2024-12-31)
output month_end: date = end_of_month(a)
""", "<calendar>")


RULES = loads("""policy rules
facts person:
  a: signed money
  b: signed money
  used: years
  flag: bool
  level: low | mid | high
benefit alt yearly
  amount
    if flag: a, at_most 3000 元
    if level = mid: b, at_least -500 元
    else: a + b
benefit exc yearly
  amount a
    except level = high: b
benefit split yearly
  amount parts
    p1: 33.3% of a
    p2: 66.7% of b
benefit alloc yearly
  amount allocate 1000 元 over
    i1: a
    i2: b
benefit g1 yearly
  amount a
benefit g2 yearly
  amount b
exclusive g highest: g1, g2
benefit f1 yearly
  when flag
  amount a
benefit f2 yearly
  amount b
exclusive f first: f1, f2
benefit termed yearly
  amount a
  for at_most 3 years counting used
    extended by 6 months when flag
""", "<rules>")


BEYOND = Decimal(10) ** 16
"""A value a batch run cannot hold (docs/batch.md: DECIMAL(18,2) outputs, up to 10^16 a person):
the run stops with an error instead, which is what a row beyond it must give."""


def _beyond(values: Any) -> bool:
    return not isinstance(values, str) and any(
        isinstance(v, Decimal) and abs(v) >= BEYOND for v in values.values())


def agree(policy: Any, rows: list[dict[str, Any]]) -> None:
    names = list(policy.checked.outputs) + list(policy.checked.results)
    cases = tuple(cf.Case(f"row {i}", {"person": r}, {n: None for n in names}) for i, r in enumerate(rows))
    interpreted = dict((c.id, v) for c, v in cf.run_interpreter(
        cf.Suite("domain", policy, dt.date(2024, 6, 30), {}, cases)))
    beyond = [c for c in cases if _beyond(interpreted[c.id])]
    for case in beyond:  # alone, so that its error stops no other row
        alone = cf.Suite("domain", policy, dt.date(2024, 6, 30), {}, (case,))
        got = dict((c.id, v) for c, v in cf.run_compiled(alone, "duckdb", cf.duckdb_runner()))[case.id]
        assert isinstance(got, str), (case.facts, got)
    cases = tuple(c for c in cases if c not in beyond)
    suite = cf.Suite("domain", policy, dt.date(2024, 6, 30), {}, cases)
    compiled = dict((c.id, v) for c, v in cf.run_compiled(suite, "duckdb", cf.duckdb_runner()))
    for case in cases:
        want, got = interpreted[case.id], compiled[case.id]
        assert not isinstance(want, str) and not isinstance(got, str), (case.facts, want, got)
        wrong = {n: (want[n], got[n]) for n in names if not cf.same(want[n], got[n])}
        assert not wrong, (case.facts, wrong)


def _text(row: dict[str, Any]) -> dict[str, Any]:
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in row.items()}


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"x": money, "y": money, "n": count}), min_size=1, max_size=40))
def test_linear_amounts_over_the_whole_domain(rows: list[dict[str, Any]]) -> None:
    agree(LINEAR, [_text(r) for r in rows])


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"x": small_money, "p": percent, "n": count}), min_size=1, max_size=40))
def test_products_and_schedules_over_signs_and_ties(rows: list[dict[str, Any]]) -> None:
    agree(PRODUCTS, [_text({**r, "p": r["p"]}) for r in rows])


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"a": dates, "b": dates, "k": st.integers(-600, 600)}), min_size=1,
                max_size=40))
def test_calendar_over_month_ends_and_leap_days(rows: list[dict[str, Any]]) -> None:
    agree(CALENDAR, rows)


years = amounts(Decimal(50), 6, False, ["0", "2.5", "2.999999", "3", "3.5", "3.499999", "0.000001"])


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"a": small_money, "b": small_money, "used": years, "flag": st.booleans(),
                                       "level": st.sampled_from(["low", "mid", "high"])}), min_size=1, max_size=40))
def test_rules_groups_terms_over_signs_and_ties(rows: list[dict[str, Any]]) -> None:
    agree(RULES, [_text(r) for r in rows])


def test_negative_divisor_regression() -> None:
    """-1 / -8 is +0.125: the compiled division took the sign of the numerator only."""
    agree(LINEAR, [{"x": "-1", "y": "0", "n": -8}, {"x": "1", "y": "0", "n": -8}, {"x": "-0.02", "y": "0", "n": -8}])
    agree(PRODUCTS, [{"x": "-2", "p": "0", "n": 1}])

"""Every construct of the language, compiled and run in DuckDB, equals the interpreter: rounding
modes, periods, terms with extensions, choices with parts, allocations, divisions (by zero too),
durations in days, months and years, dates, tables, sets, exclusive groups, validity windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from compiled_support import policy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_compiled_differential import check_agree, facts_strategy, money

from policyrules.compile import compile_query, resolve
from policyrules.compile.unsupported import Unsupported

CONSTRUCTS = Path(__file__).parent / "data" / "constructs.policy"


@st.composite
def constructs_case(draw):
    cp = policy(CONSTRUCTS).checked
    kinds = draw(st.sampled_from([("person", "firm"), ("person",)]))
    rows = draw(st.lists(facts_strategy(cp, kinds), min_size=1, max_size=20))
    on = draw(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)))
    return rows, on, {"open_amount": str(draw(money(5000)))}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(constructs_case())
def test_constructs_compiled_equals_interpreter(case):
    rows, on, params = case
    check_agree(policy(CONSTRUCTS), rows, on, params)


def test_zero_divisors_and_half_fen_values():
    p = policy(CONSTRUCTS)
    base = {"born": dt.date(1980, 2, 29), "started": dt.date(2015, 3, 31), "level": "high", "grade": "top",
            "income": Decimal("1234.565"), "monthly": Decimal(0), "yearly": Decimal(0), "share": Decimal("0.5"),
            "n_items": 7, "ratio": Decimal("2.5"), "months_in": Decimal("1.5"), "years_in": Decimal("0.5"),
            "days_in": Decimal(31), "flag": True, "other_flag": False, "name": "vip", "pays_si": True}
    rows = [{"person": base, "firm": {"staff": 0, "payroll": Decimal(0), "pays_si": True}},
            {"person": {**base, "monthly": Decimal("0.03"), "yearly": Decimal("0.07"), "income": Decimal("0.01")},
             "firm": {"staff": 3, "payroll": Decimal("3"), "pays_si": False}},
            {"person": {**base, "level": "low", "grade": "low", "income": Decimal("99999.999999")},
             "firm": {"staff": 3, "payroll": Decimal("7"), "pays_si": True}}]
    for on in (dt.date(2019, 12, 31), dt.date(2020, 2, 29), dt.date(2040, 12, 31)):
        check_agree(p, rows, on, {"open_amount": "100.005"})


def test_an_uncompilable_reference_names_construct_and_rule():
    from policyrules.api import loads

    p = loads("""
policy t
facts person:
  a: money
facts firm:
  b: money
benefit x yearly
  amount a
benefit y yearly
  amount b
exclusive g highest: x, y
benefit z yearly
  amount x
""")
    with pytest.raises(Unsupported) as err:
        compile_query(p.checked, dt.date(2020, 1, 1), {}, kinds=["person"])
    assert err.value.rule == "z" and "`x`" in err.value.construct and "firm" in str(err.value)
    # with both kinds it compiles
    compile_query(p.checked, dt.date(2020, 1, 1), {}, kinds=["person", "firm"])


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
@pytest.mark.parametrize("which", ["constructs", "city", "b1"])
def test_every_dialect_parses(dialect, which):
    import sqlglot
    from compiled_support import B1, CITY

    path = {"constructs": CONSTRUCTS, "city": CITY, "b1": B1}[which]
    cp = policy(path).checked
    on = dt.date(2020, 7, 1)
    supplied = {"constructs": {"open_amount": "10"}, "b1": {},
                "city": {"min_wage_monthly": "960", "avg_wage_last_year": "24000",
                         "employer_min_si_monthly": "300"}}[which]
    c = compile_query(cp, on, resolve(cp, on, supplied), dialect=dialect)
    text = c.sql(pretty=True)
    tree = sqlglot.parse_one(text, read=dialect)
    assert tree is not None
    names = [o.column for o in c.outputs]
    assert all(f'AS {q}{n}{q}' in text for n in names for q in ('"' if dialect != "spark" else "`",))

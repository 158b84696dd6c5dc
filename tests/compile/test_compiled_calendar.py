"""Calendar arithmetic compiled to SQL equals the interpreter on every date pair: random dates
weighted to the 28th-31st, month ends and leap days, each value of a policy of every calendar
function and of date ± days/months/years, compared value by value (DuckDB); the SQL of the
other dialects parses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import builtins as b
from policyrules.api import loads
from policyrules.compile.query import QueryCompiler, default_columns
from policyrules.evaluate.expressions import Interpreter

POLICY = """policy cal "日历"

facts person "个人":
  a "a": date
  b "b": date
  c "c": date
  d "d": date
  k "k": months
  y "y": years
  n "n": days

value plus_k = a + k
value minus_k = a - k
value rev_k = k + b
value plus_y = a + y
value minus_y = b - y
value plus_n = a + n
value minus_n = a - n
value plus_lit = a + 1 month
value minus_lit = b - 1 year
value db = days_between(a, b)
value mb = months_between(a, b)
value yb = years_between(a, b)
value age = age_on(a, b)
value ys = years_since(a)
value ms = months_since(a)
value yr = year_of(a)
value mo = month_of(a)
value dy = day_of(b)
value mo_plus = month_of(a) + k
value mo_minus = month_of(b) - y
value som = start_of_month(a)
value eom = end_of_month(b)
value eom_m = end_of_month(month_of(a))
value soy = start_of_year(b)
value eoy = end_of_year(month_of(a))
value dov = days_overlap(a, b, c, d)
value mov = months_overlap(a, b, c, d)
value mov_m = months_overlap(month_of(a), b, c, month_of(d))
value deadline_ok = b <= a + k
value nested = months_between(a + k, end_of_month(b) - n)
"""


def month_endish() -> st.SearchStrategy[dt.date]:
    def build(y: int, m: int, day: int) -> dt.date:
        return dt.date(y, m, min(day, b.days_in_month(y, m)))

    special = st.builds(build, st.integers(1996, 2033), st.integers(1, 12),
                        st.sampled_from([1, 2, 15, 27, 28, 29, 30, 31]))
    return st.one_of(special, st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))


def durations() -> st.SearchStrategy[Decimal]:
    return st.one_of(st.integers(0, 150).map(Decimal), st.decimals(min_value=0, max_value=60, places=1))


row_strategy = st.fixed_dictionaries({
    "a": month_endish(), "b": month_endish(), "c": month_endish(), "d": month_endish(),
    "k": durations(), "y": st.integers(0, 40).map(Decimal), "n": st.integers(0, 800).map(Decimal)})


def compiled_values(cp: Any, on: dt.date, dialect: str) -> tuple[str, list[str]]:
    """One SELECT of every value of the policy over the table ``facts``."""
    kinds = list(cp.facts)
    qc = QueryCompiler(cp, on, {}, kinds, default_columns(cp, kinds), dialect)
    names = list(cp.values)
    selected = [("i", None)] + [(name, qc.value(name)) for name in names]
    select = qc._levels("facts", ["i"], [(n, x) for n, x in selected if x is not None])
    return select.sql(dialect=dialect), names


def interpreted(cp: Any, row: dict[str, Any], on: dt.date) -> dict[str, Any]:
    facts = {**row, "y": row["y"] * 12}  # years are carried as months
    it = Interpreter(cp, {"person": facts}, {}, on, False, lambda name: None, lambda o, p: None)
    return {name: it.value(name) for name in cp.values}


def check(rows: list[dict[str, Any]], on: dt.date) -> None:
    cp = loads(POLICY).checked
    sql, names = compiled_values(cp, on, "duckdb")
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (i INTEGER, a DATE, b DATE, c DATE, d DATE, k DECIMAL(18,6), "
                "y DECIMAL(18,6), n DECIMAL(18,6))")
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [[i, r["a"], r["b"], r["c"], r["d"], r["k"], r["y"], r["n"]] for i, r in enumerate(rows)])
    cur = con.execute(sql)
    cols = [x[0] for x in cur.description]
    got = {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
    for i, row in enumerate(rows):
        want = interpreted(cp, row, on)
        for name in names:
            value = got[i][name]
            if isinstance(value, dt.datetime):
                value = value.date()
            assert value == want[name], (name, row, on, want[name], value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(row_strategy, min_size=1, max_size=40), month_endish())
def test_calendar_compiled_equals_interpreter(rows: list[dict[str, Any]], on: dt.date) -> None:
    check(rows, on)


def test_month_end_pairs_agree() -> None:
    """Every pair of a few days around each month end of 2023-2024, both ways."""
    days = [dt.date(y, m, d) for y in (2023, 2024) for m in range(1, 13) for d in (1, 28, 29, 30, 31)
            if d <= b.days_in_month(y, m)]
    rows = [{"a": x, "b": z, "c": z, "d": x, "k": Decimal(1), "y": Decimal(1), "n": Decimal(1)}
            for x in days[::3] for z in days[1::4]]
    check(rows, dt.date(2024, 2, 29))


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_calendar_sql_parses_in_every_dialect(dialect: str) -> None:
    cp = loads(POLICY).checked
    sql, names = compiled_values(cp, dt.date(2024, 2, 29), dialect)
    assert sqlglot.parse_one(sql, read=dialect) is not None
    q = "`" if dialect == "spark" else '"'
    assert all(f"AS {q}{name}{q}" in sql for name in names)

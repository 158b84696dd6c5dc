"""Range tables and progressive schedules compiled to SQL equal the interpreter, at and around
every bound (issue 7.5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.api import load
from policyrules.compile import compile_query, resolve

POLICY = load(Path(__file__).parent / "data" / "ranges.policy")
ON = dt.date(2024, 1, 1)
EDGES = [Decimal(x) for x in ("0", "0.01", "35999.99", "36000", "36000.01", "143999.99", "144000", "144000.01")]
YEARS = [Decimal(x) for x in ("0", "0.5", "1", "9.99", "10", "19.99", "20", "45")]


def compiled(rows: list[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    cp = POLICY.checked
    sql = compile_query(cp, ON, resolve(cp, ON, {})).sql()
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (years_worked DECIMAL(38,6), taxable DECIMAL(38,6))")
    con.executemany("INSERT INTO facts VALUES (?, ?)", [(str(y), str(t)) for y, t in rows])
    return [tuple(r) for r in con.execute(sql).fetchall()]  # type: ignore[misc]


def interpreted(rows: list[tuple[Decimal, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    out = []
    for y, t in rows:
        d = POLICY.evaluate({"person": {"years_worked": str(y), "taxable": str(t)}}, on=ON, trace=False)
        out.append((d.value("tax_b"), d.value("leave_pay")))
    return out  # type: ignore[return-value]


def test_every_bound_compiled_equals_interpreted() -> None:
    rows = [(y, t) for y in YEARS for t in EDGES]
    assert compiled(rows) == interpreted(rows)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.decimals(min_value=0, max_value=60, places=2),
                          st.decimals(min_value=0, max_value=10**7, places=2)), min_size=1, max_size=20))
def test_random_keys_compiled_equals_interpreted(rows: list[tuple[Decimal, Decimal]]) -> None:
    assert compiled(rows) == interpreted(rows)

"""One definition of each rounding mode (policyrules/rounding.py): the interpreter and the
compiled SQL round alike for every sign (issue 12: `rounding up` was away from zero in the
interpreter and CEIL in SQL, -100 against -99 for `income - 100 元` at income 0.50)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.api import loads
from policyrules.compile import compile_query, resolve

MODES = ("half_up", "half_even", "down", "up")
POLICY = loads("policy r\nfacts person:\n  income: signed money\n" + "".join(
    f"benefit b_{m} once\n  amount income - 100 元\n  rounding {m} to {q}\n"
    for m in MODES for q in ("1 元",)) + "".join(
    f"benefit f_{m} once\n  amount income × 3%\n  rounding {m} to 0.01 元\n" for m in MODES))
ON = dt.date(2024, 1, 1)


def both(values: list[Decimal]) -> tuple[list[tuple[Decimal, ...]], list[tuple[Decimal, ...]]]:
    cp = POLICY.checked
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (income DECIMAL(38,6))")
    con.executemany("INSERT INTO facts VALUES (?)", [(str(v),) for v in values])
    compiled = [tuple(r) for r in con.execute(compile_query(cp, ON, resolve(cp, ON, {})).sql()).fetchall()]
    names = list(cp.outputs)
    interpreted = []
    for v in values:
        d = POLICY.evaluate({"person": {"income": str(v)}}, on=ON, trace=False)
        interpreted.append(tuple(d.value(n) for n in names))
    return compiled, interpreted  # type: ignore[return-value]


def test_up_is_away_from_zero_in_both_engines() -> None:
    compiled, interpreted = both([Decimal("0.50")])
    assert compiled == interpreted
    assert interpreted[0][3] == Decimal(-100)  # b_up: -99.50 rounded up (away from zero)


@pytest.mark.parametrize("v", ["0", "0.5", "-0.5", "99.5", "100.5", "-100.5", "1.005", "-1.005", "16.6666", "-16.6666"])
def test_ties_and_signs(v: str) -> None:
    compiled, interpreted = both([Decimal(v)])
    assert compiled == interpreted


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=6), min_size=1, max_size=30))
def test_every_mode_agrees_over_the_whole_domain(values: list[Decimal]) -> None:
    compiled, interpreted = both(values)
    assert compiled == interpreted

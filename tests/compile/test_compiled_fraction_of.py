"""A fraction as the rate of `of` ("按实际缴费的2/3给予补贴": `2/3 of paid`): checked, and the same
amount interpreted and compiled, to the fen, for every rounding mode."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.api import PolicyError, loads
from policyrules.compile import compile_query, resolve

POLICY = """
policy fraction "灵活就业人员社会保险补贴"
facts person "个人":
  paid "实际缴纳的社会保险费": money
output subsidy "社会保险补贴": money = 2/3 of paid
  rounding {mode} to 0.01 元
"""
ON = dt.date(2024, 6, 30)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.one_of(st.decimals(min_value=0, max_value=10**9, places=2),
                          st.sampled_from([Decimal("0.01"), Decimal("0.02"), Decimal("300"), Decimal("0.03")])),
                min_size=1, max_size=10),
       st.sampled_from(["half_up", "half_even", "down", "up"]))
def test_interpreted_and_compiled_agree(paid: list[Decimal], mode: str) -> None:
    p = loads(POLICY.format(mode=mode), "fraction.policy")
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (paid DECIMAL(18, 2))")
    con.executemany("INSERT INTO facts VALUES (?)", [(str(x),) for x in paid])
    c = compile_query(p.checked, ON, resolve(p.checked, ON, {}))
    got = [Decimal(r[0]) for r in con.execute(c.sql()).fetchall()]
    want = [p.evaluate({"person": {"paid": str(x)}}, on=ON).outputs["subsidy"].value for x in paid]
    assert got == want


def test_the_fraction_pays_two_thirds() -> None:
    p = loads(POLICY.format(mode="half_up"), "fraction.policy")
    assert p.evaluate({"person": {"paid": "300.00"}}, on=ON).outputs["subsidy"].value == Decimal("200.00")


def test_a_whole_number_is_not_a_rate() -> None:
    with pytest.raises(PolicyError) as err:
        loads(POLICY.format(mode="half_up").replace("2/3 of paid", "2 of paid"), "bad.policy")
    assert [d.code for d in err.value.diagnostics] == ["T001"]
    assert "a percentage or a fraction" in err.value.diagnostics[0].message

"""A table held by a value (a field of a record row chosen from a list parameter) is looked up
with `name[key]`: the rent standard by city tier of the row of 专项附加扣除标准 in force."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyrules.api import PolicyError, loads

POLICY = """
policy held "表作为记录字段"
record standard:
  from: date
  rent_by_tier: integer -> money per month
  label: text
parameter standards: list of standard
facts person:
  tier: integer
value row = last standards where from <= evaluation_date
value rents = row.rent_by_tier
output rent: money = rents[tier] × 12 months
"""
STANDARDS = [{"from": "2019-01-01", "rent_by_tier": {1: "1500.00", 2: "1100.00"}, "label": "a"},
             {"from": "2030-01-01", "rent_by_tier": {1: "9999.00", 2: "9999.00"}, "label": "b"}]


def test_a_table_held_by_a_value_is_looked_up_by_its_key() -> None:
    p = loads(POLICY)
    d = p.evaluate({"person": {"tier": 2}}, on="2023-12-31", parameters={"standards": STANDARDS})
    assert d.value("rent") == Decimal("13200.00")


def test_a_missing_key_of_a_held_table_is_still_needed() -> None:
    p = loads(POLICY)
    d = p.evaluate({"person": {"tier": 3}}, on="2023-12-31", parameters={"standards": STANDARDS})
    assert d.outputs["rent"].needed == ("rents[3]",)


def test_a_held_table_is_looked_up_by_its_key_type() -> None:
    with pytest.raises(PolicyError, match="T002"):
        loads(POLICY.replace("rents[tier]", "rents[2024-01-01]"))


def test_a_value_that_is_not_a_table_cannot_be_looked_up() -> None:
    with pytest.raises(PolicyError, match="N006"):
        loads(POLICY.replace("rents[tier]", "row[tier]"))

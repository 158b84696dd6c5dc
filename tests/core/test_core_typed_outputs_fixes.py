"""Regressions found while encoding the labour-law policies: an output declared with a
category type names that category's values; a table parameter may be given inline as JSON text
(`--param rates={"workday": "1.5"}`)."""

from __future__ import annotations

from decimal import Decimal

from policyrules.api import loads

BASIS = """
policy basis "月工资基数"
enum basis = normal | capped | raised
parameter averages: integer -> money
facts person:
  wage: money
output cap: money = 3 × averages[2023]
output wage_basis "基数": basis =
  if wage > cap then capped
  else if wage < 2420 元 then raised
  else normal
"""


def test_a_category_output_names_its_values() -> None:
    p = loads(BASIS)
    d = p.evaluate({"person": {"wage": "30000.01"}}, on="2024-06-30",
                   parameters={"averages": {"2023": "10000.00"}})
    assert d.value("wage_basis") == "capped"
    d = p.evaluate({"person": {"wage": "2300.00"}}, on="2024-06-30",
                   parameters={"averages": {"2023": "10000.00"}})
    assert d.value("wage_basis") == "raised"


def test_a_table_parameter_given_as_json_text() -> None:
    p = loads(BASIS)
    d = p.evaluate({"person": {"wage": "30000.00"}}, on="2024-06-30",
                   parameters={"averages": '{"2023": "10000.00"}'})
    assert d.value("cap") == Decimal("30000.00") and d.value("wage_basis") == "normal"

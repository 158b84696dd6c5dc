"""Regression found while encoding the work-injury policy: a category value may be qualified by
its category (`basis.actual`), which is how a value that is also a keyword is written."""

from __future__ import annotations

from decimal import Decimal

from policyrules.api import loads

POLICY = """
policy wage "本人工资"
parameter ceiling_rate "上限比例": percent
parameter floor_rate "下限比例": percent = 60%
parameter average "平均工资": money
enum basis = actual | capped | raised
facts person:
  wage: money
output wage_basis "本人工资的确定": basis =
  if wage > ceiling_rate of average then capped
  else if wage < floor_rate of average then raised
  else basis.actual
output own_wage: money =
  if wage_basis = capped then ceiling_rate of average
  else if wage_basis = raised then floor_rate of average
  else wage
output used_as_is: bool = wage_basis = basis.actual
"""


def test_a_category_value_may_be_qualified_by_its_category() -> None:
    p = loads(POLICY)
    d = p.evaluate({"person": {"wage": "24000.01"}}, on="2024-06-30", parameters={"average": "8000.00", "ceiling_rate": "300%"})
    assert d.value("wage_basis") == "capped" and d.value("own_wage") == Decimal("24000.00")
    d = p.evaluate({"person": {"wage": "24000.00"}}, on="2024-06-30", parameters={"average": "8000.00", "ceiling_rate": "300%"})
    assert d.value("wage_basis") == "actual" and d.value("used_as_is") is True


def test_a_qualified_value_not_of_the_category_is_refused() -> None:
    import pytest

    with pytest.raises(Exception, match="N005"):
        loads(POLICY.replace("else basis.actual", "else basis.actaul"))

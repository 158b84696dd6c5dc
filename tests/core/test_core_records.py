"""Records, lists, optional facts, typed outputs and structured parameters (issue 7): checking,
evaluation, explanation and typed case comparison, with properties (aggregates do not depend
on the order of the records; no amount below zero)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.api import InputError, PolicyError, loads
from policyrules.interfaces.cases import run_entitlement_cases

HIRING = """
policy hiring "一次性吸纳就业补贴"
record hire "吸纳人员":
  hired_on "招用日期": date
  insured "已参保": bool
  hardship "就业困难人员": bool = false
  monthly_wage "月工资": money
facts enterprise "用人单位":
  hires "新招用人员": list of hire
  already_granted "已领取补贴": money = 0 元
  contact_date "申请日期": optional date
value qualifies "符合条件" for_each hire = insured and hired_on >= 2024-01-01
value per_hire "每人补贴" for_each hire = if hardship then 1500 元 else 1000 元
output qualifying_hires "符合条件人数": integer = count hires where qualifies
output qualifying_ids = list hires where qualifies
output highest_wage: money = largest monthly_wage over hires where qualifies
output any_hardship: bool = any hires where hardship and qualifies
output all_insured: bool = every hires where insured
value first_hire = first hires where qualifies
output first_hire_date: date = first_hire.hired_on
output deadline: date = contact_date + 6 months
benefit hiring_subsidy "一次性吸纳就业补贴" once
  cite "按每人1000元给予一次性吸纳就业补贴,每户企业最高不超过5万元"
  amount (sum per_hire over hires where qualifies), at_most 5万元 - already_granted, at_least 0 元
"""


def hires(*rows: tuple[str, str, bool, bool, str]) -> list[dict[str, Any]]:
    return [{"id": i, "hired_on": d, "insured": ins, "hardship": h, "monthly_wage": w}
            for i, d, ins, h, w in rows]


ROWS = hires(("h1", "2024-02-01", True, False, "4000.00"), ("h2", "2023-12-31", True, True, "5000.00"),
             ("h3", "2024-03-15", False, False, "6000.00"), ("h4", "2024-05-20", True, True, "3500.00"))


@pytest.fixture(scope="module")
def policy() -> Any:
    return loads(HIRING, "hiring.policy")


def evaluate(policy: Any, rows: list[dict[str, Any]], **facts: Any) -> Any:
    return policy.evaluate({"enterprise": {"hires": rows, **facts}}, on="2024-06-30")


def test_aggregates_over_a_list_of_records(policy: Any) -> None:
    d = evaluate(policy, ROWS)
    assert d.value("qualifying_hires") == 2
    assert d.value("qualifying_ids") == ("h1", "h4")
    assert d.value("highest_wage") == Decimal("4000.00")
    assert d.value("any_hardship") is True and d.value("all_insured") is False
    assert str(d.value("first_hire_date")) == "2024-02-01"
    assert d.value("hiring_subsidy") == Decimal("2500.00")


def test_the_cap_counts_what_was_already_granted_and_never_goes_below_zero(policy: Any) -> None:
    assert evaluate(policy, ROWS, already_granted="49000.00").value("hiring_subsidy") == Decimal("1000.00")
    assert evaluate(policy, ROWS, already_granted="60000.00").value("hiring_subsidy") == Decimal("0.00")


def test_an_empty_or_absent_list(policy: Any) -> None:
    d = evaluate(policy, [])
    assert d.value("qualifying_hires") == 0 and d.value("qualifying_ids") == ()
    assert d.value("hiring_subsidy") == Decimal("0.00")
    assert d.outputs["highest_wage"].needed  # no item: the largest is not known
    d = policy.evaluate({"enterprise": {}}, on="2024-06-30")
    assert d.value("qualifying_hires") == 0


def test_an_absent_optional_fact_is_still_needed_not_an_error(policy: Any) -> None:
    d = evaluate(policy, ROWS)
    r = d.outputs["deadline"]
    assert r.value is None and r.needed == ("enterprise.contact_date",)
    assert "still needed: enterprise.contact_date" in policy.explain(d)
    d = evaluate(policy, ROWS, contact_date="2024-08-31")
    assert str(d.value("deadline")) == "2025-02-28"  # 《民法典》第二百零二条: the month end


def test_bad_items_are_named_by_their_path(policy: Any) -> None:
    rows = hires(("h1", "2024-02-30", True, False, "4000.00"), ("h2", "2024-01-01", "perhaps", False, "-1.00"))
    rows[0]["colour"] = "red"
    with pytest.raises(InputError) as err:
        evaluate(policy, rows + ["not a record"])  # type: ignore[list-item]
    where = {p.where for p in err.value.problems}
    assert {"enterprise.hires[0].hired_on", "enterprise.hires[0].colour", "enterprise.hires[1].insured",
            "enterprise.hires[1].monthly_wage", "enterprise.hires[2]"} <= where


def test_the_card_lists_each_item_with_its_reason(policy: Any) -> None:
    text = policy.explain(evaluate(policy, ROWS))
    assert "items of hires:" in text
    assert "✗ h3:" in text and "✓ h1:" in text


def test_aggregate_over_a_plain_number_is_r001() -> None:
    with pytest.raises(PolicyError) as err:
        loads("policy x\nfacts e:\n  n: integer\noutput c: integer = count n where n > 1\n")
    assert [d.code for d in err.value.diagnostics] == ["R001"]


def test_a_declared_output_type_is_checked() -> None:
    with pytest.raises(PolicyError) as err:
        loads("policy x\nfacts e:\n  n: integer\noutput c: money = n + 1\n")
    assert [d.code for d in err.value.diagnostics] == ["T004"]


# ---------------------------------------------------------------- typed case comparison
@pytest.mark.parametrize(("expected", "ok"), [(2, True), ("2", False), ("2.00", False), (3, False), (True, False)])
def test_an_integer_output_compares_as_an_integer(policy: Any, expected: Any, ok: bool) -> None:
    data = {"date": "2024-06-30", "cases": [{"name": "c", "facts": {"enterprise": {"hires": ROWS}},
                                             "expect": {"qualifying_hires": expected}}]}
    [result] = run_entitlement_cases(policy, data)
    assert result.passed is ok
    if not ok:
        assert "qualifying_hires" in result.failures[0]


@pytest.mark.parametrize(("expected", "ok"), [(["h1", "h4"], True), (["h4", "h1"], False), ("h1, h4", False)])
def test_a_list_output_compares_in_input_order(policy: Any, expected: Any, ok: bool) -> None:
    data = {"date": "2024-06-30", "cases": [{"name": "c", "facts": {"enterprise": {"hires": ROWS}},
                                             "expect": {"qualifying_ids": expected}}]}
    assert run_entitlement_cases(policy, data)[0].passed is ok


def test_a_still_needed_output_fails_a_case_with_the_reason(policy: Any) -> None:
    data = {"date": "2024-06-30", "cases": [{"name": "c", "facts": {"enterprise": {"hires": ROWS}},
                                             "expect": {"deadline": "2025-01-01"}}]}
    [result] = run_entitlement_cases(policy, data)
    assert not result.passed and "still needed" in result.failures[0]


# ---------------------------------------------------------------- structured parameters
BANDS = """
policy tax
record tax_band:
  up_to: optional money
  rate: percent
  quick_deduction: money
parameter rate_table "税率表": list of tax_band
parameter rates "倍数": day_type -> number
parameter days "月计薪天数": number default 21.75
enum day_type = workday | rest_day | statutory_holiday
facts person:
  taxable: money
  day: day_type
value band = first rate_table where not given(up_to) or taxable <= up_to
output tax: money = taxable × band.rate - band.quick_deduction, at_least 0 元
output rate_of_day: number = rates[day]
output paid_days: number = days
"""
RATE_TABLE = [{"up_to": "36000", "rate": "3%", "quick_deduction": "0"},
              {"up_to": "144000", "rate": "10%", "quick_deduction": "2520"},
              {"up_to": None, "rate": "45%", "quick_deduction": "181920"}]
RATES = {"workday": "1.5", "rest_day": "2.0", "statutory_holiday": "3.0"}


def test_tables_and_lists_as_parameters_and_an_overridable_default() -> None:
    p = loads(BANDS)
    d = p.evaluate({"person": {"taxable": "50000.00", "day": "rest_day"}}, on="2024-01-01",
                   parameters={"rate_table": RATE_TABLE, "rates": RATES})
    assert d.value("tax") == Decimal("2480.00") and d.value("rate_of_day") == Decimal("2.0")
    assert d.value("paid_days") == Decimal("21.75")
    d = p.evaluate({"person": {"taxable": "50000.00", "day": "rest_day"}}, on="2024-01-01",
                   parameters={"rate_table": RATE_TABLE, "rates": RATES, "days": "20"})
    assert d.value("paid_days") == Decimal("20")


def test_a_missing_table_entry_is_still_needed() -> None:
    p = loads(BANDS)
    d = p.evaluate({"person": {"taxable": "50000.00", "day": "rest_day"}}, on="2024-01-01",
                   parameters={"rate_table": RATE_TABLE, "rates": {"workday": "1.5"}})
    assert d.outputs["rate_of_day"].needed == ("parameter rates[rest_day]",)


# ---------------------------------------------------------------- properties
hire_rows = st.lists(st.tuples(st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)).map(str), st.booleans(), st.booleans(),
                               st.decimals(min_value=0, max_value=10**6, places=2).map(str)),
                     max_size=8, unique_by=lambda r: r)


@settings(max_examples=60, deadline=None)
@given(rows=hire_rows, data=st.data())
def test_aggregates_do_not_depend_on_the_order_of_the_records(rows: list[Any], data: Any) -> None:
    p = loads(HIRING, "hiring.policy")
    items = hires(*((f"h{i}", d, ins, h, w) for i, (d, ins, h, w) in enumerate(rows)))
    shuffled = data.draw(st.permutations(items))
    a, b = evaluate(p, items), evaluate(p, list(shuffled))
    for name in ("qualifying_hires", "any_hardship", "all_insured", "hiring_subsidy"):
        assert a.value(name) == b.value(name), name
    assert sorted(a.value("qualifying_ids")) == sorted(b.value("qualifying_ids"))
    assert (a.outputs["highest_wage"].value == b.outputs["highest_wage"].value)


@settings(max_examples=60, deadline=None)
@given(rows=hire_rows, granted=st.decimals(min_value=0, max_value=10**6, places=2))
def test_the_subsidy_is_never_negative_nor_above_the_cap_left(rows: list[Any], granted: Decimal) -> None:
    p = loads(HIRING, "hiring.policy")
    items = hires(*((f"h{i}", d, ins, h, w) for i, (d, ins, h, w) in enumerate(rows)))
    v = evaluate(p, items, already_granted=str(granted)).value("hiring_subsidy")
    assert Decimal(0) <= v <= max(Decimal(0), Decimal(50000) - granted)

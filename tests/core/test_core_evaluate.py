"""Checked policy + facts -> Decision: input validation, parameters, each amount
construct, groups, fact kinds, date windows and rounding, computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from policyrules.api import EvaluationError, InputError, Policy, loads
from policyrules.evaluate import decide

D = Decimal

POLICY = """\
policy e "evaluation"
  valid from 2020-01-01 until 2022-12-31

parameter wage: money per month
parameter yearly_wage: money per year = 12000 元 per year
parameter quota: money
  from 2020-01-01: 1000 元
  from 2021-01-01: 2000 元
  from 2022-07-01: 3000 元

enum kind = a | b | c
table tbl: kind -> money
  a: 10 元
  b: 20 元
  otherwise: 5 元

facts person:
  income: signed money
  used: months
  years_used: years
  k: kind
  ok: bool
  near: bool
  hard: bool
  n_items: integer

facts firm:
  staff: integer

benefit capped once
  amount 10% of income, at_most 300 元, at_least 50 元

benefit alt once
  amount
    if ok: 100 元
    if hard: 200 元
    else: 300 元

benefit alt_no_else once
  amount
    if ok and hard: 1 元

benefit exc once
  amount 1000 元
    except hard: 10 元
    except ok: 20 元

benefit split yearly
  amount parts
    x: 6% of income
    y: 5% of income

benefit alloc yearly
  amount allocate quota over
    first: income
    second: 700 元
    third: 500 元

benefit termed yearly
  amount 100 元
  for at_most 3 years counting years_used
    extended by 1 year when hard
    extended when near

benefit monthly_over_term yearly
  amount 20% of wage
  for at_most 24 months counting used

benefit monthly_paid monthly
  amount 20% of wage

benefit year_rate_monthly monthly
  amount yearly_wage

benefit rate_times once
  amount wage × 3 months

benefit year_rate_times once
  amount yearly_wage × 6 months

benefit months_of yearly
  amount 10% of yearly_wage × min(months_worked, 12 months), at_least 50 元

value months_worked = floor(income / wage)

benefit looked once
  amount tbl[k]

benefit counted once
  when n_items > 0
  amount 10 元 × n_items

benefit staffed once
  amount 10 元 × staff

benefit late once
  amount 1 元
  valid from 2021-01-01

benefit g_low once
  amount 300 元
benefit g_high once
  when ok
  amount 500 元
benefit g_tie once
  amount 500 元
exclusive gh highest: g_low, g_high, g_tie

benefit f_one once
  when hard
  amount 100 元
benefit f_two once
  amount 50 元
benefit f_three once
  amount 70 元
exclusive gf first: f_one, f_two, f_three

invariant "capped at most 300": capped <= 300 元
invariant "alloc within quota": alloc <= quota
invariant "never": capped > 1000 元
"""

PERSON: dict[str, Any] = {"income": "1234.56", "used": 18, "years_used": 1, "k": "b", "ok": True, "near": False,
                          "hard": False, "n_items": 3}
PARAMS = {"wage": "1000.00"}
ON = dt.date(2021, 6, 1)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return loads(POLICY, "e.policy")


def run(policy: Policy, on: dt.date | str = ON, params: dict[str, Any] | None = None,
        trace: bool = True, **person: Any) -> Any:
    facts = {"person": {**PERSON, **person}}
    return policy.evaluate(facts, on=on, parameters=PARAMS if params is None else params, trace=trace)


def value(policy: Policy, name: str, **person: Any) -> Any:
    return run(policy, **person).value(name)


# ---------------------------------------------------------------- facts in
def test_every_problem_with_the_facts_is_named_at_once(policy: Policy,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("evaluated although the facts were refused")

    monkeypatch.setattr(decide, "_Run", never)
    facts = {"person": {"income": "lots", "k": "zz", "ok": "maybe", "hard": False, "near": False, "n_items": 2.5,
                        "years_used": -1, "extra": 1},
             "animal": {"legs": 4}}
    with pytest.raises(InputError) as info:
        policy.evaluate(facts, on=ON, parameters={})
    where = {p.where: p.message for p in info.value.problems}
    assert set(where) == {"person.income", "person.used", "person.k", "person.ok", "person.n_items",
                          "person.years_used", "person.extra", "animal", "parameter wage"}
    assert where["person.used"].startswith("missing")
    assert "unknown value 'zz'" in where["person.k"]
    assert "unknown fact" in where["person.extra"]
    assert "unknown kind of facts" in where["animal"]
    assert "supply it" in where["parameter wage"]
    assert "whole number" in where["person.n_items"]
    text = str(info.value)
    assert all(w in text for w in where)


def test_facts_must_be_a_mapping(policy: Policy) -> None:
    with pytest.raises(InputError) as info:
        policy.evaluate([1, 2], on=ON, parameters=PARAMS)  # type: ignore[arg-type]
    assert info.value.problems[0].where == "facts"
    with pytest.raises(InputError):
        policy.evaluate({"person": "not a mapping"}, on=ON, parameters=PARAMS)


def test_a_null_fact_is_missing(policy: Policy) -> None:
    with pytest.raises(InputError) as info:
        run(policy, income=None)
    assert [p.where for p in info.value.problems] == ["person.income"]


def test_a_misspelled_fact_gets_a_suggestion(policy: Policy) -> None:
    facts = {"person": {**PERSON, "incme": "1.00"}}
    del facts["person"]["income"]
    with pytest.raises(InputError) as info:
        policy.evaluate(facts, on=ON, parameters=PARAMS)
    msgs = {p.where: p.message for p in info.value.problems}
    assert "did you mean income" in msgs["person.incme"]


@pytest.mark.parametrize(("given", "expected"), [("1,234.50", D("1234.50")), ("960 元", D("960")), (12, D(12)),
                                                 (0.1, D("0.1")), ("0.125", D("0.125"))])
def test_money_facts_are_read_exactly(policy: Policy, given: Any, expected: Decimal) -> None:
    d = run(policy, income=given)
    assert d.facts["person"]["income"] == expected
    assert isinstance(d.facts["person"]["income"], Decimal)


def test_durations_are_carried_in_months(policy: Policy) -> None:
    d = run(policy, years_used=2, used=5)
    assert d.facts["person"]["years_used"] == 24 and d.facts["person"]["used"] == 5


def test_an_invalid_date_is_refused(policy: Policy) -> None:
    with pytest.raises(InputError):
        run(policy, on="2021-13-01")


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize(("on", "quota"), [("2020-01-01", "1000"), ("2020-12-31", "1000"), ("2021-01-01", "2000"),
                                           ("2022-06-30", "2000"), ("2022-07-01", "3000"), ("2022-12-31", "3000")])
def test_the_dated_value_in_force(policy: Policy, on: str, quota: str) -> None:
    d = run(policy, on=on)
    assert d.parameters["quota"] == D(quota)
    assert d.parameters["yearly_wage"] == D(12000)
    assert d.parameters["wage"] == D("1000.00")


def test_a_supplied_parameter_is_required_and_named(policy: Policy) -> None:
    with pytest.raises(InputError) as info:
        run(policy, params={})
    assert [p.where for p in info.value.problems] == ["parameter wage"]


def test_parameters_the_policy_sets_cannot_be_supplied(policy: Policy) -> None:
    with pytest.raises(InputError) as info:
        run(policy, params={"wage": "1000", "quota": "5", "wgae": "1", "yearly_wage": "1"})
    where = {p.where: p.message for p in info.value.problems}
    assert set(where) == {"parameter quota", "parameter wgae", "parameter yearly_wage"}
    assert "did you mean wage" in where["parameter wgae"]


def test_an_ill_typed_parameter(policy: Policy) -> None:
    with pytest.raises(InputError) as info:
        run(policy, params={"wage": "a lot"})
    assert [p.where for p in info.value.problems] == ["parameter wage"]


def test_a_dated_parameter_before_its_first_date() -> None:
    p = loads("policy t\nparameter q: money\n  from 2021-01-01: 5 元\nbenefit b once\n  amount q\n")
    assert p.evaluate({}, on="2021-01-01").value("b") == D("5.00")
    with pytest.raises(InputError) as info:
        p.evaluate({}, on="2020-12-31")
    assert "no value in force on 2020-12-31" in str(info.value)


# ---------------------------------------------------------------- amounts
@pytest.mark.parametrize(("income", "expected"), [("100.00", "50.00"), ("499.99", "50.00"), ("500.00", "50.00"),
                                                  ("1234.56", "123.46"), ("3000.00", "300.00"),
                                                  ("99999.00", "300.00")])
def test_cap_and_floor(policy: Policy, income: str, expected: str) -> None:
    r = run(policy, income=income).outputs["capped"]
    assert format(r.value, "f") == expected


def test_cap_and_floor_are_noted_in_the_trace(policy: Policy) -> None:
    capped = run(policy, income="99999.00").outputs["capped"]
    floored = run(policy, income="100.00").outputs["capped"]
    assert capped.amount is not None and floored.amount is not None
    notes = [capped.amount.note, *(c.note for c in capped.amount.children)]
    assert "cap applied" in notes
    assert floored.amount.note == "floor applied"
    assert capped.raw_amount == D(300)


@pytest.mark.parametrize(("ok", "hard", "expected", "branch"), [
    (True, True, "100.00", "alternative 1 applies"), (True, False, "100.00", "alternative 1 applies"),
    (False, True, "200.00", "alternative 2 applies"), (False, False, "300.00", "otherwise")])
def test_alternatives_first_match(policy: Policy, ok: bool, hard: bool, expected: str, branch: str) -> None:
    r = run(policy, ok=ok, hard=hard).outputs["alt"]
    assert format(r.value, "f") == expected
    assert r.branch == branch


def test_alternatives_without_else(policy: Policy) -> None:
    assert format(value(policy, "alt_no_else", ok=True, hard=True), "f") == "1.00"
    r = run(policy, ok=True, hard=False).outputs["alt_no_else"]
    assert format(r.value, "f") == "0.00" and r.branch == "no alternative applies" and r.status == "zero"


@pytest.mark.parametrize(("ok", "hard", "expected", "branch"), [
    (True, True, "10.00", "exception 1 applies"), (True, False, "20.00", "exception 2 applies"),
    (False, True, "10.00", "exception 1 applies"), (False, False, "1000.00", "the general rule applies")])
def test_exceptions_first_match(policy: Policy, ok: bool, hard: bool, expected: str, branch: str) -> None:
    r = run(policy, ok=ok, hard=hard).outputs["exc"]
    assert (format(r.value, "f"), r.branch) == (expected, branch)


def test_parts(policy: Policy) -> None:
    d = run(policy, income="1234.56")
    # 6 % is 74.0736 -> 74.07; 5 % is 61.728 -> 61.73; the total is the sum of the rounded parts
    assert d.outputs["split"].parts == {"x": D("74.07"), "y": D("61.73")}
    assert format(d.value("split"), "f") == "135.80"
    assert d.value("split.x") == D("74.07")


@pytest.mark.parametrize(("on", "income", "parts"), [
    # quota 2000 in 2021: 1234.56, then 700 of the 765.44 left, then 65.44
    ("2021-06-01", "1234.56", ("1234.56", "700.00", "65.44")),
    # quota 1000 in 2020: used up by the first item
    ("2020-06-01", "1234.56", ("1000.00", "0.00", "0.00")),
    # quota 3000 from 2022-07: everything fits
    ("2022-08-01", "100.00", ("100.00", "700.00", "500.00")),
])
def test_allocation_used_up_in_order(policy: Policy, on: str, income: str, parts: tuple[str, ...]) -> None:
    r = run(policy, on=on, income=income).outputs["alloc"]
    assert [format(v, "f") for v in r.parts.values()] == list(parts)
    assert list(r.parts) == ["first", "second", "third"]
    assert r.value == sum(D(p) for p in parts)


def test_allocation_ignores_negative_items(policy: Policy) -> None:
    r = run(policy, income="-500.00").outputs["alloc"]
    assert r.parts["first"] == 0 and r.parts["second"] == D(700) and r.parts["third"] == D(500)


@pytest.mark.parametrize(("years_used", "hard", "near", "paid", "extended"), [
    (2, False, False, True, None), (3, False, False, False, None), (3, True, False, True, "by 12 months"),
    (4, True, False, False, "by 12 months"), (9, False, True, True, "without limit"),
])
def test_term_with_extensions(policy: Policy, years_used: int, hard: bool, near: bool, paid: bool,
                              extended: str | None) -> None:
    r = run(policy, years_used=years_used, hard=hard, near=near).outputs["termed"]
    assert r.eligible is paid
    assert format(r.value, "f") == ("100.00" if paid else "0.00")
    assert r.term is not None and r.term.extended == extended
    assert r.term.limit_months == 36 and r.term.used_months == years_used * 12


@pytest.mark.parametrize(("used", "expected"), [(0, "2400.00"), (12, "2400.00"), (18, "1200.00"), (23, "200.00"),
                                                (24, "0.00")])
def test_monthly_rate_over_the_months_left_in_the_term(policy: Policy, used: int, expected: str) -> None:
    # 20 % of a wage of 1000 a month is 200 a month, for the months left this year (at most 12)
    r = run(policy, used=used).outputs["monthly_over_term"]
    assert format(r.value, "f") == expected
    if used < 24:
        assert r.period_note == f"× {min(12, 24 - used)} months this year"


def test_rates_in_monthly_outputs(policy: Policy) -> None:
    d = run(policy)
    assert format(d.value("monthly_paid"), "f") == "200.00"
    assert format(d.value("year_rate_monthly"), "f") == "1000.00"  # 12000 a year, paid monthly


def test_rate_times_duration(policy: Policy) -> None:
    d = run(policy)
    assert format(d.value("rate_times"), "f") == "3000.00"  # 1000 a month × 3 months
    assert format(d.value("year_rate_times"), "f") == "6000.00"  # 12000 a year × 6 months


def test_money_divided_by_a_rate_is_months(policy: Policy) -> None:
    d = run(policy, income="5000.00")
    assert d.values["months_worked"] == 5  # 5000 / 1000 a month
    # 10 % of 12000 a year is 1200 a year; × 5 months is 500
    assert format(d.value("months_of"), "f") == "500.00"


@pytest.mark.parametrize(("income", "expected"), [("999.99", "50.00"), ("1999.99", "100.00"), ("12000.00", "1200.00"),
                                                  ("99999.00", "1200.00")])
def test_months_rounded_down_capped_at_12_with_a_floor(policy: Policy, income: str, expected: str) -> None:
    assert format(value(policy, "months_of", income=income), "f") == expected


@pytest.mark.parametrize(("k", "expected"), [("a", "10.00"), ("b", "20.00"), ("c", "5.00")])
def test_table_lookup(policy: Policy, k: str, expected: str) -> None:
    r = run(policy, k=k).outputs["looked"]
    assert format(r.value, "f") == expected


def test_conditions_and_why_not(policy: Policy) -> None:
    r = run(policy, n_items=0).outputs["counted"]
    assert (r.eligible, r.status, format(r.value, "f")) == (False, "not eligible", "0.00")
    assert len(r.failed) == 1
    assert format(value(policy, "counted", n_items=3), "f") == "30.00"


# ---------------------------------------------------------------- groups
def test_exclusive_highest(policy: Policy) -> None:
    d = run(policy, ok=True)
    # g_high and g_tie both pay 500: the first written of the highest wins
    assert (d.value("g_low"), d.value("g_high"), d.value("g_tie")) == (D(0), D(500), D(0))
    assert d.outputs["g_low"].status == "excluded" and d.outputs["g_tie"].status == "excluded"
    assert d.outputs["g_high"].status == "paid"
    assert "g_high" in (d.outputs["g_low"].group_note or "")
    assert d.outputs["g_low"].raw_amount == D(300)  # what it would have paid
    assert format(d.value("g_low"), "f") == "0.00"


def test_exclusive_highest_when_the_highest_is_not_eligible(policy: Policy) -> None:
    d = run(policy, ok=False)
    assert d.outputs["g_high"].status == "not eligible"
    assert (d.value("g_low"), d.value("g_tie")) == (D(0), D(500))
    assert d.outputs["g_low"].status == "excluded"


@pytest.mark.parametrize(("hard", "winner"), [(True, "f_one"), (False, "f_two")])
def test_exclusive_first(policy: Policy, hard: bool, winner: str) -> None:
    d = run(policy, hard=hard)
    paid = {m: d.value(m) for m in ("f_one", "f_two", "f_three")}
    assert [m for m, v in paid.items() if v > 0] == [winner]
    assert d.outputs["f_three"].status == "excluded"
    if not hard:
        assert d.outputs["f_one"].status == "not eligible"  # not eligible is not "excluded"


# ---------------------------------------------------------------- kinds of facts, dates
def test_outputs_of_absent_fact_kinds_are_not_evaluated(policy: Policy) -> None:
    d = run(policy)
    assert "staffed" not in d.outputs
    with pytest.raises(KeyError):
        d.value("staffed")
    both = policy.evaluate({"person": PERSON, "firm": {"staff": 7}}, on=ON, parameters=PARAMS)
    assert format(both.value("staffed"), "f") == "70.00"
    only_firm = policy.evaluate({"firm": {"staff": 7}}, on=ON, parameters=PARAMS)
    assert "staffed" in only_firm.outputs and "rate_times" in only_firm.outputs  # needs no facts at all
    assert "capped" not in only_firm.outputs and "split" not in only_firm.outputs
    # a group is decided together: g_low needs no facts, but g_high needs a person
    assert "g_low" not in only_firm.outputs and "f_two" not in only_firm.outputs


@pytest.mark.parametrize("on", ["2020-01-01", "2022-12-31"])
def test_policy_window_includes_its_ends(policy: Policy, on: str) -> None:
    run(policy, on=on)


@pytest.mark.parametrize(("on", "words"), [("2019-12-31", "in force from 2020-01-01"), ("2023-01-01", "ended")])
def test_policy_window(policy: Policy, on: str, words: str) -> None:
    with pytest.raises(EvaluationError, match=words):
        run(policy, on=on)


def test_output_window(policy: Policy) -> None:
    before = run(policy, on="2020-12-31").outputs["late"]
    assert (before.status, before.eligible, format(before.value, "f")) == ("not in force", False, "0.00")
    assert format(value(policy, "late"), "f") == "1.00"


# ---------------------------------------------------------------- rounding
ROUNDING = """\
policy r
  rounding {mode} to {quantum}
facts p:
  x: money
benefit out once
  amount x
benefit own once
  amount x
  rounding down to 1 元
"""


@pytest.mark.parametrize(("mode", "quantum", "x", "expected"), [
    ("half_up", "0.01 元", "0.125", "0.13"), ("half_up", "0.01 元", "0.124", "0.12"),
    ("half_even", "0.01 元", "0.125", "0.12"), ("half_even", "0.01 元", "0.135", "0.14"),
    ("down", "0.01 元", "0.129", "0.12"), ("up", "0.01 元", "0.121", "0.13"), ("up", "0.01 元", "0.12", "0.12"),
    ("half_up", "1 元", "2.5", "3"), ("half_even", "1 元", "2.5", "2"), ("down", "1 元", "2.99", "2"),
    ("up", "1 元", "2.01", "3"), ("四舍五入", "0.01元", "0.125", "0.13"), ("银行家舍入", "0.01元", "0.125", "0.12"),
    ("舍去", "1元", "9.99", "9"), ("进一", "1元", "9.01", "10"),
])
def test_rounding_modes(mode: str, quantum: str, x: str, expected: str) -> None:
    p = loads(ROUNDING.format(mode=mode, quantum=quantum))
    d = p.evaluate({"p": {"x": x}}, on="2021-01-01")
    assert format(d.value("out"), "f") == expected
    assert format(d.value("own"), "f") == format(D(x).to_integral_value(rounding="ROUND_DOWN"), "f")


def test_default_rounding_is_half_up_to_the_fen() -> None:
    p = loads("policy r\nfacts p:\n  x: money\nbenefit out once\n  amount x / 3\n")
    d = p.evaluate({"p": {"x": "100.00"}}, on="2021-01-01")
    assert format(d.value("out"), "f") == "33.33"
    d = p.evaluate({"p": {"x": "0.05"}}, on="2021-01-01")
    assert format(d.value("out"), "f") == "0.02"  # 0.01666... rounds half up to 0.02


# ---------------------------------------------------------------- invariants, trace
def test_invariants_are_evaluated(policy: Policy) -> None:
    d = run(policy)
    got = {i.label: i.holds for i in d.invariants}
    assert got == {"capped at most 300": True, "alloc within quota": True, "never": False}


def test_trace_on_and_off_give_the_same_values(policy: Policy) -> None:
    for person in ({}, {"ok": False, "hard": True, "used": 23}, {"income": "-3.00", "near": True, "years_used": 5}):
        on = run(policy, trace=True, **person)
        off = run(policy, trace=False, **person)
        assert {k: r.value for k, r in on.outputs.items()} == {k: r.value for k, r in off.outputs.items()}
        assert {k: r.parts for k, r in on.outputs.items()} == {k: r.parts for k, r in off.outputs.items()}
        assert all(r.amount is None for r in off.outputs.values())
        assert any(r.amount is not None for r in on.outputs.values())


def test_the_decision_as_data(policy: Policy) -> None:
    data = run(policy).to_dict()
    assert data["policy"] == "e" and data["date"] == "2021-06-01"
    assert data["outputs"]["split"]["parts"] == {"x": "74.07", "y": "61.73"}
    assert data["outputs"]["capped"]["value"] == "123.46"
    assert data["parameters"]["wage"] == "1000.00"


def test_parts_are_zero_when_no_alternative_applies() -> None:
    p = loads("policy t\nfacts p:\n  ok: bool\n  x: money\nbenefit maybe once\n  amount\n    if ok: parts\n"
              "      a: x\n      c: 1 元\n")
    d = p.evaluate({"p": {"ok": False, "x": "5.00"}}, on="2020-01-01")
    assert d.value("maybe") == 0
    assert d.value("maybe.a") == 0 and d.value("maybe.c") == 0


# ---------------------------------------------------------------- issue 8.3: signs
SIGNS = """
policy signs
facts person:
  annual_rent: money
  tax_paid: money
  months: months
  balance: signed money
benefit rent_subsidy once
  amount 10% of annual_rent, at_most 3000 元
benefit tax_relief once
  amount tax_paid
"""


@pytest.mark.parametrize(("field", "value"), [("annual_rent", "-40000.00"), ("tax_paid", "-5000.00"),
                                              ("months", -1), ("tax_paid", "-0.01")])
def test_negative_input_to_an_unsigned_number_is_refused_with_the_field_named(field: str, value: Any) -> None:
    facts = {"annual_rent": "40000.00", "tax_paid": "5000.00", "months": 3, "balance": "-10.00", field: value}
    with pytest.raises(InputError) as err:
        loads(SIGNS).evaluate({"person": facts}, on="2024-01-01")
    [problem] = err.value.problems
    assert problem.where == f"person.{field}" and problem.message.startswith("cannot be negative")


def test_a_signed_fact_may_be_negative() -> None:
    d = loads(SIGNS).evaluate({"person": {"annual_rent": "40000.00", "tax_paid": "0", "months": 0,
                                          "balance": "-10.00"}}, on="2024-01-01")
    assert d.value("rent_subsidy") == Decimal("3000.00")

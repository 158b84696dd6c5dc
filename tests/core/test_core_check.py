"""AST -> checked policy: a correct policy checks; each rule of types, units, names,
bounds, tables and output clauses gives its code at its line and column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyrules import types as t
from policyrules.api import Policy, loads
from policyrules.codes import CODES
from policyrules.diagnostics import Diagnostic, PolicyError

HEAD = """\
policy t "测试"
enum sector = shop | farm | bar
set restricted = {bar}
facts person:
  income: money
  wage: money per month
  rate: percent
  age: integer
  done: months
  used: years
  sector: sector
  hard: bool
facts firm:
  staff: integer
  age: integer
"""
FIRST = HEAD.count("\n") + 1  # the line of the first declaration after HEAD

GOOD = HEAD + """\
parameter quota: money = 8000 元
value base = 10% of income
table bonus: sector -> money
  shop: 300 元
  otherwise: 0 元
benefit aid "补贴" yearly
  when sector not in restricted and income >= 1000 元 and person.age >= 18
  amount
    if hard: 15% of income, at_most 3000 元
    else: base, at_most 2000 元, at_least 100 元
  for at_most 3 years counting used
benefit post yearly
  amount 20% of wage
  for at_most 24 months counting done
benefit split once
  amount parts
    a: 6% of income
    b: bonus[sector]
benefit tax yearly
  amount allocate quota over
    x: income
    y: 50% of income
benefit other once
  amount 500 元
exemption free
  when hard
exclusive g highest: split, other
invariant "cap": aid <= 3000 元
"""


def errors(text: str) -> list[Diagnostic]:
    with pytest.raises(PolicyError) as info:
        loads(text, "t.policy")
    return info.value.diagnostics


def codes_at(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.span.line if d.span else 0, d.span.column if d.span else 0) for d in errors(text)]


def only(text: str) -> tuple[str, int, int]:
    found = codes_at(text)
    assert len(found) == 1, found
    return found[0]


def test_a_correct_policy_checks() -> None:
    p = loads(GOOD, "t.policy")
    assert isinstance(p, Policy)
    c = p.checked
    assert c.name == "t" and c.label == "测试"
    assert set(c.facts) == {"person", "firm"}
    person = c.facts["person"].fields
    assert person["income"].type == t.MONEY
    assert person["wage"].type == t.rate("month")
    assert person["used"].type == t.duration("year")
    assert person["sector"].type.kind is t.Kind.ENUM and person["sector"].type.values == ("shop", "farm", "bar")
    assert list(c.outputs) == ["aid", "post", "split", "tax", "other", "free"]
    assert c.outputs["aid"].type == t.MONEY and c.outputs["free"].type == t.BOOL
    assert c.outputs["post"].amount_type == t.rate("month")
    assert c.outputs["split"].part_names == ("a", "b")
    assert c.outputs["tax"].part_names == ("x", "y")
    assert c.outputs["split"].group == "g" and c.outputs["aid"].group is None
    assert c.outputs["aid"].kinds == frozenset({"person"})
    assert c.outputs["other"].kinds == frozenset({"person"})  # through its group
    assert c.params["quota"].supplied is False
    assert c.rounding_mode == "half_up" and c.rounding_quantum == Decimal("0.01")
    assert len(c.invariants) == 1


def test_every_code_is_documented() -> None:
    assert all(len(code) == 4 and meaning for code, meaning in CODES.items())
    for code in ("T001", "T002", "T005", "N002", "N005", "C001", "C002", "C003", "C004", "C005"):
        assert code in CODES


# ---------------------------------------------------------------- types and units
L = FIRST  # line of the benefit keyword in the snippets below; its clauses follow


@pytest.mark.parametrize(("snippet", "expected"), [
    # money plus a percentage
    ("benefit b yearly\n  amount income + rate\n", ("T001", L + 1, 10)),
    ("benefit b yearly\n  amount income - 5%\n", ("T001", L + 1, 10)),
    # a cap in months on an amount of money
    ("benefit b yearly\n  amount income, at_most 3 months\n", ("T005", L + 1, 26)),
    ("benefit b yearly\n  amount income, at_most 100%\n", ("T005", L + 1, 26)),
    # money compared with a bare number
    ("benefit b yearly\n  when income > 3000\n  amount income\n", ("T002", L + 1, 8)),
    # a duration compared with a bare number
    ("benefit b yearly\n  when used > 2\n  amount income\n", ("T002", L + 1, 8)),
    # a condition that is not yes/no
    ("benefit b yearly\n  when income\n  amount income\n", ("T003", L + 1, 8)),
    # an amount that is not money
    ("benefit b yearly\n  amount person.age\n", ("T004", L + 1, 10)),
    # a rate paid once
    ("benefit b once\n  amount 100 元 per month\n", ("T004", L + 1, 10)),
    # `of` with a number as its rate
    ("benefit b yearly\n  amount 3 of income\n", ("T001", L + 1, 10)),
    # if/else giving different units
    ("benefit b yearly\n  amount if hard then income else 3\n", ("T007", L + 1, 10)),
    # parts in different units
    ("benefit b yearly\n  amount parts\n    x: income\n    y: wage\n", ("T007", L + 1, 10)),
    # a term that is not a duration
    ("benefit b yearly\n  amount income\n  for at_most 3 counting used\n", ("T008", L + 2, 15)),
    # functions
    ("benefit b yearly\n  amount min(income)\n", ("T006", L + 1, 10)),
    ("benefit b yearly\n  amount max(income, person.age)\n", ("T006", L + 1, 10)),
    ("benefit b yearly\n  amount frob(income)\n", ("N007", L + 1, 10)),
])
def test_type_and_unit_rules(snippet: str, expected: tuple[str, int, int]) -> None:
    assert only(HEAD + snippet) == expected


def test_unit_errors_carry_a_hint() -> None:
    (d,) = errors(HEAD + "benefit b yearly\n  amount income + rate\n")
    assert d.hint and "of" in d.hint
    (d,) = errors(HEAD + "benefit b yearly\n  when income > 3000\n  amount income\n")
    assert d.hint and "元" in d.hint
    (d,) = errors(HEAD + "benefit b yearly\n  amount income, at_most 3 months\n")
    assert d.hint and "term" in d.hint


# ---------------------------------------------------------------- names
@pytest.mark.parametrize(("snippet", "expected"), [
    ("benefit b yearly\n  when sector in {farming}\n  amount income\n", ("N005", L + 1, 8)),
    ("benefit b yearly\n  amount foo\n", ("N001", L + 1, 10)),
    ("benefit b yearly\n  amount person.salary\n", ("N001", L + 1, 10)),
    ("value a = 1 元\nvalue a = 2 元\n", ("N002", L + 1, 1)),
    ("benefit b yearly\n  amount income\nbenefit b once\n  amount income\n", ("N002", L + 2, 1)),
    ("benefit b yearly\n  amount parts\n    x: income\n    x: income\n", ("N002", L + 3, 5)),
    ("enum e2 = a | b | a\n", ("N002", L, 1)),
    ("facts q:\n  z: widget\n", ("N004", L + 1, 6)),
    ("benefit b yearly\n  when sector in nothere\n  amount income\n", ("N006", L + 1, 8)),
    ("benefit b yearly\n  amount nothere[sector]\n", ("N006", L + 1, 10)),
    ("benefit b yearly\n  amount income\nexclusive g highest: b, c\n", ("N008", L + 2, 25)),
])
def test_name_rules(snippet: str, expected: tuple[str, int, int]) -> None:
    assert only(HEAD + snippet) == expected


def test_an_ambiguous_fact_needs_its_kind() -> None:
    found = codes_at(HEAD + "benefit b yearly\n  when age > 3\n  amount income\n")
    assert found and {f for f in found} == {("N003", L + 1, 8)}
    (d, *_) = errors(HEAD + "benefit b yearly\n  when age > 3\n  amount income\n")
    assert d.hint is not None and "person.age" in d.hint and "firm.age" in d.hint


def test_did_you_mean() -> None:
    (d,) = errors(HEAD + "benefit b yearly\n  amount incme\n")
    assert d.code == "N001" and d.hint == "did you mean `income`?"


def test_an_unknown_name_in_a_comparison_is_reported_once() -> None:
    assert codes_at(HEAD + "benefit b yearly\n  when incme > 3 元\n  amount income\n") == [("N001", L + 1, 8)]


def test_an_unknown_category_value_in_a_comparison() -> None:
    assert only(HEAD + "benefit b yearly\n  when sector = farming\n  amount income\n") == ("N005", L + 1, 17)


def test_an_unknown_category_value_in_a_comparison_is_an_error() -> None:
    # whatever its code, it is refused at the place of the comparison's right side
    code, line, col = only(HEAD + "benefit b yearly\n  when sector = farming\n  amount income\n")
    assert code in ("N001", "N005") and line == L + 1 and col in (8, 17)


def test_a_category_value_compares() -> None:
    loads(HEAD + "benefit b yearly\n  when sector = farm and sector != bar\n  amount income\n")


# ---------------------------------------------------------------- cycles, bounds, rates, tables
def test_cycle_between_values() -> None:
    (d,) = errors(HEAD + "value a = b2 + 1 元\nvalue b2 = a\nbenefit b yearly\n  amount a\n")
    assert (d.code, d.span.line if d.span else 0) == ("C001", L)
    assert "a -> b2 -> a" in d.message


def test_an_output_that_uses_itself() -> None:
    assert only(HEAD + "benefit b yearly\n  amount b + 1 元\n") == ("C001", L, 1)


def test_a_cycle_through_an_output() -> None:
    (d,) = errors(HEAD + "value v = b\nbenefit b yearly\n  amount v\n")
    assert d.code == "C001"


@pytest.mark.parametrize("amount", ["income, at_least 3000 元, at_most 2000 元",
                                    "income, at_most 2000 元, at_least 3000 元"])
def test_floor_above_cap(amount: str) -> None:
    assert only(HEAD + f"benefit b yearly\n  amount {amount}\n") == ("C002", L + 1, 10)


def test_floor_below_cap_is_fine() -> None:
    loads(HEAD + "benefit b yearly\n  amount income, at_least 100 元, at_most 2000 元\n")


def test_floor_above_cap_in_one_branch() -> None:
    assert only(HEAD + "benefit b yearly\n  amount\n    if hard: income\n"
                       "    else: income, at_most 10 元, at_least 20 元\n") == ("C002", L + 3, 11)


@pytest.mark.parametrize(("literal", "col"), [("1200%", 10), ("1000.5%", 10)])
def test_rate_above_1000_percent_is_a_typo(literal: str, col: int) -> None:
    assert only(HEAD + f"benefit b yearly\n  amount {literal} of income\n") == ("C003", L + 1, col)


@pytest.mark.parametrize("literal", ["120%", "百分之一百二十", "300%", "150%"])
def test_rates_above_100_percent_are_real(literal: str) -> None:
    """300 % of the day wage for holiday work (《劳动法》第四十四条)."""
    loads(HEAD + f"benefit b yearly\n  amount {literal} of income\n")


def test_rate_of_exactly_100_percent_is_fine() -> None:
    loads(HEAD + "benefit b yearly\n  amount 100% of income\n")


def test_table_must_be_total() -> None:
    (d,) = errors(HEAD + "table t1: sector -> money\n  shop: 1 元\nbenefit b yearly\n  amount t1[sector]\n")
    assert (d.code, d.span.line if d.span else 0, d.span.column if d.span else 0) == ("C004", L, 1)
    assert "farm" in d.message and "bar" in d.message


def test_a_total_table_without_otherwise_checks() -> None:
    loads(HEAD + "table t1: sector -> money\n  shop: 1 元\n  farm: 2 元\n  bar: 3 元\n"
                 "benefit b yearly\n  amount t1[sector]\n")


@pytest.mark.parametrize(("snippet", "expected"), [
    ("table t1: sector -> money\n  shop: 1 元\n  farm: 2 元\n  bar: 3 元\n  pub: 4 元\n", ("N005", L + 4, 3)),
    ("table t1: sector -> money\n  shop: 1 元\n  shop: 2 元\n  otherwise: 0 元\n", ("N002", L + 2, 3)),
    ("table t1: sector -> money\n  shop: 1\n  otherwise: 0 元\n", ("T004", L + 1, 9)),
    ("table t1: widget -> money\n  shop: 1 元\n", ("N004", L, 1)),
])
def test_table_entries(snippet: str, expected: tuple[str, int, int]) -> None:
    assert only(HEAD + snippet) == expected


# ---------------------------------------------------------------- output clauses
@pytest.mark.parametrize(("snippet", "expected"), [
    ("benefit b yearly\n  when hard\n", ("C005", L, 1)),  # no amount
    ("exemption e\n  when hard\n  amount income\n", ("C005", L + 2, 10)),  # not money: no amount
    ("title e\n  amount income\n", ("C005", L + 1, 10)),
    ("benefit b yearly\n  amount income\n  amount income\n", ("C005", L + 2, 10)),
    ("benefit b yearly\n  amount income\n  for at_most 3 years counting used\n  for at_most 2 years counting used\n",
     ("C005", L + 3, 3)),
    ("benefit b yearly\n  amount income\n  rounding half_up to 0.01 元\n  rounding down to 1 元\n",
     ("C005", L + 3, 3)),
    ("benefit b yearly\n  amount\n    if hard: parts\n      x: income\n    else: parts\n      y: income\n",
     ("C009", L + 2, 5)),
    ("benefit b yearly\n  amount income\n  valid from 2021-01-01 until 2020-01-01\n", ("C008", L + 2, 3)),
])
def test_output_clause_rules(snippet: str, expected: tuple[str, int, int]) -> None:
    assert only(HEAD + snippet) == expected


def test_group_members_must_be_benefits_in_one_group() -> None:
    found = codes_at(HEAD + "title x\n  when hard\nbenefit b yearly\n  amount income\nbenefit c once\n"
                            "  amount income\nexclusive g highest: x, b\nexclusive h first: c, b\n")
    assert found == [("C007", L + 6, 22), ("C007", L + 7, 23)]


def test_policy_header_rules() -> None:
    assert only("facts p:\n  a: money\n") == ("C006", 1, 1)
    assert only("policy t\npolicy u\n") == ("C006", 2, 1)
    assert only("policy t\n  valid from 2021-01-01 until 2020-01-01\n") == ("C008", 2, 3)


def test_parameters() -> None:
    assert only(HEAD + "parameter p: money = 5\n") == ("T004", L, 22)
    assert only(HEAD + "parameter p: money\n  from 2021-01-01: 5 元\n  from 2020-01-01: 6 元\n") == ("C008", L + 2, 3)


# ---------------------------------------------------------------- all at once
def test_every_error_is_reported_at_once_in_source_order() -> None:
    text = HEAD + ("benefit b yearly\n  amount income + rate\n"
                   "benefit c yearly\n  when income > 3000\n  amount income, at_most 3 months\n"
                   "value v = 1200% of income\n")
    found = codes_at(text)
    assert found == [("T001", L + 1, 10), ("T002", L + 3, 8), ("T005", L + 4, 26), ("C003", L + 5, 11)]


def test_the_rendered_report_names_file_line_column_and_count() -> None:
    with pytest.raises(PolicyError) as info:
        loads(HEAD + "benefit b yearly\n  amount income + rate\n", "dir/t.policy")
    text = str(info.value)
    assert text.startswith(f"dir/t.policy:{L + 1}:10: error[T001]: cannot compute money + a percentage")
    assert "  amount income + rate" in text
    assert "^^^^^^^^^^^^^" in text
    assert text.rstrip().endswith("1 error")


def test_the_city_policy_checks(city_policy: Policy) -> None:
    c = city_policy.checked
    assert c.name == "city-employment-promotion"
    assert len(c.outputs) == 27
    assert set(c.facts) == {"person", "enterprise", "agency", "community"}
    assert {name for name, p in c.params.items() if p.supplied} == {
        "min_wage_monthly", "avg_wage_last_year", "employer_min_si_monthly"}
    assert c.groups["social_insurance_subsidies"].members == (
        "si_subsidy", "processing_si_subsidy", "employment_assistance_subsidy")
    assert c.outputs["tax_relief"].part_names == ("business_tax", "city_maintenance_tax", "education_surcharge",
                                                  "income_tax")
    assert c.outputs["referral_subsidy"].kinds == frozenset({"agency"})
    assert len(c.invariants) == 5

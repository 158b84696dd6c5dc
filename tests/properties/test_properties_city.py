"""Properties of the city policy over random schema-valid facts.

The strategies are built from the checked policy's own fact schemas
(``policy.checked.facts[kind].fields[name].type``), so a new fact in the policy is
generated without touching this file.  Money is a string with two decimals."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import types as t
from policyrules.api import Decision, Policy, load, loads

ROOT = Path(__file__).resolve().parents[2]
CITY = load(ROOT / "policies" / "city-employment-promotion.policy")
K = t.Kind
D = Decimal
# no example database: the tests leave no files behind in the working tree
EXAMPLES = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

EXCLUDED = sorted(CITY.checked.sets["excluded_industries"][1])
SI_GROUP = CITY.checked.groups["social_insurance_subsidies"].members
MONEY_OUTPUTS = [name for name, o in CITY.checked.outputs.items() if o.decl.monetary]


# ---------------------------------------------------------------- strategies
def money(max_yuan: int = 200_000) -> st.SearchStrategy[str]:
    """Amounts exact to the fen: small ones, any up to ``max_yuan``, whole thousands, and zero."""
    cents = st.one_of(st.integers(0, 500_000), st.integers(0, max_yuan * 100),
                      st.integers(1, max_yuan // 1000).map(lambda y: y * 100_000), st.just(0))
    return cents.map(lambda c: f"{c // 100}.{c % 100:02d}")


def percent() -> st.SearchStrategy[str]:
    """Percentages to two decimals, often high (repayment rates are near 100 %)."""
    points = st.one_of(st.integers(0, 10_000), st.integers(9_000, 10_000))
    return points.map(lambda b: f"{b // 100}.{b % 100:02d}%")


INTEGER_RANGES = {"age": (16, 70), "partners": (0, 8), "staff_count": (0, 600)}
DURATION_RANGES = {"month": (0, 400), "year": (0, 5), "day": (0, 90)}


def for_type(name: str, ty: t.Type, lean: int = 5) -> st.SearchStrategy[Any]:
    """Values of a declared type; yes/no facts are true ``lean`` times in ten."""
    k = ty.kind
    if k is K.BOOL:
        return st.integers(0, 9).map(lambda x: x < lean)
    if k is K.INTEGER:
        lo, hi = INTEGER_RANGES.get(name, (0, 120))
        return st.integers(lo, hi)
    if k in (K.MONEY, K.RATE):
        return money()
    if k is K.NUMBER:
        return st.decimals(0, 10_000, places=2).map(str)
    if k is K.PERCENT:
        return percent()
    if k is K.DURATION:
        lo, hi = DURATION_RANGES[ty.unit or "month"]
        return st.integers(lo, hi)
    if k is K.DATE:
        return st.dates(dt.date(1950, 1, 1), dt.date(2012, 12, 31)).map(dt.date.isoformat)
    if k is K.ENUM:
        return st.sampled_from(ty.values)
    return st.text(max_size=10)


@st.composite
def kind_facts(draw: st.DrawFn, policy: Policy, kind: str, **fixed: st.SearchStrategy[Any]) -> dict[str, Any]:
    """Facts of one kind, every field of its schema; a case leans to yes or to no, so that
    conditions made of many yes/no facts hold in a fair share of cases."""
    lean = draw(st.sampled_from([2, 5, 8, 9]))
    fields = policy.checked.facts[kind].fields
    return {name: draw(fixed.get(name, for_type(name, f.type, lean))) for name, f in fields.items()}


YES = st.just(True)
NO = st.just(False)
SERVICES = sorted(CITY.checked.sets["service_industries"][1])
# Scenarios pin a few facts so that the rarer outputs are reached often; every other
# fact is still drawn from the schema.
SCENARIOS: list[dict[str, dict[str, st.SearchStrategy[Any]]]] = [
    {},
    {"person": {"registered_unemployed": YES, "starts_business": YES, "first_business": YES,
                "business_months": st.integers(12, 60), "years_rent_subsidy_received": st.integers(0, 3)}},
    {"person": {"registered_unemployed": YES, "starts_business": YES, "industry": st.sampled_from(SERVICES),
                "loan_requested": money(200_000).filter(lambda m: D(m) >= 10_000), "loan_in_extension": NO}},
    {"person": {"hardship": YES, "pays_si": YES, "flexible_employed": YES, "registered_unemployed": YES,
                "processing_worker": st.booleans(), "ui_ended": YES, "reemployed": NO,
                "monthly_income": money(5_000), "months_to_retirement": st.integers(0, 40),
                "years_si_subsidy_received": st.integers(0, 4)}},
    {"person": {"holds_reemployment_cert": YES, "starts_business": YES, "years_tax_relief_received": st.integers(0, 3)}},
    {"community": {"full_employment_community": YES, "credit_commitments_signed": YES, "tracking_cards": YES,
                   "assists_debt_recovery": YES, "loans_this_year": st.integers(0, 10),
                   "repayment_rate": st.integers(9_400, 10_000).map(lambda b: f"{b // 100}.{b % 100:02d}%")},
     "enterprise": {"new_hires_local": st.integers(15, 40), "pays_si": YES, "labor_violation": NO,
                    "vacancies_reported": YES}},
]


@st.composite
def city_facts(draw: st.DrawFn, **person_fixed: st.SearchStrategy[Any]) -> dict[str, dict[str, Any]]:
    """A person always; each other kind of facts half of the time (always when a scenario needs it)."""
    scenario = draw(st.sampled_from(SCENARIOS))
    facts = {"person": draw(kind_facts(CITY, "person", **{**scenario.get("person", {}), **person_fixed}))}
    for kind in ("enterprise", "agency", "community"):
        if kind in scenario or draw(st.booleans()):
            facts[kind] = draw(kind_facts(CITY, kind, **scenario.get(kind, {})))
    return facts


def city_params() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({
        "min_wage_monthly": st.integers(50_000, 300_000).map(lambda c: f"{c // 100}.{c % 100:02d}"),
        "avg_wage_last_year": st.integers(1_000_000, 12_000_000).map(lambda c: f"{c // 100}.{c % 100:02d}"),
        "employer_min_si_monthly": st.integers(10_000, 100_000).map(lambda c: f"{c // 100}.{c % 100:02d}"),
    })


DATES = st.dates(dt.date(2009, 1, 1), dt.date(2012, 12, 31))


def fen(x: Decimal) -> Decimal:
    """Rounded half up to the fen, as the policy rounds."""
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def evaluate(facts: dict[str, Any], params: dict[str, str], on: dt.date, trace: bool = True) -> Decision:
    return CITY.evaluate(facts, on=on, parameters=params, trace=trace)


def money_values(d: Decision) -> dict[str, Decimal]:
    """Every money amount of a decision: outputs and their parts."""
    out: dict[str, Decimal] = {}
    for name, r in d.outputs.items():
        if isinstance(r.value, bool):
            continue
        out[name] = r.value
        for part, v in r.parts.items():
            out[f"{name}.{part}"] = v
    return out


def snapshot(d: Decision) -> dict[str, Any]:
    return {name: (r.value, dict(r.parts), r.status, r.eligible) for name, r in d.outputs.items()}


# ---------------------------------------------------------------- the city policy
@EXAMPLES
@given(city_facts(), city_params(), DATES)
def test_evaluates_without_exception_trace_on_and_off_alike(facts: dict[str, Any], params: dict[str, str],
                                                           on: dt.date) -> None:
    traced = evaluate(facts, params, on, trace=True)
    plain = evaluate(facts, params, on, trace=False)
    assert snapshot(traced) == snapshot(plain)
    assert [(i.label, i.holds) for i in traced.invariants] == [(i.label, i.holds) for i in plain.invariants]
    # every output whose kinds of facts are given is evaluated, and only those
    present = set(facts)
    expected = {name for name, o in CITY.checked.outputs.items() if o.kinds <= present}
    assert set(traced.outputs) == expected
    CITY.explain(plain)  # a decision without a trace explains too
    CITY.explain(traced, lang="zh")


@EXAMPLES
@given(city_facts(), city_params(), DATES)
def test_money_is_never_negative_and_exact_to_the_fen(facts: dict[str, Any], params: dict[str, str],
                                                      on: dt.date) -> None:
    d = evaluate(facts, params, on, trace=False)
    amounts = money_values(d)
    assert set(MONEY_OUTPUTS) & set(d.outputs) <= set(amounts)
    for name, v in amounts.items():
        assert isinstance(v, Decimal), name
        assert v >= 0, f"{name} = {v}"
        assert v.as_tuple().exponent == -2, f"{name} = {v!r} is not to the fen"
    for name, r in d.outputs.items():
        if r.parts and not isinstance(r.value, bool):
            assert r.value == sum(r.parts.values()), name
        if not r.eligible and not isinstance(r.value, bool):
            assert r.value == 0, name


@EXAMPLES
@given(city_facts(), city_params(), DATES)
def test_outputs_never_exceed_their_caps(facts: dict[str, Any], params: dict[str, str], on: dt.date) -> None:
    d = evaluate(facts, params, on, trace=False)
    v = d.value
    person = d.facts["person"]
    min_wage = D(params["min_wage_monthly"])
    si_standard = D("0.11") * D(params["avg_wage_last_year"])
    assert v("rent_subsidy") <= 3000
    assert v("tax_relief") <= 8000
    assert v("guaranteed_loan") <= 100_000
    assert v("guaranteed_loan") == 0 or v("guaranteed_loan") >= 10_000
    assert v("guaranteed_loan") <= max(D(person["loan_requested"]), D(0))
    assert v("skill_training_subsidy") <= 800
    assert v("skill_training_subsidy") <= person["skill_training_cost"]
    assert v("startup_training_subsidy") in (0, 1500)
    assert v("completion_subsidy") in (0, 80)
    assert v("skill_certificate_subsidy") in (0, 300, 500, 700, 1000, 1200)
    assert v("startup_subsidy") == 0 or v("startup_subsidy") >= 500
    assert v("post_subsidy") <= fen(12 * D("0.20") * min_wage)
    assert v("loan_interest_subsidy") <= fen(person["loan_rate"] * 50_000)
    # the parts of si_subsidy (6 % and 5 %) are rounded each, so their sum may be a fen above 11 %
    avg = D(params["avg_wage_last_year"])
    assert v("si_subsidy") <= fen(D("0.06") * avg) + fen(D("0.05") * avg)
    for name in ("processing_si_subsidy", "employment_assistance_subsidy"):
        assert v(name) <= fen(si_standard), name
    # one person is paid at most one of the social-insurance subsidies
    assert sum(1 for name in SI_GROUP if v(name) > 0) <= 1
    tax = d.outputs["tax_relief"].parts
    paid = {"business_tax": "business_tax_paid", "city_maintenance_tax": "city_maintenance_tax_paid",
            "education_surcharge": "education_surcharge_paid", "income_tax": "income_tax_paid"}
    for part, fact in paid.items():
        assert tax[part] <= person[fact]
    if "credit_community_award" in d.outputs:
        assert v("full_employment_award") in (0, 10_000, 20_000)
        assert v("credit_community_award") == 0 or d.value("credit_community") is True
    if "small_enterprise_loan_limit" in d.outputs:
        assert v("small_enterprise_loan_limit") in (0, 2_000_000)


@EXAMPLES
@given(city_facts(industry=st.sampled_from(EXCLUDED)), city_params(), DATES)
def test_excluded_industries_get_no_tax_relief_and_no_fee_exemption(facts: dict[str, Any], params: dict[str, str],
                                                                    on: dt.date) -> None:
    d = evaluate(facts, params, on, trace=False)
    assert d.value("tax_relief") == 0
    assert all(x == 0 for x in d.outputs["tax_relief"].parts.values())
    assert d.value("fee_exemption") is False


@EXAMPLES
@given(city_facts(), city_params(), DATES, money(), money())
def test_rent_subsidy_does_not_decrease_with_the_rent(facts: dict[str, Any], params: dict[str, str], on: dt.date,
                                                     rent_a: str, rent_b: str) -> None:
    low, high = sorted([rent_a, rent_b], key=D)
    facts["person"]["annual_rent"] = low
    at_low = evaluate(facts, params, on, trace=False).value("rent_subsidy")
    facts["person"]["annual_rent"] = high
    at_high = evaluate(facts, params, on, trace=False).value("rent_subsidy")
    assert at_low <= at_high


@EXAMPLES
@given(city_facts(), city_params(), DATES)
def test_every_invariant_stated_in_the_policy_holds(facts: dict[str, Any], params: dict[str, str],
                                                    on: dt.date) -> None:
    d = evaluate(facts, params, on, trace=False)
    assert len(d.invariants) == len(CITY.checked.invariants) == 5  # all need only person facts
    broken = [i.label for i in d.invariants if not i.holds]
    assert not broken


@FEW
@given(city_facts(), city_params(), DATES, st.sampled_from(["en", "zh"]))
def test_evaluation_is_deterministic(facts: dict[str, Any], params: dict[str, str], on: dt.date,
                                     lang: str) -> None:
    first = evaluate(facts, params, on)
    second = evaluate(facts, params, on)
    assert snapshot(first) == snapshot(second)
    assert first.to_dict() == second.to_dict()
    assert CITY.explain(first, lang=lang) == CITY.explain(second, lang=lang)


@FEW
@given(city_facts(), city_params())
def test_the_date_only_matters_where_the_policy_says(facts: dict[str, Any], params: dict[str, str]) -> None:
    # the only dated rule is tax relief approval (until 2009-12-31); everything else is the same any day
    a = snapshot(evaluate(facts, params, dt.date(2009, 3, 1), trace=False))
    b = snapshot(evaluate(facts, params, dt.date(2009, 11, 30), trace=False))
    assert a == b
    later = snapshot(evaluate(facts, params, dt.date(2011, 3, 1), trace=False))
    assert {k: x for k, x in later.items() if k != "tax_relief"} == {k: x for k, x in a.items() if k != "tax_relief"}
    if facts["person"]["years_tax_relief_received"] >= 1:
        assert later["tax_relief"] == a["tax_relief"]  # approved before 2010: goes on
    else:
        assert later["tax_relief"][0] == 0  # no new approvals after 2009


# ---------------------------------------------------------------- a bilingual twin
# The twin texts live in tests/conftest.py (fixtures twin_en_text, twin_zh_text).
_TWIN: dict[str, Policy] = {}


def twins(en_text: str, zh_text: str) -> tuple[Policy, Policy]:
    if not _TWIN:
        _TWIN["en"] = loads(en_text, "twin.en.policy")
        _TWIN["zh"] = loads(zh_text, "twin.zh.policy")
    return _TWIN["en"], _TWIN["zh"]


def test_the_twins_are_spelled_differently(twin_en_text: str, twin_zh_text: str) -> None:
    assert "policy" in twin_en_text and "policy" not in twin_zh_text
    for word in ("when", "amount", "parts", "allocate", "except", "exclusive", "at_most", "counting", "otherwise"):
        assert word in twin_en_text and word not in twin_zh_text


@EXAMPLES
@given(data=st.data())
def test_chinese_and_english_twins_evaluate_identically(twin_en_text: str, twin_zh_text: str,
                                                        data: st.DataObject) -> None:
    en_policy, zh_policy = twins(twin_en_text, twin_zh_text)
    facts = {"person": data.draw(kind_facts(en_policy, "person"), label="facts")}
    params = {"wage": data.draw(money(5_000), label="wage")}
    on = data.draw(st.dates(dt.date(2020, 1, 1), dt.date(2022, 12, 31)), label="date")
    en = en_policy.evaluate(facts, on=on, parameters=params)
    zh = zh_policy.evaluate(facts, on=on, parameters=params)
    assert snapshot(en) == snapshot(zh)
    assert en.parameters == zh.parameters
    assert [(i.label, i.holds) for i in en.invariants] == [(i.label, i.holds) for i in zh.invariants]
    assert all(i.holds for i in en.invariants)
    for lang in ("en", "zh"):
        assert en_policy.explain(en, lang=lang) == zh_policy.explain(zh, lang=lang)
    # the twin's own bounds
    assert en.value("rent_aid") <= 3000 and en.value("split.a") <= 500
    assert en.value("split") == 0 or en.value("split.b") >= 100
    assert en.value("relief") <= en.parameters["quota"]
    assert sum(1 for m in ("special", "other_aid") if en.value(m) > 0) <= 1

"""Decision -> explanations: golden calculation cards in English and Chinese for
representative cases of the city policy, and the JSON form.

Rewrite the golden files after an intended change with ``UPDATE_GOLDEN=1``."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from policyrules.api import Policy
from policyrules.explain.data import decision_to_dict

GOLDEN = Path(__file__).parent.parent / "golden" / "explain"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# name -> (person facts over the base, the outputs shown)
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    # ineligible: the business is not yet a year old, and no start-up or tax facts hold ("why not")
    "why-not": ({"registered_unemployed": True, "starts_business": True, "first_business": True,
                 "business_months": 11, "venue": "government_market", "annual_rent": "40000.00",
                 "industry": "construction"},
                ["rent_subsidy", "fee_exemption", "tax_relief", "post_subsidy"]),
    # capped: 10 % of 40000 is 4000, capped at 3000
    "capped": ({"registered_unemployed": True, "starts_business": True, "first_business": True,
                "business_months": 14, "venue": "government_market", "annual_rent": "40000.00",
                "years_rent_subsidy_received": 1, "loan_requested": "80000.00"},
               ["rent_subsidy", "guaranteed_loan", "loan_interest_subsidy"]),
    # group-excluded: three social-insurance subsidies, only the highest is paid
    "group-excluded": ({"sex": "M", "age": 58, "hardship": True, "flexible_employed": True,
                        "monthly_income": "2000.00", "pays_si": True, "years_si_subsidy_received": 1,
                        "months_to_retirement": 20, "registered_unemployed": True, "processing_worker": True,
                        "annual_processing_income": "5000.00", "ui_ended": True, "months_since_ui_ended": 3},
                       ["si_subsidy", "processing_si_subsidy", "employment_assistance_subsidy"]),
    # allocation: the 8000 quota used up in order, income tax last
    "allocation": ({"holds_reemployment_cert": True, "starts_business": True, "industry": "catering",
                    "business_tax_paid": "5000.00", "city_maintenance_tax_paid": "350.00",
                    "education_surcharge_paid": "150.00", "income_tax_paid": "4000.00"},
                   ["tax_relief", "fee_exemption"]),
    # parts: pension 6 % and medical 5 % of last year's average wage
    "parts": ({"sex": "F", "age": 42, "months_to_retirement": 156, "hardship": True, "flexible_employed": True,
               "monthly_income": "1200.00", "pays_si": True},
              ["si_subsidy", "post_subsidy"]),
}


def decide(policy: Policy, base: dict[str, Any], params: dict[str, str], person: dict[str, Any],
           trace: bool = True) -> Any:
    facts = copy.deepcopy(base)
    facts["person"].update(person)
    return policy.evaluate(facts, on="2009-07-01", parameters=params, trace=trace)


def check_golden(path: Path, text: str) -> None:
    from golden_support import rewrite

    rewrite(path, text)  # UPDATE_GOLDEN=1: rewrites a changed file and fails
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{path.name} differs; if the change is intended, rerun with UPDATE_GOLDEN=1"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(CASES))
def test_golden_card(city_policy: Policy, base_facts: dict[str, Any], city_params: dict[str, str],
                     name: str, lang: str) -> None:
    person, outputs = CASES[name]
    decision = decide(city_policy, base_facts, city_params, person)
    text = city_policy.explain(decision, lang=lang, outputs=outputs)
    check_golden(GOLDEN / f"{name}.{lang}.txt", text)


def _card(text: str, output: str) -> str:
    """The card of one output in a whole explanation."""
    blocks = text.split("\n\n")
    (block,) = [b for b in blocks if b.startswith(output + " ")]
    return block


def test_why_not_names_the_failing_condition_with_its_value(city_policy: Policy, base_facts: dict[str, Any],
                                                            city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["why-not"][0])
    text = city_policy.explain(d, outputs=["rent_subsidy", "fee_exemption"])
    rent = _card(text, "rent_subsidy")
    assert rent.splitlines()[0].startswith("rent_subsidy 经营场地租费补贴 = 0.00")
    assert "not eligible: these conditions fail" in rent
    assert re.search(r"✗ business_months 11 months >= 1 year", rent)
    assert "✓" not in rent  # only the failing conditions are listed
    fee = _card(text, "fee_exemption")
    assert "= false" in fee.splitlines()[0]
    assert "✗ industry construction not in excluded_industries" in fee
    zh = city_policy.explain(d, lang="zh", outputs=["rent_subsidy"])
    assert "不符合条件:以下条件未满足" in zh and "✗ business_months 11个月 >= 1年" in zh


def test_why_not_without_a_trace_quotes_the_source(city_policy: Policy, base_facts: dict[str, Any],
                                                   city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["why-not"][0], trace=False)
    text = city_policy.explain(d, outputs=["rent_subsidy"])
    assert "✗ business_months >= 1 year" in text
    assert "evaluated without a trace" in text


def test_a_capped_amount_says_so_and_cites_its_clause(city_policy: Policy, base_facts: dict[str, Any],
                                                      city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["capped"][0])
    rent = _card(city_policy.explain(d, outputs=["rent_subsidy"]), "rent_subsidy")
    assert "rent_subsidy 经营场地租费补贴 = 3000.00  [三(二)3]" in rent
    assert ("min(10% × annual_rent 40000.00 = 4000.00, cap 3000.00) = 3000.00 (cap applied; 三(二)3)"
            in " ".join(rent.split()))  # a line over 100 columns is broken after the comma
    assert "rule: alternative 2 applies" in rent
    assert "term: received 1 year of 3 years" in rent
    zh = city_policy.explain(d, lang="zh", outputs=["rent_subsidy"])
    assert "适用上限; 三(二)3" in zh and "适用第2种情形" in zh


def test_a_group_excluded_output_says_which_was_paid(city_policy: Policy, base_facts: dict[str, Any],
                                                     city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["group-excluded"][0])
    assert d.outputs["processing_si_subsidy"].status == "excluded"
    text = city_policy.explain(d, outputs=CASES["group-excluded"][1])
    proc = _card(text, "processing_si_subsidy")
    assert proc.splitlines()[0].startswith("processing_si_subsidy 来料加工社保补贴 = 0.00")
    assert "→ 1100.00" in proc  # what it would have paid
    assert "excluded: 社会保险补贴不重复享受: only the highest is paid, and `si_subsidy` pays 2640.00" in proc
    si = _card(text, "si_subsidy")
    assert "paid instead of `processing_si_subsidy`, `employment_assistance_subsidy`" in si
    zh = city_policy.explain(d, lang="zh", outputs=["processing_si_subsidy"])
    assert "不予重复享受: 社会保险补贴不重复享受:就高不重复,`si_subsidy` 金额 2640.00" in zh


def test_an_allocation_shows_each_item_against_what_is_left(city_policy: Policy, base_facts: dict[str, Any],
                                                             city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["allocation"][0])
    tax = _card(city_policy.explain(d, outputs=["tax_relief"]), "tax_relief")
    assert "amount: tax_relief_quota 8000.00, used up in order" in tax
    lines = [x.strip() for x in tax.splitlines()]
    assert "business_tax: min(business_tax_paid 5000.00, 8000.00) → 5000.00" in lines
    assert "income_tax: min(income_tax_paid 4000.00, 2500.00) → 2500.00" in lines
    assert "total = 8000.00" in lines
    assert "依次减免" in city_policy.explain(d, lang="zh", outputs=["tax_relief"])


def test_parts_are_listed_with_their_sum(city_policy: Policy, base_facts: dict[str, Any],
                                         city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["parts"][0])
    si = _card(city_policy.explain(d, outputs=["si_subsidy"]), "si_subsidy")
    assert "amount = 1440.00 + 1200.00 = 2640.00" in si
    assert "pension: 6% × avg_wage_last_year 24000.00/year = 1440.00/year → 1440.00" in si
    assert "金额 = 1440.00 + 1200.00 = 2640.00" in city_policy.explain(d, lang="zh", outputs=["si_subsidy"])


def test_a_monthly_rate_shows_the_months_paid(city_policy: Policy, base_facts: dict[str, Any],
                                              city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params,
               {"hardship": True, "registered_unemployed": True, "starts_business": True,
                "micro_profit_project": True, "business_months": 18})
    post = _card(city_policy.explain(d, outputs=["post_subsidy"]), "post_subsidy")
    assert "20% × min_wage_monthly 960.00/month = 192.00/month × 6 months this year → 1152.00" in post
    assert "months left this term 6" in post


def test_chinese_cards_have_no_english_phrases(city_policy: Policy, base_facts: dict[str, Any],
                                               city_params: dict[str, str], twin_zh_text: str) -> None:
    from policyrules.api import loads

    d = decide(city_policy, base_facts, city_params, CASES["group-excluded"][0])  # extended without limit
    d2 = decide(city_policy, base_facts, city_params,
                {"hardship": True, "registered_unemployed": True, "starts_business": True,
                 "micro_profit_project": True, "business_months": 18})  # months of a monthly rate
    twin = loads(twin_zh_text)
    d3 = twin.evaluate({"person": {"income": "30000.00", "rent": "40000.00", "age": 61, "hard": True,
                                   "sector": "shop", "used": 3, "done": 6, "paid_a": "3000.00",
                                   "paid_b": "4000.00", "rate": "5%"}},
                       on="2021-03-01", parameters={"wage": "1000.00"})  # extended by a year
    assert d3.outputs["rent_aid"].term is not None and d3.outputs["rent_aid"].term.extended
    text = city_policy.explain(d, lang="zh") + city_policy.explain(d2, lang="zh") + twin.explain(d3, lang="zh")
    for phrase in ("without limit", "by 12 months", "months this year", "applies", "otherwise"):
        assert phrase not in text


def test_the_whole_explanation_lists_every_output_and_the_invariants(
        city_policy: Policy, base_facts: dict[str, Any], city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["capped"][0])
    text = city_policy.explain(d)
    assert text.startswith("Decision for policy city-employment-promotion on 2009-07-01\n")
    for name in d.outputs:
        assert f"\n{name} " in text
    assert "invariants stated in the policy:" in text
    assert "✓ 租费补贴每年不超过3000元 [holds]" in text
    zh = city_policy.explain(d, lang="zh")
    assert zh.startswith("政策 city-employment-promotion 于 2009-07-01 的计算结果\n")
    assert "政策声明的不变式:" in zh


def test_an_unknown_language_is_refused(city_policy: Policy, base_facts: dict[str, Any],
                                        city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, {})
    with pytest.raises(ValueError, match="unknown language"):
        city_policy.explain(d, lang="fr")


# ---------------------------------------------------------------- JSON
def test_json_form(city_policy: Policy, base_facts: dict[str, Any], city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["allocation"][0])
    text = json.dumps(decision_to_dict(d, city_policy.checked, trace=True), ensure_ascii=False)
    data = json.loads(text)
    assert set(data) == {"policy", "date", "parameters", "outputs", "invariants"}
    assert data["policy"] == "city-employment-promotion" and data["date"] == "2009-07-01"
    assert data["parameters"]["min_wage_monthly"] == "960.00"
    assert set(data["outputs"]) == set(d.outputs)
    tax = data["outputs"]["tax_relief"]
    assert {"name", "label", "kind", "value", "eligible", "status", "cites", "parts", "term",
            "failed_conditions", "trace"} <= set(tax)
    assert tax["value"] == "8000.00" and tax["eligible"] is True and tax["cites"] == ["三(二)5"]
    assert tax["parts"] == {"business_tax": "5000.00", "city_maintenance_tax": "350.00",
                            "education_surcharge": "150.00", "income_tax": "2500.00"}
    assert tax["term"] == {"limit_months": "36", "used_months": "0", "extended": None, "within_term": True}
    assert tax["trace"]["node"] == "Allocation" and tax["trace"]["value"] == "8000.00"
    rent = data["outputs"]["rent_subsidy"]
    assert rent["value"] == "0.00" and rent["eligible"] is False and rent["status"] == "not eligible"
    assert [c["condition"] for c in rent["failed_conditions"]] == ["first_business", "business_months >= 1 year"]
    fee = data["outputs"]["fee_exemption"]
    assert fee["value"] is False and fee["kind"] == "exemption"
    assert [c["condition"] for c in fee["failed_conditions"]] == ["registered_unemployed or disabled"]
    assert all(set(i) == {"label", "holds"} and i["holds"] is True for i in data["invariants"])


def test_json_without_the_policy_is_plain_too(city_policy: Policy, base_facts: dict[str, Any],
                                              city_params: dict[str, str]) -> None:
    d = decide(city_policy, base_facts, city_params, CASES["parts"][0], trace=False)
    data = json.loads(json.dumps(d.to_dict()))
    assert data["outputs"]["si_subsidy"]["parts"] == {"pension": "1440.00", "medical": "1200.00"}
    assert "trace" not in data["outputs"]["si_subsidy"]


# ---------------------------------------------------------------- the card agrees with the value
SMALL = """\
policy t
facts p:
  x: money
  ok: bool
benefit single once
  amount x / 8
benefit split once
  amount parts
    a: 6% of x
    b: 5% of x
benefit maybe once
  amount
    if ok: parts
      a: x
      c: 1 元
"""


@pytest.fixture(scope="module")
def small() -> Policy:
    from policyrules.api import loads

    return loads(SMALL, "small.policy")


def test_the_card_shows_the_value_paid(small: Policy) -> None:
    d = small.evaluate({"p": {"x": "2.00", "ok": True}}, on="2020-01-01")
    text = small.explain(d, outputs=["single", "split"])
    assert "single = 0.25" in text and "x 2.00 ÷ 8 = 0.25 → 0.25" in text
    assert "split = 0.22" in text and "amount = 0.12 + 0.10 = 0.22" in text


def test_the_card_rounds_as_the_policy_does(small: Policy) -> None:
    d = small.evaluate({"p": {"x": "1.00", "ok": True}}, on="2020-01-01")
    assert format(d.value("single"), "f") == "0.13"
    assert "→ 0.13" in small.explain(d, outputs=["single"])


def test_the_parts_line_adds_up(city_policy: Policy, base_facts: dict[str, Any],
                                city_params: dict[str, str]) -> None:
    params = {**city_params, "avg_wage_last_year": "35341.92"}
    facts = copy.deepcopy(base_facts)
    facts["person"].update(CASES["parts"][0])
    d = city_policy.evaluate(facts, on="2009-07-01", parameters=params)
    assert format(d.value("si_subsidy"), "f") == "3887.62"
    assert "amount = 2120.52 + 1767.10 = 3887.62" in city_policy.explain(d, outputs=["si_subsidy"])


def test_the_card_says_when_no_alternative_applies(small: Policy) -> None:
    d = small.evaluate({"p": {"x": "2.00", "ok": False}}, on="2020-01-01")
    assert d.outputs["maybe"].branch == "no alternative applies"
    assert "no alternative applies" in small.explain(d, outputs=["maybe"])

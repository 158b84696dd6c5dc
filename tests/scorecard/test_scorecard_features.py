"""Scorecard constructs beyond the acceptance files: last-year targets, areas, caps,
weights, deductions over named items, parameters, rounding, strict comparisons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from scorecard_support import city_targets, jilin_2004, recruitment_from_records

from policyrules.scorecard import evaluate_scorecard, explain_unit
from policyrules.scorecard.expr import Arith, Compare, Const, FieldRef, LastYear, ParamRef, f
from policyrules.scorecard.model import (
    Award,
    Deduction,
    Direct,
    Direction,
    FieldDecl,
    Indicator,
    Proportional,
    Qualification,
    Rounding,
    RoundingMode,
    Scorecard,
    YesNo,
)
from policyrules.types import BOOL, INTEGER, NUMBER, PERCENT

ON = date(2012, 12, 31)


def city_unit(**changes: Any) -> dict[str, Any]:
    unit = {"id": "city", "new_urban_jobs": 115000, "reemployed": 50000, "hardship_reemployed": 12000,
            "public_welfare_posts": 5200, "registered_unemployment_rate": "4%", "rural_dibao_employment_rate": "50%",
            "training": 150000, "resident_medical_rate": "70%", "migrant_insurance_rate": "30%",
            "migrant_insurance_rate_last_year": "15%", "fund_collection_rate": "95%",
            "migrant_insurance_start": "2012-03-01", "rural_pension_scheme": "是"}
    return unit | changes


def test_a_target_twice_last_year() -> None:
    result = evaluate_scorecard(city_targets(), [city_unit(), city_unit(id="town", migrant_insurance_rate="29.9%")],
                                parameters={"migrant_insurance_deadline": "2012年5月1日"}, on=ON)
    city, town = result.unit("city"), result.unit("town")
    assert city.indicator("migrant_insurance_rate").target == Decimal("0.30")
    assert city.indicator("migrant_insurance_rate").last_year == Decimal("0.15")
    assert city.met_count == city.indicator_count == 12
    assert not town.indicator("migrant_insurance_rate").met
    text = explain_unit(result, "town")
    assert "migrant_insurance_rate: actual 29.9% < target 30% (2 x last_year, last year 15%), not met" in text
    assert "实际 29.9% < 目标 30%(2 × 去年实际,去年 15%),未完成" in explain_unit(result, "town", "zh")


def test_a_target_last_year_plus_one_percentage_point_and_a_strict_comparison() -> None:
    card = Scorecard("pp", [FieldDecl("rate", PERCENT), FieldDecl("rate_ly", PERCENT), FieldDecl("n", INTEGER)], [
        Indicator("rate", Arith("+", LastYear(), Const(Decimal("0.01"), PERCENT)), last_year=f("rate_ly")),
        Indicator("n", Const(10), Direction.AT_MOST, inclusive=False),
    ], ranking=None)
    result = evaluate_scorecard(card, [
        {"id": "a", "rate": "21%", "rate_ly": "20%", "n": 9},
        {"id": "b", "rate": "20.99%", "rate_ly": "20%", "n": 10},
    ], on=ON)
    assert [result.unit(u).indicator("rate").met for u in "ab"] == [True, False]
    assert [result.unit(u).indicator("n").met for u in "ab"] == [True, False]
    assert "actual 20.99% < target 21% (last_year + 1%, last year 20%)" in explain_unit(result, "b")
    assert "n: actual 10 >= target 10, not met" in explain_unit(result, "b")


def _jilin_unit(unit_id: str, miss: tuple[str, ...] = ()) -> dict[str, Any]:
    card = jilin_2004()
    unit: dict[str, Any] = {"id": unit_id}
    for ind in card.indicators:
        low = ind.direction is Direction.AT_MOST
        unit[ind.name + "_target"] = "4%" if low else 100
        met_value = "3%" if low else 100
        unit[ind.name] = ("5%" if low else 99) if ind.name in miss else met_value
    return unit


def test_advanced_units_per_area() -> None:
    card = jilin_2004()
    card = attrs.evolve(card, areas=[attrs.evolve(a, advanced=2) for a in card.areas])
    units = [
        _jilin_unit("changchun"),
        _jilin_unit("jilin", miss=("skill_training",)),
        _jilin_unit("baicheng", miss=("registered_unemployment_rate", "medical_insured")),
        _jilin_unit("tonghua", miss=("labour_export", "dibao_it_rate")),
    ]
    result = evaluate_scorecard(card, units, on=date(2004, 12, 31))
    assert result.unit("changchun").indicator_count == 36
    employment = {u.id: u.area("employment") for u in result.units}
    # candidates meet all 11 employment indicators: changchun (36 met) then jilin (35 met)
    assert {k for k, a in employment.items() if a.candidate} == {"changchun", "jilin"}
    assert employment["changchun"].advanced and employment["jilin"].advanced
    training = {u.id: u.area("training") for u in result.units}
    assert [training[k].rank for k in ("changchun", "baicheng", "tonghua")] == [1, 2, 3]
    assert training["changchun"].advanced and training["baicheng"].advanced and not training["tonghua"].advanced
    assert result.unit("tonghua").get("areas.training.candidate") is True
    assert not result.unit("baicheng").area("medical").candidate
    assert "training: 4 of 4 met, candidate (place 3), not among the first 2" in explain_unit(result, "tonghua")
    # ranked by score (the weights of the indicators met), then indicators met, then id
    assert [(u.id, u.score, u.rank) for u in result.units] == [
        ("changchun", 36, 1), ("jilin", 35, 2), ("baicheng", 34, 3), ("tonghua", 34, 4)]
    assert result.advanced_units == ("changchun", "jilin", "baicheng") and result.total_awards == 0
    assert "Rank 4: below baicheng (rank 3): same score 34.00; tie-break met_count: 34 = 34" not in \
        explain_unit(result, "tonghua")
    assert "the last tie-break is the unit id" in explain_unit(result, "tonghua")


def _card(**changes: Any) -> Scorecard:
    base: dict[str, Any] = dict(
        name="test",
        fields=[FieldDecl("target", INTEGER), FieldDecl("actual", INTEGER), FieldDecl("a", BOOL),
                FieldDecl("b", BOOL), FieldDecl("c", BOOL), FieldDecl("extra", NUMBER)],
        indicators=[Indicator("jobs", f("target"), actual=f("actual"))],
        items=[
            Proportional("jobs", 60, "jobs", cap=70),
            Deduction("docs", 3, 1, items=("a", "b", "c"), floor=Decimal("0.5")),
            Direct("extra", "extra", maximum=5, weight=Decimal("0.5")),
            YesNo("a_done", 10, FieldRef("a")),
        ],
        qualification=Qualification(threshold=50),
        awards=[Award("gold", 1, 3000), Award("silver", 2, 1000)],
    )
    return Scorecard(**(base | changes))


def test_cap_floor_weight_items_and_award_tiers() -> None:
    units = [
        {"id": "u1", "target": 3, "actual": 4, "a": True, "b": True, "c": True, "extra": 5},
        {"id": "u2", "target": 3, "actual": 5, "a": False, "b": False, "c": False, "extra": "1"},
        {"id": "u3", "target": 3, "actual": 2, "a": True, "b": False, "c": True, "extra": 0},
        {"id": "u4", "target": 3, "actual": 1, "a": True, "b": True, "c": True, "extra": 0},
    ]
    result = evaluate_scorecard(_card(), units, on=ON)
    u1, u2, u3 = result.unit("u1"), result.unit("u2"), result.unit("u3")
    assert u1.item("jobs").points == 70 and u1.item("jobs").bound == "cap"  # 60 x 4/3 = 80, capped
    assert u2.item("docs").points == Decimal("0.5") and u2.item("docs").bound == "floor"  # 3 - 3 = 0 < 0.5
    assert u3.item("docs").points == 2 and u3.item("docs").values["absent"] == "b"
    assert u1.item("extra").points == Decimal("2.5")
    assert u1.score == Decimal("85.50")  # 70 + 3 + 2.5 + 10
    assert u3.score == Decimal("52.00")  # 40 + 2 + 0 + 10
    assert [(u.id, u.award_name, u.award) for u in result.units if u.advanced_unit] == [
        ("u1", "gold", Decimal("3000.00")), ("u2", "silver", Decimal("1000.00")), ("u3", "silver", Decimal("1000.00"))]
    text = explain_unit(result, "u1")
    assert "jobs: 60 x 4/3 = 80.00, capped at 70 = 70.00" in text
    assert "extra: extra 5 (allowed 0..5) x weight 0.5 = 2.50" in text
    assert "docs: 3 - 1 x 3 (missing: a, b, c) = 0.00, floor 0.5 = 0.50" in explain_unit(result, "u2")
    assert "jobs: 60 x 2/3 = 40.00" in explain_unit(result, "u3")
    assert "u4" not in result.advanced_units and result.unit("u4").rank is None


def test_a_parameter_target_dated_and_a_rounding_rule() -> None:
    card = Scorecard("p", [FieldDecl("actual", INTEGER)], [Indicator("jobs", ParamRef("goal"), actual=f("actual"))],
                     [Proportional("jobs", 10, "jobs")], parameters=[FieldDecl("goal", INTEGER)],
                     rounding=Rounding(Decimal("0.1"), RoundingMode.DOWN))
    params = {"goal": {"2012-01-01": 3, date(2013, 1, 1): 6}}
    result = evaluate_scorecard(card, [{"id": "a", "actual": 2}], parameters=params, on=ON)
    assert result.unit("a").indicator("jobs").target == 3
    assert result.unit("a").score == Decimal("6.6")  # 10 x 2/3 = 6.666..., rounded down to 0.1
    assert evaluate_scorecard(card, [{"id": "a", "actual": 2}], parameters=params,
                              on=date(2013, 6, 1)).unit("a").score == Decimal("3.3")
    with pytest.raises(Exception, match="parameter goal: no value in force on 2011-01-01"):
        evaluate_scorecard(card, [{"id": "a", "actual": 2}], parameters=params, on=date(2011, 1, 1))
    with pytest.raises(Exception, match="parameter goal is missing"):
        evaluate_scorecard(card, [{"id": "a", "actual": 2}], on=ON)


def test_counted_indicators_explain_the_count() -> None:
    unit = {"id": "town_a", "annual_target": 2, "special_target": 1, "plan_submitted": True, "survey_done": True,
            "ledger_built": True, "items_missing": 0, "other_points": "10"}
    workers = [
        {"unit": "town_a", "labour_contract": True, "consecutive_months": 3, "key_enterprise": False},
        {"unit": "town_a", "labour_contract": True, "consecutive_months": 5, "key_enterprise": True},
        {"unit": "town_a", "labour_contract": False, "consecutive_months": 5, "key_enterprise": True},
        {"unit": "town_a", "labour_contract": True, "consecutive_months": 2, "key_enterprise": True},
    ]
    result = evaluate_scorecard(recruitment_from_records(), [unit], {"worker": workers}, on=ON)
    assert result.unit("town_a").score == 100
    text = explain_unit(result, "town_a")
    assert ("special: actual 1 (count of worker where labour_contract and consecutive_months >= 3 and "
            "key_enterprise) >= target 1, met") in text
    zh = explain_unit(result, "town_a", "zh")
    assert "实际 2(新招工人数,条件:签订了劳动合同 且 在一个企业连续务工月数 >= 3) >= 目标 2" in zh


def test_sums_over_records_not_or_and_an_ascending_tie_break() -> None:
    from policyrules.scorecard.expr import Logic, Not, Sum
    from policyrules.scorecard.model import OrderKey, Ranking, RecordKind

    card = Scorecard(
        "sums", [FieldDecl("goal", INTEGER), FieldDecl("complaints", INTEGER)],
        [Indicator("months", f("goal"), actual=Sum("worker", f("months"), Logic("or", [
            Not(f("temporary")), Compare(">=", f("months"), Const(6))])))],
        [Proportional("months", 10, "months", cap=10)],
        ranking=Ranking([OrderKey(f("complaints"), descending=False, label="投诉数")]),
        records=[RecordKind("worker", [FieldDecl("unit", "id"), FieldDecl("months", INTEGER),
                                       FieldDecl("temporary", BOOL)])],
    )
    workers = [
        {"unit": "a", "months": 4, "temporary": False}, {"unit": "a", "months": 5, "temporary": True},
        {"unit": "a", "months": 6, "temporary": True}, {"unit": "b", "months": 12, "temporary": False},
    ]
    result = evaluate_scorecard(card, [{"id": "a", "goal": 10, "complaints": 3},
                                       {"id": "b", "goal": 10, "complaints": 1}], {"worker": workers}, on=ON)
    assert result.unit("a").indicator("months").actual == 10  # 4 + 6; the temporary 5 months do not count
    assert result.unit("b").item("months").bound == "cap"
    assert [u.id for u in result.units] == ["b", "a"]  # equal scores; fewer complaints first
    assert "tie-break complaints: 3 > 1 (smaller first)" in explain_unit(result, "a")

"""Properties of ranking, awards and scoring over generated units (recruitment card)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from scorecard_support import recruitment, recruitment_from_records

from policyrules.scorecard import evaluate_scorecard, to_dict
from policyrules.scorecard.result import ScorecardResult

CARD = recruitment()
ON = __import__("datetime").date(2023, 12, 25)

# Few distinct values, so that equal scores and equal tie-breaks are common.
unit_values = st.fixed_dictionaries({
    "annual_target": st.sampled_from([50, 100, 120]),
    "annual_actual": st.sampled_from([0, 45, 50, 90, 100, 120, 150]),
    "special_target": st.sampled_from([10, 30]),
    "special_actual": st.sampled_from([0, 10, 30, 31, 40]),
    "plan_submitted": st.booleans(),
    "survey_done": st.booleans(),
    "ledger_built": st.booleans(),
    "items_missing": st.integers(0, 5),
    "other_points": st.sampled_from(["0", "1.99", "5", "6.5", "10"]) | st.integers(0, 1000).map(
        lambda n: Decimal(n).scaleb(-2)),
})


@st.composite
def unit_lists(draw: Any) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=12, unique=True))
    return [{"id": i, **draw(unit_values)} for i in ids]


def run(units: list[dict[str, Any]]) -> ScorecardResult:
    return evaluate_scorecard(CARD, units, on=ON)


def _tie(unit: Any) -> Decimal:
    return unit.tie_values[0]


@given(unit_lists())
@settings(max_examples=150, deadline=None)
def test_ranking_is_a_total_order_consistent_with_score_and_tie_breaks(units: list[dict[str, Any]]) -> None:
    result = run(units)
    ranked = [u for u in result.units if u.rank is not None]
    assert [u.rank for u in ranked] == list(range(1, len(ranked) + 1))
    assert {u.id for u in ranked} == {u.id for u in result.units if u.qualified}
    for above, below in zip(ranked, ranked[1:], strict=False):
        key_above = (above.score, _tie(above))
        key_below = (below.score, _tie(below))
        assert key_above > key_below or (key_above == key_below and above.id < below.id)
        assert below.rank_reason is not None and below.rank_reason.above == above.id
        expected = "score" if above.score != below.score else "tie_break" if _tie(above) != _tie(below) else "id"
        assert below.rank_reason.key == expected


@given(unit_lists())
@settings(max_examples=150, deadline=None)
def test_at_most_n_awards_and_never_to_an_unqualified_unit(units: list[dict[str, Any]]) -> None:
    result = run(units)
    awarded = [u for u in result.units if u.advanced_unit]
    assert len(awarded) == min(5, result.qualified_count)
    assert all(u.qualified and u.rank is not None and u.rank <= 5 for u in awarded)
    assert all(u.award == Decimal("2000.00") for u in awarded)
    assert all(u.award == 0 and not u.advanced_unit for u in result.units if not u.qualified)
    assert result.total_awards == 2000 * len(awarded)


@given(unit_lists(), st.data())
@settings(max_examples=150, deadline=None)
def test_raising_an_actual_never_lowers_the_score(units: list[dict[str, Any]], data: Any) -> None:
    index = data.draw(st.integers(0, len(units) - 1))
    field = data.draw(st.sampled_from(["annual_actual", "special_actual"]))
    raised = [dict(u) for u in units]
    raised[index][field] += data.draw(st.integers(1, 100))
    before, after = run(units), run(raised)
    unit_id = units[index]["id"]
    assert after.unit(unit_id).score >= before.unit(unit_id).score
    for unit in units:
        if unit["id"] != unit_id:
            assert after.unit(unit["id"]).score == before.unit(unit["id"]).score


@given(unit_lists(), st.randoms(use_true_random=False))
@settings(max_examples=150, deadline=None)
def test_permuting_input_rows_changes_nothing(units: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = list(units)
    rnd.shuffle(shuffled)
    assert to_dict(run(shuffled), "en") == to_dict(run(units), "en")


worker = st.fixed_dictionaries({
    "unit": st.sampled_from(["a", "b", "c"]),
    "labour_contract": st.booleans(),
    "consecutive_months": st.integers(0, 12),
    "key_enterprise": st.booleans(),
})


@given(st.lists(worker, max_size=40), st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_counts_from_records_match_a_direct_count_and_ignore_order(workers: list[dict[str, Any]], rnd: Any) -> None:
    card = recruitment_from_records()
    base = {"annual_target": 3, "special_target": 1, "plan_submitted": True, "survey_done": True,
            "ledger_built": True, "items_missing": 0, "other_points": "10"}
    units = [{"id": i, **base} for i in "abc"]
    result = evaluate_scorecard(card, units, {"worker": workers}, on=ON)
    for unit_id in "abc":
        hired = [w for w in workers if w["unit"] == unit_id and w["labour_contract"] and w["consecutive_months"] >= 3]
        unit = result.unit(unit_id)
        assert unit.indicator("annual").actual == len(hired)
        assert unit.indicator("special").actual == sum(1 for w in hired if w["key_enterprise"])
    shuffled = list(workers)
    rnd.shuffle(shuffled)
    assert to_dict(evaluate_scorecard(card, units[::-1], {"worker": shuffled}, on=ON)) == to_dict(result)

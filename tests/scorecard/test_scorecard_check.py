"""Static checks of scorecards, and the model's node conventions."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from scorecard_support import all_cards, card, jiangsu_2012, jilin_2004, recruitment

from policyrules.scorecard import ScorecardDefinitionError, check_scorecard, evaluate_scorecard
from policyrules.scorecard.expr import (
    Compare,
    Const,
    Count,
    FieldRef,
    IndicatorRef,
    LastYear,
    Logic,
    MetCount,
    Part,
    f,
)
from policyrules.scorecard.model import (
    Area,
    Award,
    Condition,
    Deduction,
    Direct,
    FieldDecl,
    Indicator,
    OrderKey,
    Proportional,
    Qualification,
    Ranking,
    Scorecard,
    YesNo,
)
from policyrules.types import BOOL, INTEGER, TEXT


@pytest.mark.parametrize(("policy_name", "name"), all_cards())
def test_the_bundled_cards_are_well_formed(policy_name: str, name: str) -> None:
    assert check_scorecard(card(policy_name, name)) == []


def test_recruitment_has_the_documented_shape() -> None:
    card = recruitment()
    assert [i.name for i in card.items] == ["annual", "special", "plan", "survey", "ledger", "summaries", "other"]
    assert sum(getattr(i, "points", 0) for i in card.items) + 10 == 100  # 50 + 30 + 2 + 3 + 3 + 2 + other 0..10
    assert card.qualification is not None and card.qualification.threshold == 90
    assert [(a.count, a.amount) for a in card.awards] == [(5, 2000)]
    assert len(jiangsu_2012().indicators) == 22
    jilin = jilin_2004()
    assert len(jilin.indicators) == 36 and len(jilin.areas) == 7
    assert [sum(1 for i in jilin.indicators if i.area == a.name) for a in jilin.areas] == [11, 4, 8, 3, 2, 2, 6]
    assert len(jilin.items) == 36 and len(jilin.parameters) == 36  # a weight per indicator
    assert all(p.values == ((None, 1),) for p in jilin.parameters)  # stated weight 1, the caller may change it
    assert [(a.advanced, len(a.order)) for a in jilin.areas] == [(5, 2)] * 7


def test_spans_are_left_out_of_equality_and_nodes_are_frozen() -> None:
    assert FieldRef("x", span=(1, 2)) == FieldRef("x", span=(3, 4))
    assert hash(Compare(">=", f("a"), Const(1))) == hash(Compare(">=", f("a"), Const(1)))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        FieldRef("x").name = "y"  # type: ignore[misc]
    assert not hasattr(FieldRef("x"), "__dict__")
    from scorecard_support import POLICIES

    from policyrules.syntax.parse import parse

    text = (POLICIES / "recruitment-scorecard.policy").read_text(encoding="utf-8")
    assert parse(text).decls[1] == parse("\n\n" + text).decls[1]  # equal though every span moved
    assert parse(text).decls[1].span != parse("\n\n" + text).decls[1].span


def test_every_problem_of_a_malformed_card_is_listed() -> None:
    card = Scorecard(
        "bad",
        [FieldDecl("n", INTEGER), FieldDecl("flag", BOOL), FieldDecl("name", TEXT), FieldDecl("n", INTEGER)],
        [
            Indicator("early", IndicatorRef("late"), actual=f("nope")),
            Indicator("late", LastYear(), area="nowhere"),
            Indicator("flagged", Const(1), actual=f("flag")),
            Indicator("counted", Const(1), actual=Count("worker", Compare(">", f("months"), Const(3)))),
            Indicator("all", MetCount()),
        ],
        [
            Proportional("p", 10, "missing_indicator"),
            YesNo("y", 1, f("n")),
            Deduction("d", 2, 1),
            Direct("x", "flag", 5, 1),
        ],
        areas=[Area("empty", order=[OrderKey(f("flag"))])],
        qualification=Qualification(90, [Condition(Logic("and", [f("flag"), f("n")]))]),
        ranking=Ranking([OrderKey(Compare("==", f("name"), Const(1)))]),
        awards=[Award("a", -1)],
    )
    problems = check_scorecard(card)
    expected = [
        "field n is declared 2 times",
        "`nope` is not a field, a record field, an indicator or a parameter of the policy",
        "indicator early target: indicator late is declared after it",
        "indicator late target: last_year is only allowed in the target of an indicator with last_year",
        "indicator late: no area nowhere is declared",
        "indicator flagged actual: must be a number",
        "indicator counted actual: no records `worker` are declared",
        "indicator all target: the met count is only known after every indicator",
        "item p: no indicator missing_indicator is declared",
        "item y condition: must be true or false",
        "item d: give either missing or items, not both or neither",
        "item x: field flag must be a number",
        "item x: maximum below minimum",
        "area empty: no indicator belongs to it",
        "area empty order key 1: must be a number",
        "qualification condition 1: the right side of `and` must be yes/no, but this is a whole number",
        "tie-break 1: cannot compare text with a whole number",
        "tie-break 1: must be a number",
        "award a: count and amount must not be negative",
    ]
    for problem in expected:
        assert problem in problems, (problem, problems)
    with pytest.raises(ScorecardDefinitionError):
        evaluate_scorecard(card, [{"id": "a"}], on=date(2020, 1, 1))


def test_records_must_name_their_unit_by_an_id_field_and_counts_may_nest() -> None:
    from policyrules.scorecard.model import RecordKind

    card = Scorecard("r", [], [
        Indicator("c", Const(1), actual=Count("w", Compare(">", Count("w"), Const(0)))),
    ], records=[RecordKind("w", [FieldDecl("unit", INTEGER)])], ranking=None)
    problems = check_scorecard(card)
    assert problems == ["record kind w: field unit must be declared with type id"]
    # a count inside a count is the language's nested aggregate (the unit's records, for each record)
    ok = attrs.evolve(card, records=[RecordKind("w", [FieldDecl("unit", "id")])])
    result = evaluate_scorecard(ok, [{"id": "a"}, {"id": "b"}], {"w": [{"unit": "a"}, {"unit": "a"}]},
                                on=date(2020, 1, 1))
    assert [result.unit(u).indicator("c").actual for u in "ab"] == [2, 0]


def test_indicator_parts() -> None:
    assert {p.value for p in Part} == {"actual", "target", "met", "ratio", "last_year"}

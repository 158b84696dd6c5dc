"""One expression core: a scorecard's expressions are the language's, so constructs a card
could not use before (calendar functions, range tables, optional fields with ``given``,
``if … then … else``, durations) are checked by the language's checker, evaluated by its
interpreter and explained, in English and Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policyrules.api import PolicyError, loads
from policyrules.scorecard import ScorecardInputError, evaluate_scorecard, explain_unit
from policyrules.scorecard.result import ScorecardResult

POLICY = """
policy sc-lang "scorecard with language constructs"

table bonus_points "超额加分": integer -> number
  below 10: 0
  from 10 below 20: 1
  from 20: 2

scorecard sc-lang "服务考核"
  fields "各单位填报":
    target "年度任务": integer
    done "完成数": integer
    opened "服务站启用日期": date
    hotline "热线接通率": optional percent
  indicator jobs "年度任务" at_least target
    actual done
  indicator days_open "服务站运行天数" at_least 180 days
    actual days_between(opened, evaluation_date)
  indicator hotline "热线接通率" at_least 90%
    actual if given(hotline) then hotline else 0%
  points jobs "任务分" proportional 50 on jobs
  points surplus "超额完成" 10 when jobs.met
    weight 1 + bonus_points[done - target] / 10
  points opened_early "按期启用" 10 when opened <= end_of_month(2012-06-15)
  points hotline "热线" 5 when given(hotline) and hotline >= 90%
  qualify when score >= 50
  rank by score then bonus_points[done - target] then days_open.actual
"""
UNITS = [
    {"id": "a", "target": 100, "done": 125, "opened": "2012-05-02", "hotline": "95%"},
    {"id": "b", "target": 100, "done": 112, "opened": "2012-07-01"},
    {"id": "c", "target": 100, "done": 90, "opened": "2012-01-10", "hotline": "85%"},
]
ON = date(2012, 12, 31)


def _score(units: list[dict[str, object]] = UNITS, text: str = POLICY) -> ScorecardResult:
    card = loads(text, "lang.policy").checked.scorecards["sc-lang"]
    return evaluate_scorecard(card, units, on=ON)


def test_calendar_functions_range_tables_and_optional_fields_evaluate() -> None:
    result = _score()
    a, b, c = (result.unit(u) for u in "abc")
    # 2012-05-02 .. 2012-12-31, the first day not counted: 29 + 30 + 31 + 31 + 30 + 31 + 30 + 31
    assert a.indicator("days_open").actual == 243 and a.indicator("days_open").met
    assert a.item("surplus").points == 12  # 25 over the target: the row `from 20`, weight 1 + 2/10
    assert b.item("surplus").points == 11 and c.item("surplus").points == 0  # row `from 10 below 20`; not met
    assert [u.item("opened_early").points for u in (a, b, c)] == [10, 0, 10]  # by 2012-06-30 (end_of_month)
    assert b.indicator("hotline").actual == 0 and not b.indicator("hotline").met  # not given: 0%
    assert a.indicator("hotline").actual == Decimal("0.95") and a.item("hotline").points == 5
    assert [(u.id, u.score, u.rank) for u in result.units] == [
        ("a", Decimal("89.50"), 1), ("b", Decimal("67.00"), 2), ("c", Decimal("55.00"), 3)]
    assert a.tie_values == (2, 243)  # the range table's row and a duration as tie-breaks


def test_the_new_constructs_are_explained_in_english_and_chinese() -> None:
    result = _score()
    en = explain_unit(result, "b")
    assert "days_open: actual 183 days (days_between(opened, evaluation_date)) >= target 180 days, met" in en
    assert ("opened_early: opened <= end_of_month(2012-06-15): 2012-07-01 <= end_of_month(2012-06-15) = "
            "2012-06-30 -> 0.00") in en
    assert "hotline: actual 0% (if given(hotline) then hotline else 0%) < target 90%, not met" in en
    assert "hotline >= 90%: given(hotline) ✗ and hotline (not given) >= 90% -> 0.00" in en
    zh = explain_unit(result, "a", "zh")
    assert "服务站运行天数:实际 243天(days_between(opened, 评估日期)) >= 目标 180天,完成" in zh
    assert "热线:given(hotline) 且 热线接通率 >= 90%:given(hotline 95%) ✓ 且 95% >= 90% -> 5.00" in zh
    assert "× 权重 1 + bonus_points[done - target]/10 1.2 = 12.00" in zh


def test_an_optional_field_is_still_needed_where_it_is_used_without_given() -> None:
    text = POLICY.replace("actual if given(hotline) then hotline else 0%", "actual hotline")
    with pytest.raises(ScorecardInputError) as info:
        _score(text=text)
    assert info.value.problems == ["unit b: indicator hotline: still needed: unit.hotline"]
    with pytest.raises(ScorecardInputError, match="unit a: field hotline: 'ninety' is not a number"):
        _score([{**UNITS[0], "hotline": "ninety"}])  # given but not a percentage: refused
    with pytest.raises(ScorecardInputError, match="unit a: field opened is missing"):
        _score([{k: v for k, v in UNITS[0].items() if k != "opened"}])  # not optional


@pytest.mark.parametrize(("body", "code", "line", "column", "message"), [
    ("  indicator a at_least 3 days\n    actual n\n", "T002", 6, 3, "indicator a: cannot compare a whole number with days"),
    ("  indicator a at_least 1\n    actual n\n  points p 2 when n + 3 days > 5 days\n", "T001", 8, 19,
     "item p condition: cannot compute a whole number + days"),
    ("  indicator a at_least 1\n    actual days_between(n, evaluation_date)\n", "T006", 7, 12,
     "indicator a actual: `days_between`"),
])
def test_the_language_checker_types_a_card(body: str, code: str, line: int, column: int, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        loads("policy bad\nscorecard s\n  fields:\n    n: integer\n    flag: bool\n" + body, "bad.policy")
    found = [(d.code, d.span.line, d.span.column) for d in info.value.diagnostics if message in d.message]
    assert (code, line, column) in found, [(d.code, str(d.span), d.message) for d in info.value.diagnostics]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_card_with_the_new_constructs_formats_and_parses_back(lang: str) -> None:
    from policyrules.syntax.parse import parse
    from policyrules.syntax.printer import print_policy

    ast = parse(POLICY)
    printed = print_policy(ast, lang)
    assert parse(printed) == ast and print_policy(parse(printed), lang) == printed
    assert ("可选 百分比" in printed) == (lang == "zh") and ("days_open.实际" in printed) == (lang == "zh")


def test_division_by_zero_is_the_languages_and_a_ratio_over_a_zero_target_has_no_value() -> None:
    text = ("policy p\nscorecard s\n  fields:\n    goal: integer\n    done: integer\n"
            "  indicator jobs at_least goal\n    actual done\n  rank by score then done / goal then jobs.ratio\n")
    card = loads(text).checked.scorecards["s"]
    result = evaluate_scorecard(card, [{"id": "a", "goal": 4, "done": 2}], on=ON)
    assert result.unit("a").tie_values == (Decimal("0.5"), Decimal("0.5"))
    with pytest.raises(ScorecardInputError) as info:
        evaluate_scorecard(card, [{"id": "a", "goal": 0, "done": 2}], on=ON)
    assert info.value.problems == ["unit a: ranking: the ratio of jobs (its target is 0) is not known here"]
    no_ratio = loads(text.replace(" then jobs.ratio", "")).checked.scorecards["s"]
    assert evaluate_scorecard(no_ratio, [{"id": "a", "goal": 0, "done": 2}], on=ON).unit("a").tie_values == (0,)


def test_every_aggregate_and_function_of_the_language_runs_over_a_units_records() -> None:
    text = """policy p
scorecard s
  fields:
    goal: integer
  records worker "工人":
    unit: id
    months "月数": integer
    wage "工资": money
  indicator longest "最长" at_least goal
    actual largest months over worker
  indicator paid "工资" at_least 3000 元
    actual round((sum wage over worker where months >= 3), 100 元)
  points any_long "有长期" 5 when any worker where months >= 12
"""
    card = loads(text).checked.scorecards["s"]
    workers = [{"unit": "a", "months": 7, "wage": "1234.5"}, {"unit": "a", "months": 13, "wage": "2000"},
               {"unit": "a", "months": 1, "wage": "9"}]
    result = evaluate_scorecard(card, [{"id": "a", "goal": 6}], {"worker": workers}, on=ON)
    unit = result.unit("a")
    assert unit.indicator("longest").actual == 13 and unit.indicator("paid").actual == 3200  # 3234.50 to 100 元
    assert unit.score == 5
    text_en = explain_unit(result, "a")
    assert "paid: actual 3200.00 (round((sum wage over worker where months >= 3), 100 元)) >= target 3000.00" in text_en
    assert "any_long: any worker where months >= 12: yes -> 5.00" in text_en
    assert "有长期:存在 worker 满足 months ≥ 12:是 -> 5.00" in explain_unit(result, "a", "zh")

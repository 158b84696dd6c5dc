"""The scorecard syntax: the bundled policies parse and check, English and Chinese keyword
spellings give equal scorecards, and malformed scorecards are refused with a code (S0xx)
and the place of the problem."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from scorecard_support import POLICIES, ROOT, SCORECARD_POLICIES, policy

from policyrules.api import PolicyError, loads
from policyrules.scorecard import evaluate_scorecard, explain_unit, to_dict
from policyrules.scorecard.expr import IndicatorRef, LastYear, Part, Score, Today
from policyrules.scorecard.model import Deduction, Direct, Direction, Proportional, YesNo
from policyrules.syntax import nodes as n
from policyrules.syntax.parse import parse, parser

# Every scorecard construct, once with English keywords ...
EN = """
policy demo "keywords"

parameter goal "目标": integer = 3
enum project = p1 | p2
table deadline: project -> date
  p1: 2012-12-31
  p2: 2013-12-31

scorecard demo "演示考核"
  cite "demo"
  text "original"
  rounding half_up to 0.01
  fields "填报":
    target "任务": integer
    done "完成": integer
    rate "比率": percent
    rate_ly "去年比率": percent
    plan "方案": bool
    a "甲": bool
    b "乙": bool
    missing_n "缺项": integer
    other "其它": number
    started "开始日期": date
  records worker "工人":
    unit: id
    contract "合同": bool
    months "月数": integer
  records job "项目":
    owner: id
    item: project
    finished: bool
  indicator jobs "任务" at_least target
    actual done
    cite "c1"
    text "t1"
  indicator hires "招工" at_least goal
    actual count worker where contract and months >= 3
  indicator months_total "月数" above 10
    actual sum months over worker where not contract
  indicator rate "比率" at_least 2 × last_year
    last_year rate_ly
  indicator low "低" below 5
    actual missing_n
  indicator cap "上限" at_most 100
    actual done
  indicator has_plan "方案" is true
    actual plan
  indicator start "开始" below 2013-01-01
    actual started
  points jobs "任务分" proportional 50 on jobs, at_most 60
    weight 2
    cite "c2"
  points plan "方案分" 2 when plan and jobs.met
  points other "其它分" given other, at_least 0, at_most 10
  deduct docs "资料" 1 per missing {a, b} from 3, at_least 0.5
  deduct sums "总结" 0.5 per missing missing_n of 5 from 2
  area main "主要": jobs, hires, months_total
    advanced first 2 each 500 元
    when score >= 10
    by met_count then jobs.ratio ascending "比例"
    cite "c3"
  area rest "其余": rate, low, cap, has_plan, start
  qualify when score >= 60 and jobs.met "完成任务"
    cite "c4"
  rank by score then jobs.ratio descending "完成比例" then done ascending
    cite "c5"
  award gold "一等" first 1 each 3000 元
    cite "c6"
  award silver "二等" first 2
  list late "逾期" job.item where not finished and deadline[item] < evaluation_date
    cite "c7"
"""

# ... and once with Chinese keywords (and Chinese numbers and dates where they exist).
ZH = """
政策 demo "keywords"

参数 goal "目标": 整数 = 3
枚举 project = p1 | p2
表 deadline: project -> 日期
  p1: 2012年12月31日
  p2: 2013年12月31日

考核表 demo "演示考核"
  依据 "demo"
  原文 "original"
  舍入 四舍五入 到 0.01
  填报项 "填报":
    target "任务": 整数
    done "完成": 整数
    rate "比率": 百分比
    rate_ly "去年比率": 百分比
    plan "方案": 是否
    a "甲": 是否
    b "乙": 是否
    missing_n "缺项": 整数
    other "其它": 数值
    started "开始日期": 日期
  记录 worker "工人":
    unit: id
    contract "合同": 是否
    months "月数": 整数
  记录 job "项目":
    owner: id
    item: project
    finished: 是否
  指标 jobs "任务" 不低于 target
    实际 done
    依据 "c1"
    原文 "t1"
  指标 hires "招工" 最低 goal
    实际 计数 worker 满足 contract 且 months >= 3
  指标 months_total "月数" 超过 10
    实际 合计 months 遍历 worker 满足 非 contract
  指标 rate "比率" 不低于 2 × 去年
    去年 rate_ly
  指标 low "低" 低于 5
    实际 missing_n
  指标 cap "上限" 不超过 100
    实际 done
  指标 has_plan "方案" 为 是
    实际 plan
  指标 start "开始" 不足 2013年1月1日
    实际 started
  计分 jobs "任务分" 按比例 50 按指标 jobs, 最高 60
    权重 2
    依据 "c2"
  计分 plan "方案分" 2 条件 plan 且 jobs.达标
  计分 other "其它分" 按填报 other, 最低 0, 最高 10
  扣分 docs "资料" 1 每 缺 {a, b} 满分 3, 最低 0.5
  扣分 sums "总结" 0.5 每 缺 missing_n 共 5 满分 2
  考核方面 main "主要": jobs, hires, months_total
    单项先进 前 2 各 五百元
    条件 得分 >= 10
    按 达标数 其次 jobs.完成比例 升序 "比例"
    依据 "c3"
  考核方面 rest "其余": rate, low, cap, has_plan, start
  评先条件 条件 得分 >= 60 且 jobs.达标 "完成任务"
    依据 "c4"
  排名 按 得分 其次 jobs.完成比例 降序 "完成比例" 其次 done 升序
    依据 "c5"
  奖励 gold "一等" 前 1 各 3000 元
    依据 "c6"
  奖励 silver "二等" 前 2
  列出 late "逾期" job.item 满足 非 finished 且 deadline[item] < 评估日期
    依据 "c7"
"""

UNITS = [
    {"id": "u1", "target": 10, "done": 12, "rate": "30%", "rate_ly": "15%", "plan": True, "a": True, "b": False,
     "missing_n": 1, "other": 5, "started": "2012-06-01"},
    {"id": "u2", "target": 10, "done": 8, "rate": "20%", "rate_ly": "15%", "plan": False, "a": False, "b": False,
     "missing_n": 5, "other": "10", "started": "2013-06-01"},
]
RECORDS = {
    "worker": [{"unit": "u1", "contract": True, "months": 4}, {"unit": "u1", "contract": False, "months": 11},
               {"unit": "u1", "contract": True, "months": 6}, {"unit": "u1", "contract": True, "months": 3},
               {"unit": "u2", "contract": True, "months": 2}],
    "job": [{"owner": "u1", "item": "p1", "finished": False}, {"owner": "u2", "item": "p2", "finished": False}],
}


def test_the_grammar_is_lalr_without_conflicts() -> None:
    assert parser().options.strict  # strict=True: a conflict would have raised while building


@pytest.mark.parametrize("name", SCORECARD_POLICIES)
def test_the_bundled_scorecard_policies_check(name: str) -> None:
    checked = policy(name).checked
    assert checked.name == name and checked.scorecards
    assert name in checked.scorecards  # the main card is named like the policy


def test_every_rule_cites_its_clause_and_carries_the_original_text() -> None:
    for name in SCORECARD_POLICIES:
        for card in policy(name).checked.scorecards.values():
            for node in [*card.indicators, *card.items, *card.awards, *card.lists]:
                assert node.cite and node.text, (card.name, node.name)
            for area in card.areas:
                assert area.cite, (card.name, area.name)
            if card.qualification is not None:
                assert card.qualification.cite and all(c.cite and c.text for c in card.qualification.conditions)
            if card.ranking is not None:
                assert card.ranking.cite and card.ranking.text


def test_english_and_chinese_keywords_give_equal_scorecards() -> None:
    en, zh = loads(EN, "en.policy"), loads(ZH, "zh.policy")
    assert parse(EN).decls == parse(ZH).decls
    assert en.checked.scorecards == zh.checked.scorecards
    on = date(2013, 6, 30)
    results = [evaluate_scorecard(p.checked.scorecards["demo"], UNITS, RECORDS, on=on) for p in (en, zh)]
    assert to_dict(results[0], "zh") == to_dict(results[1], "zh")


def test_the_chinese_text_uses_every_chinese_spelling_of_the_scorecard_section() -> None:
    grammar = (ROOT / "grammar" / "policy.lark").read_text(encoding="utf-8")
    section = grammar[grammar.index("// ---------------------------------------------------------------- scorecards"):
                      grammar.index("// ---- end of scorecards")]
    words = set(re.findall(r'"([^"]+)"', section))
    english = {w for w in words if w.isascii()}
    chinese = words - english - {"{", "}", ",", "."}
    zh_words, en_words = set(re.split(r"[\s:,{}()\[\]]+", ZH)), set(re.split(r"[\s:,{}()\[\]]+", EN))
    assert chinese - zh_words == set()
    assert english - en_words - {"{", "}", ",", ".", ":"} == set()


def test_what_the_demo_card_means() -> None:
    card = loads(EN).checked.scorecards["demo"]
    ind = {i.name: i for i in card.indicators}
    assert isinstance(ind["hires"].actual, n.Aggregate) and ind["hires"].actual.op == "count"
    assert isinstance(ind["months_total"].actual, n.Aggregate) and ind["months_total"].actual.op == "sum"
    assert ind["months_total"].inclusive is False and ind["start"].direction is Direction.AT_MOST
    assert ind["has_plan"].direction is Direction.IS and isinstance(ind["rate"].last_year, type(ind["jobs"].target))
    assert ind["rate"].target.right == LastYear()  # type: ignore[union-attr]
    items = {i.name: i for i in card.items}
    assert isinstance(items["jobs"], Proportional) and items["jobs"].cap == 60 and items["jobs"].weight == 2
    assert isinstance(items["plan"], YesNo) and isinstance(items["other"], Direct) and items["other"].maximum == 10
    assert isinstance(items["docs"], Deduction) and items["docs"].items == ("a", "b") and items["docs"].floor == 0.5
    assert items["sums"].out_of == 5  # type: ignore[union-attr]
    assert card.qualification is not None and card.qualification.threshold == 60
    assert card.qualification.conditions[0].expr == IndicatorRef("jobs", Part.MET)
    assert card.ranking is not None and [k.descending for k in card.ranking.tie_breaks] == [True, False]
    assert [(a.advanced, a.amount) for a in card.areas] == [(2, 500), (None, None)]
    assert card.areas[0].condition.left == Score()  # type: ignore[union-attr]
    assert [(a.name, a.count, a.amount) for a in card.awards] == [("gold", 1, 3000), ("silver", 2, 0)]
    where = card.lists[0].where
    assert where is not None and isinstance(where.right.left, n.Lookup)  # type: ignore[union-attr]
    assert where.right.right == Today()  # type: ignore[union-attr]
    assert [p.name for p in card.parameters] == ["goal"] and card.parameters[0].values == ((None, 3),)
    assert [t.name for t in card.tables] == ["deadline"]
    assert card.record_kind("job").fields[1].type.values == ("p1", "p2")  # type: ignore[union-attr]


def test_the_demo_card_evaluates() -> None:
    card = loads(EN).checked.scorecards["demo"]
    result = evaluate_scorecard(card, UNITS, RECORDS, on=date(2013, 6, 30))
    u1, u2 = result.unit("u1"), result.unit("u2")
    assert u1.score == 130.5 and u1.item("jobs").points == 120  # 50 x 12/10 = 60, x weight 2
    assert u1.met_count == 8 and u1.listed("late") == ("p1",) and u2.listed("late") == ()
    assert u1.award_name == "gold" and u1.total_award == 3500  # 3000 + 500 for the area
    assert u2.item("sums").points == 0 and u2.item("sums").bound == "floor"
    text = explain_unit(result, "u1")
    assert "jobs: 50 x 12/10 = 60.00 x weight 2 = 120.00" in text
    assert "has_plan: actual yes = target yes, met" in text
    assert "start: actual 2012-06-01 < target 2013-01-01, met" in text
    assert "late: p1  [c7]" in text
    assert "方案:实际 否 ≠ 目标 是,未完成" in explain_unit(result, "u2", "zh")


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        loads(text, "bad.policy")
    return info.value


CARD = "policy bad\nscorecard s\n  fields:\n    n: integer\n    flag: bool\n"


@pytest.mark.parametrize(("body", "code", "line", "column", "message"), [
    ("  indicator a at_least nope\n", "S002", 6, 24, "`nope` is not a field, a record field, an indicator"),
    ("  indicator a at_least 1\n    actual flag\n", "S003", 7, 12, "indicator a actual: must be a number"),
    ("  indicator a at_least 10% of flag\n    actual n\n", "T001", 6, 24, "cannot take a percentage of a yes/no"),
    ("  indicator a at_least 1\n    actual n\n  rank by n\n", "S012", 8, 11, "units rank by score first"),
    ("  indicator a at_least 1\n    actual n\n  area q: a, zz\n", "S002", 8, 14, "area q lists `zz`"),
    ("  indicator a at_least 1\n    actual n\n  indicator a at_least 2\n    actual n\n", "S001", 8, 3,
     "indicator a is declared 2 times"),
    ("  indicator a at_least last_year\n    actual n\n", "S005", 6, 24, "last_year is only allowed"),
    ("  indicator a at_least 1\n    actual n\n  points p 2 when n\n", "S003", 8, 19,
     "item p condition: must be true or false"),
    ("  indicator a at_least 1\n    actual n\n  points p 2 when score > 1\n", "S004", 8, 19,
     "the score is only known after every point item"),
    ("  indicator a at_least 1\n    actual n\n  award x first 2\n", "S008", 8, 3, "awards need a ranking"),
    ("  indicator a at_least 1\n    actual n\n  list l w.x\n", "S002", 8, 10, "a list names a field"),
    ("  indicator a at_least 1\n    actual count w\n", "S002", 7, 12, "no records `w` are declared"),
    ("  indicator a at_least t[n]\n    actual n\n", "S002", 6, 24, "no table `t` is declared"),
    ("  indicator a at_least 1\n    actual n\n  rank by score\n  rank by score\n", "S013", 9, 3,
     "ranks its units once"),
])
def test_a_malformed_scorecard_is_refused_with_code_and_place(body: str, code: str, line: int, column: int,
                                                              message: str) -> None:
    err = _error(CARD + body)
    found = [(d.code, d.span.line if d.span else 0, d.span.column if d.span else 0) for d in err.diagnostics
             if message in d.message]
    assert (code, line, column) in found, [(d.code, str(d.span), d.message) for d in err.diagnostics]
    assert all(d.message.startswith("scorecard s: ") for d in err.diagnostics if d.code.startswith("S"))


def test_every_problem_is_listed_at_once() -> None:
    err = _error(CARD + "    n: integer\n  indicator a at_least nope\n  indicator b at_least 1\n    actual flag\n"
                 "  points p 2 when n\n  rank by score then flag\n")
    assert [d.code for d in err.diagnostics] == ["S001", "S002", "S002", "S003", "S003", "S003"]
    assert "bad.policy:6:5: error[S001]" in str(err)


def test_a_file_holding_only_a_scorecard_still_needs_its_policy_header() -> None:
    err = _error("scorecard s\n  fields:\n    n: integer\n  indicator a at_least 1\n    actual n\n")
    assert [d.code for d in err.diagnostics] == ["C006"]
    assert loads("policy p\n" + "scorecard s\n  fields:\n    n: integer\n  indicator a at_least 1\n    actual n\n")


def test_a_category_and_a_parameter_the_card_uses_must_exist_and_fit() -> None:
    err = _error("policy p\nparameter g: bool = true\nscorecard s\n  records r:\n    u: id\n    kind: colour\n"
                 "  fields:\n    n: integer\n  indicator a at_least g\n    actual n\n")
    messages = [d.message for d in err.diagnostics]
    assert "scorecard s: no category `colour` is declared (declare it with `enum colour = ...`)" in messages
    assert "scorecard s: indicator a target: must be a number" in messages


def test_a_parameter_value_stated_by_the_policy_is_typed() -> None:
    err = _error("policy p\nparameter g: integer = 1.5\nscorecard s\n  fields:\n    n: integer\n"
                 "  indicator a at_least g\n    actual n\n")
    assert any(d.code in ("S003", "T004") and "1.5" in d.message for d in err.diagnostics)


def test_a_dated_parameter_gives_the_value_in_force() -> None:
    text = ("policy p\nparameter goal: integer\n  from 2012-01-01: 3\n  from 2013-01-01: 6\n"
            "scorecard s\n  fields:\n    n: integer\n  indicator a at_least goal\n    actual n\n")
    card = loads(text).checked.scorecards["s"]
    units = [{"id": "x", "n": 4}]
    assert evaluate_scorecard(card, units, on=date(2012, 6, 1)).unit("x").indicator("a").met
    assert not evaluate_scorecard(card, units, on=date(2013, 6, 1)).unit("x").indicator("a").met
    assert evaluate_scorecard(card, units, parameters={"goal": 4}, on=date(2013, 6, 1)).unit("x").indicator("a").met
    with pytest.raises(Exception, match="parameter goal: no value in force on 2011-06-01"):
        evaluate_scorecard(card, units, on=date(2011, 6, 1))
    with pytest.raises(Exception, match="parameter other is not used by scorecard s"):
        evaluate_scorecard(card, units, parameters={"other": 1}, on=date(2012, 6, 1))


def test_the_policy_files_are_where_the_tests_read_them() -> None:
    assert {p.stem for p in Path(POLICIES).glob("*.policy")} >= set(SCORECARD_POLICIES)


@pytest.mark.parametrize("name", [*SCORECARD_POLICIES, "EN", "ZH"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_formatter_round_trips_scorecards(name: str, lang: str) -> None:
    from policyrules.syntax.printer import print_policy

    text = {"EN": EN, "ZH": ZH}.get(name) or (POLICIES / f"{name}.policy").read_text(encoding="utf-8")
    ast = parse(text)
    printed = print_policy(ast, lang, source=text)
    assert parse(printed) == ast
    assert print_policy(parse(printed), lang, source=printed) == printed  # idempotent
    assert ("考核表 " in printed) == (lang == "zh")

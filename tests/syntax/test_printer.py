"""The formatter: print_policy round-trips through the parser in both keyword languages,
is idempotent, and the parser only ever fails with a positioned PolicyError."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules.builtins import ALIASES
from policyrules.diagnostics import PolicyError
from policyrules.syntax import nodes as n
from policyrules.syntax.parse import parse
from policyrules.syntax.printer import ZH_KEYWORDS, print_expr, print_policy, width

ROOT = Path(__file__).resolve().parents[2]
CITY_TEXT = (ROOT / "policies" / "city-employment-promotion.policy").read_text(encoding="utf-8")
CITY = parse(CITY_TEXT, "city.policy")
GRAMMAR = (ROOT / "grammar" / "policy.lark").read_text(encoding="utf-8")
# Every quoted literal of the grammar: no identifier may be spelled like one of them.
LITERALS = set(re.findall(r'"((?:[^"\\]|\\.)+)"', GRAMMAR))

# Constructs the city policy does not use, and Chinese spellings of literals.
KITCHEN_SINK = '''
policy kitchen-sink-test "测试"
  cite "a \\"quoted\\" cite"
  text "line one\\nline two \\\\ backslash"
  valid from 2020-01-01 until 2020年12月31日
  valid from 2021-01-01
  rounding down to 1 元

parameter rate_param: money per month = 960 元 per month
parameter yearly_param "年": money per year
  from 2020-01-01: 1.5万元 per year
  from 2021-01-01: 一万二千元 per year
  text "dated"
parameter flag: bool = true
parameter start: date = 2020-01-01
parameter share: percent = 百分之十五
parameter note: text = "plain text"
parameter kind: a | b | c = a
parameter wait: days = 30 days
parameter wait_zh: 天数 = 三十天
parameter n_units: number = 1.25
parameter n_int: integer = 3
parameter choice_ref: colour
enum colour = red | green
set warm = {red}
table bonus "奖金": colour -> money per month
  red: 100 元 per month
  otherwise: 0 元 per month
facts person:
  age: integer
  colour: colour
  rent "年租金": money
outcome ranked "排名" monthly
  valid from 2020-01-01 until 2021-01-01
  when not (age > 3 and age < 10) implies colour in {red, green}
  when age not in warm or -age = -3
  amount parts
    a "甲": rent 的 10%
    b: max(rent, 1元) - min(rent, 2 元), at_least 0 元
  amount allocate rent × 2 over
    x: rent / 2
    y: actual rent, at_most 1万元, at_least 5 元
  amount parts
    p: 1 元
    except age > 60: 0 元
    except age > 70: parts
      q: 2 元
  amount
    if age > 10: parts
      c: 3 元
    if (if age > 5 then true else false): 2 元
  amount bonus[colour] per month
  amount if evaluation_date >= 2021-01-01 then 3个月 else 一年
  for at_most 3 years counting years_since(start)
    extended by 6 months when age >= 2 years
    extended when 是 且 否
  rounding half_even to 0.5 元
exclusive only_one first: ranked, ranked
  cite "x"
invariant: ranked >= 0 元 or not flag
'''


def roundtrip(policy: n.Policy, lang: str) -> str:
    text = print_policy(policy, lang)
    again = parse(text, f"<printed {lang}>")
    assert again == policy, f"round trip failed ({lang}):\n{text}"
    return text


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("policy", [CITY, parse(KITCHEN_SINK)], ids=["city", "kitchen-sink"])
def test_golden_round_trip_and_idempotence(policy: n.Policy, lang: str) -> None:
    text = roundtrip(policy, lang)
    assert print_policy(parse(text), lang) == text
    assert text.endswith("\n") and not text.endswith("\n\n")


# Records, lists, typed outputs, parameter defaults and aggregates.
RECORDS = '''
policy records-test "记录测试"

record wage "月工资" key month:
  month: year_month
  amount "金额": signed money = 0 元
  note: optional text
  cite "a cite"
  text "a text"

record child:
  born: date
  education: list of school

record school:
  stage: primary | secondary

facts person "劳动者":
  monthly_wages "工资记录": list of wage
  children: list of child
  termination_unlawful: bool = false
  leave_start: optional date
  balance: signed money
  rates_given: integer -> money
  m0: year_month

parameter rates "倍数": stage -> number
parameter by_text: text -> signed money
parameter nested: integer -> text -> percent
parameter rate_table: list of wage
parameter monthly_paid_days "月计薪天数": number default 21.75
  cite "default"
parameter fixed_amount: money = 3000 元

value pay "加班工资" for_each wage = amount × 2 + rates[stage]
  cite "per item"

value n_months = count monthly_wages
value n_in = count monthly_wages where month >= m0 and month <= month_of(evaluation_date) - 1 month
value total = sum amount over monthly_wages where month >= m0
value low = smallest amount + 1 元 over monthly_wages
value high = largest (if given(note) then amount else 0 元) over monthly_wages where given(note)
value some = any monthly_wages where amount > 3000 元 or not given(note)
value all_ = every children where born < 2020-01-01
value ids = list monthly_wages where amount > 0 元
value first_wage = first monthly_wages where amount > 0 元
value last_wage = last rate_table
value last_amount = last_wage.amount
value nested_sum = sum (count education where stage = primary) over children
value combined = (count monthly_wages where amount > 0 元) × 1000 元 + max((sum amount over monthly_wages), 1 元)
value in_if = if any children where born > 2000-01-01 then 1 else count children where born > 2010-01-01
value in_cond = if (every children where born > 2000-01-01) then (count children) else 0
value capped = (sum amount over monthly_wages), at_most 10万元
value rounded = round(total, 0.01 元)

output full_years "满年数": integer = years_between(2020-01-01, evaluation_date + 1 day)
  cite "《劳动合同法》第四十七条"
  text "按满一年"
output months_used = list monthly_wages where month >= m0
output rate: percent = 10%
  rounding half_up to 0.0001
output when_: year_month = month_of(evaluation_date)
output wages_list: list of wage = list monthly_wages
output flag "标志": bool = (count monthly_wages) >= 3 or (any children where born > 2000-01-01)
'''


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_records_lists_and_typed_outputs_round_trip(lang: str) -> None:
    policy = parse(RECORDS, "records.policy")
    kinds = {type(d).__name__ for d in policy.decls}
    assert {"RecordDecl", "ResultDecl", "FactsDecl", "ParameterDecl", "ValueDecl"} <= kinds
    text = roundtrip(policy, lang)
    assert print_policy(parse(text), lang) == text
    words = {"en": ["record wage \"月工资\" key month:", "  note: optional text", "list of wage",
                    "number default 21.75", "for_each wage =", "year_month", "signed money", "integer -> text -> percent",
                    "sum amount over monthly_wages where", "smallest ", "largest ", "any ", "every ",
                    "= list monthly_wages", "first monthly_wages", "last rate_table",
                    "sum (count education where stage = primary) over children",
                    "(count monthly_wages where amount > 0 元) × 1000 元",
                    "max((sum amount over monthly_wages), 1 元)", "output rate: percent = 10%"],
             "zh": ["记录类型 wage \"月工资\" 键 month:", "  note: 可选 文本", "列表 wage", "数值 默认 21.75",
                    "每条 wage =", "年月", "可为负 金额", "合计 amount 遍历 monthly_wages 满足", "最小 ", "最大 ",
                    "存在 ", "每个 ", "列出 ", "第一个 ", "最后一个 ", "计数 ", "输出 rate: 百分比 = 10%"]}[lang]
    assert [w for w in words if w not in text] == []


RANGES = '''
政策 range-example "区间表示例"

事实 person "职工":
  cumulative_years "累计工作年数": 年数
  taxable_income "应纳税所得额": 金额

表 leave_days "年休假天数": 年数 -> 天数
  满 1年 不满 10年: 5天
  满 10年 不满 20年: 10天
  满 20年: 15天
  其他: 0天

表 tax_rate "税率": 金额 -> 百分比 超额累进
  至 36000 元: 3%
  超过 36000 元 至 144000 元: 10%
  超过 144000 元: 20%

定义 annual_leave "年休假" = leave_days[cumulative_years]

定义 tax "应纳税额" = tax_rate[taxable_income]
'''


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_range_tables_round_trip(lang: str) -> None:
    text = roundtrip(parse(RANGES, "ranges.policy"), lang)
    assert print_policy(parse(text), lang) == text
    expected = {"en": ["  from 1 year below 10 years: 5 days", "money -> percent progressive",
                       "  above 36000 元 up_to 144000 元: 10%"],
                "zh": ["  满 1年 不满 10年: 5天", "金额 -> 百分比 超额累进", "  超过 36000 元 至 144000 元: 10%"]}[lang]
    assert [w for w in expected if w not in text] == []

def test_aggregates_in_larger_expressions_are_parenthesised() -> None:
    count = n.Aggregate("count", name("xs"), None, n.Binary("gt", name("a"), n.Number(Decimal(1))))
    total = n.Aggregate("sum", name("xs"), n.Binary("add", name("a"), name("b")), None)
    cases = [
        (count, "count xs where a > 1"),
        (n.Binary("mul", count, n.Money(Decimal(1000))), "(count xs where a > 1) × 1000 元"),
        (n.Binary("add", n.Number(Decimal(1)), count), "1 + (count xs where a > 1)"),
        (n.Call("max", (total, n.Number(Decimal(0)))), "max((sum a + b over xs), 0)"),
        (n.Aggregate("sum", name("ys"), count, None), "sum (count xs where a > 1) over ys"),
        (n.IfExpr(count, total, count), "if (count xs where a > 1) then (sum a + b over xs) else count xs where a > 1"),
        (n.Bound("cap", total, n.Number(Decimal(3))), "(sum a + b over xs), at_most 3"),
        (n.Unary("not", n.Aggregate("any", name("xs"), None, name("ok"))), "not (any xs where ok)"),
    ]
    for expr, en in cases:
        assert print_expr(expr) == en
        policy = n.Policy((n.ValueDecl("x", None, expr, (), ()),))
        for lang in ("en", "zh"):
            roundtrip(policy, lang)


def policy_files() -> list[Path]:
    return sorted((ROOT / "policies").glob("*.policy"))


@pytest.mark.parametrize("path", policy_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_policy_file_round_trips(path: Path, lang: str) -> None:
    """Every published policy (new ones are picked up by the glob) prints in both keyword
    languages to text that parses back to the same AST, and printing is idempotent."""
    policy = parse(path.read_text(encoding="utf-8"), str(path))
    text = roundtrip(policy, lang)
    assert print_policy(parse(text), lang) == text


def test_chinese_and_english_keywords_give_the_same_ast() -> None:
    zh, en = print_policy(CITY, "zh"), print_policy(CITY, "en")
    assert zh != en and "条件 " in zh and "when " not in zh
    assert parse(zh) == parse(en) == CITY


def test_layout_of_the_city_policy() -> None:
    text = print_policy(CITY)
    assert text.startswith('policy city-employment-promotion "市人民政府关于进一步做好促进就业工作的若干意见"\n'
                           '  cite "004 篇3"\n  valid from 2009-01-01\n  rounding half_up to 0.01 元\n\n')
    assert ('value loan_limit "贷款额度上限" =\n'
            '  if partners > 1 then 3万元 × partners, at_most 10万元\n'
            '  else if loan_collateral then 10万元\n  else loan_standard\n') in text
    assert "  when registered_unemployed and guaranteed_loan > 0 元" in text
    assert "\n   and " in text  # continuation of a long condition
    assert "  amount allocate tax_relief_quota over\n    business_tax \"营业税\": business_tax_paid\n" in text
    assert "    extended by 1 year when si_term_ended_in_2009 and family_difficulty\n" in text
    assert '\n\ninvariant "贷款额度不超过10万元": guaranteed_loan <= 10万元\n' in text
    assert "#" not in text.replace('"#', "")  # comments are not kept
    conditions = [line for line in text.splitlines() if line.startswith(("  when ", "   and "))]
    assert max(width(line) for line in conditions) <= 100


def name(*parts: str) -> n.Name:
    return n.Name(parts)


@pytest.mark.parametrize(("expr", "en", "zh"), [
    (n.Of(n.Percent(Decimal("0.1")), name("年租金")), "10% of 年租金", "年租金 的 10%"),
    (n.Money(Decimal("30000")), "3万元", "3万元"),
    (n.Money(Decimal("15000.50")), "15000.5 元", "15000.5 元"),
    (n.Money(Decimal("0")), "0 元", "0 元"),
    (n.Duration(Decimal("1"), "year"), "1 year", "1年"),
    (n.Duration(Decimal("12"), "month"), "12 months", "12个月"),
    (n.Duration(Decimal("1.5"), "day"), "1.5 days", "1.5 days"),
    (n.Number(Decimal("1E+3")), "1000", "1000"),
    (n.Text('a"b\\c\nd'), '"a\\"b\\\\c\\nd"', '"a\\"b\\\\c\\nd"'),
    (n.Binary("sub", name("a"), n.Binary("sub", name("b"), name("c"))), "a - (b - c)", "a - (b - c)"),
    (n.Binary("mul", n.Binary("add", name("a"), name("b")), name("c")), "(a + b) × c", "(a + b) × c"),
    (n.Binary("ge", name("a"), name("b")), "a >= b", "a ≥ b"),
    (n.Binary("or", n.Binary("and", name("a"), name("b")), name("c")), "(a and b) or c", "(a 且 b) 或 c"),
    (n.Unary("not", n.InSet(name("x"), None, ("a", "b"), True)), "not x not in {a, b}", "非 x 非 属于 {a, b}"),
    (n.Bound("cap", n.IfExpr(name("c"), name("a"), name("b")), n.Money(Decimal(5))),
     "(if c then a else b), at_most 5 元", "(如果 c 则 a 否则 b), 最高 5 元"),
    (n.PerPeriod(n.Binary("add", name("a"), name("b")), "month"), "(a + b) per month", "(a + b) 每月"),
    (n.Unary("neg", n.PerPeriod(name("a"), "year")), "-a per year", "-a 每年"),
])
def test_expression_spelling(expr: n.Expr, en: str, zh: str) -> None:
    assert print_expr(expr, "en") == en
    assert print_expr(expr, "zh") == zh


def test_chinese_spellings_exist_in_the_grammar() -> None:
    for word in ZH_KEYWORDS.values():
        assert word in LITERALS, word


def test_unknown_declarations_and_languages_are_refused() -> None:
    with pytest.raises(TypeError):
        print_policy(n.Policy((object(),)))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        print_policy(CITY, "fr")


# ---------------------------------------------------------------- generated expressions
FORBIDDEN_START = re.compile(r"[零〇一二两三四五六七八九十百千万亿\d]")
english_ids = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,7}", fullmatch=True)
chinese_ids = st.sampled_from(["年租金", "月收入", "补贴标准", "人数", "企业", "职工"]) | st.text(
    "租金收入补贴标准人数贷款额缴费基数社保就业困难企业职工资_a", min_size=1, max_size=5)
identifiers = (english_ids | chinese_ids).filter(
    lambda s: s not in LITERALS and not FORBIDDEN_START.match(s))
functions = identifiers.filter(lambda s: s not in ALIASES)


def decimals(places: int = 3) -> st.SearchStrategy[Decimal]:
    return st.integers(0, places).flatmap(lambda p: st.decimals(
        min_value=0, max_value=10**9, places=p, allow_nan=False, allow_infinity=False))


leaves = st.one_of(
    decimals().map(n.Number),
    decimals(2).map(n.Money),
    decimals(2).map(lambda d: n.Percent(d / 100)),
    st.builds(n.Duration, decimals(1), st.sampled_from(["day", "month", "year"])),
    st.dates(min_value=dt.date(1000, 1, 1)).map(n.DateLit),
    st.booleans().map(n.Bool),
    st.text(max_size=12).map(n.Text),
    st.lists(identifiers, min_size=1, max_size=3).map(lambda ps: n.Name(tuple(ps))),
    st.just(n.EvaluationDate()),
)


AGGREGATE_OPS = ["count", "sum", "min", "max", "any", "every", "ids", "first", "last"]
item_lists = st.lists(identifiers, min_size=1, max_size=2).map(lambda ps: n.Name(tuple(ps)))


def aggregate(op: str, items: n.Name, expr: n.Expr, where: n.Expr | None) -> n.Aggregate:
    """An aggregate as the grammar allows it: an expression for sum/smallest/largest only,
    a condition required for any/every."""
    if op in ("any", "every") and where is None:
        where = expr
    return n.Aggregate(op, items, expr if op in ("sum", "min", "max") else None, where)


def extend(sub: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    ops = ["add", "sub", "mul", "div", "and", "or", "implies", "ge", "le", "gt", "lt", "eq", "ne"]
    members = st.lists(identifiers, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(n.Unary, st.sampled_from(["neg", "not"]), sub),
        st.builds(n.Binary, st.sampled_from(ops), sub, sub),
        st.builds(n.Of, sub, sub),
        st.builds(n.PerPeriod, sub, st.sampled_from(["month", "year"])),
        st.builds(n.Bound, st.sampled_from(["cap", "floor"]), sub, sub),
        st.builds(lambda o, s, neg: n.InSet(o, s, (), neg), sub, identifiers, st.booleans()),
        st.builds(lambda o, m, neg: n.InSet(o, None, m, neg), sub, members, st.booleans()),
        st.builds(n.Call, functions, st.lists(sub, max_size=3).map(tuple)),
        st.builds(n.Lookup, identifiers, sub),
        st.builds(n.IfExpr, sub, sub, sub),
        st.builds(n.Actual, sub),
        st.builds(aggregate, st.sampled_from(AGGREGATE_OPS), item_lists, sub, st.none() | sub),
    )


expressions = st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_printed_expressions_parse_back(expr: n.Expr) -> None:
    policy = n.Policy((n.ValueDecl("x", None, expr, (), ()),))
    for lang in ("en", "zh"):
        text = roundtrip(policy, lang)
        assert print_policy(parse(text), lang) == text


# ---------------------------------------------------------------- the parser never crashes
def assert_parses_or_positioned_error(text: str) -> None:
    try:
        result = parse(text, "fuzz.policy")
    except PolicyError as err:
        assert err.diagnostics
        for d in err.diagnostics:
            assert d.span is not None and d.span.line >= 1 and d.span.column >= 1, d
    else:
        assert isinstance(result, n.Policy)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_or_fails_with_a_position(text: str) -> None:
    assert_parses_or_positioned_error(text)


alphabet = st.sampled_from(list('(){}[]:,."#-+×%元万年月天个 \n\t0123456789abc一十百点')) | st.characters()


@st.composite
def mutated_city(draw: st.DrawFn) -> str:
    text = CITY_TEXT
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:pos] + text[pos + draw(st.integers(1, 8)):]
        else:
            text = text[:pos] + draw(st.text(alphabet, min_size=1, max_size=4)) + text[pos:]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_city())
def test_mutated_policies_parse_or_fail_with_a_position(text: str) -> None:
    assert_parses_or_positioned_error(text)


# ---------------------------------------------------------------- VS Code support
VSCODE = ROOT / "editors" / "vscode"


def test_vscode_files_are_valid_json_and_register_the_language() -> None:
    import json

    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    grammar = json.loads((VSCODE / "syntaxes" / "policy.tmLanguage.json").read_text(encoding="utf-8"))
    [language] = package["contributes"]["languages"]
    assert language["id"] == "policy" and language["extensions"] == [".policy"]
    [tm] = package["contributes"]["grammars"]
    assert tm["language"] == "policy" and tm["scopeName"] == grammar["scopeName"] == "source.policy"
    assert (VSCODE / tm["path"]).is_file() and (VSCODE / language["configuration"]).is_file()
    assert config["comments"]["lineComment"] == "#"
    assert {"open": '"', "close": '"', "notIn": ["string", "comment"]} in config["autoClosingPairs"]


def keyword_patterns() -> list[re.Pattern[str]]:
    import json

    grammar = json.loads((VSCODE / "syntaxes" / "policy.tmLanguage.json").read_text(encoding="utf-8"))
    return [re.compile(p["match"]) for p in grammar["repository"]["keywords"]["patterns"]]


def highlighted(word: str, patterns: list[re.Pattern[str]]) -> bool:
    return any((m := p.search(f" {word} ")) is not None and m.group(0) == word for p in patterns)


def test_every_keyword_of_the_grammar_is_highlighted() -> None:
    patterns = keyword_patterns()
    english = set(re.findall(r'"([a-z_]+)"', GRAMMAR))
    chinese = {w for w in LITERALS if re.fullmatch(r"[\u4e00-\u9fff]+", w)}
    assert len(english) > 60 and len(chinese) > 60
    assert sorted(w for w in english | chinese if not highlighted(w, patterns)) == []
    assert not highlighted("years_received", patterns) and not highlighted("年租金", patterns)


def test_highlighting_regexes_for_literals() -> None:
    import json

    grammar = json.loads((VSCODE / "syntaxes" / "policy.tmLanguage.json").read_text(encoding="utf-8"))
    numbers = [re.compile(p["match"]) for p in grammar["repository"]["numbers"]["patterns"]]
    for literal in ["3000 元", "5万元", "10%", "3年", "12个月", "20天", "一万二千元", "百分之十五", "0.01"]:
        assert any((m := p.search(literal)) and m.group(0) == literal for p in numbers), literal
    dates = [re.compile(p["match"]) for p in grammar["repository"]["dates"]["patterns"]]
    assert all(any(p.fullmatch(d) for p in dates) for d in ["2009-01-01", "2009年1月1日"])


# ---------------------------------------------------------------- parser bugs found by these tests (fixed)
def test_triple_quoted_strings_parse() -> None:
    [decl] = parse('value x = """a "quoted" word"""').decls
    assert isinstance(decl, n.ValueDecl) and decl.expr == n.Text('a "quoted" word')


def test_deeply_nested_expressions_parse_or_fail_with_a_position() -> None:
    assert_parses_or_positioned_error("value x = " + " + ".join(["1"] * 600))
    assert_parses_or_positioned_error("value x = " + "-" * 600 + "1")


def test_lone_wan_yuan_is_ten_thousand() -> None:
    [decl] = parse("value x = 万元").decls
    assert isinstance(decl, n.ValueDecl) and decl.expr == n.Money(Decimal(10000))

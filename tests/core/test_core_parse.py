"""Text -> AST: each construct gives the expected nodes; English and Chinese keywords
give equal trees; syntax errors carry their line and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from policyrules.diagnostics import PolicyError
from policyrules.source import Span
from policyrules.syntax import nodes as n
from policyrules.syntax.parse import parse

D = Decimal


def N(*parts: str) -> n.Name:
    return n.Name(tuple(parts))


def M(v: str | int) -> n.Money:
    return n.Money(D(v))


def P(v: str) -> n.Percent:
    return n.Percent(D(v))


def expr(text: str) -> n.Expr:
    decl = parse(f"policy t\nvalue v = {text}\n").decls[1]
    assert isinstance(decl, n.ValueDecl)
    return decl.expr


def decls(text: str) -> tuple[n.Decl, ...]:
    return parse("policy t\n" + text).decls[1:]


def one(text: str) -> n.Decl:
    (d,) = decls(text)
    return d


# ---------------------------------------------------------------- expressions
@pytest.mark.parametrize(("text", "tree"), [
    ("a + b × c", n.Binary("add", N("a"), n.Binary("mul", N("b"), N("c")))),
    ("a + b * c", n.Binary("add", N("a"), n.Binary("mul", N("b"), N("c")))),
    ("(a + b) * c", n.Binary("mul", n.Binary("add", N("a"), N("b")), N("c"))),
    ("a - b - c", n.Binary("sub", n.Binary("sub", N("a"), N("b")), N("c"))),
    ("a / b", n.Binary("div", N("a"), N("b"))),
    ("a ÷ b", n.Binary("div", N("a"), N("b"))),
    ("-a", n.Unary("neg", N("a"))),
    ("10% of a", n.Of(P("0.1"), N("a"))),
    ("a 的 10%", n.Of(P("0.1"), N("a"))),
    ("50% of 10% of a", n.Of(n.Of(P("0.5"), P("0.1")), N("a"))),
    ("100 元 per month", n.PerPeriod(M(100), "month")),
    ("100元 每月", n.PerPeriod(M(100), "month")),
    ("1200 元 per year", n.PerPeriod(M(1200), "year")),
    ("a, at_most 3000 元", n.Bound("cap", N("a"), M(3000))),
    ("a at_most 3000 元", n.Bound("cap", N("a"), M(3000))),
    ("a 最高 3000元", n.Bound("cap", N("a"), M(3000))),
    ("a 不超过 3000元", n.Bound("cap", N("a"), M(3000))),
    ("a, at_least 500 元", n.Bound("floor", N("a"), M(500))),
    ("a 不低于 500元", n.Bound("floor", N("a"), M(500))),
    ("a, at_most 3 元, at_least 1 元", n.Bound("floor", n.Bound("cap", N("a"), M(3)), M(1))),
    ("if a then b else c", n.IfExpr(N("a"), N("b"), N("c"))),
    ("如果 a 则 b 否则 c", n.IfExpr(N("a"), N("b"), N("c"))),
    ("if a then b else if c then d else e", n.IfExpr(N("a"), N("b"), n.IfExpr(N("c"), N("d"), N("e")))),
    ("a implies b or c and not d",
     n.Binary("implies", N("a"), n.Binary("or", N("b"), n.Binary("and", N("c"), n.Unary("not", N("d")))))),
    ("a 蕴含 b 或 c 且 非 d",
     n.Binary("implies", N("a"), n.Binary("or", N("b"), n.Binary("and", N("c"), n.Unary("not", N("d")))))),
    ("a and b and c", n.Binary("and", n.Binary("and", N("a"), N("b")), N("c"))),
    ("a >= b", n.Binary("ge", N("a"), N("b"))),
    ("a ≥ b", n.Binary("ge", N("a"), N("b"))),
    ("a <= b", n.Binary("le", N("a"), N("b"))),
    ("a ≤ b", n.Binary("le", N("a"), N("b"))),
    ("a != b", n.Binary("ne", N("a"), N("b"))),
    ("a ≠ b", n.Binary("ne", N("a"), N("b"))),
    ("a = b", n.Binary("eq", N("a"), N("b"))),
    ("a > b", n.Binary("gt", N("a"), N("b"))),
    ("a < b", n.Binary("lt", N("a"), N("b"))),
    ("a + 1 > b × 2", n.Binary("gt", n.Binary("add", N("a"), n.Number(D(1))), n.Binary("mul", N("b"), n.Number(D(2))))),
    ("a in s", n.InSet(N("a"), "s", (), False)),
    ("a 属于 s", n.InSet(N("a"), "s", (), False)),
    ("a not in {x, y,}", n.InSet(N("a"), None, ("x", "y"), True)),
    ("a 非 属于 {x, y}", n.InSet(N("a"), None, ("x", "y"), True)),
    ("min(a, b)", n.Call("min", (N("a"), N("b")))),
    ("较小值(a, b)", n.Call("min", (N("a"), N("b")))),
    ("最大值(a, b, c)", n.Call("max", (N("a"), N("b"), N("c")))),
    ("whole(a)", n.Call("floor", (N("a"),))),
    ("向下取整(a)", n.Call("floor", (N("a"),))),
    ("tbl[k]", n.Lookup("tbl", N("k"))),
    ("actual a", n.Actual(N("a"))),
    ("实际 a", n.Actual(N("a"))),
    ("evaluation_date", n.EvaluationDate()),
    ("评估日期", n.EvaluationDate()),
    ("person.pays_si", N("person", "pays_si")),
    ("2009-07-01", n.DateLit(dt.date(2009, 7, 1))),
    ("2009年7月1日", n.DateLit(dt.date(2009, 7, 1))),
    ("true", n.Bool(True)),
    ("是", n.Bool(True)),
    ("false", n.Bool(False)),
    ("否", n.Bool(False)),
    ('"quoted \\" text"', n.Text('quoted " text')),
    ("12", n.Number(D(12))),
    ("1.5", n.Number(D("1.5"))),
])
def test_expression(text: str, tree: n.Expr) -> None:
    assert expr(text) == tree


def test_precedence_of_cap_below_arithmetic_and_of() -> None:
    # the cap applies to the whole sum, not to its last term
    assert expr("a + 10% of b, at_most 5 元") == n.Bound("cap", n.Binary("add", N("a"), n.Of(P("0.1"), N("b"))),
                                                      M(5))


def test_spans_point_into_the_source() -> None:
    e = expr("annual_rent + 3 元")
    assert isinstance(e, n.Binary)
    assert e.span == Span(2, 11, 2, 28)
    assert e.left.span == Span(2, 11, 2, 22)
    assert e.right.span == Span(2, 25, 2, 28)


def test_spans_are_not_part_of_equality() -> None:
    assert expr("a+b") == expr("a   +\n    b")
    assert expr("a+b").span != expr("a   +\n    b").span


def test_comments_and_layout_are_free() -> None:
    a = parse("policy t\nvalue v = a + b  # a comment\n")
    b = parse("# heading\npolicy t\n\n\nvalue   v\n   =\n a\n +   b\n")
    assert a == b


# ---------------------------------------------------------------- declarations
def test_policy_header() -> None:
    (h,) = parse('policy a-b-c "标签"\n  cite "c1"\n  text "t1"\n  valid from 2009-01-01 until 2010-12-31\n'
                 '  rounding half_even to 1 元\n').decls
    assert h == n.PolicyDecl("a-b-c", "标签", (n.Cite("c1"),), ("t1",),
                             (n.Valid(dt.date(2009, 1, 1), dt.date(2010, 12, 31)),),
                             (n.Rounding("half_even", M(1)),))


@pytest.mark.parametrize(("zh", "mode"), [("四舍五入", "half_up"), ("银行家舍入", "half_even"), ("舍去", "down"),
                                          ("进一", "up")])
def test_rounding_modes_in_chinese(zh: str, mode: str) -> None:
    en = parse(f"policy t\n  rounding {mode} to 0.01 元\n").decls[0]
    cn = parse(f"政策 t\n  舍入 {zh} 到 0.01元\n").decls[0]
    assert isinstance(en, n.PolicyDecl)
    assert en.rounding == (n.Rounding(mode, M("0.01")),)
    assert cn == en


def test_parameters_fixed_dated_and_supplied() -> None:
    fixed, dated, open_ = decls(
        'parameter loan_standard "额度": money = 5万元\n  cite "三(二)1"\n'
        "parameter quota: money\n  from 2009-01-01: 8000 元\n  from 2011-01-01: 9000 元\n"
        "parameter wage: money per month\n")
    assert fixed == n.ParameterDecl("loan_standard", "额度", n.TypeExpr("money"), M(50000), (),
                                    (n.Cite("三(二)1"),), ())
    assert dated == n.ParameterDecl("quota", None, n.TypeExpr("money"), None,
                                    (n.DatedValue(dt.date(2009, 1, 1), M(8000)),
                                     n.DatedValue(dt.date(2011, 1, 1), M(9000))), (), ())
    assert open_ == n.ParameterDecl("wage", None, n.TypeExpr("rate", unit="month"), None, (), (), ())


def test_enum_set_table() -> None:
    e, s, t = decls('enum level "等级" = none | junior | senior\n'
                    'set high = {junior, senior,}\n  text "t"\n'
                    "table pay: level -> money\n  junior: 300 元\n  senior: 700 元\n  otherwise: 0 元\n")
    assert e == n.EnumDecl("level", "等级", ("none", "junior", "senior"), (), ())
    assert s == n.SetDecl("high", None, ("junior", "senior"), (), ("t",))
    assert t == n.TableDecl("pay", None, "level", n.TypeExpr("money"),
                            (n.TableEntry("junior", M(300)), n.TableEntry("senior", M(700))), M(0), (), ())


def test_facts_and_every_type() -> None:
    f = one('facts p "个人":\n  a "甲": money\n  b: money per month\n  b2: 金额 每年\n  c: integer\n  c2: 整数\n'
            "  d: number\n  e: percent\n  e2: 百分比\n  f: bool\n  f2: 是否\n  g: date\n  h: text\n  i: months\n"
            "  j: years\n  k: days\n  l: sector\n  m: x | y\n")
    assert isinstance(f, n.FactsDecl)
    assert (f.kind, f.label) == ("p", "个人")
    got = {fd.name: fd.type for fd in f.fields}
    assert f.fields[0].label == "甲"
    assert got == {
        "a": n.TypeExpr("money"), "b": n.TypeExpr("rate", unit="month"), "b2": n.TypeExpr("rate", unit="year"),
        "c": n.TypeExpr("integer"), "c2": n.TypeExpr("integer"), "d": n.TypeExpr("number"),
        "e": n.TypeExpr("percent"), "e2": n.TypeExpr("percent"), "f": n.TypeExpr("bool"),
        "f2": n.TypeExpr("bool"), "g": n.TypeExpr("date"), "h": n.TypeExpr("text"),
        "i": n.TypeExpr("duration", unit="month"), "j": n.TypeExpr("duration", unit="year"),
        "k": n.TypeExpr("duration", unit="day"), "l": n.TypeExpr("named", ref="sector"),
        "m": n.TypeExpr("enum", values=("x", "y")),
    }


def test_value_with_doc_clauses() -> None:
    v = one('value is_4050 "4050人员" = age >= 40\n  cite "三(三)1"\n  text "原文"\n')
    assert v == n.ValueDecl("is_4050", "4050人员", n.Binary("ge", N("age"), n.Number(D(40))),
                            (n.Cite("三(三)1"),), ("原文",))


def _output(text: str) -> n.OutputDecl:
    o = one(text)
    assert isinstance(o, n.OutputDecl)
    return o


def test_output_with_every_clause() -> None:
    o = _output('benefit rent "租费" yearly\n  cite "a"\n  cite "b"\n  text "t"\n  when x\n  when y and z\n'
                "  amount 10% of rent, at_most 3000 元\n  for at_most 3 years counting used\n"
                "  rounding down to 1 元\n  valid from 2009-01-01\n")
    assert o == n.OutputDecl(
        "benefit", "rent", "租费", "yearly", (n.Cite("a"), n.Cite("b")), ("t",),
        (N("x"), n.Binary("and", N("y"), N("z"))),
        (n.Bound("cap", n.Of(P("0.1"), N("rent")), M(3000)),),
        (n.Term(n.Duration(D(3), "year"), N("used"), ()),),
        (n.Rounding("down", M(1)),), (n.Valid(dt.date(2009, 1, 1), None),))
    assert o.monetary


@pytest.mark.parametrize(("en", "zh", "kind"), [("benefit", "待遇", "benefit"), ("obligation", "义务", "obligation"),
                                                ("exemption", "免除", "exemption"), ("title", "称号", "title"),
                                                ("outcome", "结果", "outcome")])
def test_output_kinds(en: str, zh: str, kind: str) -> None:
    a = _output(f"{en} o\n  when x\n")
    b = _output(f"{zh} o\n  条件 x\n")
    assert a.kind == kind and a == b
    assert a.monetary == (kind == "benefit")


@pytest.mark.parametrize(("en", "zh", "period"), [("yearly", "按年", "yearly"), ("monthly", "按月", "monthly"),
                                                  ("once", "一次性", "once")])
def test_periods(en: str, zh: str, period: str) -> None:
    assert _output(f"benefit o {en}\n  amount 1 元\n").period == period
    assert _output(f"benefit o {en}\n  amount 1 元\n") == _output(f"待遇 o {zh}\n  金额为 1元\n")


def test_parts() -> None:
    o = _output('benefit si yearly\n  amount parts\n    pension "养老": 6% of w\n    medical: 5% of w\n')
    assert o.amounts == (n.Parts((n.Part("pension", "养老", n.Of(P("0.06"), N("w"))),
                                  n.Part("medical", None, n.Of(P("0.05"), N("w"))))),)


def test_allocation() -> None:
    o = _output("benefit tax yearly\n  amount allocate quota over\n    a: x\n    b \"乙\": y\n")
    assert o.amounts == (n.Allocation(N("quota"), (n.Part("a", None, N("x")), n.Part("b", "乙", N("y")))),)


def test_alternatives_with_and_without_else() -> None:
    o = _output("benefit r yearly\n  amount\n    if a: 1 元\n    if b: 2 元\n    else: 3 元\n")
    assert o.amounts == (n.Choice("alternatives", (n.Branch(N("a"), M(1)), n.Branch(N("b"), M(2))), M(3)),)
    o2 = _output("benefit r yearly\n  amount\n    if a: 1 元\n")
    assert o2.amounts == (n.Choice("alternatives", (n.Branch(N("a"), M(1)),), None),)


def test_alternatives_with_parts() -> None:
    o = _output("benefit r yearly\n  amount\n    if a: parts\n      x: 1 元\n    else: parts\n      x: 2 元\n")
    assert o.amounts == (n.Choice("alternatives",
                                  (n.Branch(N("a"), n.Parts((n.Part("x", None, M(1)),))),),
                                  n.Parts((n.Part("x", None, M(2)),))),)


def test_exceptions() -> None:
    o = _output("benefit r yearly\n  amount base\n    except rural: 60% of base\n    except x: 0 元\n")
    assert o.amounts == (n.Choice("exceptions", (n.Branch(N("rural"), n.Of(P("0.6"), N("base"))),
                                                 n.Branch(N("x"), M(0))), N("base")),)


def test_term_with_extensions() -> None:
    o = _output("benefit s yearly\n  amount 1 元\n  for at_most 3 years counting used\n"
                "    extended when near\n    extended by 1 year when a and b\n")
    assert o.terms == (n.Term(n.Duration(D(3), "year"), N("used"), (
        n.Extension(None, N("near")),
        n.Extension(n.Duration(D(1), "year"), n.Binary("and", N("a"), N("b"))))),)


def test_group_and_invariant() -> None:
    g, i = decls('exclusive si "不重复" highest: a, b, c\n  cite "x"\ninvariant "上限": a <= 3000 元\n')
    assert g == n.GroupDecl("si", "不重复", "highest", ("a", "b", "c"), (), (n.Cite("x"),), ())
    assert isinstance(g, n.GroupDecl)
    assert [s.column for s in g.member_spans] == [29, 32, 35]
    assert i == n.InvariantDecl("上限", n.Binary("le", N("a"), M(3000)), (), ())
    g2 = one("不得重复享受 si 优先: a, b\n")
    assert isinstance(g2, n.GroupDecl) and g2.mode == "first"


# ---------------------------------------------------------------- English and Chinese
def test_english_and_chinese_twins_give_equal_trees(twin_en_text: str, twin_zh_text: str) -> None:
    en = parse(twin_en_text, "en.policy")
    zh = parse(twin_zh_text, "zh.policy")
    assert len(en.decls) == len(zh.decls) > 10
    for a, b in zip(en.decls, zh.decls, strict=True):
        assert a == b
    assert en == zh


def test_chinese_spelling_is_not_a_different_tree_by_accident(twin_en_text: str) -> None:
    # the equality above is not trivial: changing one literal changes the tree
    changed = twin_en_text.replace("at_most 2000 元", "at_most 2001 元")
    assert changed != twin_en_text
    assert parse(changed) != parse(twin_en_text)


def test_chinese_keyword_after_a_chinese_name_needs_a_space() -> None:
    # 收入的 is one name; 收入 的 is `income of`
    assert expr("收入 的 百分之十") == n.Of(P("0.1"), N("收入"))
    with pytest.raises(PolicyError):
        parse("政策 t\n定义 x = 收入的 百分之十\n")


# ---------------------------------------------------------------- syntax errors
def _error(text: str) -> tuple[str, int, int, str]:
    with pytest.raises(PolicyError) as info:
        parse(text, "bad.policy")
    (d,) = info.value.diagnostics
    assert d.path == "bad.policy" and d.span is not None
    return d.code, d.span.line, d.span.column, d.message


def test_unexpected_character() -> None:
    assert _error("policy t\nvalue a = 3 + @\n") == ("P001", 2, 15, "unexpected character '@'")


def test_unexpected_token() -> None:
    code, line, col, msg = _error("policy t\nvalue = 3\n")
    assert (code, line, col) == ("P002", 2, 7)
    assert "'='" in msg


def test_unexpected_token_after_a_multi_line_clause() -> None:
    text = "policy t\nbenefit b yearly\n  when a\n   and b\n  amount 1 元 2 元\n"
    code, line, col, _ = _error(text)
    assert (code, line, col) == ("P002", 5, 14)


def test_unexpected_end_of_file() -> None:
    code, line, col, msg = _error("policy t\nvalue a = 3 +\n")
    assert code in ("P002", "P003") and line == 2
    assert col in (13, 14)  # at the last character, or just after it
    assert "ends before it is complete" in msg


def test_every_declaration_reports_its_first_syntax_error() -> None:
    text = ("policy t\nfacts person:\n  a: money\nbenefit b once\n  amount 3 元 +\n"
            "benefit c once\n  amount a ,, 3\nvalue v = (1 + 2\nbenefit d once\n  amount 5 元\n")
    with pytest.raises(PolicyError) as info:
        parse(text, "t.policy")
    found = [(d.code, d.span.line) for d in info.value.diagnostics if d.span]
    assert found == [("P003", 5), ("P002", 7), ("P003", 8)]


def test_error_columns_count_characters_not_bytes() -> None:
    # 定义 and 甲 are one character each, as the column of `@` shows
    assert _error("政策 t\n定义 甲 = 三千元 @\n")[:3] == ("P001", 2, 12)


def test_invalid_date() -> None:
    assert _error("policy t\nvalue a = 2009-02-30\n") == ("P004", 2, 11, "not a valid date: 2009-02-30")
    assert _error("policy t\nvalue a = 2009年2月30日\n")[:3] == ("P004", 2, 11)


def test_a_syntax_error_renders_with_its_place_and_a_caret() -> None:
    with pytest.raises(PolicyError) as info:
        parse("policy t\nvalue a = 3 + @\n", "bad.policy")
    text = str(info.value)
    assert text.startswith("bad.policy:2:15: error[P001]")
    lines = text.splitlines()
    src = next(i for i, x in enumerate(lines) if x.endswith("value a = 3 + @"))
    assert lines[src + 1].index("^") == lines[src].index("@")


def test_end_of_file_error_has_a_caret() -> None:
    with pytest.raises(PolicyError) as info:
        parse("policy t\nvalue a = 3 +\n", "bad.policy")
    assert "^" in str(info.value)


def test_caret_under_chinese_text_counts_display_width() -> None:
    with pytest.raises(PolicyError) as info:
        parse("政策 t\n定义 甲 = 三千元 @\n", "bad.policy")
    lines = str(info.value).splitlines()
    src = next(i for i, x in enumerate(lines) if x.endswith("@"))
    # each CJK character is two columns wide on a terminal
    prefix = lines[src][: lines[src].index("定义")]
    caret_col = lines[src + 1].index("^")
    assert caret_col == len(prefix) + 6 * 2 + 5  # 定义甲三千元 and five spaces or signs

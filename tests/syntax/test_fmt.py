"""The formatter (``policyrules fmt``): the layout rules of docs/editor.md on small inputs, every
policy and docs example already formatted, comments and numerals kept, keywords converted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyrules.diagnostics import PolicyError
from policyrules.interfaces import cli
from policyrules.syntax.concrete import concrete
from policyrules.syntax.fmt import WIDTH, format_text
from policyrules.syntax.parse import parse
from policyrules.syntax.printer import width

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "policies").glob("*.policy"))
FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def docs_examples() -> list[object]:
    """Every whole policy shown in the docs and README: ```policy blocks and ``# file: x.policy`` blocks."""
    out: list[object] = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            kind, body = m.group(1), m.group(2)
            first = body.split("\n", 1)[0]
            if kind == "policy" or (first.startswith("# file:") and first.rstrip().endswith(".policy")):
                line = text.count("\n", 0, m.start()) + 1
                out.append(pytest.param(body, id=f"{doc.name}:{line}"))
    return out


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_policy_is_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text, f"run: policyrules fmt --write {path.relative_to(ROOT)}"


@pytest.mark.parametrize("body", docs_examples())
def test_every_docs_example_is_formatted(body: str) -> None:
    assert format_text(body) == body


def test_fmt_check_over_the_policies_passes() -> None:
    assert cli.main(["fmt", "--check", *map(str, POLICIES)]) == cli.OK


def fmt(text: str, lang: str | None = None) -> str:
    return format_text(text, "t.policy", lang)


HEAD = 'policy t "测试"\n\n'


def test_clauses_one_a_line_indented_by_nesting() -> None:
    text = HEAD + ('benefit b "补贴" yearly cite "1" when a and b amount\n'
                   '  if a: 1 元 if b: parts x: 2 元 y: 3 元\n  else: 4 元\n'
                   'facts person: a: bool b: bool\n')
    assert fmt(text) == HEAD + (
        'benefit b "补贴" yearly\n  cite "1"\n  when a and b\n  amount\n'
        '    if a: 1 元\n    if b: parts\n      x: 2 元\n      y: 3 元\n    else: 4 元\n'
        'facts person:\n  a: bool\n  b: bool\n')


def test_spacing_between_tokens() -> None:
    text = HEAD + 'value  v  =  max( f . g ,  -  2 元 )  +  t [ k ]  ,  at_most  3 元\n'
    assert fmt(text) == HEAD + "value v = max(f.g, -2 元) + t[k], at_most 3 元\n"


def test_numerals_and_triple_quoted_text_are_kept_as_written() -> None:
    text = HEAD + ('parameter a: money = 10000 元\nparameter b: money = 1万元\nparameter c: money = 三千元\n'
                   'parameter d: percent = 百分之十五\nparameter e: years = 两年\n'
                   'value f "x" = 1.50 元\n  text """第一行\n    第二行 "引号" # 不是注释"""\n')
    assert fmt(text) == text


def test_own_line_and_trailing_comments_stay_where_written() -> None:
    text = HEAD + ("# heading of the parameters\n"
                   "parameter a: money = 1 元  # trailing, after the value\n"
                   "   # indented: stays with `a`\n\n"
                   "# leads b\n"
                   "benefit b yearly\n"
                   "    # before the condition\n"
                   "      when x   # why x\n"
                   "  amount a\n"
                   "# after everything\n")
    assert fmt(text) == HEAD + ("# heading of the parameters\n"
                                "parameter a: money = 1 元  # trailing, after the value\n"
                                "  # indented: stays with `a`\n\n"
                                "# leads b\n"
                                "benefit b yearly\n"
                                "  # before the condition\n"
                                "  when x  # why x\n"
                                "  amount a\n"
                                "# after everything\n")


def test_section_headings_inside_a_scorecard_stay_with_their_part() -> None:
    text = ('scorecard s "考核"\n  # 一、填报\n  fields:\n    x "甲": integer\n'
            '  # 二、指标\n  indicator i "乙" at_least 1 # 目标\n    actual x\n')
    assert fmt(text) == ('scorecard s "考核"\n  # 一、填报\n  fields:\n    x "甲": integer\n'
                         '  # 二、指标\n  indicator i "乙" at_least 1  # 目标\n    actual x\n')


def test_long_conditions_break_at_the_loosest_and_or_within_the_width() -> None:
    names = [f"condition_number_{k}" for k in range(12)]
    cond = " and ".join(names[:6]) + " and (" + " or ".join(names[6:]) + ")"
    out = fmt(HEAD + f"benefit b\n  when {cond}\n  amount 1 元\n")
    lines = out.splitlines()
    assert all(width(line) <= WIDTH for line in lines)
    when = lines[lines.index(next(x for x in lines if x.startswith("  when")))]
    assert when.startswith("  when condition_number_0 and")
    continued = [x for x in lines if x.startswith("   and ")]
    assert continued, out  # `and` lines one column in from `when`
    assert any(x.lstrip().startswith("or ") for x in lines), out  # the bracket's `or`s broken too
    assert parse(out).decls == parse(HEAD + f"benefit b\n  when {cond}\n  amount 1 元\n").decls
    assert fmt(out) == out


def test_continuation_lines_inside_brackets_line_up_after_the_bracket() -> None:
    text = HEAD + ("value v =\n  max(aaaa,\n bbbb,\n      cccc)\n"
                   "set s = {\n      a, b,\n c,\n   }\n")
    assert fmt(text) == HEAD + ("value v =\n  max(aaaa,\n      bbbb,\n      cccc)\n"
                                "set s = {\n  a, b,\n  c,\n}\n")


def test_operator_lines_line_up_with_their_expression() -> None:
    text = HEAD + ("value v =\n    if a then 1\n      else if b then 2\n else 3\n"
                   "value w = first xs\n   where p\n        and q\n")
    assert fmt(text) == HEAD + ("value v =\n  if a then 1\n  else if b then 2\n  else 3\n"
                                "value w = first xs\n  where p\n    and q\n")


def test_blank_lines_kept_one_at_most() -> None:
    text = "\n\n" + HEAD + "value a = 1\n\n\n\nvalue b = 2\nvalue c = 3\n\n\n"
    assert fmt(text) == HEAD + "value a = 1\n\nvalue b = 2\nvalue c = 3\n"


def test_keywords_converted_both_ways() -> None:
    en = HEAD + ('parameter p: list of r\nparameter m: money per month = 960 元 per month\n'
                 'table t: money -> days\n  from 0 元 below 5 元: 3 days\n  above 5 元 up_to 9 元: 4 days\n'
                 'benefit b yearly\n  valid from 2020-01-01 until 2021-01-01\n'
                 '  when not x and y in {a, b} or (count xs where z >= 2) > 1\n'
                 '  amount 10% of a × b of c, at_most 3 yuan\n  for at_most 3 years counting n\n'
                 'exclusive g first: b, c\n')
    zh = fmt(en, "zh")
    assert "列表 r" in zh and "960 元 每月" in zh and "满 0 元 不满 5 元: 3天" in zh
    assert "自 2020-01-01 至 2021-01-01" in zh and "超过 5 元 至 9 元" in zh
    assert "条件 非 x 且 y 属于 {a, b} 或 (计数 xs 满足 z ≥ 2) > 1" in zh
    assert "金额为 c 的 (a 的 10% × b), 最高 3 元" in zh
    assert "期限 最高 3年 已享受 n" in zh and "不得重复享受 g 优先: b, c" in zh
    assert parse(zh).decls == parse(en).decls
    back = fmt(zh, "en")
    assert parse(back).decls == parse(en).decls
    assert "10% of a × b of c" not in back and "(10% of a × b) of c" in back
    assert fmt(back, "en") == back and fmt(zh, "zh") == zh


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_policy_converts_keeping_its_meaning(path: Path) -> None:
    """To Chinese keywords and back (each checked by fmt to give the same AST), both fixed points."""
    text = path.read_text(encoding="utf-8")
    zh = fmt(text, "zh")
    en = fmt(zh, "en")
    assert parse(en).decls == parse(text).decls
    assert fmt(en, "en") == en
    for lang, out in (("zh", zh), ("en", en)):
        toks = concrete(out).tokens
        for k, t in enumerate(toks):  # no keyword left in the other language
            if t.kind in _NUMERALS or not any(ch.isalpha() for ch in t.text):
                continue
            if lang == "zh" and t.nodes[-1].rule in ("days", "months", "years") and not toks[k - 1].text.isdigit():
                continue  # `1.5 years`: Chinese has no spelling for a fraction of a duration unit
            assert any(ord(ch) > 127 for ch in t.text) == (lang == "zh"), (lang, t.text, t.line)
        assert [c.text for c in concrete(out).comments] == [c.text for c in concrete(text).comments]


# Names, text and numerals as the drafter wrote them (`10000 元`, `三千元`): never converted.
_NUMERALS = {"NAME", "STRING", "NUMBER", "YUAN_LIT", "WAN_LIT", "PERCENT_LIT", "DATE", "CN_DATE", "CN_MONEY",
             "CN_PERCENT", "CN_DURATION"}


def test_bad_input_is_a_positioned_error_and_the_file_is_left_alone(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.policy"
    bad.write_text(HEAD + "benefit b\n  when a and\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        fmt(bad.read_text(encoding="utf-8"))
    assert cli.main(["fmt", "--write", str(bad)]) == cli.BAD_INPUT
    err = capsys.readouterr().err
    assert "bad.policy:" in err and "Traceback" not in err
    assert bad.read_text(encoding="utf-8") == HEAD + "benefit b\n  when a and\n"


def test_cli_check_write_and_lang(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.policy"
    path.write_text(HEAD + "value  v = 1   # one\n", encoding="utf-8")
    assert cli.main(["fmt", "--check", str(path)]) == cli.FAILED
    assert "not formatted" in capsys.readouterr().err
    assert cli.main(["fmt", "--write", str(path)]) == cli.OK
    assert path.read_text(encoding="utf-8") == HEAD + "value v = 1  # one\n"
    assert cli.main(["fmt", "--check", str(path)]) == cli.OK
    capsys.readouterr()
    assert cli.main(["fmt", "--lang", "zh", str(path)]) == cli.OK
    assert capsys.readouterr().out == '政策 t "测试"\n\n定义 v = 1  # one\n'


@pytest.mark.parametrize(("text", "expected"), [
    ("", ""),
    ("\n\n# only a comment   \n\n", "# only a comment\n"),
    ('policy a "x"\r\n\tcite "1"\r\n\r\n\r\nvalue v = 1 # t\r\n', 'policy a "x"\n  cite "1"\n\nvalue v = 1  # t\n'),
    ("value v = f(a, # why a\n  b)\n", "value v = f(a,  # why a\n            b)\n"),
])
def test_edge_cases(text: str, expected: str) -> None:
    assert fmt(text) == expected and fmt(expected) == expected

"""Did-you-mean for misspelled keywords, in both keyword languages; a missing `:` and an
unclosed quoted text reported as such; expected keywords listed in the file's language."""

from __future__ import annotations

import re

import pytest

from policyrules.api import PolicyError, loads
from policyrules.syntax.suggest import is_chinese, keyword_language

EN = """\
policy demo "示例"

facts person "个人":
  age "年龄": integer
  registered_unemployed "登记失业": bool

benefit subsidy "补贴" once
  cite "一"
  when person.registered_unemployed and person.age > 18
  amount 3000 元
"""

ZH = """\
政策 demo "示例"

事实 person "个人":
  age "年龄": 整数
  registered_unemployed "登记失业": 是否

待遇 subsidy "补贴" 一次性
  依据 "一"
  条件 person.registered_unemployed 且 person.age > 18
  金额为 3000 元
"""


def diagnostics(text: str) -> list[tuple[str, int, int, str, str | None]]:
    with pytest.raises(PolicyError) as info:
        loads(text, "t.policy")
    return [(d.code, d.span.line, d.span.column, d.message, d.hint) for d in info.value.diagnostics if d.span]


def test_the_examples_check() -> None:
    loads(EN, "en.policy")
    loads(ZH, "zh.policy")


@pytest.mark.parametrize(("text", "wrong", "right"), [
    (EN, "amount 3000", "amout 3000"),
    (EN, "  when person", "  whn person"),
    (EN, " and person.age", " andd person.age"),
    (ZH, "条件 person", "条牛 person"),
    (ZH, "金额为 3000", "金额是 3000"),
    (ZH, " 且 person.age", " 并且 person.age"),
])
def test_a_misspelled_keyword_gets_the_keyword_it_was_meant_to_be(text: str, wrong: str, right: str) -> None:
    broken = text.replace(wrong, right)
    word = right.split()[0]
    meant = wrong.split()[0]
    (found,) = diagnostics(broken)
    code, line, column, message, hint = found
    assert code == "P002"
    assert message == f"unexpected {word!r}"
    assert hint == f"did you mean `{meant}`?"
    assert broken.splitlines()[line - 1][column - 1:].startswith(word)


def test_an_unknown_word_lists_the_keywords_in_the_files_language() -> None:
    ((code, _, _, _, hint),) = diagnostics(ZH.replace("条件 person", "规定 person"))
    assert code == "P002"
    assert hint and hint.startswith("expected '")
    shown = re.findall(r"'(\w+)'", hint)
    assert shown and all(is_chinese(w) for w in shown), hint
    ((_, _, _, _, hint),) = diagnostics(EN.replace("when person", "provided person"))
    shown = re.findall(r"'(\w+)'", hint or "")
    assert "cite" in shown and not any(is_chinese(w) for w in shown), hint


def test_a_missing_colon_is_reported_at_the_end_of_its_own_line() -> None:
    broken = EN.replace('facts person "个人":', 'facts person "个人"')
    assert diagnostics(broken) == [("P008", 3, 18, "missing `:` at the end of this line",
                                    "the lines below belong to this one: end it with `:`")]


def test_a_missing_colon_after_a_comment_is_still_on_the_line_that_lacks_it() -> None:
    broken = EN.replace('facts person "个人":', 'facts person "个人"   # the person applying')
    ((code, line, column, _, _),) = diagnostics(broken)
    assert (code, line, column) == ("P008", 3, 18)


def test_an_unclosed_string_is_reported_as_such() -> None:
    ((code, line, column, message, _),) = diagnostics(EN.replace('cite "一"', 'cite "一'))
    assert (code, line, column, message) == ("P007", 8, 8, "this quoted text is not closed")


def test_an_unclosed_long_text_is_reported_as_such() -> None:
    ((code, _, _, message, _),) = diagnostics(EN.replace('cite "一"', 'text """一'))
    assert code == "P007" and '"""' in message


@pytest.mark.parametrize(("text", "lang"), [(EN, "en"), (ZH, "zh"), ("# 注释\n\n政策 x", "zh"), ("", "en")])
def test_keyword_language_follows_the_first_declaration(text: str, lang: str) -> None:
    assert keyword_language(text) == lang


def typos(word: str) -> set[str]:
    """Every word one slip away from ``word``: a letter dropped, doubled or swapped with the next."""
    out = set()
    for i in range(len(word)):
        out.add(word[:i] + word[i + 1:])
        out.add(word[:i] + word[i] + word[i:])
        if i + 1 < len(word):
            out.add(word[:i] + word[i + 1] + word[i] + word[i + 2:])
    return out - {word, ""}


SLIPS = [(text, kw, ctx, slip)
         for text, kw, ctx in [(EN, "cite", '  cite "一"'), (EN, "when", "  when person"),
                               (EN, "amount", "  amount 3000"), (EN, "and", " and person.age"),
                               (ZH, "依据", '  依据 "一"'), (ZH, "条件", "  条件 person"), (ZH, "金额为", "  金额为 3000")]
         for slip in sorted(typos(kw))]


@pytest.mark.parametrize(("text", "kw", "ctx", "slip"), SLIPS, ids=[f"{s[1]}->{s[3]}" for s in SLIPS])
def test_every_one_letter_slip_of_a_clause_keyword_gets_it_suggested(text: str, kw: str, ctx: str, slip: str) -> None:
    from policyrules.syntax.suggest import keyword_terminals

    if slip in set(keyword_terminals().values()):
        pytest.skip(f"{slip} is itself a keyword")
    broken = text.replace(ctx, ctx.replace(kw, slip, 1), 1)
    found = diagnostics(broken)
    assert any(hint == f"did you mean `{kw}`?" for *_, hint in found), found
    # the word is underlined as written, even when the lexer split it (`citee` = `cite` + `e`)
    (code, line, column, message, _), *_ = [d for d in found if d[4] == f"did you mean `{kw}`?"]
    assert (code, message) == ("P002", f"unexpected {slip!r}")
    assert broken.splitlines()[line - 1][column - 1:].startswith(slip)

"""The lean LALR driver (``syntax/lalr.py``) against the reference: Lark's parse followed by the
Transformer.  For every text the driver either declines (``None``: Lark then parses and reports
the errors) or gives the very AST the reference gives, source spans included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules.diagnostics import PolicyError
from policyrules.syntax import astjson, lalr
from policyrules.syntax import nodes as n
from policyrules.syntax.parse import _parse_lark
from policyrules.syntax.transform import transformer

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted({p for pattern in ("policies/*.policy", "examples/**/*.policy", "tests/**/*.policy")
                for p in ROOT.glob(pattern)})


def _fast(text: str) -> n.Policy | None:
    decls = lalr.parse(text, lalr.tables(), transformer()("t.policy"))
    return None if decls is None else n.Policy(tuple(decls), path="t.policy")


def _reference(text: str) -> n.Policy | None:
    try:
        return _parse_lark(text, "t.policy")
    except PolicyError:
        return None


def _with_spans(policy: n.Policy) -> str:
    """The AST as JSON, every span in it (AST equality leaves spans out)."""
    return json.dumps(astjson.encode(policy), ensure_ascii=False, sort_keys=True)


def _agree(text: str) -> Any:
    fast, ref = _fast(text), _reference(text)
    if fast is not None:
        assert ref is not None, "the driver took a text the reference refuses"
        assert _with_spans(fast) == _with_spans(ref)
    return fast, ref


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_policy_in_the_repository(path: Path) -> None:
    fast, ref = _agree(path.read_text(encoding="utf-8"))
    if ref is not None:
        assert fast is not None, "the driver declined a text that parses"


def test_the_repository_has_policies_to_compare() -> None:
    assert len([p for p in TEXTS if p.parent.name == "policies"]) >= 10


EXPRESSIONS = [
    "(a + b) * c", "((a))", "-(a - b)", "a + (b)", "(((1 元)))", "not (a and b) or c",
    "if (a > 1) then (b) else c", "(10% of (a + b)) per month", "max((a), (b + c) / 2)",
    "(a + b) at_most 5 元", "count hires where (wage > 100 元)",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_parenthesised_expressions_keep_their_spans(expr: str) -> None:
    """A pass-through rule keeps its child's own span and widens only what a parent spans
    (parentheses): the driver must place every node exactly as Lark does."""
    text = f'policy p "p"\n\nvalue v "v" = {expr}\n'
    fast, ref = _agree(text)
    if ref is not None:
        assert fast is not None


def test_a_text_nested_beyond_the_driver_is_left_to_lark() -> None:
    deep = 'policy p "p"\n\nvalue v "v" = ' + "-(" * 260 + "1" + ")" * 260 + "\n"
    assert _fast(deep) is None
    shallow = 'policy p "p"\n\nvalue v "v" = ' + "-(" * 150 + "1" + ")" * 150 + "\n"
    assert _fast(shallow) is not None  # parentheses alone nest nothing: only the 150 negations count


def test_errors_come_from_the_reference() -> None:
    text = 'policy p "p"\n\nvalue v "v" = 1 +\n'
    assert _fast(text) is None and _reference(text) is None


_BASE = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*.policy"))]
_PIECES = ["(", ")", " + ", " * ", "-", " of ", " at_most ", "元", "%", "\n", " ", '"', ":", "1", ".", "#",
           "\u2028", "\f", "年", " when ", " and ", "万元", "个月"]


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_policies_agree(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(_BASE))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "duplicate"]))
        if op == "insert":
            text = text[:at] + data.draw(st.sampled_from(_PIECES)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 12)):]
        else:
            end = at + data.draw(st.integers(1, 40))
            text = text[:end] + text[at:end] + text[end:]
    _agree(text)


def test_the_shipped_driver_tables_match_the_grammar() -> None:
    """Regenerate with `python -m policyrules.syntax.grammar` after changing grammar/policy.lark.
    (Lark numbers its states differently from one build to the next, so the shipped tables are
    held to parse alike, not to be equal.)"""
    from policyrules.syntax import grammar

    shipped = grammar.driver_data()
    assert shipped is not None, "stale driver tables: run python -m policyrules.syntax.grammar"
    built = lalr.Tables(lalr.describe(grammar.build(grammar.grammar_text())), transformer())
    ours = lalr.Tables(shipped, transformer())
    for path in TEXTS[:40]:
        text = path.read_text(encoding="utf-8")
        a, b = lalr.parse(text, ours, transformer()("t")), lalr.parse(text, built, transformer()("t"))
        assert (a is None) == (b is None), path
        if a is not None and b is not None:
            assert _with_spans(n.Policy(tuple(a))) == _with_spans(n.Policy(tuple(b))), path


LAYOUTS = [
    'policy p "p"  # a comment after a token\n\n\n# a comment line\nvalue v "v" = 1 + 2 # end',
    'policy p "p"#no space before the comment\nvalue v "v" = 1\n   \n\t# indented comment\n',
    'policy p "p"\r\nvalue v "v" = (1 +\r\n  2)\r\n',
    '  \n# a comment before anything\n\npolicy p "p"\nvalue v "v" = 3 元 # yuan\n# last line, no newline',
    'policy p "p"\fvalue v "v" = 1 # a form feed and U+2028\u2028 stay inside their lines\nvalue w "w" = 2\n',
]


@pytest.mark.parametrize("text", LAYOUTS)
def test_layout_after_a_token_keeps_lines_and_columns(text: str) -> None:
    """Whitespace and comments are matched with the token before them: every span stays Lark's."""
    fast, _ = _agree(text)
    assert fast is not None


def test_whitespace_and_comments_follow_tokens_only_when_no_terminal_starts_like_them() -> None:
    import lark

    from policyrules.syntax import grammar

    ours = lalr.describe(grammar.build(grammar.grammar_text()))
    assert ours["trailing"] == ["(?:[ \t\x0c\r\n])+", "#[^\n]*"]
    hashed = lark.Lark('start: WORD+\nWORD: /#?[a-z]+/\nCOMMENT: /#[^\\n]*/\n%import common.WS\n'
                       '%ignore WS\n%ignore COMMENT\n', parser="lalr", lexer="contextual")
    assert lalr.describe(hashed)["trailing"] == []  # `#tag` could be a WORD: tokens stand alone


def test_inlined_rules_of_one_symbol_pass_through() -> None:
    """`_of: "of"` adds nothing to its parent and `_decl: value_decl | …` adds its one child:
    both are reduced as units, and their parents keep what they hold without splicing."""
    tb = lalr.tables()
    by_origin: dict[str, list[Any]] = {}
    for rule in tb.rules:
        by_origin.setdefault(rule.origin, []).append(rule)
    for origin in ("_of", "_when", "_decl", "_output_clause", "_amount_body"):
        assert all(r.unit and r.transparent for r in by_origin[origin]), origin
    (of_en,) = [r for r in tb.rules if r.name == "of_en"]
    assert of_en.plain and not of_en.splices and len(of_en.include) == 2
    star = [r for r in tb.rules if r.origin == "__start_star_0"]
    assert star and not any(r.unit for r in star)  # a list of declarations still grows by splicing


def test_driver_tables_of_another_format_are_described_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    from policyrules.syntax import grammar

    assert grammar.driver_data() is not None
    monkeypatch.setattr(lalr, "FORMAT", lalr.FORMAT + 1)
    assert grammar.driver_data() is None


def test_the_keyword_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables outlive each parse: the names of every policy parsed must not pile up in them."""
    monkeypatch.setattr(lalr, "KEYWORD_MEMO", 10)
    memo = lalr._Keywords([__import__("re").compile("(?P<OF>of)")])
    assert [memo[w] for w in ["of", *(f"name{i}" for i in range(50)), "of"]] == ["OF"] + [None] * 50 + ["OF"]
    assert len(memo) == 10
    text = 'policy p "p"\n\n' + "".join(f'value v{i} "v" = {i}\n' for i in range(40))
    assert _fast(text) is not None and _agree(text)[0] is not None  # and parses the same, past the bound

"""The editor's index of a policy: declarations, uses, hover text, completion and rename
checks, on a small policy and on the bundled city policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_support import POLICY, line_col

from policyrules.lsp.index import build
from policyrules.lsp.server import completions, hover_text, rename_problem

ROOT = Path(__file__).resolve().parents[2]


def test_declarations_and_uses_are_indexed() -> None:
    ix = build(POLICY, "demo.policy")
    assert ix.parsed and ix.diagnostics == ()
    rent = [(o.span.line, o.span.column, o.declaration) for o in ix.of("person.annual_rent")]
    assert rent == [(6, 3, True), (17, 17, False)]
    assert [(o.span.line, o.declaration) for o in ix.of("cap")] == [(10, True), (17, False)]
    # a value of a category written in place, and of a declared one (in a set literal)
    assert [o.span.line for o in ix.of("person.venue|government_market")] == [7, 16]
    assert [o.span.line for o in ix.of("cert_level|junior")] == [3, 16]
    # a dotted name: the kind and the field are each an occurrence
    line, col = line_col(POLICY, 16, "person")
    assert ix.at(line, col).key == "person"
    assert ix.at(line, col + len("person.")).key == "person.cert"


def test_hover_has_label_type_unit_and_clause_text() -> None:
    ix = build(POLICY, "demo.policy")
    text = hover_text(ix.symbols["rent_subsidy"])
    assert text.startswith("**rent_subsidy** 经营场地租费补贴 — benefit (yearly)")
    assert "unit: 元 per year" in text and "cite 三(二)3" in text
    assert "> 每年给予年租金10%的优惠,年优惠最高不超过3000元" in text
    field = hover_text(ix.symbols["person.annual_rent"])
    assert "年租金" in field and "type: `money`" in field and "unit: 元" in field


def test_a_file_with_a_type_error_keeps_its_names_and_its_diagnostic() -> None:
    ix = build(POLICY.replace("at_most cap", "at_most cap + 10%"), "demo.policy")
    assert [d.code for d in ix.diagnostics] == ["T001"]
    assert len(ix.of("cap")) == 2


def test_a_file_that_does_not_parse_has_its_syntax_diagnostic() -> None:
    ix = build(POLICY.replace("  amount 10%", "  amout 10%"), "demo.policy")
    assert not ix.parsed
    assert [(d.code, d.hint) for d in ix.diagnostics] == [("P002", "did you mean `amount`?")]


def test_completion_offers_names_keywords_of_both_languages_and_category_values() -> None:
    ix = build(POLICY, "demo.policy")
    labels = {i.label for i in completions(ix, "  when ")}
    assert {"annual_rent", "cap", "rent_subsidy", "junior", "government_market"} <= labels
    assert {"when", "条件", "amount", "金额为", "at_most", "最高"} <= labels
    fields = {i.label for i in completions(ix, "  when person.")}
    assert fields == {"annual_rent", "venue", "cert"}


def test_rename_refuses_keywords_bad_names_and_clashes() -> None:
    ix = build(POLICY, "demo.policy")
    assert rename_problem(ix, "cap", "rent_cap") is None
    assert rename_problem(ix, "cap", "when") == "`when` is a keyword"
    assert rename_problem(ix, "cap", "3x") and "not a name" in (rename_problem(ix, "cap", "3x") or "")
    assert rename_problem(ix, "cap", "rent_subsidy") == "`rent_subsidy` is already defined (line 13)"
    assert rename_problem(ix, "person.venue", "cert") == "`cert` is already defined (line 8)"
    # a field is used by its bare name: it may not take a parameter's, nor a parameter a field's
    assert rename_problem(ix, "person.annual_rent", "cap") == "`cap` is already defined (line 10)"
    assert rename_problem(ix, "cap", "annual_rent") == "`annual_rent` is already defined (line 6)"


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.policy")), ids=lambda p: p.stem)
def test_every_occurrence_in_every_bundled_policy_is_where_its_name_is_written(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ix = build(text, path.name)
    assert ix.parsed
    lines = text.splitlines()
    for o in ix.occurrences:
        written = lines[o.span.line - 1][o.span.column - 1: o.span.end_column - 1]
        assert written == ix.symbols[o.key].name, (o, written)
    for sym in ix.symbols.values():  # every declared name is found where it is declared
        assert sum(o.declaration for o in ix.of(sym.key)) == 1, sym.key
    spans = [o.span for o in ix.occurrences]  # one occurrence a place: a rename never edits a place twice
    assert len(spans) == len(set(spans))


def test_every_use_of_a_parameter_in_the_city_policy_is_found() -> None:
    text = (ROOT / "policies" / "city-employment-promotion.policy").read_text(encoding="utf-8")
    ix = build(text, "city.policy")
    assert ix.diagnostics == ()
    uses = [o for o in ix.of("min_wage_monthly") if not o.declaration]
    assert len(uses) == text.count("min_wage_monthly") - 1 > 0


def test_a_scorecards_fields_records_and_indicators_are_indexed() -> None:
    text = (ROOT / "policies" / "recruitment-scorecard.policy").read_text(encoding="utf-8")
    ix = build(text, "recruitment-scorecard.policy")
    assert ix.diagnostics == ()
    field = ix.symbols["annual_target"]
    assert field.what.startswith("field each unit reports") and field.label == "年度招工任务"
    assert len([o for o in ix.of("annual_target") if not o.declaration]) >= 1
    assert ix.symbols["annual"].what == "indicator" and ix.symbols["annual"].cites
    assert [o.declaration for o in ix.of("worker.labour_contract")][0] is True
    assert len(ix.of("worker.labour_contract")) > 1


def test_hover_in_a_chinese_keyword_file_reads_in_chinese() -> None:
    zh = """\
政策 demo "示例"

事实 person "个人":
  annual_rent "年租金": 金额

待遇 rent_subsidy "经营场地租费补贴" 按年
  依据 "三(二)3"
  金额为 person.annual_rent 的 10%
"""
    ix = build(zh, "zh.policy")
    assert ix.diagnostics == ()
    assert hover_text(ix.symbols["rent_subsidy"], "zh").startswith(
        "**rent_subsidy** 经营场地租费补贴 — 待遇(按年)\n\n类型: `money` · 单位: 元/年\n\n依据 三(二)3")
    assert hover_text(ix.symbols["person.annual_rent"], "zh").startswith("**annual_rent** 年租金 — person 的事实")


def test_a_checker_bug_is_logged_and_the_server_keeps_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    from lsprotocol import types as lsp

    from policyrules.lsp import server as srv

    ls = srv.PolicyServer()
    for _ in ls.protocol.lsp_initialize(lsp.InitializeParams(capabilities=lsp.ClientCapabilities())):
        pass  # the protocol's own initialize sets up the workspace
    ls.workspace.put_text_document(lsp.TextDocumentItem(uri="file:///x.policy", language_id="policy", version=1,
                                                        text=POLICY))
    logged: list[str] = []
    monkeypatch.setattr(ls, "window_log_message", lambda params: logged.append(params.message))

    def broken(text: str, path: str) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(srv, "build", broken)
    ix = ls.analyse("file:///x.policy")
    assert not ix.parsed and ix.diagnostics == ()
    assert logged == ["policyrules could not check /x.policy: KeyError: 'oops'"]

"""The language server in a real session: `python -m policyrules lsp` started over stdio by
pygls's LanguageClient, a policy opened, edited and queried as an editor would.

One session (a module fixture) records every answer; each test reads its own."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_support import POLICY, line_col
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

URI = "file:///work/demo.policy"
BROKEN = POLICY.replace("  amount 10%", "  amout 10%")
ZH_BROKEN = """\
政策 demo "示例"

事实 person "个人":
  annual_rent "年租金": 金额

待遇 rent_subsidy "补贴" 按年
  条牛 person.annual_rent > 0元
  金额为 10% 的 person.annual_rent
"""
UNFORMATTED = POLICY.replace("parameter cap \"上限\": money = 3000 元", "parameter   cap \"上限\":   money = 3000 元")


def pos(line: int, col: int) -> lsp.Position:
    return lsp.Position(line=line - 1, character=col - 1)


def change(version: int, text: str) -> lsp.DidChangeTextDocumentParams:
    return lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=URI, version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)])


async def session() -> dict[str, Any]:
    client = LanguageClient("policyrules-tests", "1")
    published: dict[tuple[str, int], list[lsp.Diagnostic]] = {}
    arrived: dict[tuple[str, int], asyncio.Event] = {}

    def wait_for(uri: str, version: int) -> asyncio.Event:
        return arrived.setdefault((uri, version), asyncio.Event())

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        key = (params.uri, params.version or 0)
        published[key] = params.diagnostics
        wait_for(*key).set()

    async def diagnostics(uri: str, version: int) -> list[lsp.Diagnostic]:
        await asyncio.wait_for(wait_for(uri, version).wait(), 60)
        return published[(uri, version)]

    await client.start_io(sys.executable, "-m", "policyrules", "lsp", cwd=str(Path(__file__).resolve().parents[2]))
    out: dict[str, Any] = {}
    try:
        init = await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
        out["capabilities"] = init.capabilities
        client.initialized(lsp.InitializedParams())
        doc = lsp.TextDocumentIdentifier(uri=URI)

        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=URI, language_id="policy", version=1, text=POLICY)))
        out["clean"] = await diagnostics(URI, 1)

        client.text_document_did_change(change(2, BROKEN))
        out["broken"] = await diagnostics(URI, 2)
        # completion while the file does not parse: the names of the last text that did
        out["completion_while_broken"] = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=pos(17, 3)))

        client.text_document_did_change(change(3, POLICY))
        out["fixed"] = await diagnostics(URI, 3)

        out["hover"] = await client.text_document_hover_async(
            lsp.HoverParams(text_document=doc, position=pos(*line_col(POLICY, 17, "annual_rent"))))
        out["hover_nothing"] = await client.text_document_hover_async(lsp.HoverParams(text_document=doc, position=pos(2, 1)))
        out["definition"] = await client.text_document_definition_async(
            lsp.DefinitionParams(text_document=doc, position=pos(*line_col(POLICY, 17, "cap"))))
        out["references"] = await client.text_document_references_async(lsp.ReferenceParams(
            text_document=doc, position=pos(*line_col(POLICY, 10, "cap")),
            context=lsp.ReferenceContext(include_declaration=True)))
        out["completion_fields"] = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=doc, position=pos(*line_col(POLICY, 16, "cert")), context=lsp.CompletionContext(
                trigger_kind=lsp.CompletionTriggerKind.TriggerCharacter, trigger_character=".")))
        out["rename"] = await client.text_document_rename_async(lsp.RenameParams(
            text_document=doc, position=pos(*line_col(POLICY, 10, "cap")), new_name="rent_cap"))
        try:
            await client.text_document_rename_async(lsp.RenameParams(
                text_document=doc, position=pos(*line_col(POLICY, 10, "cap")), new_name="when"))
            out["rename_keyword"] = None
        except Exception as err:  # noqa: BLE001  (the server's refusal arrives as a JSON-RPC error)
            out["rename_keyword"] = str(err)

        client.text_document_did_change(change(4, UNFORMATTED))
        await diagnostics(URI, 4)
        out["formatting"] = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
            text_document=doc, options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))

        # typing: two changes in quick succession; only the last text is checked and published
        client.text_document_did_change(change(5, BROKEN))
        client.text_document_did_change(change(6, POLICY))
        out["after_typing"] = await diagnostics(URI, 6)
        out["published_versions"] = sorted(v for u, v in published if u == URI)

        zh = "file:///work/zh.policy"
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=zh, language_id="policy", version=1, text=ZH_BROKEN)))
        out["zh"] = await diagnostics(zh, 1)

        await client.shutdown_async(None)
        client.exit(None)
    finally:
        server = client._server  # the server process: stopped whatever happened, never left behind
        if server is not None and server.returncode is None:
            try:
                await asyncio.wait_for(server.wait(), 10)
            except TimeoutError:
                server.kill()
        await asyncio.wait_for(client.stop(), 30)
    return out


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    return asyncio.run(session())


def test_capabilities(answers: dict[str, Any]) -> None:
    caps = answers["capabilities"]
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.rename_provider and caps.document_formatting_provider
    assert list(caps.completion_provider.trigger_characters) == ["."]


def test_diagnostics_as_you_type(answers: dict[str, Any]) -> None:
    assert list(answers["clean"]) == []
    (d,) = answers["broken"]
    assert (d.code, d.source, d.severity) == ("P002", "policyrules", lsp.DiagnosticSeverity.Error)
    assert d.message == "unexpected 'amout'\nhint: did you mean `amount`?"
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (16, 2, 7)
    assert list(answers["fixed"]) == []


def test_diagnostics_in_chinese_for_a_chinese_file(answers: dict[str, Any]) -> None:
    (d,) = answers["zh"]
    assert d.code == "P002"
    assert d.message == "此处不应出现 '条牛'\n提示: 是否应为 `条件`?"


def test_hover(answers: dict[str, Any]) -> None:
    hover = answers["hover"]
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    assert hover.contents.value.startswith("**annual_rent** 年租金 — fact of person")
    assert "unit: 元" in hover.contents.value
    assert (hover.range.start.line, hover.range.start.character) == (16, 16)
    assert answers["hover_nothing"] is None


def test_definition_and_references(answers: dict[str, Any]) -> None:
    loc = answers["definition"]
    assert loc.uri == URI and (loc.range.start.line, loc.range.start.character) == (9, 10)
    use = line_col(POLICY, 17, "cap")
    assert sorted((r.range.start.line, r.range.start.character) for r in answers["references"]) == [
        (9, 10), (use[0] - 1, use[1] - 1)]


def test_completion(answers: dict[str, Any]) -> None:
    fields = {i.label for i in answers["completion_fields"].items}
    assert fields == {"annual_rent", "venue", "cert"}
    labels = {i.label for i in answers["completion_while_broken"].items}
    assert {"annual_rent", "cap", "junior", "when", "条件", "金额为"} <= labels


def test_rename(answers: dict[str, Any]) -> None:
    edits = answers["rename"].changes[URI]
    use = line_col(POLICY, 17, "cap")
    assert sorted((e.range.start.line, e.range.start.character, e.new_text) for e in edits) == [
        (9, 10, "rent_cap"), (use[0] - 1, use[1] - 1, "rent_cap")]
    assert "`when` is a keyword" in answers["rename_keyword"]


def test_formatting_is_what_fmt_writes(answers: dict[str, Any]) -> None:
    from policyrules.lsp.server import format_document

    (edit,) = answers["formatting"]
    assert edit.range.start == lsp.Position(0, 0)
    assert edit.new_text == format_document(UNFORMATTED, "demo.policy")
    assert 'parameter cap "上限": money = 3000 元' in edit.new_text


def test_only_the_last_of_quick_changes_is_checked(answers: dict[str, Any]) -> None:
    assert list(answers["after_typing"]) == []
    assert answers["published_versions"] == [1, 2, 3, 4, 6]

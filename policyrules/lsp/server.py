"""The language server (``policyrules lsp``, on pygls, over stdio): diagnostics as you type
with the codes and hints of ``policyrules check``; hover with a name's label, type, unit and
the clause it cites; go to definition; find references; completion of names, keywords in
both languages and category values; rename; formatting (what ``policyrules fmt`` writes),
which an editor runs on save.

Input: LSP requests about open ``.policy`` documents; each text is indexed by
:func:`policyrules.lsp.index.build` when it changes.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from policyrules import __version__
from policyrules.diagnostics import Diagnostic
from policyrules.lsp.index import PolicyIndex, Symbol, build, is_name
from policyrules.source import Span
from policyrules.syntax.suggest import keyword_language, keyword_terminals

DEBOUNCE_SECONDS = 0.2
"""How long after a change the text is checked: while the drafter types, only the last text is."""

_OWNER = re.compile(r"((?!\d)\w+)\.(\w*)$")
_WORD_END = re.compile(r"\w*$")

_KINDS = {
    "parameter": lsp.CompletionItemKind.Constant, "category": lsp.CompletionItemKind.Enum,
    "category value": lsp.CompletionItemKind.EnumMember, "set": lsp.CompletionItemKind.Struct,
    "table": lsp.CompletionItemKind.Struct, "facts": lsp.CompletionItemKind.Module,
    "record": lsp.CompletionItemKind.Class, "value": lsp.CompletionItemKind.Variable,
}


class PolicyServer(LanguageServer):
    """A pygls server keeping the index of every open policy document."""

    def __init__(self) -> None:
        super().__init__("policyrules", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.indexes: dict[str, PolicyIndex] = {}
        self.last_parsed: dict[str, PolicyIndex] = {}  # the last text that parsed: names while typing

    def analyse(self, uri: str) -> PolicyIndex:
        doc = self.workspace.get_text_document(uri)
        ix = self.indexes.get(uri)
        if ix is None or ix.text != doc.source.removeprefix("\ufeff"):
            try:
                ix = build(doc.source, _path(uri))
            except Exception as err:  # noqa: BLE001  (a bug of ours: said in the log, the editor keeps working)
                self.window_log_message(lsp.LogMessageParams(
                    type=lsp.MessageType.Error,
                    message=f"policyrules could not check {_path(uri)}: {err.__class__.__name__}: {err}"))
                ix = PolicyIndex(doc.source, (), {}, (), False)
            self.indexes[uri] = ix
            if ix.parsed:
                self.last_parsed[uri] = ix
        return ix

    def publish(self, uri: str) -> None:
        doc = self.workspace.get_text_document(uri)
        ix = self.analyse(uri)
        lang = keyword_language(ix.text)
        diagnostics = [to_lsp_diagnostic(doc, d, lang) for d in ix.diagnostics]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics,
                                                                            version=doc.version))


def to_range(doc: TextDocument, span: Span | None) -> lsp.Range:
    if span is None or span.line == 0:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    server = ServerTextRange(ServerTextPosition(span.line - 1, span.column - 1),
                             ServerTextPosition(span.end_line - 1, max(span.end_column - 1, 0)))
    return doc.range_to_client_units(server)


def to_lsp_diagnostic(doc: TextDocument, d: Diagnostic, lang: str) -> lsp.Diagnostic:
    """The same code, message and hint as ``policyrules check`` (in Chinese for a file
    written with Chinese keywords)."""
    from policyrules.messages_zh import localize

    d = localize(d, lang)
    hint_word = "提示" if lang == "zh" else "hint"
    message = d.message + (f"\n{hint_word}: {d.hint}" if d.hint else "")
    severity = lsp.DiagnosticSeverity.Error if d.severity == "error" else lsp.DiagnosticSeverity.Warning
    return lsp.Diagnostic(range=to_range(doc, d.span), message=message, severity=severity, code=d.code,
                          source="policyrules")


def _path(uri: str) -> str:
    from pygls.uris import to_fs_path

    return to_fs_path(uri) or uri


def _position(doc: TextDocument, pos: lsp.Position) -> tuple[int, int]:
    p = doc.position_from_client_units(pos)
    return p.line + 1, p.character + 1


_WHAT_ZH = [(r"^parameter$", "参数"), (r"^value for each (\w+)$", r"每条 \1 的定义"), (r"^value$", "定义"),
            (r"^output$", "输出"), (r"^facts$", "事实"), (r"^fact of (\w+)$", r"\1 的事实"),
            (r"^field of (\w+)$", r"\1 的字段"), (r"^part of (\w+)$", r"\1 的组成部分"), (r"^category$", "枚举"),
            (r"^category value$", "枚举值"), (r"^set$", "集合"), (r"^table$", "表"), (r"^record$", "记录类型"),
            (r"^records$", "记录"), (r"^indicator$", "指标"), (r"^point item$", "计分项"), (r"^scorecard$", "考核表"),
            (r"^benefit", "待遇"), (r"^obligation", "义务"), (r"^exemption", "免除"), (r"^title", "称号"),
            (r"^outcome", "结果"), (r"^exclusive group", "不得重复享受组"), (r"^field each unit reports.*", "填报项"),
            (r" \(yearly\)$", "(按年)"), (r" \(monthly\)$", "(按月)"), (r" \(once\)$", "(一次性)")]


def hover_text(sym: Symbol, lang: str = "en") -> str:
    """Markdown: the name and its label, what it is, its type and unit, the clause and its text
    (the words around them in Chinese for a file written with Chinese keywords)."""
    what = sym.what
    if lang == "zh":
        for pattern, zh in _WHAT_ZH:
            what = re.sub(pattern, zh, what)
    words = {"type": "类型", "unit": "单位", "cite": "依据"} if lang == "zh" else {}
    head = f"**{sym.name}**" + (f" {sym.label}" if sym.label else "") + f" — {what}"
    lines = [head]
    facts = [f"{words.get('type', 'type')}: `{sym.type}`"] if sym.type else []
    if sym.unit:
        unit = sym.unit
        if lang == "zh":
            unit = unit.replace(" per year", "/年").replace(" per month", "/月").replace(" once", "(一次性)")
        facts.append(f"{words.get('unit', 'unit')}: {unit}")
    if facts:
        lines.append(" · ".join(facts))
    for cite in sym.cites:
        lines.append(f"{words.get('cite', 'cite')} {cite}")
    for text in sym.texts:
        lines.append("> " + " ".join(text.split()))
    return "\n\n".join(lines)


def completions(ix: PolicyIndex, line_text: str) -> list[lsp.CompletionItem]:
    """After ``owner.``: the fields of those facts, a record's fields or an output's parts;
    elsewhere every name, category value and keyword (both languages)."""
    m = _OWNER.search(line_text)
    items: dict[str, lsp.CompletionItem] = {}
    if m:
        owner = m.group(1)
        for sym in ix.symbols.values():
            head, dot, _ = sym.key.rpartition(".")
            if dot and "|" not in sym.key and (head == owner or head.endswith("." + owner) or
                                               _record_of(ix, owner) == head):
                items.setdefault(sym.name, _item(sym))
        return list(items.values())
    for sym in ix.symbols.values():
        if sym.what.startswith(("field of", "part of")):
            continue  # written after their owner's `.`
        items.setdefault(sym.name, _item(sym))
    lang = keyword_language(ix.text)
    for kw in sorted(set(keyword_terminals().values())):
        items.setdefault(kw, lsp.CompletionItem(label=kw, kind=lsp.CompletionItemKind.Keyword,
                                                sort_text=("1" if _lang(kw) == lang else "2") + kw))
    return list(items.values())


def _lang(word: str) -> str:
    from policyrules.syntax.suggest import is_chinese

    return "zh" if is_chinese(word) else "en"


def _record_of(ix: PolicyIndex, owner: str) -> str | None:
    """The record of the items of a field named ``owner`` (``hires.`` -> ``hire``)."""
    for sym in ix.symbols.values():
        if sym.name == owner and sym.type and sym.what.startswith(("fact of", "field of")):
            m = re.fullmatch(r"(?:list of |列表\s*)?((?!\d)\w+)(?: \(optional\))?", sym.type)
            if m and m.group(1) in ix.symbols and ix.symbols[m.group(1)].what == "record":
                return m.group(1)
            m = re.fullmatch(r"a list of ((?!\d)\w+)(?: \(optional\))?", sym.type)
            if m and m.group(1) in ix.symbols:
                return m.group(1)
    return None


def _item(sym: Symbol) -> lsp.CompletionItem:
    kind = _KINDS.get(sym.what)
    if kind is None:
        kind = (lsp.CompletionItemKind.Field if sym.what.startswith(("fact of", "field of", "part of"))
                else lsp.CompletionItemKind.Function)
    detail = " ".join(x for x in (sym.label, f"({sym.what})") if x)
    return lsp.CompletionItem(label=sym.name, kind=kind, detail=detail, sort_text="0" + sym.name,
                              documentation=lsp.MarkupContent(lsp.MarkupKind.Markdown, hover_text(sym)))


def format_document(text: str, path: str) -> str | None:
    """What ``policyrules fmt`` writes for ``text`` (its keywords as written); None when it
    does not parse or the formatter refuses it."""
    from policyrules.diagnostics import PolicyError
    from policyrules.syntax.fmt import FormatError, format_text

    try:
        return format_text(text, path)
    except (PolicyError, FormatError):
        return None


def make_server() -> PolicyServer:  # noqa: C901  (one handler per feature)
    server = PolicyServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PolicyServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: PolicyServer, params: lsp.DidChangeTextDocumentParams) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        uri = params.text_document.uri
        if ls.workspace.get_text_document(uri).version == params.text_document.version:
            ls.publish(uri)  # else a later change (typing goes on) publishes

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PolicyServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PolicyServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.indexes.pop(uri, None)
        ls.last_parsed.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def lookup(ls: PolicyServer, uri: str, pos: lsp.Position) -> tuple[TextDocument, PolicyIndex, Any]:
        doc = ls.workspace.get_text_document(uri)
        ix = ls.analyse(uri)
        line, col = _position(doc, pos)
        return doc, ix, ix.at(line, col)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: PolicyServer, params: lsp.HoverParams) -> lsp.Hover | None:
        doc, ix, occ = lookup(ls, params.text_document.uri, params.position)
        if occ is None:
            return None
        content = lsp.MarkupContent(lsp.MarkupKind.Markdown,
                                    hover_text(ix.symbols[occ.key], keyword_language(ix.text)))
        return lsp.Hover(contents=content, range=to_range(doc, occ.span))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: PolicyServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        doc, ix, occ = lookup(ls, params.text_document.uri, params.position)
        if occ is None:
            return None
        return lsp.Location(uri=params.text_document.uri, range=to_range(doc, ix.symbols[occ.key].span))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: PolicyServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
        doc, ix, occ = lookup(ls, params.text_document.uri, params.position)
        if occ is None:
            return []
        return [lsp.Location(uri=params.text_document.uri, range=to_range(doc, o.span)) for o in ix.of(occ.key)
                if params.context.include_declaration or not o.declaration]

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["."]))
    def completion(ls: PolicyServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        ix = ls.analyse(uri)
        if not ix.parsed:
            ix = ls.last_parsed.get(uri, ix)
        line, col = _position(doc, params.position)
        lines = doc.lines
        text = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
        return lsp.CompletionList(is_incomplete=False, items=completions(ix, text[: col - 1]))

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: PolicyServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
        doc, _, occ = lookup(ls, params.text_document.uri, params.position)
        return None if occ is None else to_range(doc, occ.span)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls: PolicyServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        doc, ix, occ = lookup(ls, params.text_document.uri, params.position)
        if occ is None:
            return None
        new = params.new_name.strip()
        problem = rename_problem(ix, occ.key, new)
        if problem:
            from pygls.exceptions import JsonRpcInvalidParams

            raise JsonRpcInvalidParams(problem)
        edits = [lsp.TextEdit(range=to_range(doc, o.span), new_text=new) for o in ix.of(occ.key)]
        return lsp.WorkspaceEdit(changes={params.text_document.uri: edits})

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: PolicyServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        formatted = format_document(doc.source, _path(uri))
        if formatted is None or formatted == doc.source:
            return [] if formatted is not None else None
        end = lsp.Position(len(doc.lines), 0)
        return [lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), end), new_text=formatted)]

    return server


def rename_problem(ix: PolicyIndex, key: str, new: str) -> str | None:
    """Why ``new`` cannot replace the name of ``key`` (None when it can)."""
    if not is_name(new):
        return f"`{new}` is not a name: letters, digits and _ , not starting with a digit"
    if new in set(keyword_terminals().values()):
        return f"`{new}` is a keyword"
    owner = key.rpartition(".")[0] if "." in key and "|" not in key else None
    for other in ix.symbols.values():
        if other.key == key or other.name != new:
            continue
        other_owner = other.key.rpartition(".")[0] if "." in other.key and "|" not in other.key else None
        if other_owner == owner or other_owner is None or owner is None:  # names used bare would clash
            return f"`{new}` is already defined (line {other.span.line})"
    return None


def main() -> None:
    """Serve over stdin/stdout until the client exits."""
    make_server().start_io()

"""A policy's names for an editor: every declaration and every use of a name, with its span.

Input: the text of one policy file; output: a :class:`PolicyIndex` with the file's
diagnostics (the same as ``policyrules check``), its symbols (label, type, unit, the clause
cited and its text) and every occurrence of each. Built from the AST, with the checker's
resolution of names when the policy checks, so that a file with a type error still has its
names. Lines and columns are 1-based characters, as in :class:`~policyrules.source.Span`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

import attrs

from policyrules.check.checked import CheckedPolicy
from policyrules.diagnostics import Diagnostic, PolicyError
from policyrules.source import Span
from policyrules.syntax import nodes as n
from policyrules.syntax.walk import nodes

_MASK = re.compile(r'"""(?:[^"]|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')
_NAME = re.compile(r"(?!\d)\w+")


@attrs.frozen(slots=True)
class Symbol:
    """A declared name: ``key`` is unique in the file (``person.age`` for a field of facts
    ``person``, ``cert_level|junior`` for a value of a category)."""

    key: str
    name: str
    what: str  # parameter, value, benefit, output, facts, fact, record, field, category, category value, ...
    span: Span  # the name where it is declared
    decl_span: Span
    label: str | None = None
    type: str | None = None
    unit: str | None = None
    cites: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # the keys of its fields, parts or values


@attrs.frozen(slots=True)
class Occurrence:
    key: str
    span: Span
    declaration: bool = False


@attrs.frozen(slots=True)
class PolicyIndex:
    text: str
    diagnostics: tuple[Diagnostic, ...]
    symbols: dict[str, Symbol]
    occurrences: tuple[Occurrence, ...]
    parsed: bool  # False when the text does not parse (symbols are then empty)

    def at(self, line: int, column: int) -> Occurrence | None:
        """The occurrence under (or just after) ``line:column``."""
        for o in self.occurrences:
            s = o.span
            if s.line == line and s.column <= column <= s.end_column:
                return o
        return None

    def of(self, key: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.key == key]


def build(text: str, path: str = "<policy>") -> PolicyIndex:
    """Parse and check ``text``; index its names even when it does not check. (Not through
    the parse cache: an editor sends a new text at every keystroke.)"""
    from policyrules.check.passes import check
    from policyrules.source import Source
    from policyrules.syntax.parse import parse

    text = text.removeprefix("\ufeff")
    try:
        ast = parse(text, path)
    except PolicyError as err:
        return PolicyIndex(text, tuple(err.diagnostics), {}, (), False)
    checked: CheckedPolicy | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    try:
        checked = check(ast, Source(path, text))
    except PolicyError as err:
        diagnostics = tuple(err.diagnostics)
    builder = _Builder(text, ast, checked)
    builder.run()
    return PolicyIndex(text, diagnostics, builder.symbols, tuple(builder.occurrences), True)


class _Builder:
    def __init__(self, text: str, ast: n.Policy, checked: CheckedPolicy | None):
        self.text = text
        self.masked = _MASK.sub(lambda m: " " * len(m.group(0)) if "\n" not in m.group(0)
                                else re.sub(r"[^\n]", " ", m.group(0)), text)
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.ast = ast
        self.checked = checked
        self.symbols: dict[str, Symbol] = {}
        self.occurrences: list[Occurrence] = []
        self.enum_of_value: dict[str, str] = {}
        self.field_kinds: dict[str, str] = {}  # a fact field -> its first kind
        self.record_of_field: dict[str, str] = {}
        self.record_types: dict[str, str] = {}  # "kind.field" / "record.field" -> the record of its items

    # ---------------------------------------------------------------- positions
    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1 if 0 < line <= len(self.starts) else len(self.text)

    def span_at(self, offset: int, length: int) -> Span:
        i = bisect_right(self.starts, offset) - 1
        col = offset - self.starts[i] + 1
        return Span(i + 1, col, i + 1, col + length)

    def find(self, word: str, start: int, end: int | None = None) -> Span | None:
        """Where ``word`` is first written as a whole word (not in quotes or a comment)."""
        text = self.masked
        stop = len(text) if end is None else end
        i = text.find(word, start, stop)
        while i >= 0:  # str.find, not a regex per name: thousands of names would each compile one
            j = i + len(word)
            if not (i > 0 and _word_char(text[i - 1])) and not (j < len(text) and _word_char(text[j])):
                return self.span_at(i, len(word))
            i = text.find(word, i + 1, stop)
        return None

    def region(self, span: Span) -> tuple[int, int]:
        return self.offset(span.line, span.column), self.offset(span.end_line, span.end_column)

    # ---------------------------------------------------------------- symbols
    def declare(self, key: str, name: str, what: str, decl_span: Span, *, at: Span | None = None,
                **info: Any) -> None:
        if key in self.symbols:
            return
        if at is None:
            a, b = self.region(decl_span)
            at = self.find(name, a, b) or decl_span
        self.symbols[key] = Symbol(key, name, what, at, decl_span, **info)
        self.occurrences.append(Occurrence(key, at, True))

    def use(self, key: str, span: Span) -> None:
        if key in self.symbols:
            self.occurrences.append(Occurrence(key, span))

    def source_of(self, node: Any) -> str | None:
        span = getattr(node, "span", None)
        if span is None or span.line == 0:
            return None
        a, b = self.region(span)
        return " ".join(self.text[a:b].split()) or None

    def run(self) -> None:
        decls = self.ast.decls
        for d in decls:
            self.declaration(d)
        for d in decls:
            self.uses(d)
        # one occurrence per place (a set's name is both a Name and the InSet's set_name), in order
        unique = {(o.key, o.span): o for o in sorted(self.occurrences, key=lambda o: o.declaration)}
        self.occurrences = sorted(unique.values(), key=lambda o: (o.span.line, o.span.column))

    def declaration(self, d: Any) -> None:  # noqa: C901  (one branch per kind of declaration)
        cites = tuple(c.value for c in getattr(d, "cites", ()))
        texts = tuple(getattr(d, "texts", ()))
        doc: dict[str, Any] = {"label": getattr(d, "label", None), "cites": cites, "texts": texts}
        if isinstance(d, n.ParameterDecl):
            ty, unit = self.typed(d.type, self.checked.params[d.name].type if self.checked and
                                  d.name in self.checked.params else None)
            self.declare(d.name, d.name, "parameter", d.span, type=ty, unit=unit, **doc)
        elif isinstance(d, n.EnumDecl):
            keys = tuple(f"{d.name}|{v}" for v in d.values)
            self.declare(d.name, d.name, "category", d.span, type=" | ".join(d.values), members=keys, **doc)
            a, b = self.region(d.span)
            eq = self.masked.find("=", a, b)
            for v, key in zip(d.values, keys, strict=True):
                self.enum_of_value.setdefault(v, d.name)
                at = self.find(v, eq if eq >= 0 else a, b)
                self.declare(key, v, "category value", d.span, at=at, label=None, type=d.name,
                             cites=cites, texts=texts)
        elif isinstance(d, n.SetDecl):
            self.declare(d.name, d.name, "set", d.span, type="{" + ", ".join(d.members) + "}", **doc)
        elif isinstance(d, n.TableDecl):
            key = d.key_type if d.key is None else (self.source_of(d.key) or d.key_type)
            ty, unit = self.typed(d.value_type, None)
            self.declare(d.name, d.name, "table", d.span, type=f"{key} -> {ty}", unit=unit, **doc)
        elif isinstance(d, n.FactsDecl):
            keys = tuple(f"{d.kind}.{f.name}" for f in d.fields)
            self.declare(d.kind, d.kind, "facts", d.span, label=d.label, members=keys)
            for f in d.fields:
                self.field(d.kind, f, "fact", d.label)
                self.field_kinds.setdefault(f.name, d.kind)
        elif isinstance(d, n.RecordDecl):
            keys = tuple(f"{d.name}.{f.name}" for f in d.fields)
            self.declare(d.name, d.name, "record", d.span, members=keys, **doc)
            for f in d.fields:
                self.field(d.name, f, "field", d.label)
                self.record_of_field.setdefault(f.name, d.name)
        elif isinstance(d, n.ValueDecl):
            ty, unit = self.typed(None, self.checked.values[d.name][1] if self.checked and
                                  d.name in self.checked.values else None)
            what = f"value for each {d.each}" if d.each else "value"
            self.declare(d.name, d.name, what, d.span, type=ty, unit=unit, **doc)
        elif isinstance(d, n.ResultDecl):
            ty, unit = self.typed(d.type, self.checked.results[d.name][1] if self.checked and
                                  d.name in self.checked.results else None)
            self.declare(d.name, d.name, "output", d.span, type=ty, unit=unit, **doc)
        elif isinstance(d, n.OutputDecl):
            self.output(d, doc)
        elif isinstance(d, n.GroupDecl):
            self.declare(d.name, d.name, f"exclusive group ({d.mode})", d.span, type=", ".join(d.members), **doc)
        elif type(d).__name__ == "Scorecard":
            self.scorecard(d)

    def scorecard(self, d: Any) -> None:
        """A scorecard's fields, records, indicators and point items: names its expressions use bare."""
        def doc_of(x: Any) -> dict[str, Any]:
            cite, text = getattr(x, "cite", None), getattr(x, "text", None)
            return {"label": getattr(x, "label", None), "cites": (cite,) if cite else (),
                    "texts": (text,) if text else ()}

        self.declare(d.name, d.name, "scorecard", d.span, **doc_of(d))
        for f in getattr(d, "fields", ()):
            ty, unit = self.sc_typed(f.type)
            at = Span(f.span.line, f.span.column, f.span.line, f.span.column + len(f.name))
            self.declare(f.name, f.name, f"field each unit reports ({d.name})", f.span, at=at, type=ty, unit=unit,
                         **doc_of(f))
        for r in getattr(d, "records", ()):
            self.declare(r.name, r.name, "records", r.span, label=r.label,
                         members=tuple(f"{r.name}.{f.name}" for f in r.fields))
            for f in r.fields:
                ty, unit = self.sc_typed(f.type)
                at = Span(f.span.line, f.span.column, f.span.line, f.span.column + len(f.name))
                self.declare(f"{r.name}.{f.name}", f.name, f"field of {r.name}", f.span, at=at, type=ty, unit=unit,
                             **doc_of(f))
                self.record_of_field.setdefault(f.name, r.name)
        for x in (*getattr(d, "indicators", ()), *getattr(d, "items", ())):
            what = "indicator" if x in getattr(d, "indicators", ()) else "point item"
            self.declare(x.name, x.name, what, x.span, **doc_of(x))

    def field(self, owner: str, f: n.FieldDecl, what: str, owner_label: str | None) -> None:
        ty, unit = self.typed(f.type, None)
        if f.type.kind in ("list", "named") and (f.type.element or f.type.ref):  # a record, or a list of them
            self.record_types[f"{owner}.{f.name}"] = str(f.type.element or f.type.ref)
        at = Span(f.span.line, f.span.column, f.span.line, f.span.column + len(f.name))
        key = f"{owner}.{f.name}"
        values = tuple(f"{key}|{v}" for v in f.type.values) if f.type.kind == "enum" else ()
        self.declare(key, f.name, f"{what} of {owner}", f.span, at=at, label=f.label,
                     type=ty + (" (optional)" if f.optional else ""), unit=unit,
                     texts=(owner_label,) if owner_label else (), members=values)
        if values:  # a category written in place: `venue: government_market | other`
            a, b = self.region(f.type.span)
            for v, vkey in zip(f.type.values, values, strict=True):
                self.enum_of_value.setdefault(v, key)
                self.declare(vkey, v, "category value", f.span, at=self.find(v, a, b), type=f"{owner}.{f.name}")

    def output(self, d: n.OutputDecl, doc: dict[str, Any]) -> None:
        parts: list[n.Part] = []
        for body in d.amounts:
            for node in nodes(body):
                if isinstance(node, n.Part) and node.name not in {p.name for p in parts}:
                    parts.append(node)
        if d.monetary:
            ty, unit = "money", "元" + {"yearly": " per year", "monthly": " per month", "once": " once"}.get(
                d.period or "", "")
        else:
            ty, unit = "yes/no", None
        keys = tuple(f"{d.name}.{p.name}" for p in parts)
        what = d.kind + (f" ({d.period})" if d.period else "")
        self.declare(d.name, d.name, what, d.span, type=ty, unit=unit, members=keys, **doc)
        for p in parts:
            at = Span(p.span.line, p.span.column, p.span.line, p.span.column + len(p.name))
            self.declare(f"{d.name}.{p.name}", p.name, f"part of {d.name}", p.span, at=at, label=p.label,
                         type=ty, unit=unit, cites=doc["cites"], texts=doc["texts"])

    def sc_typed(self, ty: Any) -> tuple[str, str | None]:
        """A scorecard field's type: a resolved type, or its name as written."""
        if hasattr(ty, "kind") and not isinstance(ty, n.TypeExpr):
            return self.typed(None, ty)
        return str(ty), "元" if str(ty) == "money" else "%" if str(ty) == "percent" else None

    def typed(self, te: n.TypeExpr | None, ty: Any) -> tuple[str, str | None]:
        """A type as text and its unit: from the checker when it resolved it, else as written."""
        from policyrules import types as t

        if ty is not None:
            k = ty.kind
            unit = {t.Kind.MONEY: "元", t.Kind.RATE: f"元 per {ty.unit}", t.Kind.PERCENT: "%",
                    t.Kind.DURATION: f"{ty.unit}s"}.get(k)
            return str(ty), unit
        written = self.source_of(te) if te is not None else None
        unit = None
        if te is not None:
            unit = {"money": "元", "percent": "%", "duration": f"{te.unit}s" if te.unit else None}.get(te.kind)
        return written or (te.kind if te is not None else "?"), unit

    # ---------------------------------------------------------------- uses
    def uses(self, d: Any) -> None:
        for node in nodes(d):
            if isinstance(node, n.Name):
                self.name(node)
            elif isinstance(node, n.InSet):
                a, b = self.region(node.span)
                for m in node.members:
                    key = f"{self.enum_of_value.get(m)}|{m}"
                    at = self.find(m, self.offset(node.operand.span.end_line, node.operand.span.end_column), b)
                    if at is not None:
                        self.use(key, at)
                if node.set_name:
                    at = self.find(node.set_name, self.offset(node.operand.span.end_line,
                                                              node.operand.span.end_column), b)
                    if at is not None:
                        self.use(node.set_name, at)
            elif isinstance(node, n.Lookup):
                a, b = self.region(node.span)
                at = self.find(node.table, a, b)
                if at is not None:
                    self.use(node.table, at)
        if isinstance(d, n.GroupDecl):
            for m, s in zip(d.members, d.member_spans, strict=False):
                self.use(m, s)
        elif isinstance(d, n.SetDecl):
            a, b = self.region(d.span)
            brace = self.masked.find("{", a, b)
            for m in d.members:
                at = self.find(m, brace if brace >= 0 else a, b)
                if at is not None:
                    self.use(f"{self.enum_of_value.get(m)}|{m}", at)
        elif isinstance(d, n.TableDecl):
            for e in d.entries:
                at = Span(e.span.line, e.span.column, e.span.line, e.span.column + len(e.key))
                self.use(f"{self.enum_of_value.get(e.key)}|{e.key}", at)
        elif isinstance(d, n.ValueDecl) and d.each:
            name_at = self.symbols[d.name].span  # `value pay for_each overtime_record = …`
            at = self.find(d.each, self.offset(name_at.line, name_at.end_column), self.region(d.span)[1])
            if at is not None:
                self.use(d.each, at)
        for field in _type_refs(d):
            ref = field.element or field.ref
            if ref:
                a, b = self.region(field.span)
                at = self.find(ref, a, b)
                if at is not None:
                    self.use(ref, at)

    def name(self, node: n.Name) -> None:
        spans = self.part_spans(node)
        if not spans:
            return
        keys = self.resolve(node)
        for key, span in zip(keys, spans, strict=False):
            if key is not None:
                self.use(key, span)

    def part_spans(self, node: n.Name) -> list[Span]:
        s = node.span
        if s.line == 0:
            return []
        a, b = self.region(s)
        out: list[Span] = []
        for part in node.parts:
            at = self.find(part, a, b)
            if at is None:
                return out
            out.append(at)
            a = self.offset(at.line, at.end_column)
        return out

    def resolve(self, node: n.Name) -> list[str | None]:  # noqa: C901
        parts = node.parts
        first = parts[0]
        ref = None
        if self.checked is not None:
            ref = self.checked.refs.get(id(node))
        keys: list[str | None] = []
        owner: str | None = None
        if ref is not None and ref.what == "item" and ref.kind:
            keys, owner = [f"{ref.kind}.{first}"], f"{ref.kind}.{first}"
        elif ref is not None and ref.what == "enum":
            if len(parts) == 2:  # `wage_basis.actual`: the category, then its value
                value = f"{first}|{parts[1]}"
                return [first, value if value in self.symbols else f"{self.enum_of_value.get(parts[1])}|{parts[1]}"]
            return [f"{self.enum_of_value.get(ref.name)}|{ref.name}"]
        elif first in self.symbols and self.symbols[first].what == "facts" and len(parts) > 1:
            keys, owner = [first, f"{first}.{parts[1]}"], f"{first}.{parts[1]}"
            parts = parts[1:]
        elif first in self.symbols and len(parts) > 1 and f"{first}.{parts[1]}" in self.symbols:
            return [first, f"{first}.{parts[1]}"]
        elif first in self.symbols and self.symbols[first].what not in ("facts", "record"):
            return [first]
        elif first in self.enum_of_value and len(parts) == 1:
            return [f"{self.enum_of_value[first]}|{first}"]
        elif first in self.field_kinds:
            keys, owner = [f"{self.field_kinds[first]}.{first}"], f"{self.field_kinds[first]}.{first}"
        elif first in self.record_of_field:
            keys, owner = [f"{self.record_of_field[first]}.{first}"], f"{self.record_of_field[first]}.{first}"
        else:
            return [None]
        for part in parts[1:]:  # fields of a record reached through a field
            record = self.record_types.get(owner or "")
            if record is None:
                break
            owner = f"{record}.{part}"
            keys.append(owner)
        return keys




def _type_refs(d: Any) -> Iterator[n.TypeExpr]:
    """The type expressions in ``d`` that name a category or a record."""
    for node in nodes(d):
        if isinstance(node, n.TypeExpr) and (node.ref or node.element):
            yield node


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def is_name(word: str) -> bool:
    return bool(_NAME.fullmatch(word))

"""Declarations and names: what each name in a policy refers to, duplicates, and
"did you mean" suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

import attrs

from policyrules import types as t
from policyrules.check.checked import FactField, FactKind, RecordSchema, Ref
from policyrules.syntax import nodes as n

LIST_SCALARS: dict[str, t.Type] = {
    "text": t.TEXT, "integer": t.INTEGER, "number": t.NUMBER, "money": t.MONEY, "percent": t.PERCENT,
    "date": t.DATE, "year_month": t.MONTH,
}
"""The plain values a list may hold (``list of text``, ``列表 文本``), besides records and categories."""


class Scope:
    """The policy's declared names, filled in declaration order by the checker."""

    def __init__(self, error: Callable[..., None]):
        self.error = error
        self.enums: dict[str, t.Type] = {}
        self.sets: dict[str, n.SetDecl] = {}
        self.set_types: dict[str, t.Type | None] = {}
        self.tables: dict[str, n.TableDecl] = {}
        self.table_types: dict[str, tuple[t.Type | None, t.Type | None]] = {}
        self.facts: dict[str, FactKind] = {}
        self.params: dict[str, tuple[n.ParameterDecl, t.Type]] = {}
        self.values: dict[str, n.ValueDecl] = {}
        self.value_types: dict[str, t.Type | None] = {}
        self.outputs: dict[str, n.OutputDecl] = {}
        self.output_parts: dict[str, tuple[str, ...]] = {}
        self.output_types: dict[str, t.Type] = {}
        self.refs: dict[int, Ref] = {}
        self.global_spans: dict[str, n.Span] = {}
        self.infer_value: Callable[[str], t.Type | None] = lambda name: None
        self.records: dict[str, RecordSchema] = {}
        self.record_decls: dict[str, n.RecordDecl] = {}
        self.each: dict[str, dict[str, n.ValueDecl]] = {}  # record -> its per-item values
        self.each_types: dict[tuple[str, str], t.Type | None] = {}
        self.infer_each: Callable[[str, str], t.Type | None] = lambda record, name: None
        self.results: dict[str, n.ResultDecl] = {}
        self.table_bands: dict[str, tuple[object, ...]] = {}
        self.items: list[str] = []  # the records whose current item is in scope, innermost last
        self.constant: Callable[[n.Expr, t.Type], object] = lambda e, ty: None

    # ---------------------------------------------------------------- declaring
    def declare_global(self, name: str, span: n.Span, what: str) -> bool:
        if name in self.global_spans:
            first = self.global_spans[name]
            self.error("N002", f"`{name}` is already defined (line {first.line})", span,
                       hint=f"rename this {what} or remove one of the two definitions")
            return False
        self.global_spans[name] = span
        return True

    def defines(self, name: str) -> bool:
        return (name in self.global_spans or any(name in k.fields for k in self.facts.values())
                or self._item_name(name) is not None)

    def resolve_type(self, te: n.TypeExpr) -> t.Type | None:
        ty = self._resolve_type(te)
        if ty is not None and te.signed:
            return attrs.evolve(ty, signed=True)
        return ty

    def _resolve_type(self, te: n.TypeExpr) -> t.Type | None:
        k = te.kind
        if k == "month":
            return t.MONTH
        if k == "list":
            element = te.element or ""
            if element in self.record_decls:
                return t.list_of(t.record(element))
            if element in LIST_SCALARS:
                return t.list_of(LIST_SCALARS[element])
            if element in self.enums:
                return t.list_of(self.enums[element])
            self.error("N004", f"no record or type named `{element}`", te.span,
                       hint=self.closest(element, tuple(self.record_decls) + tuple(self.enums))
                       or "a list holds records (`record NAME: field: type …`), a category, or plain values: "
                          "text, integer, number, money, percent, date, year_month")
            return None
        if k == "map":
            assert te.key is not None and te.value is not None
            key, value = self.resolve_type(te.key), self.resolve_type(te.value)
            if key is not None and key.kind not in (t.Kind.INTEGER, t.Kind.ENUM, t.Kind.TEXT):
                self.error("T004", f"a table is keyed by whole numbers, a category or text, not {key}", te.span)
                return None
            return t.map_of(key, value) if key is not None and value is not None else None
        if k == "named" and te.ref in self.record_decls:
            return t.record(te.ref)
        simple = {"money": t.MONEY, "integer": t.INTEGER, "number": t.NUMBER, "percent": t.PERCENT,
                  "bool": t.BOOL, "date": t.DATE, "text": t.TEXT}
        if k in simple:
            return simple[k]
        if k == "rate":
            return t.rate(te.unit or "month")
        if k == "duration":
            return t.duration(te.unit or "month")
        if k == "enum":
            self._no_duplicates(te.values, te.span, "value")
            return t.enum(te.values)
        assert te.ref is not None
        if te.ref in self.enums:
            return self.enums[te.ref]
        self.error("N004", f"no type named `{te.ref}`", te.span,
                   hint=self.closest(te.ref, tuple(self.enums) + ("money", "integer", "number", "percent", "bool",
                                                                   "date", "text", "months", "years", "days"))
                   or "types: money, money per month, integer, number, percent, bool, date, text, days, months, "
                   "years (天数, 月数, 年数), or a category declared with `enum NAME = a | b | c`")
        return None

    def _no_duplicates(self, items: Iterable[str], span: n.Span, what: str) -> None:
        seen: set[str] = set()
        for x in items:
            if x in seen:
                self.error("N002", f"the {what} `{x}` is listed twice", span)
            seen.add(x)

    def add_facts(self, d: n.FactsDecl) -> None:
        if d.kind in self.facts:
            self.error("N002", f"facts `{d.kind}` are already declared", d.span)
            return
        self.facts[d.kind] = FactKind(d.kind, d.label, self.fields(d.fields, d.kind))

    def fields(self, decls: Iterable[n.FieldDecl], owner: str) -> dict[str, FactField]:
        fields: dict[str, FactField] = {}
        for f in decls:
            if f.name in fields:
                self.error("N002", f"the field `{owner}.{f.name}` is declared twice", f.span)
                continue
            ty = self.resolve_type(f.type)
            if ty is None:
                continue
            default = None
            if f.default is not None:
                default = self.constant(f.default, ty)
            fields[f.name] = FactField(f.name, f.label, ty, f.optional, default)
        return fields

    def add_record(self, d: n.RecordDecl) -> None:
        fields = self.fields(d.fields, d.name)
        key = d.key or "id"
        if d.key is not None and d.key not in fields:
            self.error("N001", f"record `{d.name}` has no field `{d.key}` to use as its key", d.span,
                       hint=self.closest(d.key, tuple(fields)))
        if "id" not in fields:  # every item may carry an id (lists of ids name items by it)
            fields["id"] = FactField("id", None, t.TEXT, optional=True)
        self.records[d.name] = RecordSchema(d.name, d.label, key, fields)

    # ---------------------------------------------------------------- resolving
    def resolve(self, e: n.Name) -> Ref | None:
        """Resolve a name, reporting an error when it is unknown or ambiguous."""
        ref = self._lookup(e)
        if ref is not None:
            self.refs[id(e)] = ref
        return ref

    def _lookup(self, e: n.Name) -> Ref | None:
        parts = e.parts
        first = parts[0]
        base = self._item_name(first)
        if base is None and len(parts) > 1 and first not in self.facts and first not in self.outputs:
            base = self._global(first, e)
            if base is None:
                return None
        if base is not None:
            return self._path(base, parts[1:], e)
        if len(parts) == 3 and first in self.facts and parts[1] in self.facts[first].fields:
            return self._path(Ref("fact", parts[1], first), parts[2:], e)
        if len(parts) == 2:
            if first in self.facts:
                kind = self.facts[first]
                if parts[1] in kind.fields:
                    return Ref("fact", parts[1], first)
                self.error("N001", f"facts `{first}` have no field `{parts[1]}`", e.span,
                           hint=self.closest(parts[1], tuple(kind.fields)))
                return None
            if first in self.outputs:
                if parts[1] in self.output_parts.get(first, ()):
                    return Ref("part", parts[1], first)
                self.error("N001", f"`{first}` has no part `{parts[1]}`", e.span,
                           hint=self.closest(parts[1], self.output_parts.get(first, ())))
                return None
        if len(parts) > 2 or len(parts) == 2:
            self.error("N001", f"`{e.dotted}` is not a known name", e.span,
                       hint="qualified names are `kind.fact` or `output.part`")
            return None
        return self._global(first, e)

    def _item_name(self, name: str) -> Ref | None:
        """A field or per-item value of an item in scope, innermost first."""
        for record in reversed(self.items):
            schema = self.records.get(record)
            if schema is not None and name in schema.fields:
                return Ref("item", name, record)
            if name in self.each.get(record, {}):
                return Ref("each", name, record)
        return None

    def _path(self, base: Ref, fields: tuple[str, ...], e: n.Name) -> Ref | None:
        ty = self.type_of_ref(base)
        for f in fields:
            if ty is None:
                return None
            schema = self.records.get(ty.record or "") if ty.kind is t.Kind.RECORD else None
            if schema is None:
                self.error("N001", f"`{e.dotted}`: {ty} has no fields", e.span)
                return None
            if f not in schema.fields:
                self.error("N001", f"record `{schema.name}` has no field `{f}`", e.span,
                           hint=self.closest(f, tuple(schema.fields)))
                return None
            ty = schema.fields[f].type
        return attrs.evolve(base, path=fields) if fields else base

    def _global(self, first: str, e: n.Name) -> Ref | None:
        if first in self.params:
            return Ref("param", first)
        if first in self.values:
            return Ref("value", first)
        if first in self.outputs:
            return Ref("output", first)
        kinds = [k for k, kind in self.facts.items() if first in kind.fields]
        if len(kinds) == 1:
            return Ref("fact", first, kinds[0])
        if len(kinds) > 1:
            options = " or ".join(f"`{k}.{first}`" for k in kinds)
            self.error("N003", f"`{first}` is a fact of several kinds", e.span, hint=f"write {options}")
            return None
        self.error("N001", f"`{first}` is not defined", e.span, hint=self.suggest(first))
        return None

    def type_of_ref(self, ref: Ref) -> t.Type | None:
        ty = self._type_of_base(ref)
        for f in ref.path:
            if ty is None or ty.kind is not t.Kind.RECORD:
                return None
            ty = self.records[ty.record or ""].fields[f].type
        return ty

    def _type_of_base(self, ref: Ref) -> t.Type | None:
        if ref.what == "item":
            return self.records[ref.kind or ""].fields[ref.name].type
        if ref.what == "each":
            return self.infer_each(ref.kind or "", ref.name)
        if ref.what == "fact":
            assert ref.kind is not None
            return self.facts[ref.kind].fields[ref.name].type
        if ref.what == "param":
            return self.params[ref.name][1]
        if ref.what == "value":
            return self.infer_value(ref.name)
        if ref.what == "output":
            return self.output_types.get(ref.name)
        if ref.what == "part":
            return t.MONEY
        return None

    # ---------------------------------------------------------------- hints
    def all_names(self) -> list[str]:
        names = set(self.params) | set(self.values) | set(self.outputs)
        for kind in self.facts.values():
            names |= set(kind.fields)
        for record in self.items:
            names |= set(self.records[record].fields) | set(self.each.get(record, {}))
        return sorted(names)

    def suggest(self, name: str, what: str = "name") -> str | None:
        pool = {"set": list(self.sets), "table": list(self.tables)}.get(what, self.all_names())
        return self.closest(name, tuple(pool))

    @staticmethod
    def closest(name: str, pool: tuple[str, ...] | Iterable[str]) -> str | None:
        match = difflib.get_close_matches(name, list(pool), n=1, cutoff=0.6)
        return f"did you mean `{match[0]}`?" if match else None

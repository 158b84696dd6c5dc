"""The names of a scorecard's expressions: what each means, for the language's typer.

A card's expressions are typed by :class:`policyrules.check.units.Typer` in a
:class:`CardScope`: the unit's fields (facts of kind ``unit``), the records an aggregate runs
over (facts of kind ``records``) and their fields inside it, the indicators declared so far
and their parts, ``last_year`` in a target that has it, ``met_count`` once every indicator is
known, ``score`` once every item is, then the policy's parameters, categories, sets and
tables. A name problem is reported with the scorecard's codes (S002 unknown, S004 not yet
known, S005 ``last_year``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from policyrules import types as t
from policyrules.check.checked import FactField, FactKind, RecordSchema, Ref
from policyrules.check.scope import Scope
from policyrules.scorecard.model import ID, FieldType, Part, Scorecard
from policyrules.syntax import nodes as n

K = t.Kind
PARTS = tuple(p.value for p in Part)
UNIT, RECORDS = "unit", "records"  # the fact kinds a card's names resolve to


def runtime_type(type_: FieldType) -> t.Type:
    """A field's type in the language (a unit id is text)."""
    return t.TEXT if type_ == ID else type_  # type: ignore[return-value]


def nodes_in(x: Any) -> Iterator[Any]:
    """``x`` (an expression, or tuples of them) and every node inside it, pre-order."""
    if isinstance(x, tuple | list):
        for y in x:
            yield from nodes_in(y)
    elif hasattr(x, "__attrs_attrs__"):
        yield x
        for f in x.__attrs_attrs__:
            if f.name != "span":
                yield from nodes_in(getattr(x, f.name))


def card_exprs(card: Scorecard) -> list[n.Expr]:
    """Every expression written in ``card`` (targets, actuals, conditions, weights, keys …)."""
    out: list[n.Expr] = []
    for ind in card.indicators:
        out += [ind.target, ind.actual_expr] + ([ind.last_year] if ind.last_year is not None else [])
    for item in card.items:
        for attr in ("condition", "missing", "weight"):
            value = getattr(item, attr, None)
            if value is not None and not isinstance(value, Decimal):
                out.append(value)
    for area in card.areas:
        out += ([area.condition] if area.condition is not None else []) + [k.expr for k in area.order]
    if card.qualification is not None:
        out += [c.expr for c in card.qualification.conditions]
    if card.ranking is not None:
        out += [k.expr for k in card.ranking.tie_breaks]
    out += [x.where for x in card.lists if x.where is not None]
    return out


def record_kinds_used(card: Scorecard) -> set[str]:
    """Names of the record kinds some expression counts or sums, or some list lists."""
    used = {x.items.parts[0] for x in nodes_in(card_exprs(card)) if isinstance(x, n.Aggregate)}
    return used | {listing.kind for listing in card.lists}


class CardScope(Scope):
    """The names a card's expressions may use, resolved for the language's typer."""

    def __init__(self, card: Scorecard, report: Any) -> None:
        super().__init__(report)
        self.card = card
        self.report = report
        self.where = ""
        self.span: Any = card.span
        self.visible: set[str] = set()
        self.score_known = False
        self.last_year: t.Type | None = None  # the type of last_year, inside a target that has one
        self.indicator_types: dict[str, t.Type | None] = {}
        self.indicators = {i.name for i in card.indicators}
        self.areas = {a.name for a in card.areas}
        self.unit_fields = {f.name: FactField(f.name, f.label, runtime_type(f.type), f.optional) for f in card.fields}
        self.unit_fields.setdefault("id", FactField("id", None, t.TEXT))
        self.kinds = {k.name: k for k in card.records}
        for kind in card.records:
            fields = {f.name: FactField(f.name, f.label, runtime_type(f.type), f.optional) for f in kind.fields}
            key = "id" if "id" in fields else kind.unit_field
            self.records[kind.name] = RecordSchema(kind.name, kind.label, key, fields)
        self.facts[UNIT] = FactKind(UNIT, None, self.unit_fields)
        self.facts[RECORDS] = FactKind(RECORDS, None, {
            k: FactField(k, kind.label, t.list_of(t.record(k))) for k, kind in self.kinds.items()})
        for p in card.parameters:
            ty = runtime_type(p.type)
            self.params[p.name] = (n.ParameterDecl(p.name, p.label, n.TypeExpr(ty.kind.value), None, (), (), ()), ty)
        for table in card.tables:
            self.tables[table.name] = table.decl
            self.table_types[table.name] = (table.key_type, table.value_type)
            self.table_bands[table.name] = table.bands
        for s in card.sets:
            self.sets[s.name] = s
        for ty in [f.type for f in self.unit_fields.values()] + [p[1] for p in self.params.values()] + \
                [f.type for r in self.records.values() for f in r.fields.values()] + \
                [tb.key_type for tb in card.tables]:
            if ty.kind is K.ENUM and ty.name:
                self.enums.setdefault(ty.name, ty)
        # the records an aggregate runs over (reported at the aggregate), an indicator's own field
        self.list_names = {id(x.items): x.span for x in nodes_in(card_exprs(card)) if isinstance(x, n.Aggregate)}
        self.implicit = {id(i.implicit) for i in card.indicators if i.actual is None}
        self.infer_value = self._value_type

    # ---- what the typer asks
    def defines(self, name: str) -> bool:
        return (name in self.unit_fields or name in self.indicators or name in self.params
                or name in ("score", "last_year", "met_count") or self._item_name(name) is not None)

    def all_names(self) -> list[str]:
        names = set(self.unit_fields) | self.indicators | set(self.params)
        for record in self.items:
            names |= set(self.records[record].fields)
        return sorted(names)

    def _value_type(self, key: str) -> t.Type | None:
        head, _, part = key.rpartition(".")
        if key == "score":
            return t.NUMBER
        if key == "last_year":
            return self.last_year
        if part == "met_count":
            return t.INTEGER
        if part == "met":
            return t.BOOL
        if part == "ratio":
            return t.NUMBER
        return self.indicator_types.get(head)

    def problem(self, code: str, message: str, span: Any, bare: bool = False) -> None:
        """Report a name problem, after the part it is in (``indicator a target: …``) unless ``bare``."""
        where, self.where = self.where, "" if bare else self.where
        try:
            self.report(code, message, span)
        finally:
            self.where = where

    def resolve(self, e: n.Name) -> Ref | None:
        ref = self._resolve(e)
        if ref is not None:
            self.refs[id(e)] = ref
        return ref

    def _resolve(self, e: n.Name) -> Ref | None:  # noqa: C901
        parts = e.parts
        if id(e) in self.list_names:
            if len(parts) == 1 and parts[0] in self.kinds:
                return Ref("fact", parts[0], RECORDS)
            self.problem("S002", f"no records `{e.dotted}` are declared", self.list_names[id(e)])
            return None
        if id(e) in self.implicit:
            if parts[0] in self.unit_fields:
                return Ref("fact", parts[0], UNIT)
            self.problem("S002", f"units have no field {parts[0]}", e.span)
            return None
        if len(parts) == 1:
            word = parts[0]
            item = self._item_name(word)
            if item is not None:
                return item
            if word == "score":
                if not self.score_known:
                    self.problem("S004", "the score is only known after every point item "
                                 "(use it in qualify, rank, areas and lists)", e.span)
                return Ref("value", "score")
            if word == "last_year" and word not in self.unit_fields:
                if self.last_year is None:
                    self.problem("S005", "last_year is only allowed in the target of an indicator with last_year",
                                 e.span)
                    return None
                return Ref("value", "last_year")
            if word == "met_count" and word not in self.unit_fields:
                return self._met_count(word, e)
            if word in self.unit_fields:
                return Ref("fact", word, UNIT)
            if word in self.indicators:
                return self._indicator(word, "actual", e)
            if word in self.params:
                return Ref("param", word)
            self.problem("S002", f"`{word}` is not a field, a record field, an indicator or a parameter of the policy",
                         e.span, bare=True)
            return None
        if len(parts) == 2:
            head, part = parts
            if head in self.indicators and part in PARTS:
                return self._indicator(head, part, e)
            if head in self.areas and part == "met_count":
                return self._met_count(f"{head}.met_count", e)
            if head in self.indicators:
                self.problem("S002", f"`{e.dotted}`: an indicator has actual, target, met, ratio and last_year",
                             e.span)
                return None
        self.problem("S002", f"`{e.dotted}` is not a field, an indicator part or an area's met_count", e.span)
        return None

    def _indicator(self, name: str, part: str, e: n.Name) -> Ref | None:
        if name not in self.visible:
            self.problem("S004", f"indicator {name} is declared after it", e.span)
            return None
        if part == "last_year" and self.card.indicator(name).last_year is None:
            self.problem("S005", f"indicator {name} has no last_year", e.span)
            return None
        return Ref("value", f"{name}.{part}")

    def _met_count(self, key: str, e: n.Name) -> Ref:
        if len(self.visible) < len(self.indicators):
            self.problem("S004", "the met count is only known after every indicator", e.span)
        return Ref("value", key)

"""Static checks of a scorecard: its names resolve, its expressions type, its parts fit.

Every expression of a card is typed by the language's own checker
(:class:`policyrules.check.units.Typer`) in the card's scope (:class:`CardScope`): the unit's
fields, the records being counted, the indicators declared so far and their parts, ``score``
once every item is known, the policy's parameters, categories, sets and tables. Name
problems keep the scorecard's codes (S002 unknown, S004 not yet known, S005 ``last_year``);
a type or unit problem inside an expression has the language's code (T001 …); the parts of
the card are checked here (S001 twice, S003 a part of the wrong kind, S006..S010).

``analyse(card)`` gives the problems with the types and references the interpreter needs;
``check_scorecard(card)`` just the problems, one sentence each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.check.checked import FactField, FactKind, RecordSchema, Ref
from policyrules.check.scope import Scope
from policyrules.check.units import Typer, compatible, describe
from policyrules.scorecard.model import (
    ID,
    Deduction,
    Direct,
    Direction,
    FieldType,
    Part,
    Proportional,
    Scorecard,
    YesNo,
)
from policyrules.syntax import nodes as n

K = t.Kind
NUM, BOOL, DATE, OTHER = "number", "bool", "date", "other"
_WANT = {NUM: "a number", BOOL: "true or false", DATE: "a date", OTHER: "a value"}
PARTS = tuple(p.value for p in Part)
UNIT, RECORDS = "unit", "records"  # the fact kinds a card's names resolve to


@attrs.frozen(slots=True)
class Problem:
    """One problem of a card: a code (S001.., or the language's T/N codes), a sentence, and where."""

    code: str
    message: str
    span: Any = None


@attrs.frozen(slots=True)
class Analysis:
    """A card as checked: its problems, and what the interpreter reads by node id."""

    problems: tuple[Problem, ...]
    types: dict[int, t.Type]
    refs: dict[int, Ref]
    records: dict[str, RecordSchema]
    unit_fields: dict[str, FactField]


def runtime_type(type_: FieldType) -> t.Type:
    """A field's type in the language (a unit id is text)."""
    return t.TEXT if type_ == ID else type_  # type: ignore[return-value]


def classify(type_: t.Type | None) -> str:
    if type_ is None:
        return OTHER
    if type_.kind is K.BOOL:
        return BOOL
    if type_.kind is K.DATE:
        return DATE
    if type_.kind in (K.INTEGER, K.NUMBER, K.MONEY, K.PERCENT, K.DURATION, K.RATE):
        return NUM
    return OTHER


def comparable(a: t.Type, b: t.Type) -> bool:
    """May an actual of type ``a`` be compared with a target of type ``b``? (as the language's ``>=``)"""
    return compatible(a, b) or ({a.kind, b.kind} <= {K.PERCENT, K.NUMBER, K.INTEGER} and K.PERCENT in (a.kind, b.kind))


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


class _Checker:
    def __init__(self, card: Scorecard) -> None:
        self.card = card
        self.problems: list[Problem] = []
        self.scope = CardScope(card, self.report_in)
        self.typer = Typer(self.scope, self.report_in, self.scope.resolve)
        self.unit_fields = {d.name: d.type for d in card.fields} | {"id": ID}

    def report(self, code: str, message: str, span: Any = None, hint: str | None = None) -> None:
        if span is None or span == n.NO_SPAN:
            span = self.scope.span
        self.problems.append(Problem(code, message, span))

    def report_in(self, code: str, message: str, span: Any = None, hint: str | None = None) -> None:
        """A problem inside an expression, after the part it is in: ``item p condition: …``."""
        where = self.scope.where
        if code == "N006" and message.startswith("no table named"):  # as for every other name of a card
            code, message = "S002", message.replace("no table named", "no table") + " is declared"
        self.report(code, f"{where}: {message}" if where else message, span, hint)

    def add(self, code: str, message: str, span: Any = None) -> None:
        self.report(code, message, span)

    def infer(self, expr: n.Expr, where: str, expect: t.Type | None = None) -> t.Type | None:
        self.scope.where = where
        try:
            return self.typer.infer(expr, expect)
        finally:
            self.scope.where = ""

    def need(self, expr: n.Expr, cls: str, where: str, expect: t.Type | None = None) -> t.Type | None:
        """The type of ``expr``; S003 when it is not of class ``cls`` (when it has a type)."""
        ty = self.infer(expr, where, expect)
        if ty is not None and classify(ty) != cls:
            self.add("S003", f"{where}: must be {_WANT[cls]}", expr.span)
        return ty

    def run(self) -> Analysis:
        card, scope = self.card, self.scope
        self.unique("field", [(d.name, d.span) for d in card.fields])
        self.unique("parameter", [(d.name, d.span) for d in card.parameters])
        self.unique("indicator", [(i.name, i.span) for i in card.indicators])
        self.unique("item", [(i.name, i.span) for i in card.items])
        self.unique("area", [(a.name, a.span) for a in card.areas])
        self.unique("award", [(a.name, a.span) for a in card.awards])
        self.unique("record kind", [(k.name, k.span) for k in card.records])
        self.unique("list", [(x.name, x.span) for x in card.lists])
        for kind in card.records:
            scope.span = kind.span
            fields = {f.name: f.type for f in kind.fields}
            if fields.get(kind.unit_field) != ID:
                self.add("S006", f"record kind {kind.name}: field {kind.unit_field} must be declared with type id")
        self._tables()
        areas = {a.name for a in card.areas}
        for ind in card.indicators:
            self.indicator(ind, areas)
        for item in card.items:
            scope.span = item.span
            self.item(item)
        scope.score_known = True
        for area in card.areas:
            scope.span = area.span
            if not any(i.area == area.name for i in card.indicators):
                self.add("S010", f"area {area.name}: no indicator belongs to it")
            if area.condition is not None:
                self.need(area.condition, BOOL, f"area {area.name} condition")
            for number, key in enumerate(area.order, start=1):
                self.need(key.expr, NUM, f"area {area.name} order key {number}")
        if card.qualification is not None:
            for number, cond in enumerate(card.qualification.conditions, start=1):
                scope.span = cond.span or card.qualification.span
                self.need(cond.expr, BOOL, f"qualification condition {number}")
        if card.ranking is not None:
            scope.span = card.ranking.span
        for number, key in enumerate(card.ranking.tie_breaks if card.ranking else (), start=1):
            self.need(key.expr, NUM, f"tie-break {number}")
        scope.span = card.span
        if card.ranking is None and card.awards:
            self.add("S008", "awards need a ranking", card.awards[0].span)
        for award in card.awards:
            if award.count < 0 or award.amount < 0:
                self.add("S008", f"award {award.name}: count and amount must not be negative", award.span)
        if card.rounding.quantum <= 0:
            self.add("S009", "rounding: the quantum must be positive", card.rounding.span)
        for listing in card.lists:
            scope.span = listing.span
            self.listing(listing)
        return Analysis(tuple(self.problems), self.typer.types, scope.refs, scope.records, scope.unit_fields)

    def _tables(self) -> None:
        """The rows of the policy's tables the card reads (checked with the policy: typed quietly here)."""
        quiet = Typer(self.scope, lambda *a, **k: None, self.scope.resolve)
        quiet.types = self.typer.types
        for table in self.card.tables:
            for expr in [*table.entries.values(), *(b.expr for b in table.bands), table.decl.otherwise]:
                if expr is not None:
                    quiet.infer(expr, table.value_type)

    def indicator(self, ind: Any, areas: set[str]) -> None:
        scope = self.scope
        scope.span = ind.span
        where = f"indicator {ind.name}"
        actual = self.infer(ind.actual_expr, f"{where} actual")
        cls = classify(actual)
        if actual is not None and ind.direction is not Direction.IS and cls not in (NUM, DATE):
            self.add("S003", f"{where} actual: must be a number", ind.actual_expr.span)
            actual = None
        if ind.type is not None:
            actual = ind.type
        scope.indicator_types[ind.name] = actual
        check = self.need if actual is not None else lambda e, c, w, x: self.infer(e, w, x)
        if ind.last_year is not None:
            scope.last_year = check(ind.last_year, cls, f"{where} last_year", actual) or actual or t.NUMBER
        target = check(ind.target, cls, f"{where} target", actual)
        if actual is not None and target is not None and classify(target) == cls and not comparable(actual, target):
            self.add("T002", f"{where}: cannot compare {describe(actual)} with {describe(target)}", ind.span)
        scope.last_year = None
        if ind.area is not None and ind.area not in areas:
            self.add("S002", f"{where}: no area {ind.area} is declared")
        scope.visible.add(ind.name)

    def listing(self, listing: Any) -> None:
        where = f"list {listing.name}"
        kind = self.scope.kinds.get(listing.kind)
        if kind is None:
            self.add("S002", f"{where}: no record kind {listing.kind} is declared")
            return
        if listing.field not in {f.name for f in kind.fields}:
            self.add("S002", f"{where}: {listing.kind} records have no field {listing.field}")
        if listing.where is not None:
            self.scope.items.append(listing.kind)
            try:
                self.need(listing.where, BOOL, f"{where} condition")
            finally:
                self.scope.items.pop()

    def item(self, item: object) -> None:
        name = getattr(item, "name", "?")
        if isinstance(item, Proportional):
            if item.indicator not in self.scope.visible:
                self.add("S002", f"item {item.name}: no indicator {item.indicator} is declared")
            elif classify(self.scope.indicator_types.get(item.indicator)) != NUM:
                self.add("S003", f"item {item.name}: points in proportion need a numeric indicator")
        elif isinstance(item, YesNo):
            self.need(item.condition, BOOL, f"item {item.name} condition")
        elif isinstance(item, Deduction):
            if (item.missing is None) == (not item.items):
                self.add("S007", f"item {item.name}: give either missing or items, not both or neither")
            if item.missing is not None:
                self.need(item.missing, NUM, f"item {item.name} missing")
            for field in item.items:
                self.field(field, BOOL, f"item {item.name}")
        elif isinstance(item, Direct):
            self.field(item.field, NUM, f"item {item.name}")
            if item.maximum is not None and item.maximum < item.minimum:
                self.add("S007", f"item {item.name}: maximum below minimum")
        weight = getattr(item, "weight", Decimal(1))
        if not isinstance(weight, Decimal):
            self.need(weight, NUM, f"item {name} weight")

    def field(self, name: str, cls: str, where: str) -> None:
        if name not in self.unit_fields:
            self.add("S002", f"{where}: units have no field {name}")
        elif classify(runtime_type(self.unit_fields[name])) != cls:
            self.add("S003", f"{where}: field {name} must be {'a number' if cls == NUM else 'a bool'}")

    def unique(self, what: str, names: Iterable[tuple[str, Any]]) -> None:
        pairs = list(names)
        counts = Counter(name for name, _ in pairs)
        for name, count in sorted(counts.items()):
            if count > 1:
                spans = [span for nm, span in pairs if nm == name]
                self.add("S001", f"{what} {name} is declared {count} times", spans[-1])


def analyse(card: Scorecard) -> Analysis:
    """``card`` checked: every problem with its code and span, and the types and references of
    its expressions (what the interpreter reads)."""
    return _Checker(card).run()


def scorecard_problems(card: Scorecard) -> list[Problem]:
    """Every problem of ``card`` with its code and span; empty when it is well formed."""
    return list(analyse(card).problems)


def check_scorecard(card: Scorecard) -> list[str]:
    """Every problem of ``card``, one sentence each; empty when it is well formed."""
    return [p.message for p in scorecard_problems(card)]

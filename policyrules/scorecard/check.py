"""Static checks of a scorecard: its names resolve, its expressions type, its parts fit.

Every expression of a card is typed by the language's own checker
(:class:`policyrules.check.units.Typer`) in the card's scope
(:class:`policyrules.scorecard.scope.CardScope`). Name problems keep the scorecard's codes (S002 unknown, S004 not yet known, S005 ``last_year``);
a type or unit problem inside an expression has the language's code (T001 …); the parts of
the card are checked here (S001 twice, S003 a part of the wrong kind, S006..S010).

``analyse(card)`` gives the problems with the types and references the interpreter needs;
``check_scorecard(card)`` just the problems, one sentence each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.check.checked import FactField, RecordSchema, Ref
from policyrules.check.units import Typer, compatible, describe
from policyrules.scorecard.model import ID, Deduction, Direct, Direction, Proportional, Scorecard, YesNo
from policyrules.scorecard.scope import CardScope, runtime_type
from policyrules.syntax import nodes as n

K = t.Kind
NUM, BOOL, DATE, OTHER = "number", "bool", "date", "other"
_WANT = {NUM: "a number", BOOL: "true or false", DATE: "a date", OTHER: "a value"}


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

"""Static checks of a scorecard: names resolve, types fit, indicators in order.

``check_scorecard(card)`` returns the problems (empty when the card is well formed);
``scorecard_problems(card)`` gives each with a diagnostic code (S001..) and the span of
the declaration it concerns. The evaluator refuses a card with problems.

Codes: S001 a name declared twice; S002 an unknown name; S003 a value of the wrong
type; S004 a name used before it is known (indicator order, the met count, the score);
S005 ``last_year`` outside a target that has it; S006 records (their unit field,
nesting); S007 the shape of a point item; S008 ranking and awards; S009 rounding;
S010 an area without indicators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from policyrules.scorecard.expr import (
    Arith,
    Compare,
    Const,
    Count,
    Expr,
    FieldRef,
    IndicatorRef,
    LastYear,
    Logic,
    Lookup,
    MetCount,
    Not,
    ParamRef,
    Part,
    Score,
    Sum,
    Today,
    walk,
)
from policyrules.scorecard.model import (
    ID,
    Deduction,
    Direct,
    Direction,
    FieldType,
    Proportional,
    Scorecard,
    YesNo,
)
from policyrules.types import Kind

NUM, BOOL, DATE, OTHER = "number", "bool", "date", "other"
_WANT = {NUM: "a number", BOOL: "true or false", DATE: "a date", OTHER: "a value"}


@attrs.frozen(slots=True)
class Problem:
    """One problem of a card: a code (S001..), a sentence, and where (a span or None)."""

    code: str
    message: str
    span: Any = None


def _class(type_: FieldType | None) -> str:
    if type_ is None or type_ == ID:
        return OTHER
    assert not isinstance(type_, str)
    if type_.kind is Kind.BOOL:
        return BOOL
    if type_.kind is Kind.DATE:
        return DATE
    if type_.kind in (Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.PERCENT):
        return NUM
    return OTHER


def _const_class(value: object) -> str:
    import datetime as dt

    if isinstance(value, bool):
        return BOOL
    if isinstance(value, dt.date):
        return DATE
    return OTHER if isinstance(value, str) else NUM


def record_kinds_used(card: Scorecard) -> set[str]:
    """Names of the record kinds some indicator counts or sums, or some list lists."""
    used: set[str] = set()
    for ind in card.indicators:
        used |= {e.kind for e in walk(ind.actual_expr) if isinstance(e, Count | Sum)}
    used |= {listing.kind for listing in card.lists}
    return used


class _Checker:
    def __init__(self, card: Scorecard) -> None:
        self.card = card
        self.problems: list[Problem] = []
        self.unit_fields = {d.name: d.type for d in card.fields} | {"id": ID}
        self.params = {d.name: d.type for d in card.parameters}
        self.kinds = {k.name: k for k in card.records}
        self.tables = {t.name: t for t in card.tables}
        self.span: Any = card.span
        self.score_known = False
        self.indicator_class: dict[str, str] = {}

    def add(self, code: str, message: str, span: Any = None) -> None:
        self.problems.append(Problem(code, message, span if span is not None else self.span))

    def type_of(self, expr: Expr, where: str, visible: set[str], record: str | None = None,
                last_year: bool = False) -> str:
        """The class of ``expr`` (number, bool, date, other), noting every problem."""
        def sub(e: Expr, rec: str | None = record) -> str:
            return self.type_of(e, where, visible, rec, last_year)

        def want(e: Expr, cls: str, what: str, rec: str | None = record) -> None:
            got = sub(e, rec)
            if got != cls:
                self.add("S003", f"{where}: {what} must be {_WANT[cls]}", e.span)

        if isinstance(expr, Const):
            return _const_class(expr.value)
        if isinstance(expr, FieldRef):
            fields = ({f.name: f.type for f in self.kinds[record].fields} if record else self.unit_fields)
            if expr.name not in fields:
                owner = f"{record} records" if record else "units"
                self.add("S002", f"{where}: {owner} have no field {expr.name}", expr.span)
                return NUM
            return _class(fields[expr.name])
        if isinstance(expr, ParamRef):
            if expr.name not in self.params:
                self.add("S002", f"{where}: no parameter {expr.name} is declared", expr.span)
                return NUM
            return _class(self.params[expr.name])
        if isinstance(expr, IndicatorRef):
            if expr.indicator not in visible:
                known = {i.name for i in self.card.indicators}
                why = "is declared after it" if expr.indicator in known else "is not declared"
                self.add("S004" if expr.indicator in known else "S002",
                         f"{where}: indicator {expr.indicator} {why}", expr.span)
                return BOOL if expr.part is Part.MET else NUM
            if expr.part is Part.MET:
                return BOOL
            if expr.part is Part.RATIO:
                return NUM
            return self.indicator_class.get(expr.indicator, NUM)
        if isinstance(expr, LastYear):
            if not last_year:
                self.add("S005", f"{where}: last_year is only allowed in the target of an indicator with last_year",
                         expr.span)
            return NUM
        if isinstance(expr, MetCount):
            if len(visible) < len(self.card.indicators):
                self.add("S004", f"{where}: the met count is only known after every indicator", expr.span)
            if expr.area is not None and expr.area not in {a.name for a in self.card.areas}:
                self.add("S002", f"{where}: no area {expr.area} is declared", expr.span)
            return NUM
        if isinstance(expr, Score):
            if not self.score_known:
                self.add("S004", f"{where}: the score is only known after every point item "
                         "(use it in qualify, rank, areas and lists)", expr.span)
            return NUM
        if isinstance(expr, Today):
            return DATE
        if isinstance(expr, Lookup):
            table = self.tables.get(expr.table)
            key = sub(expr.key)
            if table is None:
                self.add("S002", f"{where}: no table {expr.table} is declared", expr.span)
                return OTHER
            if key != OTHER:
                self.add("S003", f"{where}: the key of table {expr.table} must be a category value", expr.key.span)
            return _class(table.value_type)
        if isinstance(expr, Compare):
            left, right = sub(expr.left), sub(expr.right)
            if expr.op in ("==", "!=") and left != right:
                self.add("S003", f"{where}: {expr.op} compares values of different types", expr.span)
            elif expr.op not in ("==", "!="):
                if left == DATE or right == DATE:
                    if left != right:
                        self.add("S003", f"{where}: {expr.op} compares a date with something else", expr.span)
                else:
                    for side, cls in (("left", left), ("right", right)):
                        if cls != NUM:
                            self.add("S003", f"{where}: the {side} side of {expr.op} must be a number", expr.span)
            return BOOL
        if isinstance(expr, Logic):
            for operand in expr.operands:
                want(operand, BOOL, f"each operand of {expr.op}")
            return BOOL
        if isinstance(expr, Not):
            want(expr.operand, BOOL, "the operand of not")
            return BOOL
        if isinstance(expr, Arith):
            want(expr.left, NUM, f"the left side of {expr.op}")
            want(expr.right, NUM, f"the right side of {expr.op}")
            return NUM
        assert isinstance(expr, Count | Sum)
        if record is not None:
            self.add("S006", f"{where}: counts and sums cannot be nested", expr.span)
            return NUM
        if expr.kind not in self.kinds:
            self.add("S002", f"{where}: no record kind {expr.kind} is declared", expr.span)
            return NUM
        if expr.where is not None:
            want(expr.where, BOOL, "the condition of a count or sum", expr.kind)
        if isinstance(expr, Sum):
            want(expr.value, NUM, "the value summed", expr.kind)
        return NUM

    def need(self, expr: Expr, cls: str, where: str, visible: set[str], last_year: bool = False,
             record: str | None = None) -> str:
        got = self.type_of(expr, where, visible, record=record, last_year=last_year)
        if got != cls:
            self.add("S003", f"{where}: must be {_WANT[cls]}", expr.span)
        return got

    def run(self) -> list[Problem]:
        card = self.card
        self.unique("field", [(d.name, d.span) for d in card.fields])
        self.unique("parameter", [(d.name, d.span) for d in card.parameters])
        self.unique("indicator", [(i.name, i.span) for i in card.indicators])
        self.unique("item", [(i.name, i.span) for i in card.items])
        self.unique("area", [(a.name, a.span) for a in card.areas])
        self.unique("award", [(a.name, a.span) for a in card.awards])
        self.unique("record kind", [(k.name, k.span) for k in card.records])
        self.unique("list", [(x.name, x.span) for x in card.lists])
        for kind in card.records:
            self.span = kind.span
            fields = {f.name: f.type for f in kind.fields}
            if fields.get(kind.unit_field) != ID:
                self.add("S006", f"record kind {kind.name}: field {kind.unit_field} must be declared with type id")
        areas = {a.name for a in card.areas}
        visible: set[str] = set()
        for ind in card.indicators:
            self.span = ind.span
            where = f"indicator {ind.name}"
            want = self.type_of(ind.actual_expr, f"{where} actual", visible)
            if ind.direction is not Direction.IS and want not in (NUM, DATE):
                self.add("S003", f"{where} actual: must be a number", ind.actual_expr.span)
                want = NUM
            self.indicator_class[ind.name] = want
            if ind.last_year is not None:
                self.need(ind.last_year, want, f"{where} last_year", visible)
            self.need(ind.target, want, f"{where} target", visible, last_year=ind.last_year is not None)
            if ind.area is not None and ind.area not in areas:
                self.add("S002", f"{where}: no area {ind.area} is declared")
            visible.add(ind.name)
        for item in card.items:
            self.span = item.span
            self.item(item, visible)
        self.score_known = True
        for area in card.areas:
            self.span = area.span
            if not any(i.area == area.name for i in card.indicators):
                self.add("S010", f"area {area.name}: no indicator belongs to it")
            if area.condition is not None:
                self.need(area.condition, BOOL, f"area {area.name} condition", visible)
            for n, key in enumerate(area.order, start=1):
                self.need(key.expr, NUM, f"area {area.name} order key {n}", visible)
        if card.qualification is not None:
            self.span = card.qualification.span
            for n, cond in enumerate(card.qualification.conditions, start=1):
                self.span = cond.span or card.qualification.span
                self.need(cond.expr, BOOL, f"qualification condition {n}", visible)
        if card.ranking is not None:
            self.span = card.ranking.span
        for n, key in enumerate(card.ranking.tie_breaks if card.ranking else (), start=1):
            self.need(key.expr, NUM, f"tie-break {n}", visible)
        self.span = card.span
        if card.ranking is None and card.awards:
            self.add("S008", "awards need a ranking", card.awards[0].span)
        for award in card.awards:
            if award.count < 0 or award.amount < 0:
                self.add("S008", f"award {award.name}: count and amount must not be negative", award.span)
        if card.rounding.quantum <= 0:
            self.add("S009", "rounding: the quantum must be positive", card.rounding.span)
        for listing in card.lists:
            self.span = listing.span
            self.listing(listing, visible)
        return self.problems

    def listing(self, listing: Any, visible: set[str]) -> None:
        where = f"list {listing.name}"
        kind = self.kinds.get(listing.kind)
        if kind is None:
            self.add("S002", f"{where}: no record kind {listing.kind} is declared")
            return
        if listing.field not in {f.name for f in kind.fields}:
            self.add("S002", f"{where}: {listing.kind} records have no field {listing.field}")
        if listing.where is not None:
            self.need(listing.where, BOOL, f"{where} condition", visible, record=listing.kind)

    def item(self, item: object, visible: set[str]) -> None:
        name = getattr(item, "name", "?")
        if isinstance(item, Proportional):
            if item.indicator not in visible:
                self.add("S002", f"item {item.name}: no indicator {item.indicator} is declared")
            elif self.indicator_class.get(item.indicator) != NUM:
                self.add("S003", f"item {item.name}: points in proportion need a numeric indicator")
        elif isinstance(item, YesNo):
            self.need(item.condition, BOOL, f"item {item.name} condition", visible)
        elif isinstance(item, Deduction):
            if (item.missing is None) == (not item.items):
                self.add("S007", f"item {item.name}: give either missing or items, not both or neither")
            if item.missing is not None:
                self.need(item.missing, NUM, f"item {item.name} missing", visible)
            for field in item.items:
                self.field(field, BOOL, f"item {item.name}")
        elif isinstance(item, Direct):
            self.field(item.field, NUM, f"item {item.name}")
            if item.maximum is not None and item.maximum < item.minimum:
                self.add("S007", f"item {item.name}: maximum below minimum")
        weight = getattr(item, "weight", Decimal(1))
        if not isinstance(weight, Decimal):
            self.need(weight, NUM, f"item {name} weight", visible)

    def field(self, name: str, cls: str, where: str) -> None:
        if name not in self.unit_fields:
            self.add("S002", f"{where}: units have no field {name}")
        elif _class(self.unit_fields[name]) != cls:
            self.add("S003", f"{where}: field {name} must be {'a number' if cls == NUM else 'a bool'}")

    def unique(self, what: str, names: Iterable[tuple[str, Any]]) -> None:
        pairs = list(names)
        counts = Counter(name for name, _ in pairs)
        for name, n in sorted(counts.items()):
            if n > 1:
                spans = [span for nm, span in pairs if nm == name]
                self.add("S001", f"{what} {name} is declared {n} times", spans[-1])


def scorecard_problems(card: Scorecard) -> list[Problem]:
    """Every problem of ``card`` with its code and span; empty when it is well formed."""
    return _Checker(card).run()


def check_scorecard(card: Scorecard) -> list[str]:
    """Every problem of ``card``, one sentence each; empty when it is well formed."""
    return [p.message for p in scorecard_problems(card)]

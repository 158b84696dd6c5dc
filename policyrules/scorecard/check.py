"""Static checks of a scorecard: names resolve, types fit, indicators in order.

``check_scorecard(card)`` returns the problems (empty when the card is well formed);
the evaluator refuses a card with problems.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

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
    MetCount,
    Not,
    ParamRef,
    Part,
    Sum,
    walk,
)
from policyrules.scorecard.model import (
    ID,
    Deduction,
    Direct,
    FieldType,
    Proportional,
    Scorecard,
    YesNo,
)
from policyrules.types import Kind

NUM, BOOL, OTHER = "number", "bool", "other"


def _class(type_: FieldType) -> str:
    if type_ == ID:
        return OTHER
    assert not isinstance(type_, str)
    if type_.kind is Kind.BOOL:
        return BOOL
    if type_.kind in (Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.PERCENT):
        return NUM
    return OTHER


def record_kinds_used(card: Scorecard) -> set[str]:
    """Names of the record kinds some indicator counts or sums."""
    used: set[str] = set()
    for ind in card.indicators:
        used |= {e.kind for e in walk(ind.actual_expr) if isinstance(e, Count | Sum)}
    return used


class _Checker:
    def __init__(self, card: Scorecard) -> None:
        self.card = card
        self.problems: list[str] = []
        self.unit_fields = {d.name: d.type for d in card.fields} | {"id": ID}
        self.params = {d.name: d.type for d in card.parameters}
        self.kinds = {k.name: k for k in card.records}

    def type_of(self, expr: Expr, where: str, visible: set[str], record: str | None = None,
                last_year: bool = False) -> str:
        """The class of ``expr`` (number, bool, other), noting every problem."""
        def sub(e: Expr, rec: str | None = record) -> str:
            return self.type_of(e, where, visible, rec, last_year)

        def want(e: Expr, cls: str, what: str, rec: str | None = record) -> None:
            got = sub(e, rec)
            if got != cls:
                self.problems.append(f"{where}: {what} must be {'a number' if cls == NUM else 'true or false'}")

        if isinstance(expr, Const):
            value = expr.value
            return BOOL if isinstance(value, bool) else OTHER if isinstance(value, str) else NUM
        if isinstance(expr, FieldRef):
            fields = ({f.name: f.type for f in self.kinds[record].fields} if record else self.unit_fields)
            if expr.name not in fields:
                owner = f"{record} records" if record else "units"
                self.problems.append(f"{where}: {owner} have no field {expr.name}")
                return NUM
            return _class(fields[expr.name])
        if isinstance(expr, ParamRef):
            if expr.name not in self.params:
                self.problems.append(f"{where}: no parameter {expr.name} is declared")
                return NUM
            return _class(self.params[expr.name])
        if isinstance(expr, IndicatorRef):
            if expr.indicator not in visible:
                known = {i.name for i in self.card.indicators}
                why = "is declared after it" if expr.indicator in known else "is not declared"
                self.problems.append(f"{where}: indicator {expr.indicator} {why}")
            return BOOL if expr.part is Part.MET else NUM
        if isinstance(expr, LastYear):
            if not last_year:
                self.problems.append(f"{where}: last_year is only allowed in the target of an indicator with last_year")
            return NUM
        if isinstance(expr, MetCount):
            if len(visible) < len(self.card.indicators):
                self.problems.append(f"{where}: the met count is only known after every indicator")
            if expr.area is not None and expr.area not in {a.name for a in self.card.areas}:
                self.problems.append(f"{where}: no area {expr.area} is declared")
            return NUM
        if isinstance(expr, Compare):
            left, right = sub(expr.left), sub(expr.right)
            if expr.op in ("==", "!=") and left != right:
                self.problems.append(f"{where}: {expr.op} compares values of different types")
            elif expr.op not in ("==", "!="):
                for side, cls in (("left", left), ("right", right)):
                    if cls != NUM:
                        self.problems.append(f"{where}: the {side} side of {expr.op} must be a number")
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
            self.problems.append(f"{where}: counts and sums cannot be nested")
            return NUM
        if expr.kind not in self.kinds:
            self.problems.append(f"{where}: no record kind {expr.kind} is declared")
            return NUM
        if expr.where is not None:
            want(expr.where, BOOL, "the condition of a count or sum", expr.kind)
        if isinstance(expr, Sum):
            want(expr.value, NUM, "the value summed", expr.kind)
        return NUM

    def need(self, expr: Expr, cls: str, where: str, visible: set[str], last_year: bool = False) -> None:
        if self.type_of(expr, where, visible, last_year=last_year) != cls:
            self.problems.append(f"{where}: must be {'a number' if cls == NUM else 'true or false'}")

    def run(self) -> list[str]:
        card = self.card
        self.unique("field", [d.name for d in card.fields])
        self.unique("parameter", [d.name for d in card.parameters])
        self.unique("indicator", [i.name for i in card.indicators])
        self.unique("item", [i.name for i in card.items])
        self.unique("area", [a.name for a in card.areas])
        self.unique("award", [a.name for a in card.awards])
        self.unique("record kind", [k.name for k in card.records])
        for kind in card.records:
            fields = {f.name: f.type for f in kind.fields}
            if fields.get(kind.unit_field) != ID:
                self.problems.append(f"record kind {kind.name}: field {kind.unit_field} must be declared with type id")
        areas = {a.name for a in card.areas}
        visible: set[str] = set()
        for ind in card.indicators:
            where = f"indicator {ind.name}"
            self.need(ind.actual_expr, NUM, f"{where} actual", visible)
            if ind.last_year is not None:
                self.need(ind.last_year, NUM, f"{where} last_year", visible)
            self.need(ind.target, NUM, f"{where} target", visible, last_year=ind.last_year is not None)
            if ind.area is not None and ind.area not in areas:
                self.problems.append(f"{where}: no area {ind.area} is declared")
            visible.add(ind.name)
        for item in card.items:
            self.item(item, visible)
        for area in card.areas:
            if not any(i.area == area.name for i in card.indicators):
                self.problems.append(f"area {area.name}: no indicator belongs to it")
            if area.condition is not None:
                self.need(area.condition, BOOL, f"area {area.name} condition", visible)
            for n, key in enumerate(area.order, start=1):
                self.need(key.expr, NUM, f"area {area.name} order key {n}", visible)
        if card.qualification is not None:
            for n, cond in enumerate(card.qualification.conditions, start=1):
                self.need(cond.expr, BOOL, f"qualification condition {n}", visible)
        for n, key in enumerate(card.ranking.tie_breaks if card.ranking else (), start=1):
            self.need(key.expr, NUM, f"tie-break {n}", visible)
        if card.ranking is None and card.awards:
            self.problems.append("awards need a ranking")
        for award in card.awards:
            if award.count < 0 or award.amount < 0:
                self.problems.append(f"award {award.name}: count and amount must not be negative")
        if card.rounding.quantum <= 0:
            self.problems.append("rounding: the quantum must be positive")
        return self.problems

    def item(self, item: object, visible: set[str]) -> None:
        if isinstance(item, Proportional):
            if item.indicator not in visible:
                self.problems.append(f"item {item.name}: no indicator {item.indicator} is declared")
        elif isinstance(item, YesNo):
            self.need(item.condition, BOOL, f"item {item.name} condition", visible)
        elif isinstance(item, Deduction):
            if (item.missing is None) == (not item.items):
                self.problems.append(f"item {item.name}: give either missing or items, not both or neither")
            if item.missing is not None:
                self.need(item.missing, NUM, f"item {item.name} missing", visible)
            for name in item.items:
                self.field(name, BOOL, f"item {item.name}")
        elif isinstance(item, Direct):
            self.field(item.field, NUM, f"item {item.name}")
            if item.maximum is not None and item.maximum < item.minimum:
                self.problems.append(f"item {item.name}: maximum below minimum")

    def field(self, name: str, cls: str, where: str) -> None:
        if name not in self.unit_fields:
            self.problems.append(f"{where}: units have no field {name}")
        elif _class(self.unit_fields[name]) != cls:
            self.problems.append(f"{where}: field {name} must be {'a number' if cls == NUM else 'a bool'}")

    def unique(self, what: str, names: Iterable[str]) -> None:
        for name, n in sorted(Counter(names).items()):
            if n > 1:
                self.problems.append(f"{what} {name} is declared {n} times")


def check_scorecard(card: Scorecard) -> list[str]:
    """Every problem of ``card``, one sentence each; empty when it is well formed."""
    return _Checker(card).run()


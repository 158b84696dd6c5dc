"""Evaluating and printing scorecard expressions against one unit.

``Scope`` holds what an expression may read; ``evaluate`` gives its value exactly;
``render`` prints it as written or with the values substituted, in English or Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Context, Decimal
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
    Value,
)
from policyrules.scorecard.model import ID, Scorecard
from policyrules.scorecard.result import IndicatorResult
from policyrules.scorecard.values import as_decimal, fmt_value
from policyrules.types import Kind

CTX = Context(prec=60)
"""Products of inputs are exact; a quotient is exact to 60 digits, then rounded once."""


class EvalError(Exception):
    """An expression has no value for this unit (e.g. a ratio over a zero target)."""


@attrs.define
class Scope:
    card: Scorecard
    unit: Mapping[str, Value]
    params: Mapping[str, Value]
    indicators: Mapping[str, IndicatorResult]
    records: Mapping[str, tuple[Mapping[str, Value], ...]] = attrs.field(factory=dict)
    record: Mapping[str, Value] | None = None
    record_kind: str | None = None
    last_year: Value | None = None
    on: date | None = None
    score: Decimal | None = None

    def with_record(self, kind: str, record: Mapping[str, Value]) -> Scope:
        return attrs.evolve(self, record=record, record_kind=kind)


def divide(a: Decimal | int, b: Decimal | int) -> Decimal:
    if b == 0:
        raise EvalError("division by zero")
    return CTX.divide(Decimal(a), Decimal(b))


def _arith(op: str, a: Value, b: Value) -> Value:
    if op == "/":
        return divide(as_decimal(a), as_decimal(b))
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and not isinstance(b, bool):
        return a + b if op == "+" else a - b if op == "-" else a * b
    x, y = as_decimal(a), as_decimal(b)
    return CTX.add(x, y) if op == "+" else CTX.subtract(x, y) if op == "-" else CTX.multiply(x, y)


def compare(op: str, a: Value, b: Value) -> bool:
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, date) and isinstance(b, date):
        return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b}[op]
    x, y = as_decimal(a), as_decimal(b)
    return {">=": x >= y, ">": x > y, "<=": x <= y, "<": x < y}[op]


def evaluate(expr: Expr, scope: Scope) -> Value:
    """The value of ``expr`` in ``scope``; raises ``EvalError``."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, FieldRef):
        source = scope.record if scope.record is not None else scope.unit
        if expr.name not in source:
            raise EvalError(f"no field {expr.name}")
        return source[expr.name]
    if isinstance(expr, ParamRef):
        if expr.name not in scope.params:
            raise EvalError(f"no parameter {expr.name}")
        return scope.params[expr.name]
    if isinstance(expr, IndicatorRef):
        result = scope.indicators.get(expr.indicator)
        if result is None:
            raise EvalError(f"indicator {expr.indicator} is not evaluated yet")
        if expr.part is Part.RATIO and result.ratio is None:
            raise EvalError(f"indicator {expr.indicator} has a zero target")
        value = getattr(result, expr.part.value)
        if value is None:
            raise EvalError(f"indicator {expr.indicator} has no {expr.part.value}")
        return value
    if isinstance(expr, LastYear):
        if scope.last_year is None:
            raise EvalError("no last year's actual here")
        return scope.last_year
    if isinstance(expr, MetCount):
        names = [i.name for i in scope.card.indicators if expr.area is None or i.area == expr.area]
        if any(n not in scope.indicators for n in names):
            raise EvalError("the met count needs every indicator evaluated first")
        return sum(1 for n in names if scope.indicators[n].met)
    if isinstance(expr, Compare):
        return compare(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope))
    if isinstance(expr, Logic):
        values = (evaluate(e, scope) for e in expr.operands)
        return all(values) if expr.op == "and" else any(values)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, scope)
    if isinstance(expr, Arith):
        return _arith(expr.op, evaluate(expr.left, scope), evaluate(expr.right, scope))
    if isinstance(expr, Count | Sum):
        return _aggregate(expr, scope)
    if isinstance(expr, Lookup):
        key = evaluate(expr.key, scope)
        value = scope.card.table(expr.table).get(str(key))
        if value is None:
            raise EvalError(f"table {expr.table} has no entry for {key}")
        return value
    if isinstance(expr, Today):
        if scope.on is None:
            raise EvalError("no evaluation date here")
        return scope.on
    if isinstance(expr, Score):
        if scope.score is None:
            raise EvalError("the score is only known after every point item")
        return scope.score
    raise TypeError(f"not an expression: {expr!r}")


def _aggregate(expr: Count | Sum, scope: Scope) -> Value:
    total: Value = 0
    for record in scope.records.get(expr.kind, ()):
        inner = scope.with_record(expr.kind, record)
        if expr.where is not None and not evaluate(expr.where, inner):
            continue
        total = _arith("+", total, 1 if isinstance(expr, Count) else evaluate(expr.value, inner))
    return total


def kind_of(expr: Expr, scope: Scope) -> Kind | None:
    """The kind of value ``expr`` gives, as far as printing needs it."""
    card = scope.card
    if isinstance(expr, Const):
        if isinstance(expr.value, date):
            return Kind.DATE
        return expr.type.kind if expr.type is not None else None
    if isinstance(expr, Lookup):
        return card.table(expr.table).value_type.kind
    if isinstance(expr, Today):
        return Kind.DATE
    if isinstance(expr, Score):
        return Kind.NUMBER
    if isinstance(expr, FieldRef):
        fields = card.record_kind(scope.record_kind).fields if scope.record_kind else card.fields
        for decl in fields:
            if decl.name == expr.name:
                return None if decl.type == ID else decl.type.kind  # type: ignore[union-attr]
        return None
    if isinstance(expr, ParamRef):
        for decl in card.parameters:
            if decl.name == expr.name and decl.type != ID:
                return decl.type.kind  # type: ignore[union-attr]
        return None
    if isinstance(expr, IndicatorRef):
        if expr.part is Part.MET:
            return Kind.BOOL
        if expr.part is Part.RATIO:
            return Kind.NUMBER
        ind = card.indicator(expr.indicator)
        return indicator_kind(ind.name, scope)
    if isinstance(expr, LastYear):
        return None
    if isinstance(expr, Compare | Logic | Not):
        return Kind.BOOL
    if isinstance(expr, Count | MetCount):
        return Kind.INTEGER
    if isinstance(expr, Sum):
        return kind_of(expr.value, scope)
    assert isinstance(expr, Arith)
    left, right = kind_of(expr.left, scope), kind_of(expr.right, scope)
    if expr.op == "/":
        return Kind.NUMBER
    for special in (Kind.PERCENT, Kind.MONEY):
        if special in (left, right):
            return special
    return left or right


def indicator_kind(name: str, scope: Scope) -> Kind | None:
    ind = scope.card.indicator(name)
    if ind.type is not None:
        return ind.type.kind
    return kind_of(ind.actual_expr, attrs.evolve(scope, record=None, record_kind=None))


_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6}
_WORDS = {
    "en": {"and": " and ", "or": " or ", "not": "not ", "*": " x ", "last_year": "last_year",
           "today": "evaluation_date", "score": "score",
           "count": "count of {kind}", "met": "met count {area}", "sum": "sum of {value} over {kind}", "where": " where "},
    "zh": {"and": " 且 ", "or": " 或 ", "not": "非 ", "*": " × ", "last_year": "去年实际",
           "today": "评估日期", "score": "得分",
           "count": "{kind}数", "met": "{area}达标指标数", "sum": "{kind}的{value}合计", "where": ",条件:"},
}


def _prec(expr: Expr) -> int:
    if isinstance(expr, Logic):
        return _PREC[expr.op]
    if isinstance(expr, Not):
        return _PREC["not"]
    if isinstance(expr, Compare):
        return _PREC["cmp"]
    if isinstance(expr, Arith):
        return _PREC[expr.op]
    return 10


def label_of(name: str, scope: Scope, lang: str) -> str:
    """A field's, parameter's or indicator's name, or its Chinese label for ``zh``."""
    if lang != "zh":
        return name
    card = scope.card
    decls: list[Any] = [*card.fields, *card.parameters, *card.indicators]
    if scope.record_kind:
        decls = [*card.record_kind(scope.record_kind).fields, *decls]
    for decl in decls:
        if decl.name == name and decl.label:
            return decl.label
    return name


def render(expr: Expr, scope: Scope, lang: str = "en", values: bool = False) -> str:
    """``expr`` as written, or with each leaf replaced by its value when ``values``."""
    words = _WORDS[lang]

    def sub(child: Expr, parent: int, right: bool = False) -> str:
        text = render(child, scope, lang, values)
        p = _prec(child)
        return f"({text})" if p < parent or (right and p == parent) else text

    def leaf(name: str) -> str:
        if not values:
            return name
        return fmt_value(evaluate(expr, scope), kind_of(expr, scope), lang)

    if isinstance(expr, Const):
        return fmt_value(expr.value, kind_of(expr, scope), lang)
    if isinstance(expr, FieldRef | ParamRef):
        return leaf(label_of(expr.name, scope, lang))
    if isinstance(expr, IndicatorRef):
        name = label_of(expr.indicator, scope, lang)
        part = {"en": expr.part.value, "zh": _ZH_PARTS[expr.part]}[lang]
        text = f"{name}.{part}" if lang == "en" else f"{name}{part}"
        if values and expr.part is Part.RATIO:
            result = scope.indicators[expr.indicator]
            kind = indicator_kind(expr.indicator, scope)
            return f"{fmt_value(result.actual, kind, lang)}/{fmt_value(result.target, kind, lang)}"
        if values and expr.part is Part.MET:
            result = scope.indicators[expr.indicator]
            ind = scope.card.indicator(expr.indicator)
            kind = indicator_kind(expr.indicator, scope)
            op = met_operator(ind.direction.value, ind.inclusive, result.met)
            a, t = fmt_value(result.actual, kind, lang), fmt_value(result.target, kind, lang)
            shown = f"{a} {op} {t}"
            return fmt_value(result.met, None, lang) + (f"({shown})" if lang == "zh" else f" ({shown})")
        return leaf(text)
    if isinstance(expr, LastYear):
        return leaf(words["last_year"])
    if isinstance(expr, Today):
        return leaf(words["today"])
    if isinstance(expr, Score):
        return leaf(words["score"])
    if isinstance(expr, Lookup):
        if values:
            return fmt_value(evaluate(expr, scope), kind_of(expr, scope), lang)
        return f"{expr.table}[{render(expr.key, scope, lang)}]"
    if isinstance(expr, MetCount):
        area = next((a for a in scope.card.areas if a.name == expr.area), None)
        area_name = "" if area is None else (area.label or area.name) if lang == "zh" else area.name
        return leaf(words["met"].format(area=area_name).strip())
    if isinstance(expr, Compare):
        p = _prec(expr)
        return f"{sub(expr.left, p)} {expr.op} {sub(expr.right, p, True)}"
    if isinstance(expr, Logic):
        return words[expr.op].join(sub(o, _prec(expr)) for o in expr.operands)
    if isinstance(expr, Not):
        return words["not"] + sub(expr.operand, _prec(expr))
    if isinstance(expr, Arith):
        p = _prec(expr)
        op = words["*"] if expr.op == "*" else f" {expr.op} " if expr.op != "/" else "/"
        return f"{sub(expr.left, p)}{op}{sub(expr.right, p, True)}"
    assert isinstance(expr, Count | Sum)
    if values:
        return fmt_value(evaluate(expr, scope), kind_of(expr, scope), lang)
    kind_label = scope.card.record_kind(expr.kind).label if lang == "zh" else None
    inner = attrs.evolve(scope, record_kind=expr.kind, record={})
    value = render(expr.value, inner, lang) if isinstance(expr, Sum) else ""
    text = words["count" if isinstance(expr, Count) else "sum"].format(kind=kind_label or expr.kind, value=value)
    if expr.where is not None:
        text += words["where"] + render(expr.where, inner, lang)
    return text


_ZH_PARTS = {Part.ACTUAL: "实际", Part.TARGET: "目标", Part.MET: "达标", Part.RATIO: "完成比例",
             Part.LAST_YEAR: "去年实际"}


def met_operator(direction: str, inclusive: bool, met: bool) -> str:
    """The comparison that held between actual and target, e.g. ``>=`` or ``<``."""
    if direction == "is":
        return "=" if met else "≠"
    if direction == "at least":
        return (">=" if inclusive else ">") if met else ("<" if inclusive else "<=")
    return ("<=" if inclusive else "<") if met else (">" if inclusive else ">=")

"""Short constructors of the language's expression nodes, for cards written in Python.

A scorecard's expressions are nodes of :mod:`policyrules.syntax.nodes`, as the parser
builds them; these helpers spell the common ones the way a card reads: ``f("target")``
(a unit field, a record field or a parameter), ``IndicatorRef("annual", Part.MET)``
(``annual.met``), ``Compare(">=", f("n"), Const(3))``, ``Count("worker", where)``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from policyrules import types as t
from policyrules.scorecard.model import Part
from policyrules.source import NO_SPAN, Span
from policyrules.syntax import nodes as n

_OPS = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne", "+": "add", "-": "sub", "*": "mul",
        "/": "div"}


def Const(value: bool | int | Decimal | str | date, type: t.Type | None = None, span: Span = NO_SPAN) -> n.Expr:  # noqa: A002
    """A literal: ``Const(10)``, ``Const(Decimal("0.01"), PERCENT)`` (1%), ``Const(True)``."""
    if isinstance(value, bool):
        return n.Bool(value, span)
    if isinstance(value, date):
        return n.DateLit(value, span)
    if isinstance(value, str):
        return n.Text(value, span)
    number = Decimal(value)
    kind = type.kind if type is not None else None
    if kind is t.Kind.PERCENT:
        return n.Percent(number, span)
    if kind is t.Kind.MONEY:
        return n.Money(number, span)
    return n.Number(number, span)


def f(name: str, span: Span = NO_SPAN) -> n.Name:
    """A name: a unit field, a field of the records being counted, or a parameter."""
    return n.Name((name,), span)


FieldRef = ParamRef = f


def IndicatorRef(indicator: str, part: Part = Part.ACTUAL, span: Span = NO_SPAN) -> n.Name:
    return n.Name((indicator, part.value), span)


def LastYear(span: Span = NO_SPAN) -> n.Name:
    return n.Name(("last_year",), span)


def Score(span: Span = NO_SPAN) -> n.Name:
    return n.Name(("score",), span)


def MetCount(area: str | None = None, span: Span = NO_SPAN) -> n.Name:
    return n.Name(("met_count",) if area is None else (area, "met_count"), span)


def Today(span: Span = NO_SPAN) -> n.EvaluationDate:
    return n.EvaluationDate(span)


def Compare(op: str, left: n.Expr, right: n.Expr, span: Span = NO_SPAN) -> n.Binary:
    return n.Binary(_OPS[op], left, right, span)


Arith = Compare


def Logic(op: str, operands: list[n.Expr] | tuple[n.Expr, ...], span: Span = NO_SPAN) -> n.Expr:
    """``and`` / ``or`` over two or more operands, grouped to the left as the parser does."""
    first, *rest = operands
    for operand in rest:
        first = n.Binary(op, first, operand, span)
    return first


def Not(operand: n.Expr, span: Span = NO_SPAN) -> n.Unary:
    return n.Unary("not", operand, span)


def Count(kind: str, where: n.Expr | None = None, span: Span = NO_SPAN) -> n.Aggregate:
    return n.Aggregate("count", n.Name((kind,), span), None, where, span)


def Sum(kind: str, value: n.Expr, where: n.Expr | None = None, span: Span = NO_SPAN) -> n.Aggregate:
    return n.Aggregate("sum", n.Name((kind,), span), value, where, span)


def Lookup(table: str, key: n.Expr, span: Span = NO_SPAN) -> n.Lookup:
    return n.Lookup(table, key, span)


def and_(*operands: n.Expr) -> n.Expr:
    return Logic("and", operands)


def or_(*operands: n.Expr) -> n.Expr:
    return Logic("or", operands)


__all__ = ["Arith", "Compare", "Const", "Count", "FieldRef", "IndicatorRef", "LastYear", "Logic", "Lookup",
           "MetCount", "Not", "ParamRef", "Part", "Score", "Sum", "Today", "and_", "f", "or_"]

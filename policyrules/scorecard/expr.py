"""The scorecard's own small expression model: the nodes a grammar would produce.

Values at run time are ``bool``, ``int``, ``Decimal`` (number, money, percent as a
fraction), ``str`` (ids, enum values, text) or ``date``. Arithmetic is exact ``Decimal``;
``/`` is the ratio. ``policyrules.syntax.scorecard_ast`` builds these nodes from the
policy language; they can also be written by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

import attrs

from policyrules.types import Type

Value: TypeAlias = bool | int | Decimal | str | date

COMPARISONS = (">=", ">", "<=", "<", "==", "!=")
ARITHMETIC = ("+", "-", "*", "/")


def _span() -> Any:
    return attrs.field(default=None, eq=False, kw_only=True)


def _tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    """Children are kept as tuples; lists are accepted for convenience."""
    return tuple(items)


@attrs.frozen(slots=True)
class Const:
    """A literal; ``type`` says how to print it (``10%``, ``2000.00``)."""

    value: Value
    type: Type | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class FieldRef:
    """A field of the unit, or of the record inside ``Count``/``Sum``."""

    name: str
    span: Any = _span()


@attrs.frozen(slots=True)
class ParamRef:
    """A parameter the caller supplies."""

    name: str
    span: Any = _span()


class Part(StrEnum):
    """What an ``IndicatorRef`` reads off an indicator's result."""

    ACTUAL = "actual"
    TARGET = "target"
    MET = "met"
    RATIO = "ratio"  # actual / target
    LAST_YEAR = "last_year"


@attrs.frozen(slots=True)
class IndicatorRef:
    """A part of an indicator's result, e.g. ``annual.met``."""

    indicator: str
    part: Part = Part.ACTUAL
    span: Any = _span()


@attrs.frozen(slots=True)
class LastYear:
    """Last year's actual of the indicator whose target is being computed."""

    span: Any = _span()


@attrs.frozen(slots=True)
class MetCount:
    """How many indicators the unit meets (of ``area``, or of the whole card)."""

    area: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Compare:
    op: str = attrs.field(validator=attrs.validators.in_(COMPARISONS))
    left: Expr = attrs.field()
    right: Expr = attrs.field()
    span: Any = _span()


@attrs.frozen(slots=True)
class Logic:
    """``and`` / ``or`` over two or more operands."""

    op: str = attrs.field(validator=attrs.validators.in_(("and", "or")))
    operands: tuple[Expr, ...] = attrs.field(converter=_tuple)
    span: Any = _span()


@attrs.frozen(slots=True)
class Not:
    operand: Expr
    span: Any = _span()


@attrs.frozen(slots=True)
class Arith:
    op: str = attrs.field(validator=attrs.validators.in_(ARITHMETIC))
    left: Expr = attrs.field()
    right: Expr = attrs.field()
    span: Any = _span()


@attrs.frozen(slots=True)
class Count:
    """The number of records of ``kind`` belonging to the unit that satisfy ``where``."""

    kind: str
    where: Expr | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Sum:
    """The sum of ``value`` over the unit's records of ``kind`` that satisfy ``where``."""

    kind: str
    value: Expr
    where: Expr | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Lookup:
    """An entry of a policy table, e.g. ``project_deadline[item]`` (a deadline by project)."""

    table: str
    key: Expr
    span: Any = _span()


@attrs.frozen(slots=True)
class Today:
    """The evaluation date (``evaluation_date`` / ``评估日期``)."""

    span: Any = _span()


@attrs.frozen(slots=True)
class Score:
    """The unit's rounded score; known only after every point item."""

    span: Any = _span()


Expr: TypeAlias = (
    Const | FieldRef | ParamRef | IndicatorRef | LastYear | MetCount | Compare | Logic | Not | Arith | Count | Sum
    | Lookup | Today | Score
)


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``expr``."""
    if isinstance(expr, Compare | Arith):
        return (expr.left, expr.right)
    if isinstance(expr, Logic):
        return expr.operands
    if isinstance(expr, Not):
        return (expr.operand,)
    if isinstance(expr, Count):
        return () if expr.where is None else (expr.where,)
    if isinstance(expr, Sum):
        return (expr.value,) + (() if expr.where is None else (expr.where,))
    if isinstance(expr, Lookup):
        return (expr.key,)
    return ()


def walk(expr: Expr) -> list[Expr]:
    """``expr`` and all its sub-expressions, pre-order."""
    out = [expr]
    for child in children(expr):
        out.extend(walk(child))
    return out


# Short constructors for hand-written cards and tests.
def f(name: str) -> FieldRef:
    return FieldRef(name)


def and_(*operands: Expr) -> Logic:
    return Logic("and", operands)


def or_(*operands: Expr) -> Logic:
    return Logic("or", operands)

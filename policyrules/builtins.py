"""The one table of built-in functions: names (English and Chinese), arity, typing and
evaluation. The checker, the interpreter and the SQL compiler all read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from policyrules import types as t

ALIASES = {
    "较小值": "min", "最小值": "min", "较大值": "max", "最大值": "max",
    "取整": "floor", "向下取整": "floor", "whole": "floor", "向上取整": "ceil",
    "周岁": "years_since", "满月数": "months_since", "绝对值": "abs",
}


def canonical_function(name: str) -> str:
    return ALIASES.get(name, name)


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


@attrs.frozen(slots=True)
class Builtin:
    name: str
    arity: tuple[int, int]
    doc: str
    result: Callable[[list[t.Type]], t.Type | str]  # a type, or an error message
    run: Callable[..., Any] | None


def _same_kind(args: list[t.Type]) -> t.Type | str:
    first = args[0]
    for a in args[1:]:
        if not _compatible(first, a):
            return f"all arguments must have the same unit, got {first} and {a}"
    if any(a.kind is t.Kind.NUMBER for a in args) and first.kind is t.Kind.INTEGER:
        return t.NUMBER
    return first


def _compatible(a: t.Type, b: t.Type) -> bool:
    if a.kind in (t.Kind.INTEGER, t.Kind.NUMBER) and b.kind in (t.Kind.INTEGER, t.Kind.NUMBER):
        return True
    if a.kind is t.Kind.DURATION and b.kind is t.Kind.DURATION:
        return (a.unit == "day") == (b.unit == "day")
    return a == b


def _numeric_like(args: list[t.Type]) -> t.Type | str:
    a = args[0]
    if a.kind in (t.Kind.INTEGER, t.Kind.NUMBER, t.Kind.MONEY, t.Kind.RATE, t.Kind.DURATION, t.Kind.PERCENT):
        return t.INTEGER if a.kind is t.Kind.NUMBER else a
    return f"expects a number, an amount or a duration, got {a}"


def _date_arg(unit: str) -> Callable[[list[t.Type]], t.Type | str]:
    def result(args: list[t.Type]) -> t.Type | str:
        return t.duration(unit) if args[0].kind is t.Kind.DATE else f"expects a date, got {args[0]}"

    return result


def _round_to(x: Decimal, mode: str) -> Decimal:
    return x.to_integral_value(rounding=mode)


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin("min", (2, 9), "the smallest of its arguments", _same_kind, lambda *xs: min(xs)),
        Builtin("max", (2, 9), "the largest of its arguments", _same_kind, lambda *xs: max(xs)),
        Builtin("floor", (1, 1), "rounded down to a whole number (whole months, whole yuan)", _numeric_like,
                lambda x: _round_to(x, ROUND_FLOOR)),
        Builtin("ceil", (1, 1), "rounded up to a whole number", _numeric_like,
                lambda x: _round_to(x, ROUND_CEILING)),
        Builtin("abs", (1, 1), "the absolute value", lambda a: a[0], abs),
        Builtin("years_since", (1, 1), "whole years from a date to the evaluation date (age)",
                _date_arg("year"), None),
        Builtin("months_since", (1, 1), "whole months from a date to the evaluation date",
                _date_arg("month"), None),
    ]
}


def run_date_builtin(name: str, start: dt.date, on: dt.date) -> Decimal:
    """years_since / months_since, evaluated against the evaluation date."""
    months = _months_between(start, on)
    return Decimal(months // 12 if name == "years_since" else months)

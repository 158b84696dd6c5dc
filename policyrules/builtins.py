"""The one table of built-in functions: names (English and Chinese), arity, typing and
evaluation. The checker, the interpreter and the SQL compiler all read it."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from policyrules import types as t

ALIASES = {
    "较小值": "min", "最小值": "min", "较大值": "max", "最大值": "max",
    "取整": "floor", "向下取整": "floor", "whole": "floor", "向上取整": "ceil",
    "周岁": "years_since", "满月数": "months_since", "绝对值": "abs", "已提供": "given", "四舍五入到": "round",
    "舍去到": "round_down",
    # calendar arithmetic (《民法典》第二百零一、二百零二条)
    "间隔天数": "days_between", "间隔月数": "months_between",
    "间隔年数": "years_between", "周年数": "years_between", "年龄": "age_on",
    "年份": "year_of", "月份": "month_of", "日": "day_of",
    "月初": "start_of_month", "月末": "end_of_month", "年初": "start_of_year", "年末": "end_of_year",
    "重叠天数": "days_overlap", "重叠月数": "months_overlap",
}


def canonical_function(name: str) -> str:
    return ALIASES.get(name, name)


# ---------------------------------------------------------------- the calendar
# 《民法典》第二百零一条: a period in days, months or years starts the day after its start
# date (the start day is not counted); 第二百零二条: a period in months or years ends on the
# corresponding day of the last month, or on that month's last day when it has no such day.


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


class OutsideCalendar(ArithmeticError):
    """A date computed beyond the calendar dates have (years 1 to 9999)."""


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus ``months`` calendar months: the corresponding day of the target month, or its
    last day when it has no such day (2024-01-31 + 1 month = 2024-02-29)."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    if not dt.MINYEAR <= y <= dt.MAXYEAR:
        raise OutsideCalendar(f"{d} + {months} months")
    return dt.date(y, m + 1, min(d.day, days_in_month(y, m + 1)))


def whole_units(x: Decimal | int) -> int:
    """A duration added to a date counts whole days or months: the fraction is dropped (toward zero)."""
    return int(x)


def shift(d: dt.date, amount: Decimal | int, unit: str | None) -> dt.date:
    """``d + amount`` of a duration of ``unit`` (years are carried as months)."""
    if unit == "day":
        days = whole_units(amount)
        try:
            return d + dt.timedelta(days=days)
        except OverflowError:  # beyond year 9999 (or before year 1), or beyond what a timedelta holds
            raise OutsideCalendar(f"{d} + {days} days") from None
    return add_months(d, whole_units(amount))


def _is_month_end(d: dt.date) -> bool:
    return d.day == days_in_month(d.year, d.month)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end``: the largest n with start + n months <= end
    (negative, symmetrically, when ``end`` is before ``start``)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    # start + months lands in end's month, on min(start.day, its last day)
    if start.day > end.day and not _is_month_end(end):
        months -= 1
    return months


def years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (toward zero when ``end`` is before ``start``)."""
    m = months_between(start, end)
    return m // 12 if m >= 0 else -(-m // 12)


def _month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def days_overlap(s1: dt.date, e1: dt.date, s2: dt.date, e2: dt.date) -> Decimal:
    """Days in both [s1, e1] and [s2, e2], both ends included (0 when disjoint)."""
    return Decimal(max(0, (min(e1, e2) - max(s1, s2)).days + 1))


def months_overlap(s1: dt.date, e1: dt.date, s2: dt.date, e2: dt.date) -> Decimal:
    """Calendar months in both ranges of months (a date counts as its month), both ends included."""
    return Decimal(max(0, min(_month_index(e1), _month_index(e2)) - max(_month_index(s1), _month_index(s2)) + 1))


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


def _a(ty: t.Type) -> str:
    return {t.Kind.DATE: "a date", t.Kind.INTEGER: "a whole number", t.Kind.MONEY: "money"}.get(ty.kind, str(ty))


def _dates(result: t.Type, months_too: bool = False) -> Callable[[list[t.Type]], t.Type | str]:
    """Every argument a date (or a calendar month, when ``months_too``) -> ``result``."""
    allowed = (t.Kind.DATE, t.Kind.MONTH) if months_too else (t.Kind.DATE,)
    what = "a date or a calendar month" if months_too else "a date"

    def check(args: list[t.Type]) -> t.Type | str:
        for i, a in enumerate(args, 1):
            if a.kind not in allowed:
                return f"expects {what} as argument {i}, got {_a(a)}"
        return result

    return check


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
        Builtin("given", (1, 1), "whether an optional fact (or a field of an item) was given", lambda a: t.BOOL,
                None),
        Builtin("round", (2, 2), "rounded half-up to a step such as `0.01 元` or `1` (an intermediate value)",
                lambda a: a[0], None),
        Builtin("round_down", (2, 2), "rounded down (toward zero) to a step: whole days, whole yuan",
                lambda a: a[0], None),
        Builtin("years_since", (1, 1), "whole years from a date to the evaluation date (age)",
                _date_arg("year"), None),
        Builtin("months_since", (1, 1), "whole months from a date to the evaluation date",
                _date_arg("month"), None),
        # calendar arithmetic; durations in years are carried as 12 x months
        Builtin("days_between", (2, 2), "days from the first date to the second (the first not counted)",
                _dates(t.duration("day")), lambda a, b: Decimal((b - a).days)),
        Builtin("months_between", (2, 2), "whole months from the first date to the second",
                _dates(t.duration("month")), lambda a, b: Decimal(months_between(a, b))),
        Builtin("years_between", (2, 2), "whole years from the first date to the second",
                _dates(t.duration("year")), lambda a, b: Decimal(12 * years_between(a, b))),
        Builtin("age_on", (2, 2), "the age in whole years on a date, from the date of birth",
                _dates(t.duration("year")), lambda a, b: Decimal(12 * years_between(a, b))),
        Builtin("year_of", (1, 1), "the year of a date or a calendar month", _dates(t.INTEGER, True),
                lambda d: d.year),
        Builtin("month_of", (1, 1), "the calendar month of a date", _dates(t.MONTH, True),
                lambda d: d.replace(day=1)),
        Builtin("day_of", (1, 1), "the day of the month of a date", _dates(t.INTEGER), lambda d: d.day),
        Builtin("start_of_month", (1, 1), "the first day of the month", _dates(t.DATE, True),
                lambda d: d.replace(day=1)),
        Builtin("end_of_month", (1, 1), "the last day of the month", _dates(t.DATE, True),
                lambda d: d.replace(day=days_in_month(d.year, d.month))),
        Builtin("start_of_year", (1, 1), "1 January of the year", _dates(t.DATE, True),
                lambda d: dt.date(d.year, 1, 1)),
        Builtin("end_of_year", (1, 1), "31 December of the year", _dates(t.DATE, True),
                lambda d: dt.date(d.year, 12, 31)),
        Builtin("days_overlap", (4, 4), "days in both date ranges, both ends included",
                _dates(t.duration("day")), days_overlap),
        Builtin("months_overlap", (4, 4), "calendar months in both ranges of months, both ends included",
                _dates(t.duration("month"), True), months_overlap),
    ]
}


def run_date_builtin(name: str, start: dt.date, on: dt.date) -> Decimal:
    """years_since / months_since, evaluated against the evaluation date: whole years
    (as years) or whole months, by the rule of :func:`months_between`."""
    return Decimal(years_between(start, on) if name == "years_since" else months_between(start, on))

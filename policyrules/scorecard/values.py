"""Input values -> runtime values (exact), and runtime values -> display text."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from policyrules.scorecard.model import ID, FieldType, Value
from policyrules.types import Kind

_TRUE = {"true", "yes", "y", "1", "是", "t"}
_FALSE = {"false", "no", "n", "0", "否", "f"}


class BadValue(ValueError):
    """An input value that does not fit its declared type; the message says why."""


def _decimal(raw: object) -> Decimal:
    if isinstance(raw, bool):
        raise BadValue(f"{raw!r} is not a number")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        # A float only reaches here from a caller's dict: read it as written (repr).
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace(",", "")
        for suffix in ("元", "分", "人"):
            text = text.removesuffix(suffix)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise BadValue(f"{raw!r} is not a number") from None
    else:
        raise BadValue(f"{raw!r} is not a number")
    if not value.is_finite():
        raise BadValue(f"{raw!r} is not a finite number")
    return value


def parse_value(raw: object, type_: FieldType) -> Value:
    """The runtime value of ``raw`` for ``type_``; raises ``BadValue``."""
    if type_ == ID:
        if isinstance(raw, bool) or not isinstance(raw, str | int) or str(raw).strip() == "":
            raise BadValue(f"{raw!r} is not an id")
        return str(raw).strip()
    assert not isinstance(type_, str)
    kind = type_.kind
    if kind is Kind.BOOL:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise BadValue(f"{raw!r} is not true or false")
    if kind is Kind.INTEGER:
        value = _decimal(raw)
        if value != value.to_integral_value():
            raise BadValue(f"{raw!r} is not a whole number")
        return int(value)
    if kind is Kind.PERCENT:
        if isinstance(raw, str) and raw.strip().endswith("%"):
            return _decimal(raw.strip()[:-1]).scaleb(-2)
        return _decimal(raw)
    if kind in (Kind.NUMBER, Kind.MONEY):
        return _decimal(raw)
    if kind is Kind.DATE:
        return _date(raw)
    if kind in (Kind.TEXT, Kind.ENUM):
        if not isinstance(raw, str):
            raise BadValue(f"{raw!r} is not text")
        if kind is Kind.ENUM and raw not in type_.values:
            raise BadValue(f"{raw!r} is not one of {', '.join(type_.values)}")
        return raw
    if kind is Kind.DURATION:  # as the language reads it (held in months, or in days)
        from policyrules.evaluate.inputs import convert

        converted, err = convert(raw, type_)
        if err is not None:
            raise BadValue(err)
        return converted  # type: ignore[no-any-return]
    raise BadValue(f"fields of type {type_} are not supported in scorecards")


_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        m = _CN_DATE.fullmatch(text)
        try:
            return date(int(m[1]), int(m[2]), int(m[3])) if m else date.fromisoformat(text)
        except ValueError:
            pass
    raise BadValue(f"{raw!r} is not a date such as 2012-12-31")


def as_decimal(value: Value) -> Decimal:
    """A numeric runtime value as ``Decimal`` (ints widen exactly)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{value!r} is not a number")
    return Decimal(value)


def fmt_number(value: Decimal | int, places: int | None = None) -> str:
    """``120`` for 120, ``1.5`` for 1.50, or fixed ``places`` when given."""
    if isinstance(value, int):
        return str(value) if places is None else f"{Decimal(value):.{places}f}"
    if places is not None:
        return f"{value:.{places}f}"
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    text = f"{value.normalize():f}"
    if len(text.split(".")[1]) > 4:
        return f"{value:.4f}"
    return text


def fmt_value(value: Value | None, kind: Kind | None = None, lang: str = "en") -> str:
    """Display a runtime value; percents as ``3.1%``, money with two decimals."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        if lang == "zh":
            return "是" if value else "否"
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if kind is Kind.PERCENT:
        return fmt_number(Decimal(value).scaleb(2)) + "%"
    if kind is Kind.MONEY:
        return fmt_number(value, 2)
    return fmt_number(value)

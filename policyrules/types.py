"""Value types of the policy language: the checker assigns one to every expression.

Runtime representation (what the evaluator and the batch engine pass around):

=========  ======================================================
kind       Python value
=========  ======================================================
bool       ``bool``
integer    ``int``
number     ``Decimal``
money      ``Decimal`` yuan (exact; rounded to the fen only where the policy says)
rate       ``Decimal`` yuan per ``period`` (``month`` or ``year``)
percent    ``Decimal`` fraction (``10%`` is ``Decimal("0.10")``)
duration   ``Decimal`` count of ``unit`` (``month``, ``year`` or ``day``)
date       ``datetime.date``
month      ``datetime.date``, the first day of a calendar month (written ``2024-05``)
enum       ``str`` (one of ``values``)
text       ``str``
record     ``Record`` (policyrules.evaluate.records): the fields of one item, by name
list       ``tuple`` of values of ``element`` (records keep their input order)
map        ``dict`` from values of ``key`` to values of ``element`` (a structured parameter)
=========  ======================================================
"""

from __future__ import annotations

from enum import StrEnum

import attrs


class Kind(StrEnum):
    """The kind of a value type."""

    BOOL = "bool"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    RATE = "rate"
    PERCENT = "percent"
    DURATION = "duration"
    DATE = "date"
    ENUM = "enum"
    TEXT = "text"
    MONTH = "month"
    RECORD = "record"
    LIST = "list"
    MAP = "map"


PERIODS = ("month", "year")
DURATION_UNITS = ("day", "month", "year")


@attrs.frozen(slots=True)
class Type:
    """A value type: its kind plus the unit (for rates and durations) or enum values."""

    kind: Kind
    unit: str | None = None
    values: tuple[str, ...] = ()
    name: str | None = attrs.field(default=None, eq=False)
    signed: bool = attrs.field(default=False, eq=False)  # a number that may be negative (facts, parameters)
    record: str | None = None  # the record type of a record
    element: Type | None = None  # the type of a list's items, or of a map's values
    key: Type | None = None  # the type of a map's keys

    def __str__(self) -> str:
        if self.kind is Kind.RATE:
            return f"money per {self.unit}"
        if self.kind is Kind.DURATION:
            return f"{self.unit}s"
        if self.kind is Kind.ENUM:
            return self.name or " | ".join(self.values)
        if self.kind is Kind.RECORD:
            return f"a {self.record} record"
        if self.kind is Kind.LIST:
            return f"a list of {self.element.record if self.element and self.element.record else self.element}"
        if self.kind is Kind.MAP:
            return f"{self.element} by {self.key}"
        if self.kind is Kind.MONTH:
            return "a calendar month"
        return self.kind.value

    @property
    def numeric(self) -> bool:
        return self.kind in (Kind.INTEGER, Kind.NUMBER, Kind.PERCENT)


BOOL = Type(Kind.BOOL)
INTEGER = Type(Kind.INTEGER)
NUMBER = Type(Kind.NUMBER)
MONEY = Type(Kind.MONEY)
PERCENT = Type(Kind.PERCENT)
DATE = Type(Kind.DATE)
MONTH = Type(Kind.MONTH)
TEXT = Type(Kind.TEXT)


def rate(period: str) -> Type:
    return Type(Kind.RATE, unit=period)


def duration(unit: str) -> Type:
    return Type(Kind.DURATION, unit=unit)


def enum(values: tuple[str, ...], name: str | None = None) -> Type:
    return Type(Kind.ENUM, values=values, name=name)


def record(name: str) -> Type:
    return Type(Kind.RECORD, record=name)


def list_of(element: Type) -> Type:
    return Type(Kind.LIST, element=element)


def map_of(key: Type, element: Type) -> Type:
    return Type(Kind.MAP, key=key, element=element)

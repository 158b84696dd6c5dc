"""Scorecard model: the checked form a ``scorecard`` declaration denotes.

A scorecard declares the input fields of each assessed unit (and of person-level
records), indicators with targets, areas grouping indicators, point items, the
qualification rule, the ranking and the awards. Every node is frozen and slotted,
with a ``span`` left out of equality, and ``cite`` / ``text`` for the clause.

Every expression of a card (a target, an actual, a condition, a weight, a key) is an
expression node of the language (:mod:`policyrules.syntax.nodes`): the language's checker
types it and its interpreter evaluates it. ``policyrules.syntax.scorecard_ast`` builds
these nodes from a ``scorecard`` declaration; ``policyrules.scorecard.bind`` then attaches
the policy's parameters, categories, sets and tables it uses.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum
from typing import Any, Literal, TypeAlias

import attrs

from policyrules.check.checked import Table
from policyrules.syntax import nodes as n
from policyrules.types import Type

Value: TypeAlias = Any
"""A runtime value: ``bool``, ``int``, ``Decimal`` (number, money, percent as a fraction),
``str`` (ids, enum values, text), ``date``, or a value of the language (a duration in its unit)."""

Expr: TypeAlias = n.Expr

ID: Literal["id"] = "id"
"""The type of a field holding a unit id (the unit's own ``id``, or a record's unit)."""

FieldType: TypeAlias = Type | Literal["id"]


def _span() -> Any:
    return attrs.field(default=None, eq=False, kw_only=True)


def _tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    """Children are kept as tuples; lists are accepted for convenience."""
    return tuple(items)


def _dec(value: Decimal | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _opt_dec(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else _dec(value)


def _weight(value: Decimal | int | str | Expr) -> Decimal | Expr:
    """A weight is a number, or an expression such as a parameter (``weight w_jobs``)."""
    return _dec(value) if isinstance(value, Decimal | int | str) else value


def weight_is_one(weight: Decimal | Expr) -> bool:
    return isinstance(weight, Decimal) and weight == 1


@attrs.frozen(slots=True)
class FieldDecl:
    """An input field of a unit, of a record kind, or a parameter.

    A parameter may carry the values the policy states: ``values`` pairs a start date
    (``None`` for a fixed value) with the value in force from then on; a value the
    caller supplies wins.
    """

    name: str
    type: FieldType
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    values: tuple[tuple[date | None, Value], ...] = attrs.field(default=(), converter=_tuple)
    optional: bool = False  # a unit field that may be left out (``given(field)`` tells)
    span: Any = _span()


@attrs.frozen(slots=True)
class RecordKind:
    """Person-level records (e.g. ``worker``); ``unit_field`` holds the unit's id."""

    name: str
    fields: tuple[FieldDecl, ...] = attrs.field(converter=_tuple)
    unit_field: str = "unit"
    label: str | None = None
    span: Any = _span()


class Part(StrEnum):
    """What ``annual.met`` reads off an indicator's result."""

    ACTUAL = "actual"
    TARGET = "target"
    MET = "met"
    RATIO = "ratio"  # actual / target
    LAST_YEAR = "last_year"


class Direction(StrEnum):
    AT_LEAST = "at least"  # 以上, 不低于, 达到
    AT_MOST = "at most"  # 以内, 控制在, 不超过
    IS = "is"  # 建成 (a yes/no target), or exactly the target


@attrs.frozen(slots=True)
class Indicator:
    """A measured result with a target; ``met`` compares actual and target.

    ``actual`` defaults to the unit field of the same name. ``target`` may be a
    constant, a unit field, a parameter, or an expression over ``LastYear()``, in which
    case ``last_year`` says where last year's actual comes from.
    """

    name: str
    target: Expr
    direction: Direction = Direction.AT_LEAST
    actual: Expr | None = None
    inclusive: bool = True
    last_year: Expr | None = None
    type: Type | None = None
    area: str | None = None
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()

    @functools.cached_property
    def implicit(self) -> n.Name:
        """The unit field of the indicator's name: one node, typed once and evaluated by its id."""
        return n.Name((self.name,), self.span or n.NO_SPAN)

    @property
    def actual_expr(self) -> Expr:
        return self.actual if self.actual is not None else self.implicit


@attrs.frozen(slots=True)
class Area:
    """A group of indicators (001: 7 areas); its advanced units (000).

    A unit is a candidate when it meets every indicator of the area and
    ``condition``; candidates are ordered by ``order`` then unit id and the first
    ``advanced`` of them (all when ``None``) are the area's advanced units.
    """

    name: str
    label: str | None = None
    advanced: int | None = None
    amount: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    condition: Expr | None = None
    order: tuple[OrderKey, ...] = attrs.field(default=(), converter=_tuple)
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Proportional:
    """``points x actual / target`` of an indicator, above and below; optional cap."""

    name: str
    points: Decimal = attrs.field(converter=_dec)
    indicator: str = attrs.field()
    cap: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    weight: Decimal | Expr = attrs.field(default=Decimal(1), converter=_weight)
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class YesNo:
    """``points`` when ``condition`` holds (a bool field, an indicator met), else 0."""

    name: str
    points: Decimal = attrs.field(converter=_dec)
    condition: Expr = attrs.field()
    weight: Decimal | Expr = attrs.field(default=Decimal(1), converter=_weight)
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Deduction:
    """``max(floor, points - per_item x missing)``.

    ``missing`` is an expression (e.g. a count field), refused outside ``0..out_of``;
    when ``None`` it is the number of the bool fields named in ``items`` that are false.
    """

    name: str
    points: Decimal = attrs.field(converter=_dec)
    per_item: Decimal = attrs.field(converter=_dec)
    missing: Expr | None = None
    out_of: int | None = None
    items: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    floor: Decimal = attrs.field(default=Decimal(0), converter=_dec)
    weight: Decimal | Expr = attrs.field(default=Decimal(1), converter=_weight)
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Direct:
    """Points given as an input field, refused outside ``minimum..maximum``."""

    name: str
    field: str
    minimum: Decimal = attrs.field(default=Decimal(0), converter=_dec)
    maximum: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    weight: Decimal | Expr = attrs.field(default=Decimal(1), converter=_weight)
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


PointItem: TypeAlias = Proportional | YesNo | Deduction | Direct


class RoundingMode(StrEnum):
    HALF_UP = ROUND_HALF_UP
    HALF_EVEN = ROUND_HALF_EVEN
    DOWN = ROUND_DOWN
    UP = ROUND_UP


@attrs.frozen(slots=True)
class Rounding:
    """How the score is rounded: to ``quantum`` (``0.01``) with ``mode``."""

    quantum: Decimal = attrs.field(default=Decimal("0.01"), converter=_dec)
    mode: RoundingMode = RoundingMode.HALF_UP
    span: Any = _span()

    def apply(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=self.mode.value)


@attrs.frozen(slots=True)
class Condition:
    """A qualification condition, e.g. ``annual.met`` (必须完成年度招工任务)."""

    expr: Expr
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Qualification:
    """Qualified = the rounded ``score >= threshold`` (when given) and every condition."""

    threshold: Decimal | None = attrs.field(default=None, converter=_opt_dec)
    conditions: tuple[Condition, ...] = attrs.field(default=(), converter=_tuple)
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class OrderKey:
    """A tie-break: ``expr`` evaluated per unit, larger first when ``descending``."""

    expr: Expr
    descending: bool = True
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Ranking:
    """Qualified units by score, descending, then ``tie_breaks`` in order, then unit id."""

    tie_breaks: tuple[OrderKey, ...] = attrs.field(default=(), converter=_tuple)
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Award:
    """The next ``count`` ranked units are advanced units and get ``amount`` each."""

    name: str
    count: int
    amount: Decimal = attrs.field(default=Decimal(0), converter=_dec)
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Listing:
    """Per unit, the ``field`` of each of its ``kind`` records that satisfy ``where``
    (e.g. the projects overdue on the evaluation date)."""

    name: str
    kind: str
    field: str
    where: Expr | None = None
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    span: Any = _span()


@attrs.frozen(slots=True)
class Scorecard:
    """A target-responsibility scorecard (目标责任制考核).

    ``ranking`` is ``None`` for a checklist whose units are not ranked (then no awards).
    """

    name: str
    fields: tuple[FieldDecl, ...] = attrs.field(converter=_tuple)
    indicators: tuple[Indicator, ...] = attrs.field(default=(), converter=_tuple)
    items: tuple[PointItem, ...] = attrs.field(default=(), converter=_tuple)
    areas: tuple[Area, ...] = attrs.field(default=(), converter=_tuple)
    qualification: Qualification | None = None
    ranking: Ranking | None = attrs.field(factory=Ranking)
    awards: tuple[Award, ...] = attrs.field(default=(), converter=_tuple)
    rounding: Rounding = attrs.field(factory=Rounding)
    parameters: tuple[FieldDecl, ...] = attrs.field(default=(), converter=_tuple)
    records: tuple[RecordKind, ...] = attrs.field(default=(), converter=_tuple)
    label: str | None = None
    cite: str | None = None
    text: str | None = None
    lists: tuple[Listing, ...] = attrs.field(default=(), converter=_tuple)
    tables: tuple[Table, ...] = attrs.field(default=(), converter=_tuple)  # the policy's, as checked
    sets: tuple[n.SetDecl, ...] = attrs.field(default=(), converter=_tuple)  # the policy's sets it uses
    fields_label: str | None = None  # who reports the fields, e.g. "各乡镇(单位)填报"
    span: Any = _span()

    def indicator(self, name: str) -> Indicator:
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise KeyError(name)

    def record_kind(self, name: str) -> RecordKind:
        for kind in self.records:
            if kind.name == name:
                return kind
        raise KeyError(name)

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.decl.name == name:
                return table
        raise KeyError(name)

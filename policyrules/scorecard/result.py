"""What evaluating a scorecard produces: per unit and for the card as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from policyrules.scorecard.model import Condition, Scorecard, Value


@attrs.frozen(slots=True)
class IndicatorResult:
    name: str
    actual: Value
    target: Value
    met: bool
    last_year: Value | None = None
    ratio: Decimal | None = None  # actual / target, None when the target is 0


@attrs.frozen(slots=True)
class ItemResult:
    """Points of one item; ``raw`` before the cap or floor, ``values`` for the formula."""

    name: str
    points: Decimal
    raw: Decimal
    bound: str | None = None  # "cap" or "floor" when it decided the points
    values: Mapping[str, Value] = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class ConditionResult:
    """One part of the qualification rule; ``condition`` is None for the threshold."""

    condition: Condition | None
    holds: bool


@attrs.frozen(slots=True)
class AreaResult:
    name: str
    met_count: int
    indicator_count: int
    candidate: bool
    order_values: tuple[Value, ...] = ()
    rank: int | None = None
    advanced: bool = False
    award: Decimal = Decimal("0.00")


@attrs.frozen(slots=True)
class RankReason:
    """Why a unit ranks below ``above``: the first key that differs.

    ``key`` is ``"score"``, ``"tie_break"`` (with ``index`` into the tie-breaks) or ``"id"``.
    """

    above: str
    key: str
    index: int | None = None


@attrs.frozen(slots=True)
class UnitResult:
    id: str
    inputs: Mapping[str, Value]
    indicators: tuple[IndicatorResult, ...]
    items: tuple[ItemResult, ...]
    raw_score: Decimal
    score: Decimal
    conditions: tuple[ConditionResult, ...]
    tie_values: tuple[Value, ...]
    rank: int | None = None
    rank_reason: RankReason | None = None
    advanced_unit: bool = False
    award: Decimal = Decimal("0.00")
    award_name: str | None = None
    areas: tuple[AreaResult, ...] = ()
    lists: tuple[tuple[str, tuple[Value, ...]], ...] = ()

    @property
    def label(self) -> str | None:
        label = self.inputs.get("label")
        return label if isinstance(label, str) else None

    @property
    def qualified(self) -> bool:
        return all(c.holds for c in self.conditions)

    @property
    def failures(self) -> tuple[ConditionResult, ...]:
        return tuple(c for c in self.conditions if not c.holds)

    @property
    def met_count(self) -> int:
        return sum(1 for i in self.indicators if i.met)

    @property
    def indicator_count(self) -> int:
        return len(self.indicators)

    @property
    def total_award(self) -> Decimal:
        return self.award + sum((a.award for a in self.areas), Decimal("0.00"))

    def indicator(self, name: str) -> IndicatorResult:
        for ind in self.indicators:
            if ind.name == name:
                return ind
        raise KeyError(name)

    def item(self, name: str) -> ItemResult:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)

    def area(self, name: str) -> AreaResult:
        for area in self.areas:
            if area.name == name:
                return area
        raise KeyError(name)

    def listed(self, name: str) -> tuple[Value, ...]:
        for list_name, values in self.lists:
            if list_name == name:
                return values
        raise KeyError(name)

    def get(self, key: str) -> Any:
        """An output by the acceptance-case key: ``score``, ``rank``, ``annual.met``,
        ``items.annual`` (an item's points), ``areas.employment.advanced``, a list's
        name (``overdue``) ..."""
        head, _, rest = key.partition(".")
        if not rest:
            if head in ("items", "areas", "inputs", "lists", "get"):
                raise KeyError(key)
            if any(name == head for name, _ in self.lists):
                return self.listed(head)
            if head.startswith("_") or not hasattr(self, head):
                raise KeyError(key)
            return getattr(self, head)
        if head == "items":
            return self.item(rest).points
        if head == "areas":
            name, _, attr = rest.partition(".")
            if attr.startswith("_") or attr not in {"met_count", "indicator_count", "candidate", "rank", "advanced",
                                                   "award", ""}:
                raise KeyError(key)
            return getattr(self.area(name), attr or "advanced")
        if rest not in {"actual", "target", "met", "last_year", "ratio"}:
            raise KeyError(key)
        return getattr(self.indicator(head), rest)


@attrs.frozen(slots=True)
class ScorecardResult:
    """Units in order: ranked units by rank, then the others by score and id."""

    card: Scorecard
    on: date
    parameters: Mapping[str, Value]
    units: tuple[UnitResult, ...]
    records: Mapping[str, Mapping[str, tuple[Mapping[str, Value], ...]]] = attrs.field(factory=dict)
    checked: Any = attrs.field(default=None, eq=False, repr=False)  # the CheckedCard: types, references

    def unit(self, unit_id: str) -> UnitResult:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        raise KeyError(unit_id)

    @property
    def total_awards(self) -> Decimal:
        return sum((u.total_award for u in self.units), Decimal("0.00"))

    @property
    def qualified_count(self) -> int:
        return sum(1 for u in self.units if u.qualified)

    @property
    def advanced_units(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.units if u.advanced_unit)

    def get(self, key: str) -> Any:
        """A card-level output (``total_awards``, ``qualified_count``, ``advanced_units``)."""
        if key not in ("total_awards", "qualified_count", "advanced_units"):
            raise KeyError(key)
        return getattr(self, key)

"""Scored units -> ranks, awards and advanced units per area.

Qualified units rank by score (descending), then the card's tie-breaks in order, then
unit id (ascending), so the order is total and never depends on the input order.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from policyrules.scorecard.model import OrderKey, Scorecard, Value
from policyrules.scorecard.result import RankReason, UnitResult
from policyrules.scorecard.values import as_decimal


def _key(values: tuple[Value, ...], keys: tuple[OrderKey, ...]) -> tuple[Decimal, ...]:
    return tuple(-as_decimal(v) if k.descending else as_decimal(v) for v, k in zip(values, keys, strict=True))


def sort_key(card: Scorecard, unit: UnitResult) -> tuple[object, ...]:
    """The key qualified units are sorted by: score, tie-breaks, id."""
    keys = card.ranking.tie_breaks if card.ranking is not None else ()
    return (-unit.score, _key(unit.tie_values, keys), unit.id)


def rank_reason(card: Scorecard, unit: UnitResult, above: UnitResult) -> RankReason:
    """The first key on which ``unit`` comes after ``above``."""
    if unit.score != above.score:
        return RankReason(above.id, "score")
    for index, (mine, theirs) in enumerate(zip(unit.tie_values, above.tie_values, strict=True)):
        if mine != theirs:
            return RankReason(above.id, "tie_break", index)
    return RankReason(above.id, "id")


def rank_units(card: Scorecard, units: list[UnitResult]) -> list[UnitResult]:
    """Units with rank, rank reason, award and area results filled in; ranked first."""
    if card.ranking is None:
        return _areas(card, sorted(units, key=lambda u: (-u.score, u.id)))
    qualified = sorted((u for u in units if u.qualified), key=lambda u: sort_key(card, u))
    others = sorted((u for u in units if not u.qualified), key=lambda u: (-u.score, u.id))
    tiers = [award for award in card.awards for _ in range(award.count)]
    ranked: list[UnitResult] = []
    for position, unit in enumerate(qualified):
        reason = rank_reason(card, unit, qualified[position - 1]) if position else None
        unit = attrs.evolve(unit, rank=position + 1, rank_reason=reason)
        if position < len(tiers):
            award = tiers[position]
            unit = attrs.evolve(unit, advanced_unit=True, award=award.amount.quantize(Decimal("0.01")),
                                award_name=award.name)
        ranked.append(unit)
    return _areas(card, ranked + others)


def _areas(card: Scorecard, units: list[UnitResult]) -> list[UnitResult]:
    by_id = {u.id: u for u in units}
    for index, area in enumerate(card.areas):
        candidates = [u for u in units if u.areas[index].candidate]

        def order(unit: UnitResult, index: int = index, keys: tuple[OrderKey, ...] = area.order) -> tuple[object, ...]:
            return (_key(unit.areas[index].order_values, keys), unit.id)

        candidates.sort(key=order)
        for position, unit in enumerate(candidates):
            current = by_id[unit.id]
            advanced = area.advanced is None or position < area.advanced
            amount = area.amount.quantize(Decimal("0.01")) if advanced and area.amount is not None else Decimal("0.00")
            new_area = attrs.evolve(current.areas[index], rank=position + 1, advanced=advanced, award=amount)
            areas = current.areas[:index] + (new_area,) + current.areas[index + 1 :]
            by_id[unit.id] = attrs.evolve(current, areas=areas)
    return [by_id[u.id] for u in units]

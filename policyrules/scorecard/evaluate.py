"""Scorecard + units (+ records, parameters, date) -> ``ScorecardResult``.

Inputs are validated first and every problem is reported at once; then each unit is
scored on its own (indicators, items, score, qualification), and ``rank`` orders the
units, gives the awards and names the advanced units per area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from policyrules.scorecard.calc import CTX, EvalError, Scope, compare, divide, evaluate
from policyrules.scorecard.check import check_scorecard
from policyrules.scorecard.errors import ScorecardDefinitionError
from policyrules.scorecard.expr import FieldRef, Value
from policyrules.scorecard.model import (
    Area,
    Deduction,
    Direct,
    Direction,
    Indicator,
    Listing,
    PointItem,
    Proportional,
    Scorecard,
    YesNo,
    weight_is_one,
)
from policyrules.scorecard.rank import rank_units
from policyrules.scorecard.result import (
    AreaResult,
    ConditionResult,
    IndicatorResult,
    ItemResult,
    ScorecardResult,
    UnitResult,
)
from policyrules.scorecard.validate import raise_if, validate_parameters, validate_records, validate_units
from policyrules.scorecard.values import as_decimal

ZERO = Decimal(0)


def evaluate_scorecard(
    card: Scorecard,
    units: Iterable[Mapping[str, Any]],
    records: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    parameters: Mapping[str, Any] | None = None,
    on: date | None = None,
) -> ScorecardResult:
    """Score, qualify, rank and award every unit; raises ``ScorecardInputError`` listing
    every problem of the inputs, or ``ScorecardDefinitionError`` for a malformed card."""
    problems = check_scorecard(card)
    if problems:
        raise ScorecardDefinitionError(problems)
    on = on or date.today()
    typed, unit_problems = validate_units(card, units)
    params, param_problems = validate_parameters(card, parameters, on)
    grouped, record_problems = validate_records(card, records, {str(u["id"]) for u in typed})
    raise_if(unit_problems + param_problems + record_problems)
    scored: list[UnitResult] = []
    for unit in typed:
        unit_records = {kind: by_unit.get(str(unit["id"]), ()) for kind, by_unit in grouped.items()}
        try:
            scored.append(score_unit(card, unit, params, unit_records, on))
        except _UnitError as exc:
            problems.extend(f"unit {unit['id']}: {p}" for p in exc.problems)
    raise_if(problems)
    return ScorecardResult(card, on, params, tuple(rank_units(card, scored)), grouped)


class _UnitError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems


def score_unit(
    card: Scorecard,
    unit: Mapping[str, Value],
    params: Mapping[str, Value],
    records: Mapping[str, tuple[Mapping[str, Value], ...]],
    on: date | None = None,
) -> UnitResult:
    """One unit's indicators, items, score and qualification (no rank yet)."""
    problems: list[str] = []
    results: dict[str, IndicatorResult] = {}
    scope = Scope(card, unit, params, results, records, on=on)
    for ind in card.indicators:
        try:
            results[ind.name] = _indicator(ind, scope)
        except EvalError as exc:
            problems.append(f"indicator {ind.name}: {exc}")
    if problems:
        raise _UnitError(problems)
    items: list[ItemResult] = []
    for item in card.items:
        try:
            items.append(_item(item, scope))
        except EvalError as exc:
            problems.append(f"item {item.name}: {exc}")
    if problems:
        raise _UnitError(problems)
    raw_score = sum((i.points for i in items), ZERO)
    score = card.rounding.apply(raw_score)
    scope.score = score
    try:
        conditions = _qualification(card, score, scope)
    except EvalError as exc:
        raise _UnitError([f"qualification: {exc}"]) from None
    qualified = all(c.holds for c in conditions)
    try:
        keys = card.ranking.tie_breaks if card.ranking is not None and qualified else ()
        ties = tuple(evaluate(k.expr, scope) for k in keys)
        areas = tuple(_area(card, area, scope) for area in card.areas)
    except EvalError as exc:
        raise _UnitError([f"ranking: {exc}"]) from None
    try:
        lists = tuple((listing.name, list_values(listing, scope)) for listing in card.lists)
    except EvalError as exc:
        raise _UnitError([f"list: {exc}"]) from None
    return UnitResult(
        id=str(unit["id"]),
        inputs=dict(unit),
        indicators=tuple(results[i.name] for i in card.indicators),
        items=tuple(items),
        raw_score=raw_score,
        score=score,
        conditions=conditions,
        tie_values=ties,
        areas=areas,
        lists=lists,
    )


def list_values(listing: Listing, scope: Scope) -> tuple[Value, ...]:
    """The ``field`` of each of the unit's records of ``kind`` that satisfy ``where``."""
    out: list[Value] = []
    for record in scope.records.get(listing.kind, ()):
        inner = scope.with_record(listing.kind, record)
        if listing.where is None or evaluate(listing.where, inner):
            out.append(record[listing.field])
    return tuple(sorted(out, key=str))


def _indicator(ind: Indicator, scope: Scope) -> IndicatorResult:
    last_year = evaluate(ind.last_year, scope) if ind.last_year is not None else None
    actual = evaluate(ind.actual_expr, scope)
    target = evaluate(ind.target, attrs.evolve(scope, last_year=last_year))
    if ind.direction is Direction.IS:
        met = compare("==", actual, target)
    elif ind.direction is Direction.AT_LEAST:
        met = compare(">=" if ind.inclusive else ">", actual, target)
    else:
        met = compare("<=" if ind.inclusive else "<", actual, target)
    numeric = all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in (actual, target))
    ratio = None if not numeric or as_decimal(target) == 0 else divide(as_decimal(actual), as_decimal(target))
    return IndicatorResult(ind.name, actual, target, met, last_year, ratio)


def _item(item: PointItem, scope: Scope) -> ItemResult:
    values: dict[str, Value]
    bound = None
    if isinstance(item, Proportional):
        result = scope.indicators[item.indicator]
        actual, target = as_decimal(result.actual), as_decimal(result.target)
        if target == 0:
            raise EvalError(f"the target of {item.indicator} is 0, so {item.points} x actual/target has no value")
        raw = divide(CTX.multiply(item.points, actual), target)
        points = raw
        if item.cap is not None and raw > item.cap:
            points, bound = item.cap, "cap"
        values = {"actual": result.actual, "target": result.target}
    elif isinstance(item, YesNo):
        holds = bool(evaluate(item.condition, scope))
        raw = points = item.points if holds else ZERO
        values = {"holds": holds}
    elif isinstance(item, Deduction):
        raw, points, bound, values = _deduction(item, scope)
    else:
        assert isinstance(item, Direct)
        raw = points = as_decimal(scope.unit[item.field])
        values = {"value": scope.unit[item.field]}
    if not weight_is_one(item.weight):
        weight = item.weight if isinstance(item.weight, Decimal) else as_decimal(evaluate(item.weight, scope))
        points = CTX.multiply(points, weight)
        values["weight"] = weight
    return ItemResult(item.name, points, raw, bound, values)


def _deduction(item: Deduction, scope: Scope) -> tuple[Decimal, Decimal, str | None, dict[str, Value]]:
    values: dict[str, Value] = {}
    if item.missing is not None:
        missing = as_decimal(evaluate(item.missing, scope))
        if missing < 0 or (item.out_of is not None and missing > item.out_of):
            what = f"field {item.missing.name}" if isinstance(item.missing, FieldRef) else "the count missing"
            high = "" if item.out_of is None else str(item.out_of)
            raise EvalError(f"{what} is {missing}, outside 0..{high}")
    else:
        absent = [name for name in item.items if not scope.unit[name]]
        missing = Decimal(len(absent))
        values["absent"] = ", ".join(absent)
    values["missing"] = missing
    raw = CTX.subtract(item.points, CTX.multiply(item.per_item, missing))
    if raw < item.floor:
        return raw, item.floor, "floor", values
    return raw, raw, None, values


def _qualification(card: Scorecard, score: Decimal, scope: Scope) -> tuple[ConditionResult, ...]:
    rule = card.qualification
    if rule is None:
        return ()
    out: list[ConditionResult] = []
    if rule.threshold is not None:
        out.append(ConditionResult(None, score >= rule.threshold))
    out.extend(ConditionResult(cond, bool(evaluate(cond.expr, scope))) for cond in rule.conditions)
    return tuple(out)


def _area(card: Scorecard, area: Area, scope: Scope) -> AreaResult:
    members = [scope.indicators[i.name] for i in card.indicators if i.area == area.name]
    met = sum(1 for m in members if m.met)
    candidate = met == len(members) and (area.condition is None or bool(evaluate(area.condition, scope)))
    order = tuple(evaluate(k.expr, scope) for k in area.order) if candidate else ()
    return AreaResult(area.name, met, len(members), candidate, order_values=order)

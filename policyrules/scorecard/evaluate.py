"""Scorecard + units (+ records, parameters, date) -> ``ScorecardResult``.

Inputs are validated first and every problem is reported at once; then each unit is
scored on its own (indicators, items, score, qualification), and ``rank`` orders the
units, gives the awards and names the advanced units per area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Context, Decimal
from typing import Any

from policyrules.scorecard.check import Analysis, analyse
from policyrules.scorecard.env import EvalError, UnitEnv, card_policy
from policyrules.scorecard.errors import ScorecardDefinitionError
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
    Value,
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
from policyrules.syntax import nodes as n

ZERO = Decimal(0)
CTX = Context(prec=60)
"""Points from inputs are exact; a quotient is exact to 60 digits, then rounded once."""


class CheckedCard:
    """A checked card and the language's view of it (a policy for the interpreter), shared by every unit."""

    def __init__(self, card: Scorecard, analysis: Analysis | None = None) -> None:
        self.card = card
        self.analysis = analysis if analysis is not None else analyse(card)
        self.cp = card_policy(card, self.analysis)


def evaluate_scorecard(
    card: Scorecard,
    units: Iterable[Mapping[str, Any]],
    records: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    parameters: Mapping[str, Any] | None = None,
    on: date | None = None,
) -> ScorecardResult:
    """Score, qualify, rank and award every unit; raises ``ScorecardInputError`` listing
    every problem of the inputs, or ``ScorecardDefinitionError`` for a malformed card."""
    checked = CheckedCard(card)
    problems = [p.message for p in checked.analysis.problems]
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
            scored.append(score_unit(card, unit, params, unit_records, on, checked))
        except _UnitError as exc:
            problems.extend(f"unit {unit['id']}: {p}" for p in exc.problems)
    raise_if(problems)
    return ScorecardResult(card, on, params, tuple(rank_units(card, scored)), grouped, checked)


class _UnitError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems


def score_unit(
    card: Scorecard,
    unit: Mapping[str, Value],
    params: Mapping[str, Value],
    records: Mapping[str, tuple[Mapping[str, Value], ...]],
    on: date | None = None,
    checked: CheckedCard | None = None,
) -> UnitResult:
    """One unit's indicators, items, score and qualification (no rank yet)."""
    checked = checked if checked is not None else CheckedCard(card)
    problems: list[str] = []
    results: dict[str, IndicatorResult] = {}
    scope = UnitEnv(checked.cp, unit, params, records, on)
    for ind in card.indicators:
        try:
            results[ind.name] = _indicator(ind, scope)
        except EvalError as exc:
            problems.append(f"indicator {ind.name}: {exc}")
    if problems:
        raise _UnitError(problems)
    scope.set("met_count", sum(1 for r in results.values() if r.met))
    for area in card.areas:
        scope.set(f"{area.name}.met_count", sum(1 for i in card.indicators if i.area == area.name
                                                and results[i.name].met))
    items: list[ItemResult] = []
    for item in card.items:
        try:
            items.append(_item(item, scope, results))
        except EvalError as exc:
            problems.append(f"item {item.name}: {exc}")
    if problems:
        raise _UnitError(problems)
    raw_score = sum((i.points for i in items), ZERO)
    score = card.rounding.apply(raw_score)
    scope.set("score", score)
    try:
        conditions = _qualification(card, score, scope)
    except EvalError as exc:
        raise _UnitError([f"qualification: {exc}"]) from None
    qualified = all(c.holds for c in conditions)
    try:
        keys = card.ranking.tie_breaks if card.ranking is not None and qualified else ()
        ties = tuple(scope.value(k.expr) for k in keys)
        areas = tuple(_area(card, area, results, scope) for area in card.areas)
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


def list_values(listing: Listing, scope: UnitEnv) -> tuple[Value, ...]:
    """The ``field`` of each of the unit's records of ``kind`` that satisfy ``where``."""
    out: list[Value] = []
    for record in scope.records.get(listing.kind, ()):
        if listing.where is None or scope.value(listing.where, (listing.kind, record)):
            out.append(record[listing.field])
    return tuple(sorted(out, key=str))


def _indicator(ind: Indicator, scope: UnitEnv) -> IndicatorResult:
    last_year = scope.value(ind.last_year) if ind.last_year is not None else None
    actual = scope.value(ind.actual_expr)
    scope.set("last_year", last_year)
    try:
        target = scope.value(ind.target)
    finally:
        scope.set("last_year", None)
    if ind.direction is Direction.IS:
        met = actual == target
    elif ind.direction is Direction.AT_LEAST:
        met = actual >= target if ind.inclusive else actual > target
    else:
        met = actual <= target if ind.inclusive else actual < target
    numeric = all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in (actual, target))
    ratio = None if not numeric or target == 0 else CTX.divide(Decimal(actual), Decimal(target))
    result = IndicatorResult(ind.name, actual, target, bool(met), last_year, ratio)
    for part in ("actual", "target", "met", "ratio", "last_year"):
        scope.set(f"{ind.name}.{part}", getattr(result, part))
    return result


def _item(item: PointItem, scope: UnitEnv, results: dict[str, IndicatorResult]) -> ItemResult:
    values: dict[str, Value]
    bound = None
    if isinstance(item, Proportional):
        result = results[item.indicator]
        actual, target = as_decimal(result.actual), as_decimal(result.target)
        if target == 0:
            raise EvalError(f"the target of {item.indicator} is 0, so {item.points} x actual/target has no value")
        raw = CTX.divide(CTX.multiply(item.points, actual), target)
        points = raw
        if item.cap is not None and raw > item.cap:
            points, bound = item.cap, "cap"
        values = {"actual": result.actual, "target": result.target}
    elif isinstance(item, YesNo):
        holds = bool(scope.value(item.condition))
        raw = points = item.points if holds else ZERO
        values = {"holds": holds}
    elif isinstance(item, Deduction):
        raw, points, bound, values = _deduction(item, scope)
    else:
        assert isinstance(item, Direct)
        raw = points = as_decimal(scope.unit[item.field])
        values = {"value": scope.unit[item.field]}
    if not weight_is_one(item.weight):
        weight = item.weight if isinstance(item.weight, Decimal) else as_decimal(scope.value(item.weight))
        points = CTX.multiply(points, weight)
        values["weight"] = weight
    return ItemResult(item.name, points, raw, bound, values)


def _deduction(item: Deduction, scope: UnitEnv) -> tuple[Decimal, Decimal, str | None, dict[str, Value]]:
    values: dict[str, Value] = {}
    if item.missing is not None:
        missing = as_decimal(scope.value(item.missing))
        if missing < 0 or (item.out_of is not None and missing > item.out_of):
            named = isinstance(item.missing, n.Name) and len(item.missing.parts) == 1
            what = f"field {item.missing.dotted}" if named else "the count missing"  # type: ignore[union-attr]
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


def _qualification(card: Scorecard, score: Decimal, scope: UnitEnv) -> tuple[ConditionResult, ...]:
    rule = card.qualification
    if rule is None:
        return ()
    out: list[ConditionResult] = []
    if rule.threshold is not None:
        out.append(ConditionResult(None, score >= rule.threshold))
    out.extend(ConditionResult(cond, bool(scope.value(cond.expr))) for cond in rule.conditions)
    return tuple(out)


def _area(card: Scorecard, area: Area, results: dict[str, IndicatorResult], scope: UnitEnv) -> AreaResult:
    members = [results[i.name] for i in card.indicators if i.area == area.name]
    met = sum(1 for m in members if m.met)
    candidate = met == len(members) and (area.condition is None or bool(scope.value(area.condition)))
    order = tuple(scope.value(k.expr) for k in area.order) if candidate else ()
    return AreaResult(area.name, met, len(members), candidate, order_values=order)

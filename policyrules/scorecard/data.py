"""``ScorecardResult`` -> JSON-able data: numbers as exact decimal strings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from policyrules.scorecard.explanations import T, explain_unit, scope_for
from policyrules.scorecard.model import Value
from policyrules.scorecard.render import indicator_kind
from policyrules.scorecard.result import ScorecardResult, UnitResult
from policyrules.types import Kind


def json_value(value: Value | None, kind: Kind | None = None) -> Any:
    """Decimals as strings (``"3.1%"`` for percents, two places at least for money)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and kind is not Kind.MONEY:
        return value
    number = Decimal(value)
    if kind is Kind.PERCENT:
        return f"{number.scaleb(2).normalize():f}%"
    if kind is Kind.MONEY and number == number.quantize(Decimal("0.01")):
        return f"{number:.2f}"
    return f"{number.normalize():f}" if number != number.to_integral_value() else f"{number.quantize(Decimal(1)):f}"


def unit_dict(result: ScorecardResult, unit: UnitResult, lang: str | None = None) -> dict[str, Any]:
    card = result.card
    scope = scope_for(result, unit)
    out: dict[str, Any] = {
        "id": unit.id,
        "score": f"{unit.score:f}",
        "raw_score": json_value(unit.raw_score),
        "qualified": unit.qualified,
        "rank": unit.rank,
        "advanced_unit": unit.advanced_unit,
        "award": f"{unit.award:.2f}",
        "award_name": unit.award_name,
        "met_count": unit.met_count,
        "indicator_count": unit.indicator_count,
        "indicators": {},
        "items": {},
        "failures": [],
        "rank_reason": None,
        "areas": {},
    }
    if unit.label:
        out["label"] = unit.label
    for ind in unit.indicators:
        kind = indicator_kind(ind.name, scope)
        out["indicators"][ind.name] = {
            "actual": json_value(ind.actual, kind),
            "target": json_value(ind.target, kind),
            "last_year": json_value(ind.last_year, kind),
            "met": ind.met,
            "ratio": json_value(ind.ratio),
        }
    for item in unit.items:
        out["items"][item.name] = {
            "points": json_value(item.points),
            "raw": json_value(item.raw),
            "bound": item.bound,
            "values": {k: json_value(v) for k, v in item.values.items()},
        }
    for failure in unit.failures:
        cond = failure.condition
        out["failures"].append(
            {"condition": "threshold", "cite": card.qualification.cite if card.qualification else None}
            if cond is None else {"condition": cond.label, "cite": cond.cite}
        )
    if unit.rank_reason is not None:
        reason = unit.rank_reason
        out["rank_reason"] = {"above": reason.above, "key": reason.key, "index": reason.index}
    if unit.lists:
        out["lists"] = {name: [json_value(v) for v in values] for name, values in unit.lists}
    for area in unit.areas:
        out["areas"][area.name] = {
            "met_count": area.met_count, "indicator_count": area.indicator_count, "candidate": area.candidate,
            "rank": area.rank, "advanced": area.advanced, "award": f"{area.award:.2f}",
        }
    if lang is not None:
        out["explanation"] = explain_unit(result, unit.id, lang).split("\n")
    return out


def to_dict(result: ScorecardResult, lang: str | None = None) -> dict[str, Any]:
    """The whole result as JSON-able data; with ``lang``, each unit's explanation lines too."""
    if lang is not None and lang not in T:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    card = result.card
    kinds = {d.name: d.type.kind for d in card.parameters if not isinstance(d.type, str)}
    return {
        "scorecard": card.name,
        "label": card.label,
        "cite": card.cite,
        "date": result.on.isoformat(),
        "parameters": {k: json_value(v, kinds.get(k)) for k, v in sorted(result.parameters.items())},
        "units": [unit_dict(result, u, lang) for u in result.units],
        "qualified_count": result.qualified_count,
        "advanced_units": list(result.advanced_units),
        "total_awards": f"{result.total_awards:.2f}",
    }

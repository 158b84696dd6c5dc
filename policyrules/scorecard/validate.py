"""Raw units, records and parameters -> typed values, or every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from policyrules.evaluate.records import Record
from policyrules.scorecard.errors import ScorecardInputError
from policyrules.scorecard.model import ID, Direct, FieldDecl, Scorecard, Value
from policyrules.scorecard.scope import record_kinds_used
from policyrules.scorecard.values import BadValue, parse_value

RESERVED = ("id", "label")
"""Every unit has an ``id``; ``label`` is an optional display name."""

Records = dict[str, dict[str, tuple[dict[str, Value], ...]]]


def _typed(raw: Mapping[str, Any], decls: Iterable[FieldDecl], where: str, problems: list[str]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    known = {d.name for d in decls}
    for decl in decls:
        raw_value = raw.get(decl.name)
        if raw_value is None or (isinstance(raw_value, str) and raw_value.strip() == ""):
            if not decl.optional:  # an optional field left out: what needs it says so
                problems.append(f"{where}: field {decl.name} is missing")
            continue
        try:
            out[decl.name] = parse_value(raw_value, decl.type)
        except BadValue as exc:
            problems.append(f"{where}: field {decl.name}: {exc} (expected {decl.type})")
    for name in raw:
        if name not in known:
            problems.append(f"{where}: unknown field {name}")
    return out


def validate_units(card: Scorecard, units: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Value]], list[str]]:
    """The units typed and sorted by id, and the problems found (empty when all is well)."""
    problems: list[str] = []
    out: list[dict[str, Value]] = []
    seen: set[str] = set()
    decls = [d for d in card.fields if d.name not in RESERVED]
    for index, raw in enumerate(units, start=1):
        if not isinstance(raw, Mapping):
            problems.append(f"unit #{index}: not a mapping of field names to values")
            continue
        raw_id = raw.get("id")
        try:
            unit_id = str(parse_value(raw_id, ID))
        except BadValue:
            problems.append(f"unit #{index}: field id is missing or empty")
            unit_id = f"#{index}"
        if unit_id in seen:
            problems.append(f"unit {unit_id}: the id is given twice")
        seen.add(unit_id)
        rest = {k: v for k, v in raw.items() if k not in RESERVED}
        unit = _typed(rest, decls, f"unit {unit_id}", problems)
        unit["id"] = unit_id
        if raw.get("label") is not None:
            unit["label"] = str(raw["label"])
        _check_bounds(card, unit, unit_id, problems)
        out.append(unit)
    if not out and not problems:
        problems.append("no units given")
    out.sort(key=lambda u: str(u["id"]))
    return out, problems


def _check_bounds(card: Scorecard, unit: dict[str, Value], unit_id: str, problems: list[str]) -> None:
    for item in card.items:
        value = unit.get(item.field) if isinstance(item, Direct) else None
        if not isinstance(item, Direct) or isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        if value < item.minimum or (item.maximum is not None and value > item.maximum):
            high = "" if item.maximum is None else str(item.maximum)
            problems.append(
                f"unit {unit_id}: field {item.field} is {value}, outside {item.minimum}..{high} ({item.name})"
            )


def validate_records(
    card: Scorecard, records: Mapping[str, Iterable[Mapping[str, Any]]] | None, unit_ids: set[str]
) -> tuple[Records, list[str]]:
    """Records typed and grouped by kind then unit id (each group in a canonical order)."""
    problems: list[str] = []
    grouped: Records = {}
    records = records or {}
    for name in records:
        if name not in {k.name for k in card.records}:
            problems.append(f"records: unknown kind {name}")
    for kind in card.records:
        if kind.name not in records:
            if _used(card, kind.name):
                problems.append(f"records: no {kind.name} records given")
            continue
        by_unit: dict[str, list[Record]] = {}
        for index, raw in enumerate(records[kind.name], start=1):
            where = f"{kind.name} record #{index}"
            if not isinstance(raw, Mapping):
                problems.append(f"{where}: not a mapping of field names to values")
                continue
            record = Record(kind.name, _typed(raw, kind.fields, where, problems))
            owner = record.get(kind.unit_field)
            if owner is None:
                continue
            if str(owner) not in unit_ids:
                problems.append(f"{where}: field {kind.unit_field}: no unit {owner}")
                continue
            by_unit.setdefault(str(owner), []).append(record)
        grouped[kind.name] = {u: tuple(sorted(rs, key=_record_key)) for u, rs in by_unit.items()}
    return grouped, problems


def _record_key(record: Mapping[str, Value]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in record.items()))


def _used(card: Scorecard, kind: str) -> bool:
    return kind in record_kinds_used(card)


def validate_parameters(card: Scorecard, parameters: Mapping[str, Any] | None, on: date) -> tuple[dict[str, Value], list[str]]:
    """Parameters typed; a dated parameter (a mapping of dates to values) gives the value
    in force ``on`` that date."""
    problems: list[str] = []
    out: dict[str, Value] = {}
    parameters = parameters or {}
    declared = {d.name for d in card.parameters}
    for name in parameters:
        if name not in declared:
            problems.append(f"parameter {name} is not used by scorecard {card.name}")
    for decl in card.parameters:
        raw = parameters.get(decl.name)
        if raw is None and decl.values:
            stated = sorted(decl.values, key=lambda dv: (dv[0] is not None, dv[0] or on))
            in_force = [v for d, v in stated if d is None or d <= on]
            if in_force:
                out[decl.name] = in_force[-1]
            else:
                problems.append(f"parameter {decl.name}: no value in force on {on.isoformat()}")
            continue
        if isinstance(raw, Mapping):
            dated = sorted((d if isinstance(d, date) else date.fromisoformat(str(d)), v) for d, v in raw.items())
            in_force = [v for d, v in dated if d <= on]
            raw = in_force[-1] if in_force else None
            if raw is None:
                problems.append(f"parameter {decl.name}: no value in force on {on.isoformat()}")
                continue
        if raw is None:
            problems.append(f"parameter {decl.name} is missing")
            continue
        try:
            out[decl.name] = parse_value(raw, decl.type)
        except BadValue as exc:
            problems.append(f"parameter {decl.name}: {exc} (expected {decl.type})")
    return out, problems


def raise_if(problems: list[str]) -> None:
    if problems:
        raise ScorecardInputError(problems)

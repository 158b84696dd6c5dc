"""Scorecard test cases (the ``units:`` form of ``acceptance/README.md``) run against a policy.

Each case lists the assessed units (and optionally ``records`` and ``parameters``,
merged over the file's), is scored on its ``date`` (or the file's), and compares only
the outputs it lists: per unit id (``score``, ``rank``, ``annual.met``, ``items.plan``,
``areas.employment.advanced``, a list such as ``overdue`` ...) and for the card as a
whole (``total_awards``, ``qualified_count``, ``advanced_units``).

A policy may declare several scorecards: a case file picks one with ``scorecard:``
(file-wide or per case); otherwise the one named like the policy, else the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from policyrules.interfaces.cases import CaseFileError, CaseResult
from policyrules.scorecard import ScorecardError, evaluate_scorecard
from policyrules.scorecard.model import Scorecard


def pick_scorecard(policy: Any, name: str | None = None) -> Scorecard:
    """The scorecard ``name`` of a loaded policy, or its main one (named like the policy, else the first)."""
    cards: dict[str, Scorecard] = getattr(policy.checked, "scorecards", {}) or {}
    if not cards:
        raise CaseFileError(f"policy `{policy.name}` declares no scorecard")
    if name is not None:
        if name not in cards:
            raise CaseFileError(f"policy `{policy.name}` has no scorecard `{name}`; it has {', '.join(cards)}")
        return cards[name]
    return cards.get(policy.name) or next(iter(cards.values()))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return Decimal(text[:-1]).scaleb(-2) if text.endswith("%") else Decimal(text)
        except InvalidOperation:
            return None
    return None


def same(expected: Any, actual: Any) -> bool:
    """Compare an output with an expected value by the expected value's type: booleans
    and null by identity, numbers exactly as decimals ("101.50" equals 101.5, "3.1%"
    equals 0.031), dates as ISO dates, lists element by element."""
    if expected is None or isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected or (isinstance(actual, bool) and isinstance(expected, bool) and actual == expected)
    if isinstance(expected, list | tuple):
        return isinstance(actual, list | tuple) and len(actual) == len(expected) and all(
            same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(actual, dt.date) or isinstance(expected, dt.date):
        try:
            return _date(expected) == _date(actual)
        except (TypeError, ValueError):
            return False
    if isinstance(actual, int | Decimal):
        e = _number(expected)
        return e is not None and e == Decimal(actual)
    return str(expected) == str(actual)


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def run_scorecard_cases(policy: Any, data: dict[str, Any]) -> list[CaseResult]:
    """Run the ``units:`` form of cases against a loaded api.Policy."""
    results = []
    for i, case in enumerate(data["cases"], 1):
        if not isinstance(case, Mapping):
            raise CaseFileError(f"case {i} is not a mapping")
        name = str(case.get("name", f"case {i}"))
        source = case.get("source")
        card = pick_scorecard(policy, case.get("scorecard", data.get("scorecard")))
        try:
            on = _date(case.get("date", data.get("date")))
        except (TypeError, ValueError):
            results.append(CaseResult(name, source, False, ("no valid `date` for the case",)))
            continue
        params = {**(data.get("parameters") or {}), **(case.get("parameters") or {})}
        units = case.get("units")
        if not isinstance(units, list):
            results.append(CaseResult(name, source, False, ("`units:` must be a list of units",)))
            continue
        try:
            result = evaluate_scorecard(card, units, case.get("records"), params, on)
        except ScorecardError as err:
            results.append(CaseResult(name, source, False, tuple(f"refused: {p}" for p in err.problems)))
            continue
        failures: list[str] = []
        for key, expected in (case.get("expect") or {}).items():
            key = str(key)
            if isinstance(expected, Mapping):
                try:
                    unit = result.unit(key)
                except KeyError:
                    failures.append(f"{key}: no such unit")
                    continue
                for output, value in expected.items():
                    _compare(f"{key}.{output}", lambda o=str(output), u=unit: u.get(o), value, failures)
            else:
                _compare(key, lambda k=key, r=result: r.get(k), expected, failures)
        results.append(CaseResult(name, source, not failures, tuple(failures)))
    return results


def _compare(label: str, get: Any, expected: Any, failures: list[str]) -> None:
    try:
        actual = get()
    except (KeyError, AttributeError):
        failures.append(f"{label}: not an output of the scorecard")
        return
    if not same(expected, actual):
        failures.append(f"{label}: expected {show(expected)}, got {show(actual)}")

"""YAML test cases (the format of ``acceptance/README.md``) run against a policy.

Each case merges its facts over ``base`` field by field, its parameters over the
file's, evaluates on its date and compares only the outputs it lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from policyrules.evaluate.decide import EvaluationError
from policyrules.evaluate.inputs import InputError


class CaseFileError(Exception):
    """A case file that cannot be read or has the wrong shape."""


@attrs.frozen(slots=True)
class CaseResult:
    name: str
    source: str | None
    passed: bool
    failures: tuple[str, ...]


def load_case_file(path: str | Path) -> dict[str, Any]:
    """A case file, read within the bounds of facts files (UTF-8, size, depth); dates stay text,
    so a date that does not exist is reported as the case's, not by the YAML reader."""
    from policyrules.interfaces.safeload import DataFileError, load

    try:
        data = load(path, "case")
    except DataFileError as err:
        raise CaseFileError(str(err)) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise CaseFileError(f"{path}: expected a mapping with a `cases:` list")
    return data


def merge_facts(base: dict[str, Any] | None, facts: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {k: dict(v) for k, v in (base or {}).items() if isinstance(v, dict)}
    for kind, values in (facts or {}).items():
        if isinstance(values, dict):
            out.setdefault(kind, {}).update(values)
        else:
            out[kind] = values
    return out


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def same(expected: Any, actual: Any) -> bool:
    """Compare by the output's type: decimals exactly, booleans as booleans."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return expected is actual or expected == actual
    if expected is None or actual is None:
        return expected is actual
    try:
        e = Decimal(str(expected).strip().rstrip("%")) / (100 if str(expected).strip().endswith("%") else 1)
        a = Decimal(str(actual))
    except (InvalidOperation, ValueError):
        return str(expected) == str(actual)
    return e == a


def mismatch(expected: Any, r: Any) -> str | None:
    """Why ``expected`` does not match output result ``r`` (None when it does), by the output's
    declared type: a value of another type fails, with the reason."""
    if r.needed:
        return f"not computed: still needed {', '.join(r.needed)}"
    ty = r.type
    if ty is None:
        return None if same(expected, r.value) else f"expected {expected}, got {_show(r.value)}"
    from policyrules.explain.data import typed_plain

    actual = typed_plain(r.value, ty)
    problem = _typed_mismatch(expected, actual, ty)
    return None if problem is None else f"{problem}, got {_show_plain(actual)}"


def _typed_mismatch(expected: Any, actual: Any, ty: Any) -> str | None:  # noqa: C901
    from policyrules.types import Kind as K

    k = ty.kind
    if k is K.LIST:
        if not isinstance(expected, list):
            return f"expected {expected!r}, but the output is a list"
        if len(expected) != len(actual):
            return f"expected {len(expected)} items {expected}"
        for e, a in zip(expected, actual, strict=True):
            p = _typed_mismatch(e, a, ty.element)
            if p is not None:
                return f"expected {expected}"
        return None
    if k is K.BOOL:
        return None if expected is actual else f"expected {expected!r} (the output is yes/no)"
    whole = k is K.INTEGER or (k is K.DURATION and ty.unit in ("day", "month"))
    if whole:
        if isinstance(expected, bool) or not isinstance(expected, int):
            return f"expected {expected!r}, but the output is a whole number (write it as an integer)"
        return None if Decimal(expected) == Decimal(actual) else f"expected {expected}"
    if k in (K.MONEY, K.RATE, K.NUMBER, K.DURATION, K.PERCENT):
        if not isinstance(expected, str):
            what = "a percentage" if k is K.PERCENT else "money" if k in (K.MONEY, K.RATE) else "a number"
            return f"expected {expected!r}, but the output is {what} (write it as a string such as \"{actual}\")"
        text = expected.strip()
        if (k is K.PERCENT) != text.endswith("%"):
            return f"expected {expected!r}: a percentage is written with % and only a percentage"
        try:
            e = Decimal(text.rstrip("%").strip())
            a = Decimal(str(actual).rstrip("%"))
        except InvalidOperation:
            return f"expected {expected!r} is not a number"
        return None if e == a else f"expected {expected}"
    if k is K.DATE:
        try:
            return None if as_date(expected).isoformat() == actual else f"expected {expected}"
        except (TypeError, ValueError):
            return f"expected {expected!r} is not a date"
    return None if str(expected) == str(actual) else f"expected {expected}"


def _show_plain(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_show_plain(x) for x in v) + "]"
    return str(v)


def run_entitlement_cases(policy: Any, data: dict[str, Any]) -> list[CaseResult]:
    """Run the `facts:` form of cases against a loaded api.Policy."""
    results = []
    base = data.get("base") or {}
    for i, case in enumerate(data["cases"], 1):
        name = str(case.get("name", f"case {i}"))
        try:
            on = as_date(case.get("date", data.get("date")))
        except (TypeError, ValueError):
            results.append(CaseResult(name, case.get("source"), False, ("no valid `date` for the case",)))
            continue
        params = {**(data.get("parameters") or {}), **(case.get("parameters") or {})}
        facts = merge_facts(base, case.get("facts"))
        try:
            decision = policy.evaluate(facts, on=on, parameters=params, trace=False)
        except InputError as err:
            results.append(CaseResult(name, case.get("source"), False,
                                      tuple(f"facts refused: {p}" for p in err.problems)))
            continue
        except EvaluationError as err:
            results.append(CaseResult(name, case.get("source"), False, (str(err),)))
            continue
        failures = []
        for key, expected in (case.get("expect") or {}).items():
            out, _, part = key.partition(".")
            r = decision.outputs.get(out)
            if r is None or (part and part not in r.parts):
                failures.append(f"{key}: not computed (unknown output, or its kind of facts is missing)")
                continue
            if part:
                if not same(expected, r.parts[part]):
                    failures.append(f"{key}: expected {expected}, got {_show(r.parts[part])}")
                continue
            problem = mismatch(expected, r)
            if problem is not None:
                failures.append(f"{key}: {problem}")
        results.append(CaseResult(name, case.get("source"), not failures, tuple(failures)))
    return results


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


Runner = Callable[[Any, dict[str, Any]], list[CaseResult]]


def runner_for(data: dict[str, Any]) -> Runner:
    """Entitlement cases list `facts:`; scorecard cases list `units:`."""
    if any(isinstance(c, dict) and "units" in c for c in data["cases"]):
        try:
            from policyrules.interfaces.score_cases import run_scorecard_cases
        except ModuleNotFoundError:
            raise CaseFileError("scorecard cases (`units:`) need a scorecard policy") from None
        return run_scorecard_cases
    return run_entitlement_cases

"""``policyrules test --coverage``: every case of the case files evaluated with tracing on,
and the clause coverage of their traces (:mod:`policyrules.explain.coverage`)."""

from __future__ import annotations

from typing import Any

from policyrules.evaluate.decide import EvaluationError
from policyrules.evaluate.inputs import InputError
from policyrules.evaluate.trace import Decision
from policyrules.explain.coverage import Coverage, coverage
from policyrules.interfaces.cases import as_date, merge_facts


def case_decisions(policy: Any, data: dict[str, Any]) -> list[Decision]:
    """The decision of every case of ``data`` (as ``policyrules test`` sets it up) that can be
    evaluated; a case whose facts are refused exercises nothing."""
    found = []
    base = data.get("base") or {}
    for case in data["cases"]:
        if not isinstance(case, dict) or "units" in case:
            continue
        try:
            on = as_date(case.get("date", data.get("date")))
        except (TypeError, ValueError):
            continue
        params = {**(data.get("parameters") or {}), **(case.get("parameters") or {})}
        try:
            found.append(policy.evaluate(merge_facts(base, case.get("facts")), on=on, parameters=params,
                                         trace=True))
        except (InputError, EvaluationError):
            continue
    return found


def case_coverage(policy: Any, files: list[dict[str, Any]]) -> Coverage:
    decisions = [d for data in files for d in case_decisions(policy, data)]
    return coverage(policy.checked, decisions)

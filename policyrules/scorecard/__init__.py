"""Target-responsibility scorecards: model, checks, evaluation, explanations, reports.

Stage: a ``Scorecard`` (the checked form a ``scorecard`` declaration denotes) plus
units, records, parameters and a date -> ``ScorecardResult`` -> text, JSON, HTML.
The names below are imported on first use, so that parsing a policy without a
scorecard does not load the whole scorecard engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "check_scorecard": "check", "to_dict": "data", "ScorecardDefinitionError": "errors",
    "ScorecardError": "errors", "ScorecardInputError": "errors", "evaluate_scorecard": "evaluate",
    "explain": "explanations", "explain_unit": "explanations", "load_records": "load", "load_units": "load",
    "render_html": "report", "render_table": "report", "ScorecardResult": "result", "UnitResult": "result",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"policyrules.scorecard.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'policyrules.scorecard' has no attribute {name!r}")

"""Target-responsibility scorecards: model, checks, evaluation, explanations, reports.

Stage: a ``Scorecard`` (the checked form a ``scorecard`` declaration denotes) plus
units, records, parameters and a date -> ``ScorecardResult`` -> text, JSON, HTML.
"""

from policyrules.scorecard.check import check_scorecard
from policyrules.scorecard.data import to_dict
from policyrules.scorecard.errors import ScorecardDefinitionError, ScorecardError, ScorecardInputError
from policyrules.scorecard.evaluate import evaluate_scorecard
from policyrules.scorecard.explain import explain, explain_unit
from policyrules.scorecard.load import load_records, load_units
from policyrules.scorecard.report import render_html, render_table
from policyrules.scorecard.result import ScorecardResult, UnitResult

__all__ = [
    "ScorecardDefinitionError",
    "ScorecardError",
    "ScorecardInputError",
    "ScorecardResult",
    "UnitResult",
    "check_scorecard",
    "evaluate_scorecard",
    "explain",
    "explain_unit",
    "load_records",
    "load_units",
    "render_html",
    "render_table",
    "to_dict",
]

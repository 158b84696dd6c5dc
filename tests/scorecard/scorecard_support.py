"""Helpers shared by the scorecard tests: the cards of the bundled .policy files, the case
files, and how expectations compare."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from policyrules.api import Policy, load
from policyrules.interfaces.score_cases import pick_scorecard
from policyrules.scorecard.load import read_yaml
from policyrules.scorecard.model import Scorecard

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
CASES = Path(__file__).parent / "cases"
SCORECARD_POLICIES = ("recruitment-scorecard", "jiangsu-2012-targets", "city-labour-targets",
                      "jilin-2004-target-responsibility")


@cache
def policy(name: str) -> Policy:
    """A bundled policy, loaded (parsed and checked) once."""
    return load(POLICIES / f"{name}.policy")


def card(policy_name: str, name: str | None = None) -> Scorecard:
    return pick_scorecard(policy(policy_name), name)


def recruitment() -> Scorecard:
    """004 篇1: the 100-point recruitment scorecard, recruits counted by the assessors."""
    return card("recruitment-scorecard")


def recruitment_from_records() -> Scorecard:
    """004 篇1 with the recruits counted from worker records (二、2)."""
    return card("recruitment-scorecard", "recruitment-scorecard-from-records")


def jiangsu_2012() -> Scorecard:
    """002: the twenty-two main targets checked by the acceptance file."""
    return card("jiangsu-2012-targets")


def city_targets() -> Scorecard:
    """003: the city's targets, one relative to last year."""
    return card("city-labour-targets")


def jilin_2004() -> Scorecard:
    """001: 36 indicators in 7 areas, weights as parameters, advanced units per area."""
    return card("jilin-2004-target-responsibility")


def all_cards() -> list[Any]:
    return [pytest.param(p, name, id=name) for p in SCORECARD_POLICIES for name in policy(p).checked.scorecards]


def load_case_file(name: str) -> dict[str, Any]:
    return read_yaml((CASES / name).read_text(encoding="utf-8"))


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def same(actual: Any, expected: Any) -> bool:
    """Compare an output with an expected value by the expected value's type."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int):
        return actual == expected and not isinstance(actual, bool)
    if isinstance(expected, str) and isinstance(actual, Decimal | int) and not isinstance(actual, bool):
        text = expected.strip()
        number = Decimal(text[:-1]).scaleb(-2) if text.endswith("%") else Decimal(text)
        return Decimal(actual) == number
    return actual == expected

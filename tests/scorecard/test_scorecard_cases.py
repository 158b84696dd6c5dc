"""Every scorecard case file under cases/ run against the bundled .policy file it names,
through the case runner of ``policyrules test``: the acceptance files (recruitment,
Jiangsu) and the hand-computed ones (city labour targets, Jilin 2004, Jiangsu's other
targets and projects)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scorecard_support import CASES, policy

from policyrules.interfaces.cases import load_case_file, runner_for
from policyrules.interfaces.score_cases import run_scorecard_cases, same

CASE_FILES = sorted(CASES.glob("*.yaml"))


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_file_passes(path: Path) -> None:
    data = load_case_file(path)
    assert runner_for(data) is run_scorecard_cases
    results = run_scorecard_cases(policy(data["policy"]), data)
    failures = [f"{r.name}: {'; '.join(r.failures)}" for r in results if not r.passed]
    assert results and not failures, "\n".join(failures)


def test_own_case_files_have_at_least_five_cases() -> None:
    for name in ("city-labour-targets", "jilin-2004-target-responsibility"):
        assert len(load_case_file(CASES / f"{name}.yaml")["cases"]) >= 5, name


def test_a_wrong_expectation_fails_with_the_output_named() -> None:
    data: dict[str, Any] = load_case_file(CASES / "recruitment-scorecard.yaml")
    case = data["cases"][1]
    case["expect"] = {"x": {"score": "95.01", "rank": 2, "nonsense": 1}, "y": {"qualified": True},
                      "total_awards": "4000.00", "nobody": {"score": 1}, "bogus_total": 3}
    [result] = run_scorecard_cases(policy("recruitment-scorecard"), {**data, "cases": [case]})
    assert not result.passed
    assert set(result.failures) == {
        "x.score: expected 95.01, got 95.00",
        "x.rank: expected 2, got 1",
        "x.nonsense: not an output of the scorecard",
        "y.qualified: expected true, got false",
        "nobody: no such unit",
        "bogus_total: not an output of the scorecard",
    }


def test_refused_units_fail_the_case_with_every_problem() -> None:
    data: dict[str, Any] = load_case_file(CASES / "recruitment-scorecard.yaml")
    case = dict(data["cases"][1])
    case["units"] = [dict(case["units"][0], annual_actual="many"), {k: v for k, v in case["units"][1].items()
                                                                     if k != "special_target"}]
    [result] = run_scorecard_cases(policy("recruitment-scorecard"), {**data, "cases": [case]})
    assert not result.passed
    assert "refused: unit x: field annual_actual: 'many' is not a number (expected integer)" in result.failures
    assert "refused: unit y: field special_target is missing" in result.failures


def test_expectations_compare_by_type() -> None:
    from datetime import date
    from decimal import Decimal

    assert same("101.50", Decimal("101.5")) and same("3.1%", Decimal("0.031")) and same(4, 4)
    assert not same(1, True) and not same(True, 1) and same(None, None) and not same(None, 0)
    assert same(["a", "b"], ("a", "b")) and not same(["a"], ("a", "b"))
    assert same("2009-05-01", date(2009, 5, 1)) and same(date(2009, 5, 1), date(2009, 5, 1))
    assert same(1.5, Decimal("1.5"))  # a YAML float read by yaml.safe_load


def test_the_acceptance_copies_are_the_shared_ones() -> None:
    """The copies under cases/ must not drift from ../shared/acceptance when it exists."""
    shared = Path(__file__).resolve().parents[3] / "shared" / "acceptance"
    if not shared.exists():
        pytest.skip("no shared acceptance folder here")
    copies = [p for p in CASE_FILES if (shared / p.name).exists()]
    assert {p.name for p in copies} >= {"recruitment-scorecard.yaml", "jiangsu-2012-targets.yaml"}
    for path in copies:
        assert path.read_text(encoding="utf-8") == (shared / path.name).read_text(encoding="utf-8"), path.name

"""The 107 hand-computed acceptance cases of the city policy, each its own test,
through the public API; then the same file through ``policyrules test``."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyrules.api import Policy
from policyrules.interfaces.cli import main

HERE = Path(__file__).parent
CASES_PATH = HERE / "city-employment-promotion.yaml"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "acceptance" / "city-employment-promotion.yaml"
DATA: dict[str, Any] = yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = DATA["cases"]


def _id(i: int, case: dict[str, Any]) -> str:
    return f"{i:03d}-" + "-".join(str(case["name"]).split())[:60]


def _merge(base: dict[str, Any], facts: dict[str, Any] | None) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for kind, fields in (facts or {}).items():
        out.setdefault(kind, {}).update(fields)
    return out


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _matches(expected: Any, actual: Any) -> bool:
    """Money exactly to the fen ("3000.00" is 3000.00, not 3000 or 3000.0), booleans as booleans."""
    if isinstance(expected, bool):
        return actual is expected
    assert isinstance(actual, Decimal), f"expected money, got {actual!r}"
    return format(actual, "f") == str(expected)


def test_the_file_holds_107_cases() -> None:
    assert len(CASES) == 107
    assert DATA["policy"] == "city-employment-promotion"
    assert all(case.get("expect") for case in CASES)


@pytest.mark.skipif(not SHARED.exists(), reason="the shared acceptance folder is not available")
def test_the_copy_is_the_shared_file() -> None:
    assert CASES_PATH.read_bytes() == SHARED.read_bytes(), "tests/acceptance is out of date: copy it again"


@pytest.mark.parametrize("case", CASES, ids=[_id(i, c) for i, c in enumerate(CASES, 1)])
def test_case(city_policy: Policy, case: dict[str, Any]) -> None:
    facts = _merge(DATA["base"], case.get("facts"))
    params = {**DATA["parameters"], **(case.get("parameters") or {})}
    decision = city_policy.evaluate(facts, on=_date(case.get("date", DATA["date"])), parameters=params,
                                    trace=False)
    wrong = []
    for key, expected in case["expect"].items():
        actual = decision.value(key)
        if not _matches(expected, actual):
            wrong.append(f"{key}: expected {expected!r}, got {actual!r}")
    assert not wrong, f"{case['name']} [{case.get('source')}]: " + "; ".join(wrong)


def test_cli_runs_every_case(city_policy_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", str(city_policy_path), str(CASES_PATH)])
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "107 passed, 0 failed"
    assert "FAIL" not in out
    assert code == 0


def test_cli_reports_a_wrong_expectation(city_policy_path: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(DATA)
    data["cases"] = [copy.deepcopy(CASES[0]), copy.deepcopy(CASES[1])]
    data["cases"][1]["expect"] = {"rent_subsidy": "1499.99"}
    path = tmp_path / "one-wrong.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code = main(["test", str(city_policy_path), str(path)])
    out = capsys.readouterr().out
    assert "1 passed, 1 failed" in out
    assert "rent_subsidy: expected 1499.99, got 1500.00" in out
    assert code == 1

"""Shared fixtures: the city policy (loaded and checked once), its acceptance case
file (the copy kept with the tests, so the project runs without /work/shared), the
base facts every case starts from, and the parameters the caller supplies."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyrules.api import Policy, load

TESTS = Path(__file__).parent
ROOT = TESTS.parent
CITY_POLICY_PATH = ROOT / "policies" / "city-employment-promotion.policy"
CITY_CASES_PATH = TESTS / "acceptance" / "city-employment-promotion.yaml"
GOLDEN = TESTS / "golden"


@pytest.fixture(scope="session")
def city_policy_path() -> Path:
    return CITY_POLICY_PATH


@pytest.fixture(scope="session")
def city_cases_path() -> Path:
    return CITY_CASES_PATH


@pytest.fixture(scope="session")
def city_policy() -> Policy:
    """The bundled city employment-promotion policy, parsed and checked."""
    return load(CITY_POLICY_PATH)


@pytest.fixture(scope="session")
def city_cases() -> dict[str, Any]:
    """The acceptance case file as data (read-only: copy before changing)."""
    return yaml.safe_load(CITY_CASES_PATH.read_text(encoding="utf-8"))


@pytest.fixture()
def base_facts(city_cases: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A fresh copy of the acceptance base facts (person and enterprise)."""
    return copy.deepcopy(city_cases["base"])


@pytest.fixture()
def city_params(city_cases: dict[str, Any]) -> dict[str, str]:
    """The parameters the acceptance cases supply (minimum wage 960.00, ...)."""
    return dict(city_cases["parameters"])


@pytest.fixture(scope="session")
def city_date(city_cases: dict[str, Any]) -> dt.date:
    d = city_cases["date"]
    return d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))


@pytest.fixture()
def with_facts(base_facts: dict[str, dict[str, Any]]) -> Any:
    """``with_facts(person={...}, enterprise={...})``: base facts with some fields changed."""

    def make(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
        facts = copy.deepcopy(base_facts)
        for kind, fields in changes.items():
            facts.setdefault(kind, {}).update(fields)
        return facts

    return make

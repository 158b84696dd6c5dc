"""Helpers shared by the scorecard tests: the case files and how expectations compare."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyrules.scorecard.examples import jiangsu_2012, recruitment
from policyrules.scorecard.load import read_yaml
from policyrules.scorecard.model import Scorecard

CASES = Path(__file__).parent / "cases"
CARDS: dict[str, Callable[[], Scorecard]] = {
    "recruitment-scorecard": recruitment,
    "jiangsu-2012-targets": jiangsu_2012,
}


def load_case_file(name: str) -> dict[str, Any]:
    return read_yaml((CASES / name).read_text(encoding="utf-8"))


def all_cases() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        data = read_yaml(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append(pytest.param(data, case, id=f"{path.stem}: {case['name']}"))
    return out


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
    if isinstance(expected, Decimal):
        return actual == expected
    return actual == expected

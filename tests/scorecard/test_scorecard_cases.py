"""Every case of the scorecard acceptance files, through the evaluator."""

from __future__ import annotations

from typing import Any

import pytest
from scorecard_support import CARDS, all_cases, as_date, same

from policyrules.scorecard import evaluate_scorecard


@pytest.mark.parametrize(("data", "case"), all_cases())
def test_case(data: dict[str, Any], case: dict[str, Any]) -> None:
    card = CARDS[data["policy"]]()
    parameters = {**data.get("parameters", {}), **case.get("parameters", {})}
    result = evaluate_scorecard(card, case["units"], case.get("records"), parameters,
                                as_date(case.get("date", data["date"])))
    wrong = []
    for key, expected in case["expect"].items():
        if isinstance(expected, dict):
            unit = result.unit(key)
            for output, value in expected.items():
                actual = unit.get(output)
                if not same(actual, value):
                    wrong.append(f"{key}.{output}: expected {value!r}, got {actual!r}")
        else:
            actual = result.get(key)
            if not same(actual, expected):
                wrong.append(f"{key}: expected {expected!r}, got {actual!r}")
    assert not wrong, "\n".join(wrong)


def test_the_case_files_are_the_shared_ones() -> None:
    """The copies under cases/ must not drift from /work/shared/acceptance when it exists."""
    from pathlib import Path

    shared = Path("/work/shared/acceptance")
    if not shared.exists():
        pytest.skip("no shared acceptance folder here")
    here = Path(__file__).parent / "cases"
    for path in here.glob("*.yaml"):
        assert path.read_text(encoding="utf-8") == (shared / path.name).read_text(encoding="utf-8"), path.name

"""Signs (issue 7.9 and 8.3): the checker proves each amount is at least zero, or says how it
can be negative (C011); a declared sign or a floor settles it."""

from __future__ import annotations

import pytest

from policyrules.api import PolicyError, loads

HEAD = "policy s\nfacts e:\n  hires: integer\n  granted: money\n  income: money\n  balance: signed money\n"


def c011(body: str) -> str | None:
    try:
        loads(HEAD + body)
    except PolicyError as err:
        found = [d.message for d in err.diagnostics if d.code == "C011"]
        assert found, err
        return found[0]
    return None


@pytest.mark.parametrize(("body", "why"), [
    ("benefit b once\n  amount hires × 1000 元, at_most 5万元 - granted\n", "when granted > 5万元"),
    ("benefit b once\n  amount income - 100 元\n", "when 100 元 > income"),
    ("output o: money = income - granted\n", "when granted > income"),
    ("value left = 5万元 - granted\nbenefit b once\n  amount left\n", "when granted > 5万元"),
])
def test_an_amount_that_can_go_below_zero_is_c011_with_the_values(body: str, why: str) -> None:
    message = c011(body)
    assert message is not None and why in message


@pytest.mark.parametrize("body", [
    "benefit b once\n  amount hires × 1000 元, at_most 5万元 - granted, at_least 0 元\n",
    "benefit b once\n  amount (5万元 - granted, at_least 0 元)\n",
    "benefit b once\n  amount if income > granted then income - granted else 0 元\n",
    "benefit b once\n  amount if income <= granted then 0 元 else income - granted\n",
    "benefit b once\n  when income >= granted\n  amount income - granted\n",
    "benefit b once\n  amount max(income - granted, 0 元)\n",
    "benefit b once\n  amount balance\n",  # a declared sign: a negative amount is meant
    "output o: signed money = income - granted\n",
    "benefit b once\n  amount (max(hires, 1) - 1) × 100 元\n",
    "benefit b once\n  amount allocate 3000 元 over\n    x: income - granted\n    y: income\n",
])
def test_proved_or_declared_amounts_pass(body: str) -> None:
    assert c011(body) is None


def test_every_policy_in_the_repository_proves_its_amounts() -> None:
    from pathlib import Path

    from policyrules.api import load

    for path in sorted((Path(__file__).resolve().parents[2] / "policies").glob("*.policy")):
        load(path)  # raises PolicyError (C011 among others) when an amount can go negative

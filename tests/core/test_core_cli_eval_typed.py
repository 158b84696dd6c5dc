"""`policyrules eval` prints each output in its own unit: a whole number, a duration, a date, a
calendar month, a category, a percentage, a list, and `-` for a value still needed (it printed
`1.000000`, `24` for 2 years and the letter `f` for dates, and tracebacks on text and lists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyrules.interfaces.cli import main

POLICY = """
policy typed "类型化输出"
record hire key id:
  id: text
  insured: bool
facts enterprise:
  hires: list of hire
  staff: integer
  bonus: optional money
output n: integer = count hires where insured
output ids = list hires where insured
output staff_years: years = 2 years
output d: date = 2024-01-31 + 1 month
output ym = month_of(2024-05-03)
output size = if staff > 2 then "big" else "small"
output pct: percent = 20%
output dd: days = 5 days
output with_bonus: money = bonus + 1 元
"""
FACTS = """
enterprise:
  staff: 3
  hires: [{id: a, insured: true}, {id: b, insured: false}]
"""


def test_eval_prints_each_output_in_its_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "typed.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "facts.yaml").write_text(FACTS, encoding="utf-8")
    code = main(["eval", str(tmp_path / "typed.policy"), "--facts", str(tmp_path / "facts.yaml"), "--on", "2025-01-01"])
    out = capsys.readouterr().out
    assert code == 0
    shown = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert shown["n"][0] == "1"
    assert shown["ids"][0] == "[a]"
    assert shown["staff_years"][:2] == ["2", "years"]
    assert shown["d"][0] == "2024-02-29"
    assert shown["ym"][0] == "2024-05"
    assert shown["size"][0] == "big"
    assert shown["pct"][0] == "20%"
    assert shown["dd"][:2] == ["5", "days"]
    assert shown["with_bonus"][0] == "-" and "needed" in " ".join(shown["with_bonus"])


def test_the_python_api_gives_a_duration_in_its_own_unit() -> None:
    """`Decision.value` of a `years` output is in years, as `eval` and `to_dict` show it (it gave
    the months the interpreter holds it in: 24 for 2 years)."""
    from decimal import Decimal

    from policyrules.api import loads

    policy = loads(POLICY)
    facts = {"enterprise": {"staff": 3, "hires": [{"id": "a", "insured": True}]}}
    decision = policy.evaluate(facts, on="2024-06-01")
    assert decision.value("staff_years") == Decimal(2)
    assert Decimal(decision.to_dict()["outputs"]["staff_years"]["value"]) == 2
    assert decision.value("dd") == Decimal(5)
    assert decision.value("pct") == Decimal("0.20")

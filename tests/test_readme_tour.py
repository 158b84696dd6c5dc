"""The README's tour runs as written: its input files are shipped in examples/, and each command
gives what the README shows (the explanation's first line, the scorecard's ranking, a batch run
and a comparison, the service request)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyrules.api import load
from policyrules.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out + out.err


def test_every_file_the_tour_names_is_shipped() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("examples/person.yaml", "examples/units.json", "examples/b1-raised-cap.policy",
                 "examples/request.json", "benchmarks/gen_population.py"):
        assert name in readme and (ROOT / name).is_file(), name


def test_step_3_explains_the_person(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "explain", str(ROOT / "policies/city-employment-promotion.policy"), "--facts",
              str(ROOT / "examples/person.yaml"), "--on", "2009-07-01", "--param", "min_wage_monthly=960.00",
              "--param", "avg_wage_last_year=24000.00", "--param", "employer_min_si_monthly=300.00")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    card = out[out.index("rent_subsidy 经营场地租费补贴"):].split("\n  text:")[0]
    assert card in readme  # the card as the README shows it, line for line


def test_step_7_scores_the_units(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = run(capsys, "score", str(ROOT / "policies/recruitment-scorecard.policy"), str(ROOT / "examples/units.json"),
              "--on", "2023-12-25", "--report", str(tmp_path / "report.html"))
    ranked = [line.split()[:2] for line in out.splitlines() if line.split()[:1] == ["1"]]
    assert ranked == [["1", "town_h"]]
    assert "8 units, 6 qualified, total awards 10000.00" in out


def test_step_8_batch_and_compare(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    population = tmp_path / "population.parquet"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/gen_population.py"), "2000", str(population)], check=True)
    out = run(capsys, "batch", str(ROOT / "policies/b1.policy"), str(population), "-o",
              str(tmp_path / "results.parquet"), "--on", "2024-01-01")
    assert "2,000 rows: 2,000 computed, 0 rejected" in out
    out = run(capsys, "compare", str(ROOT / "policies/b1.policy"), str(ROOT / "examples/b1-raised-cap.policy"),
              str(population), "--on", "2024-01-01", "--chart", str(tmp_path / "change.svg"))
    assert "rent_subsidy" in out and (tmp_path / "change.svg").stat().st_size > 0


def test_step_9_request_is_a_b1_decision() -> None:
    request = json.loads((ROOT / "examples/request.json").read_text(encoding="utf-8"))
    policy = load(ROOT / "policies" / f"{request['policy']}.policy")
    decision = policy.evaluate(request["facts"], on=request["date"])
    assert decision.outputs["rent_subsidy"].value > 0

"""Loading units from files, and refusing bad inputs with every problem named at once."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from scorecard_support import jiangsu_2012, load_case_file, recruitment, recruitment_from_records

from policyrules.scorecard import ScorecardInputError, evaluate_scorecard, load_records, load_units, to_dict

ON = date(2023, 12, 25)
UNITS: list[dict[str, Any]] = load_case_file("recruitment-scorecard.yaml")["cases"][0]["units"]
FIELDS = list(UNITS[0])


def _write_csv(path: Path, units: list[dict[str, Any]]) -> None:
    lines = [",".join(FIELDS)]
    for unit in units:
        lines.append(",".join("" if unit.get(f) is None else str(unit[f]).lower()
                              if isinstance(unit.get(f), bool) else str(unit[f]) for f in FIELDS))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".json", ".yaml"])
def test_units_from_each_file_type_give_the_same_result(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"units{suffix}"
    if suffix == ".csv":
        _write_csv(path, UNITS)
    elif suffix == ".json":
        path.write_text(json.dumps({"units": UNITS}), encoding="utf-8")
    else:
        path.write_text("units:\n" + "".join(f"  - {json.dumps(u)}\n" for u in UNITS), encoding="utf-8")
    assert to_dict(evaluate_scorecard(recruitment(), load_units(path), on=ON)) == \
        to_dict(evaluate_scorecard(recruitment(), UNITS, on=ON))


def test_json_and_yaml_numbers_are_exact_decimals(tmp_path: Path) -> None:
    (tmp_path / "u.json").write_text('[{"id": "a", "x": 1.99}]', encoding="utf-8")
    (tmp_path / "u.yaml").write_text("- {id: a, x: 1.99}\n", encoding="utf-8")
    assert load_units(tmp_path / "u.json")[0]["x"] == Decimal("1.99")
    assert load_units(tmp_path / "u.yaml")[0]["x"] == Decimal("1.99")


def test_a_units_file_with_a_missing_field_and_a_non_numeric_value_names_unit_and_field(tmp_path: Path) -> None:
    units = [dict(u) for u in UNITS]
    units[1]["annual_actual"] = None  # town_b: missing indicator value
    units[3]["special_target"] = "thirty"  # town_d: not a number
    units[5]["other_points"] = "12"  # dept_f: outside 0..10
    path = tmp_path / "units.csv"
    _write_csv(path, units)
    with pytest.raises(ScorecardInputError) as info:
        evaluate_scorecard(recruitment(), load_units(path), on=ON)
    problems = info.value.problems
    assert len(problems) == 3, problems
    assert any("town_b" in p and "annual_actual" in p and "missing" in p for p in problems)
    assert any("town_d" in p and "special_target" in p and "'thirty' is not a number" in p for p in problems)
    assert any("dept_f" in p and "other_points" in p and "0..10" in p for p in problems)
    assert "town_b" in str(info.value)


def test_jiangsu_missing_indicator_and_bad_percent(tmp_path: Path) -> None:
    unit = dict(load_case_file("jiangsu-2012-targets.yaml")["cases"][0]["units"][0])
    del unit["medical_insured"]
    unit["graduate_employment_rate"] = "ninety%"
    path = tmp_path / "js.json"
    path.write_text(json.dumps([unit]), encoding="utf-8")
    with pytest.raises(ScorecardInputError) as info:
        evaluate_scorecard(jiangsu_2012(), load_units(path), on=date(2012, 12, 31))
    assert sorted(info.value.problems) == [
        "unit jiangsu: field graduate_employment_rate: 'ninety' is not a number (expected percent)",
        "unit jiangsu: field medical_insured is missing",
    ]


def test_other_input_problems_are_all_listed() -> None:
    units = [dict(u) for u in UNITS[:3]]
    units[0]["color"] = "red"
    units[1]["id"] = units[2]["id"]
    units[2]["items_missing"] = "1.5"
    units[0]["plan_submitted"] = "maybe"
    with pytest.raises(ScorecardInputError) as info:
        evaluate_scorecard(recruitment(), units, on=ON)
    text = "\n".join(info.value.problems)
    assert "unit town_a: unknown field color" in text
    assert "unit dept_c: the id is given twice" in text
    assert "field items_missing: '1.5' is not a whole number" in text
    assert "unit town_a: field plan_submitted: 'maybe' is not true or false" in text


def test_problems_found_while_scoring_are_refused_too() -> None:
    units = [dict(u) for u in UNITS[:3]]
    units[0]["annual_target"] = 0
    units[1]["items_missing"] = 6
    with pytest.raises(ScorecardInputError) as info:
        evaluate_scorecard(recruitment(), units, on=ON)
    problems = info.value.problems
    assert any(p.startswith("unit town_a: item annual: the target of annual is 0") for p in problems)
    assert "unit town_b: item summaries: field items_missing is 6, outside 0..5" in problems


def test_no_units_and_no_id() -> None:
    with pytest.raises(ScorecardInputError, match="no units given"):
        evaluate_scorecard(recruitment(), [], on=ON)
    with pytest.raises(ScorecardInputError, match=r"unit #1: field id is missing"):
        evaluate_scorecard(recruitment(), [{k: v for k, v in UNITS[0].items() if k != "id"}], on=ON)


def test_records_are_validated_and_loaded(tmp_path: Path) -> None:
    base = {k: v for k, v in UNITS[0].items() if k not in ("annual_actual", "special_actual")}
    (tmp_path / "worker.csv").write_text(
        "unit,labour_contract,consecutive_months,key_enterprise\n"
        "town_a,true,3,false\ntown_a,true,2,true\ntown_a,yes,12,true\n", encoding="utf-8")
    records = load_records(tmp_path / "worker.csv")
    result = evaluate_scorecard(recruitment_from_records(), [base], records, on=ON)
    assert result.unit("town_a").indicator("annual").actual == 2
    assert result.unit("town_a").indicator("special").actual == 1
    bad = {"worker": [{"unit": "nowhere", "labour_contract": True, "consecutive_months": "x", "key_enterprise": True}]}
    with pytest.raises(ScorecardInputError) as info:
        evaluate_scorecard(recruitment_from_records(), [base], bad, on=ON)
    assert sorted(info.value.problems) == [
        "worker record #1: field consecutive_months: 'x' is not a number (expected integer)",
        "worker record #1: field unit: no unit nowhere",
    ]
    with pytest.raises(ScorecardInputError, match="no worker records given"):
        evaluate_scorecard(recruitment_from_records(), [base], None, on=ON)


def test_unknown_file_type(tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_text("", encoding="utf-8")
    with pytest.raises(ScorecardInputError, match="unknown file type"):
        load_units(tmp_path / "u.txt")

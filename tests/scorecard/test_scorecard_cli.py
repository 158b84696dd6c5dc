"""``policyrules score`` and ``policyrules test`` on scorecard policies, through
``main([...])``: the ranked table, JSON, explanations, the HTML report, and bad inputs
refused with the unit and field named, exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scorecard_support import CASES, POLICIES, load_case_file

from policyrules.interfaces.cli import main

RECRUITMENT = str(POLICIES / "recruitment-scorecard.policy")
JIANGSU = str(POLICIES / "jiangsu-2012-targets.policy")
JILIN = str(POLICIES / "jilin-2004-target-responsibility.policy")
CITY = str(POLICIES / "city-employment-promotion.policy")
UNITS: list[dict[str, Any]] = load_case_file("recruitment-scorecard.yaml")["cases"][0]["units"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def units_file(tmp_path: Path, units: list[dict[str, Any]], name: str = "units.json") -> str:
    path = tmp_path / name
    if name.endswith(".csv"):
        fields = list(units[0])
        rows = [",".join(fields)] + [",".join("" if u.get(f) is None else str(u[f]).lower() if isinstance(u.get(f), bool)
                                              else str(u[f]) for f in fields) for u in units]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    else:
        path.write_text(json.dumps(units, ensure_ascii=False, default=str), encoding="utf-8")
    return str(path)


def test_score_prints_the_ranked_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "score", RECRUITMENT, units_file(tmp_path, UNITS), "--on", "2023-12-25")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "recruitment-scorecard (招工服务考核), 2023-12-25"
    assert lines[1].split()[:3] == ["rank", "unit", "annual"]
    assert [line.split()[1] for line in lines[3:11]] == ["town_h", "town_b", "town_e", "town_a", "town_d", "dept_f",
                                                        "dept_c", "dept_g"]
    assert lines[3].split()[-4:] == ["115.00", "2/2", "yes", "2000.00"]
    assert lines[-1] == "8 units, 6 qualified, total awards 10000.00"


def test_score_reads_csv_and_yaml_units_alike(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outs = []
    for name in ("units.csv", "units.json"):
        code, out, _ = run(capsys, "score", RECRUITMENT, units_file(tmp_path, UNITS, name), "--on", "2023-12-25")
        assert code == 0
        outs.append(out)
    yaml_units = str(CASES / "recruitment-scorecard.yaml")  # a mapping with `cases`, not units: refused
    code, _, err = run(capsys, "score", RECRUITMENT, yaml_units, "--on", "2023-12-25")
    assert code == 2 and "expected a list of units" in err
    assert outs[0] == outs[1]


def test_score_json_and_explain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    units = units_file(tmp_path, UNITS)
    code, out, _ = run(capsys, "score", RECRUITMENT, units, "--on", "2023-12-25", "--json")
    data = json.loads(out)
    assert code == 0 and data["total_awards"] == "10000.00" and data["advanced_units"][0] == "town_h"
    code, out, _ = run(capsys, "score", RECRUITMENT, units, "--on", "2023-12-25", "--explain", "town_a")
    assert code == 0 and "tie-break special.ratio: 30/30 = 1 < 31/30 = 1.0333 (larger first)" in out
    code, out, _ = run(capsys, "score", RECRUITMENT, units, "--on", "2023-12-25", "--explain", "dept_g", "--lang",
                       "zh")
    assert code == 0 and "得分 89.99 < 90:不满足" in out
    code, out, _ = run(capsys, "score", RECRUITMENT, units, "--on", "2023-12-25", "--explain", "town_b", "--json")
    assert code == 0 and json.loads(out)["id"] == "town_b" and json.loads(out)["explanation"][0].startswith("town_b")


def test_score_writes_the_html_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "out.html"
    code, out, err = run(capsys, "score", RECRUITMENT, units_file(tmp_path, UNITS), "--on", "2023-12-25",
                         "--report", str(report), "--lang", "zh")
    assert code == 0 and f"report written to {report}" in err and "total awards 10000.00" in out
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") == 1 and html.count("<rect") == 8
    assert 'stroke-dasharray="4 3"' in html and ">90</text>" in html  # the qualification line at 90
    assert "招工服务考核" in html and "<script" not in html


def test_score_a_checklist_with_records_on_a_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "regions.csv").write_text("id\nnanjing\nsuzhou\n", encoding="utf-8")
    (tmp_path / "project.csv").write_text(
        "region,item,completed\nnanjing,p04_unemployment_warning,false\nsuzhou,p01_urban_rural_employment,false\n"
        "suzhou,p13_social_security_card,true\n", encoding="utf-8")
    argv = ["score", JIANGSU, str(tmp_path / "regions.csv"), "--records", str(tmp_path / "project.csv"),
            "--scorecard", "jiangsu-2012-projects"]
    code, out, _ = run(capsys, *argv, "--on", "2013-01-01")
    assert code == 0
    assert [line.split() for line in out.splitlines()[3:5]] == [["nanjing", "0/1", "p04_unemployment_warning"],
                                                                ["suzhou", "1/1", "-"]]
    code, out, _ = run(capsys, *argv, "--on", "2016-01-01", "--explain", "suzhou")
    assert code == 0 and "overdue: p01_urban_rural_employment" in out


def test_score_with_weights_given_as_parameters(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = load_case_file("jilin-2004-target-responsibility.yaml")
    units = [{k: v for k, v in u.items()} for u in data["cases"][1]["units"]]
    path = units_file(tmp_path, units)
    code, out, _ = run(capsys, "score", JILIN, path, "--on", "2004-12-31", "--json")
    scores = {u["id"]: u["score"] for u in json.loads(out)["units"]}
    assert code == 0 and scores == {"changchun": "36.00", "jilin": "35.00", "tonghua": "35.00", "baicheng": "34.00"}
    code, out, _ = run(capsys, "score", JILIN, path, "--on", "2004-12-31", "--json",
                       "--param", "w_registered_unemployment_rate=10")
    scores = {u["id"]: u["score"] for u in json.loads(out)["units"]}
    assert scores == {"changchun": "45.00", "jilin": "44.00", "tonghua": "44.00", "baicheng": "34.00"}
    code, out, _ = run(capsys, "score", JILIN, path, "--on", "2004-12-31")
    assert code == 0 and "jobs_developed" not in out.splitlines()[1]  # 36 items: the table shows the score only


def test_a_bad_units_file_names_unit_and_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    units = [dict(u) for u in UNITS]
    del units[1]["annual_actual"]  # town_b: an indicator's actual is missing
    units[3]["special_target"] = "thirty"  # town_d: not a number
    code, out, err = run(capsys, "score", RECRUITMENT, units_file(tmp_path, units, "units.csv"), "--on",
                         "2023-12-25")
    assert code == 2 and out == ""
    assert "the units were refused; nothing was scored" in err
    assert "unit town_b: field annual_actual is missing" in err
    assert "unit town_d: field special_target: 'thirty' is not a number (expected integer)" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--on", "2023-13-01"], "--on expects a date such as 2023-12-25"),
    (["--scorecard", "nope"], "has no scorecard `nope`"),
    (["--explain", "nobody"], "--explain: no unit 'nobody'"),
    (["--param", "goal=3"], "parameter goal is not used by scorecard recruitment-scorecard"),
    (["--param", "oops"], "--param expects NAME=VALUE"),
    (["--records", "/no/such/file.csv"], "/no/such/file.csv: no such records file"),
])
def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str],
                            message: str) -> None:
    code, _, err = run(capsys, "score", RECRUITMENT, units_file(tmp_path, UNITS), *argv)
    assert code == 2 and message in err


def test_bad_files_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "score", RECRUITMENT, str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv: no such units file" in err
    bad = tmp_path / "bad.json"
    bad.write_text("[{", encoding="utf-8")
    code, _, err = run(capsys, "score", RECRUITMENT, str(bad))
    assert code == 2 and "not valid JSON" in err
    code, _, err = run(capsys, "score", CITY, units_file(tmp_path, UNITS))
    assert code == 2 and "declares no scorecard" in err
    broken = tmp_path / "broken.policy"
    broken.write_text("policy broken\nscorecard s\n  indicator a at_least nope\n", encoding="utf-8")
    code, _, err = run(capsys, "score", str(broken), units_file(tmp_path, UNITS))
    assert code == 2 and "error[S002]" in err


def test_policyrules_test_runs_scorecard_case_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "test", RECRUITMENT, str(CASES / "recruitment-scorecard.yaml"))
    assert code == 0 and out.strip() == "2 passed, 0 failed"
    code, out, _ = run(capsys, "test", JIANGSU, str(CASES / "jiangsu-2012-targets.yaml"),
                       str(CASES / "jiangsu-2012-projects.yaml"), str(CASES / "jiangsu-2012-other-targets.yaml"))
    assert code == 0 and out.strip() == "7 passed, 0 failed"
    wrong = (CASES / "recruitment-scorecard.yaml").read_text(encoding="utf-8").replace(
        'town_h: {score: "115.00"', 'town_h: {score: "115.01"')
    path = tmp_path / "wrong.yaml"
    path.write_text(wrong, encoding="utf-8")
    code, out, _ = run(capsys, "test", RECRUITMENT, str(path))
    assert code == 1 and "town_h.score: expected 115.01, got 115.00" in out and out.strip().endswith(
        "1 passed, 1 failed")

"""The command line, through ``main([...])``: exit codes 0 / 1 / 2, errors with their
place, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from policyrules.interfaces.cli import main

BAD_SYNTAX = "policy x\nvalue a = 3 + @\n"
BAD_CHECK = "policy x\nfacts p:\n  a: money\nbenefit b yearly\n  when a > 3\n  amount a\n"
PARAMS = ["--param", "min_wage_monthly=960.00", "--param", "avg_wage_last_year=24000.00",
          "--param", "employer_min_si_monthly=300.00"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


@pytest.fixture()
def facts_file(tmp_path: Path, with_facts: Any) -> str:
    facts = with_facts(person={"registered_unemployed": True, "starts_business": True, "first_business": True,
                               "business_months": 14, "venue": "government_market", "annual_rent": "40000.00"})
    return write(tmp_path, "facts.yaml", yaml.safe_dump(facts, allow_unicode=True))


def evaluate(capsys: pytest.CaptureFixture[str], command: str, policy: Path, facts: str,
             *extra: str) -> tuple[int, str, str]:
    return run(capsys, command, str(policy), "--facts", facts, "--on", "2009-07-01", *PARAMS, *extra)


# ---------------------------------------------------------------- check
def test_check_ok(capsys: pytest.CaptureFixture[str], city_policy_path: Path) -> None:
    code, out, _ = run(capsys, "check", str(city_policy_path))
    assert code == 0
    assert out.strip() == f"{city_policy_path}: ok (27 outputs, 4 kinds of facts, 7 parameters)"


def test_check_syntax_error_exits_2_with_place_and_caret(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    path = write(tmp_path, "bad.policy", BAD_SYNTAX)
    code, out, err = run(capsys, "check", path)
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == f"{path}:2:15: error[P001]: unexpected character '@'"
    assert lines[1].endswith("value a = 3 + @")
    assert lines[2].index("^") == lines[1].index("@") and lines[2].count("^") == 1


def test_check_type_error_exits_1_with_place_and_caret(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    path = write(tmp_path, "chk.policy", BAD_CHECK)
    code, out, err = run(capsys, "check", path)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"{path}:5:8: error[T002]: cannot compare money with a whole number"
    assert lines[1].endswith("  when a > 3")
    assert lines[2].index("^") == lines[1].index("a > 3") and lines[2].count("^") == len("a > 3")
    assert "hint" in err and err.rstrip().endswith("1 error")


def test_check_several_files_exits_with_the_worst(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  city_policy_path: Path) -> None:
    bad = write(tmp_path, "bad.policy", BAD_SYNTAX)
    chk = write(tmp_path, "chk.policy", BAD_CHECK)
    assert run(capsys, "check", str(city_policy_path), chk)[0] == 1
    code, out, err = run(capsys, "check", chk, bad, str(city_policy_path))
    assert code == 2
    assert "ok (27 outputs" in out and "error[T002]" in err and "error[P001]" in err


def test_check_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    chk = write(tmp_path, "chk.policy", BAD_CHECK)
    code, out, _ = run(capsys, "check", "--json", chk)
    assert code == 1
    (d,) = json.loads(out)
    assert {k: d[k] for k in ("code", "severity", "path", "line", "column")} == {
        "code": "T002", "severity": "error", "path": chk, "line": 5, "column": 8}


def test_check_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nothing.policy"))
    assert code == 2 and "F001" in err and "nothing.policy" in err


# ---------------------------------------------------------------- eval / explain
def test_eval_prints_every_output(capsys: pytest.CaptureFixture[str], city_policy_path: Path,
                                  facts_file: str) -> None:
    code, out, _ = evaluate(capsys, "eval", city_policy_path, facts_file)
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert rows["rent_subsidy"][0] == "3000.00"
    assert rows["fee_exemption"][0] == "true"
    assert rows["tax_relief"][0] == "0.00"
    assert "layoff_notice_required" in rows  # enterprise facts are in the base
    assert "referral_subsidy" not in rows  # no agency facts


def test_eval_facts_missing_and_ill_typed_exit_2_naming_both(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             city_policy_path: Path, with_facts: Any) -> None:
    facts = with_facts(person={"annual_rent": "lots"})
    del facts["person"]["age"]
    path = write(tmp_path, "facts.yaml", yaml.safe_dump(facts, allow_unicode=True))
    code, out, err = evaluate(capsys, "eval", city_policy_path, path)
    assert code == 2
    assert out == ""
    assert "nothing was evaluated" in err
    assert "person.age: missing" in err
    assert "person.annual_rent: not a money amount" in err and "'lots'" in err


def test_eval_bad_yaml_exits_2_with_its_place(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              city_policy_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "person:\n  age: 3\n  sex: [M,\n")
    code, _, err = evaluate(capsys, "eval", city_policy_path, path)
    assert code == 2
    assert err.startswith(f"{path}:4:1: not valid YAML")


def test_eval_bad_json_exits_2_with_its_place(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              city_policy_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{"person": {"age": 3,}}')
    code, _, err = evaluate(capsys, "eval", city_policy_path, path)
    assert code == 2
    assert err.startswith(f"{path}:1:22: not valid JSON")


def test_eval_a_missing_facts_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   city_policy_path: Path) -> None:
    code, _, err = evaluate(capsys, "eval", city_policy_path, str(tmp_path / "none.yaml"))
    assert code == 2 and "cannot read the facts file" in err


@pytest.mark.parametrize("param", ["min_wage_monthly", "=960", " =960"])
def test_a_malformed_param_exits_2(capsys: pytest.CaptureFixture[str], city_policy_path: Path, facts_file: str,
                                   param: str) -> None:
    code, _, err = evaluate(capsys, "eval", city_policy_path, facts_file, "--param", param)
    assert code == 2 and "--param expects NAME=VALUE" in err


def test_an_unknown_or_ill_typed_param_exits_2(capsys: pytest.CaptureFixture[str], city_policy_path: Path,
                                               facts_file: str) -> None:
    code, _, err = evaluate(capsys, "eval", city_policy_path, facts_file, "--param", "min_wage=1",
                            "--param", "avg_wage_last_year=much")
    assert code == 2
    assert "parameter min_wage" in err and "parameter avg_wage_last_year" in err


def test_a_missing_param_exits_2(capsys: pytest.CaptureFixture[str], city_policy_path: Path,
                                 facts_file: str) -> None:
    code, _, err = run(capsys, "eval", str(city_policy_path), "--facts", facts_file, "--on", "2009-07-01")
    assert code == 2
    for name in ("min_wage_monthly", "avg_wage_last_year", "employer_min_si_monthly"):
        assert f"parameter {name}" in err


@pytest.mark.parametrize(("on", "words"), [("2008-12-31", "in force from 2009-01-01"), ("2009-13-01", "date")])
def test_a_date_the_policy_cannot_take_exits_2(capsys: pytest.CaptureFixture[str], city_policy_path: Path,
                                               facts_file: str, on: str, words: str) -> None:
    code, _, err = run(capsys, "eval", str(city_policy_path), "--facts", facts_file, "--on", on, *PARAMS)
    assert code == 2 and words in err


def test_eval_a_policy_that_does_not_check_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  facts_file: str) -> None:
    chk = write(tmp_path, "chk.policy", BAD_CHECK)
    code, _, err = run(capsys, "eval", chk, "--facts", facts_file, "--on", "2009-07-01")
    assert code == 2 and "error[T002]" in err


def test_eval_json_is_valid(capsys: pytest.CaptureFixture[str], city_policy_path: Path, facts_file: str) -> None:
    code, out, _ = evaluate(capsys, "eval", city_policy_path, facts_file, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"policy", "date", "parameters", "outputs", "invariants"}
    rent = data["outputs"]["rent_subsidy"]
    assert rent["value"] == "3000.00" and rent["eligible"] is True and "trace" in rent
    assert data["outputs"]["fee_exemption"]["value"] is True


def test_eval_only_some_outputs(capsys: pytest.CaptureFixture[str], city_policy_path: Path,
                                facts_file: str) -> None:
    code, out, _ = evaluate(capsys, "eval", city_policy_path, facts_file, "--output", "rent_subsidy")
    assert code == 0 and out.split() == ["rent_subsidy", "3000.00"]
    code, _, err = evaluate(capsys, "eval", city_policy_path, facts_file, "--output", "referral_subsidy")
    assert code == 2 and "referral_subsidy" in err


def test_eval_reports_a_violated_invariant(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = write(tmp_path, "inv.policy", 'policy inv\nfacts p:\n  a: money\nbenefit b once\n  amount a\n'
                                           'invariant "at most 10": b <= 10 元\n')
    facts = write(tmp_path, "f.json", '{"p": {"a": "11.00"}}')
    code, out, err = run(capsys, "eval", policy, "--facts", facts, "--on", "2020-01-01")
    assert code == 1 and "invariant violated: at most 10" in err and "11.00" in out
    facts = write(tmp_path, "g.json", '{"p": {"a": "9.00"}}')
    assert run(capsys, "eval", policy, "--facts", facts, "--on", "2020-01-01")[0] == 0


def test_explain_in_chinese(capsys: pytest.CaptureFixture[str], city_policy_path: Path, facts_file: str) -> None:
    code, out, _ = evaluate(capsys, "explain", city_policy_path, facts_file, "--lang", "zh",
                            "--output", "rent_subsidy")
    assert code == 0
    assert out.startswith("政策 city-employment-promotion 于 2009-07-01 的计算结果\n")
    assert "rent_subsidy 经营场地租费补贴 = 3000.00  [三(二)3]" in out
    assert "符合条件:全部条件满足" in out and "适用上限" in out
    assert "fee_exemption" not in out


def test_explain_in_english_and_json(capsys: pytest.CaptureFixture[str], city_policy_path: Path,
                                     facts_file: str) -> None:
    code, out, _ = evaluate(capsys, "explain", city_policy_path, facts_file)
    assert code == 0 and "cap applied; 三(二)3" in out and "invariants stated in the policy:" in out
    code, out, _ = evaluate(capsys, "explain", city_policy_path, facts_file, "--json")
    assert code == 0 and json.loads(out)["outputs"]["rent_subsidy"]["value"] == "3000.00"


# ---------------------------------------------------------------- demo, test, misc
@pytest.mark.parametrize(("lang", "first"), [("en", "policyrules demo"), ("zh", "policyrules 演示")])
def test_demo(capsys: pytest.CaptureFixture[str], lang: str, first: str) -> None:
    code, out, _ = run(capsys, "demo", "--lang", lang)
    assert code == 0
    assert out.startswith(first)
    assert "rent_subsidy" in out and "3000.00" in out
    assert ("All outputs:" if lang == "en" else "全部结果:") in out


def test_test_command_with_a_bad_case_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           city_policy_path: Path) -> None:
    bad = write(tmp_path, "cases.yaml", "cases: [\n")
    code, _, err = run(capsys, "test", str(city_policy_path), bad)
    assert code == 2 and f"{bad}:" in err and "not valid YAML" in err
    shapeless = write(tmp_path, "shape.yaml", "just: text\n")
    code, _, err = run(capsys, "test", str(city_policy_path), shapeless)
    assert code == 2 and "cases" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2 and "usage: policyrules" in out


@pytest.mark.parametrize("argv", [["check", "{bad}"], ["eval", "{city}", "--facts", "{bad}", "--on", "2009-07-01"],
                                  ["explain", "{city}", "--facts", "{facts}", "--on", "2009-07-01"]])
def test_python_m_policyrules_never_shows_a_traceback(tmp_path: Path, city_policy_path: Path, argv: list[str],
                                                      with_facts: Any) -> None:
    names = {"bad": write(tmp_path, "bad.policy", BAD_SYNTAX), "city": str(city_policy_path),
             "facts": write(tmp_path, "facts.yaml", yaml.safe_dump(with_facts(person={"age": "old"})))}
    args = [a.format(**names) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "policyrules", *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stderr.strip()

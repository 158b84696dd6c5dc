"""Issue 8 (hardening): bounded numbers can still multiply beyond Decimal's precision.  Evaluation
then stops with an EvaluationError naming the output (and the value), never a traceback, and the
CLI (eval, explain, test) and the service report it."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from policyrules.api import EvaluationError, loads
from policyrules.interfaces.cli import main
from policyrules.interfaces.service import serve

POLICY = """\
policy ov "overflow"

facts person "个人":
  age "年龄": integer

value v = 999999999999999 元 * 999999999999999 * 999999999999999

benefit big "大额" once
  when age >= 18
  amount v

output total "合计": money = v + 1 元
"""
FACTS = {"person": {"age": 30}}


def test_an_overflowing_benefit_is_an_evaluation_error_naming_output_and_value() -> None:
    policy = loads(POLICY)
    with pytest.raises(EvaluationError, match=r"`big` cannot be computed.*too large.*`v`"):
        policy.evaluate(FACTS, on="2024-01-01")


def test_an_overflowing_typed_output_is_an_evaluation_error() -> None:
    policy = loads(POLICY.split("benefit big")[0] + 'output total "合计": money = v + 1 元\n')
    with pytest.raises(EvaluationError, match=r"`total` cannot be computed.*too large: `v` = 1\.000000E\+45\)"):
        policy.evaluate(FACTS, on="2024-01-01")


@pytest.mark.parametrize("cmd", ["eval", "explain"])
def test_cli_exit_2_without_traceback(cmd: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ov.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "f.json").write_text(json.dumps(FACTS), encoding="utf-8")
    code = main([cmd, str(tmp_path / "ov.policy"), "--facts", str(tmp_path / "f.json"), "--on", "2024-01-01"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "`big` cannot be computed" in err and "Traceback" not in out + err


def test_cases_report_it_as_a_failed_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ov.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "cases.yaml").write_text(
        "date: 2024-01-01\ncases:\n  - name: huge\n    facts: {person: {age: 30}}\n    expect: {big: 1.00}\n",
        encoding="utf-8")
    code = main(["test", str(tmp_path / "ov.policy"), str(tmp_path / "cases.yaml")])
    out, err = capsys.readouterr()
    assert code != 0
    assert "cannot be computed" in out + err and "Traceback" not in out + err


def test_the_service_answers_400() -> None:
    policy = loads(POLICY)
    srv = serve({policy.name: policy}, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/evaluate"
        body = json.dumps({"facts": FACTS, "date": "2024-01-01"}).encode()
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(req, timeout=10)
        assert exc.value.code == 400
        assert "`big` cannot be computed" in json.loads(exc.value.read())["error"]
    finally:
        srv.shutdown()
        srv.server_close()

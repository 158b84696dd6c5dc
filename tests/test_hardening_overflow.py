"""Issue 8 (hardening): bounded numbers can still multiply beyond Decimal's precision.  Evaluation
then stops with an EvaluationError naming the output (and the value), never a traceback, and the
CLI (eval, explain, test) and the service report it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from policyrules.api import EvaluationError, loads
from policyrules.interfaces.cli import main

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


def test_the_service_answers_400(tmp_path: Path) -> None:
    import httpx

    from policyrules.audit import open_store
    from policyrules.service import Service, create_app

    policy = loads(POLICY)
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    app = create_app(Service({policy.name: policy}, store))

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/evaluate", json={"facts": FACTS, "date": "2024-01-01"})

    resp = asyncio.run(post())
    store.close()
    assert resp.status_code == 400
    assert "`big` cannot be computed" in resp.json()["detail"]

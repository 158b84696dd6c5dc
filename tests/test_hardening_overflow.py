"""Issue 8 (hardening): bounded numbers can still multiply beyond Decimal's precision.  Evaluation
then stops with an EvaluationError naming the output (and the value), never a traceback, and the
CLI (eval, explain, test) and the service report it."""

from __future__ import annotations

import asyncio
import json
import re
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


DATES = """\
policy far "远期"

facts person "个人":
  start "开始日期": date
  wait "等待期": days
  extra "延长期": months

value later = start + wait

benefit paid "补贴" once
  when later <= 2030-01-01
  amount 100 元

output end_date "结束日期": date = start + extra
"""


@pytest.mark.parametrize(("wait", "extra", "output", "shown"), [
    (888_888_888_890, 0, "paid", "2024-01-01 + 888888888890 days"),  # beyond what a timedelta holds
    (3_000_000, 0, "paid", "2024-01-01 + 3000000 days"),  # a timedelta, but past 9999-12-31
    (5, 120_000, "end_date", "2024-01-01 + 120000 months"),
])
def test_a_date_beyond_the_calendar_is_an_evaluation_error(wait: int, extra: int, output: str, shown: str) -> None:
    facts = {"person": {"start": "2024-01-01", "wait": wait, "extra": extra}}
    with pytest.raises(EvaluationError, match=rf"`{output}` cannot be computed: .*outside the calendar.*{re.escape(shown)}"):
        loads(DATES).evaluate(facts, on="2024-06-01")


def test_a_date_beyond_the_calendar_exits_2_without_traceback(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "far.policy").write_text(DATES, encoding="utf-8")
    (tmp_path / "f.json").write_text(json.dumps({"person": {"start": "2024-01-01", "wait": 3_000_000, "extra": 0}}),
                                     encoding="utf-8")
    code = main(["eval", str(tmp_path / "far.policy"), "--facts", str(tmp_path / "f.json"), "--on", "2024-06-01"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "`paid` cannot be computed: the value `later` gives a date outside the calendar" in err
    assert "Traceback" not in out + err

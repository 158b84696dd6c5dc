"""The HTTP service and stored, replayable decisions."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policyrules.api import Policy
from policyrules.interfaces.cli import main
from policyrules.interfaces.service import serve


@pytest.fixture()
def server(city_policy: Policy) -> Iterator[str]:
    srv = serve({city_policy.name: city_policy}, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _post(url: str, body: Any) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_evaluate_over_http(server: str, with_facts: Any, city_params: dict[str, str], city_date: dt.date) -> None:
    facts = with_facts(person={"registered_unemployed": True, "starts_business": True, "first_business": True,
                               "business_months": 14, "venue": "government_market", "annual_rent": "40000.00"})
    status, body = _post(server + "/evaluate", {"facts": facts, "date": city_date.isoformat(),
                                                "parameters": city_params, "explain": "zh"})
    assert status == 200
    assert body["outputs"]["rent_subsidy"]["value"] == "3000.00"
    assert "适用上限" in body["explanation"]


def test_refused_facts_are_400_with_every_problem(server: str, with_facts: Any, city_params: dict[str, str]) -> None:
    facts = with_facts(person={"age": "old", "annual_rent": None})
    status, body = _post(server + "/evaluate", {"facts": facts, "date": "2009-07-01", "parameters": city_params})
    assert status == 400
    assert any("person.age" in p for p in body["problems"])
    assert any("person.annual_rent" in p for p in body["problems"])


def test_bad_json_and_unknown_paths(server: str) -> None:
    assert _post(server + "/evaluate", b"{not json")[0] == 400
    assert _post(server + "/nothing", {})[0] == 404
    with urllib.request.urlopen(server + "/policies", timeout=10) as resp:
        listed = json.loads(resp.read())
    assert listed[0]["name"] == "city-employment-promotion"
    assert "min_wage_monthly" in listed[0]["parameters_to_supply"]


def _record(tmp_path: Path, facts: dict[str, Any], params: dict[str, str], policy: Path) -> Path:
    facts_file = tmp_path / "facts.json"
    facts_file.write_text(json.dumps(facts), encoding="utf-8")
    out = tmp_path / "decision.json"
    argv = ["record", str(policy), "--facts", str(facts_file), "--on", "2009-07-01", "-o", str(out)]
    for k, v in params.items():
        argv += ["--param", f"{k}={v}"]
    assert main(argv) == 0
    return out


def test_a_stored_decision_replays(tmp_path: Path, with_facts: Any, city_params: dict[str, str],
                                   city_policy_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _record(tmp_path, with_facts(person={"completion_certificate": True}), city_params, city_policy_path)
    stored = json.loads(out.read_text(encoding="utf-8"))
    assert stored["outputs"]["completion_subsidy"] == "80.00"
    assert stored["policy_fingerprint"].startswith("sha256:")
    assert main(["replay", str(city_policy_path), str(out)]) == 0
    assert "replays identically" in capsys.readouterr().out


def test_a_tampered_decision_does_not_replay(tmp_path: Path, with_facts: Any, city_params: dict[str, str],
                                             city_policy_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _record(tmp_path, with_facts(person={"completion_certificate": True}), city_params, city_policy_path)
    stored = json.loads(out.read_text(encoding="utf-8"))
    stored["outputs"]["completion_subsidy"] = "800.00"
    out.write_text(json.dumps(stored), encoding="utf-8")
    assert main(["replay", str(city_policy_path), str(out)]) == 1
    assert "completion_subsidy: stored 800.00, now 80.00" in capsys.readouterr().out


def test_replay_notes_a_changed_policy(tmp_path: Path, with_facts: Any, city_params: dict[str, str],
                                       city_policy_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _record(tmp_path, with_facts(), city_params, city_policy_path)
    changed = tmp_path / "changed.policy"
    changed.write_text(city_policy_path.read_text(encoding="utf-8") + "\n# amended\n", encoding="utf-8")
    assert main(["replay", str(changed), str(out)]) == 0
    assert "the policy text has changed" in capsys.readouterr().out

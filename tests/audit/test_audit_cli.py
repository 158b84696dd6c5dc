"""`policyrules record`, `replay --store URL ID`, `keys add|list|revoke` and `audit verify|export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policyrules.audit import open_store
from policyrules.interfaces.cli import main

RENT = {"registered_unemployed": True, "starts_business": True, "first_business": True, "business_months": 14,
        "venue": "government_market", "annual_rent": "40000.00"}


def _record(tmp_path: Path, url: str, policy: Path, facts: dict[str, Any], params: dict[str, str],
            capsys: pytest.CaptureFixture[str]) -> str:
    facts_file = tmp_path / "facts.json"
    facts_file.write_text(json.dumps(facts), encoding="utf-8")
    argv = ["record", str(policy), "--facts", str(facts_file), "--on", "2009-07-01", "--store", url,
            "--subject", "P-9"]
    for k, v in params.items():
        argv += ["--param", f"{k}={v}"]
    assert main(argv) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_record_replay_verify_export(tmp_path: Path, city_policy_path: Path, with_facts: Any,
                                     city_params: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    first = _record(tmp_path, url, city_policy_path, with_facts(person=RENT), city_params, capsys)
    _record(tmp_path, url, city_policy_path, with_facts(person=RENT), city_params, capsys)
    assert main(["replay", "--store", url, first]) == 0
    assert "replays identically" in capsys.readouterr().out
    assert main(["audit", "verify", "--store", url]) == 0
    assert "the chain holds: 2 records" in capsys.readouterr().out
    out = tmp_path / "export.jsonl"
    assert main(["audit", "export", "--store", url, "-o", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["seq"] for r in lines] == [1, 2] and lines[0]["record"]["id"] == first
    assert lines[0]["record"]["outputs"]["rent_subsidy"]["value"] == "3000.00"
    # an edit: verify fails naming the record, replay reports the difference
    store = open_store(url)
    body = json.loads(store.db.run("SELECT body FROM decisions WHERE seq = 1")[0][0])
    body["outputs"]["rent_subsidy"]["value"] = "5000.00"
    store.db.run("UPDATE decisions SET body = ? WHERE seq = 1", (json.dumps(body),))
    store.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--store", url]) == 1
    err = capsys.readouterr().err
    assert f"BROKEN at record 1 (decision {first})" in err and "does not match its seal" in err
    assert main(["replay", "--store", url, first]) == 1
    assert "rent_subsidy: stored 5000.00, now 3000.00" in capsys.readouterr().out
    # a stored text overwritten: refused as an altered store (it no longer has its hash), no traceback
    store = open_store(url)
    store.db.run("UPDATE policy_texts SET text = ?", ("policy broken\n  nonsense here\n",))
    store.close()
    assert main(["replay", "--store", url, first]) == 2
    err = capsys.readouterr().err
    assert "no longer has its hash" in err and "audit verify" in err and "Traceback" not in err


def test_keys_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["keys", "list", "--store", url]) == 0
    assert "no keys" in capsys.readouterr().out
    assert main(["keys", "add", "--role", "evaluate", "--label", "intake system", "--store", url]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    secret, key_id = lines[-1], lines[0].split()[1].rstrip(",")
    assert secret.startswith("prk_")
    assert main(["keys", "list", "--store", url]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed and "active" in listed and "intake system" in listed and secret not in listed
    assert main(["keys", "revoke", key_id, "--store", url]) == 0
    assert main(["keys", "list", "--store", url]) == 0
    assert "revoked" in capsys.readouterr().out


def test_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    assert main(["replay", "--store", url, "nope"]) == 2
    assert "no decision 'nope'" in capsys.readouterr().err
    assert main(["audit", "verify", "--store", "mysql://x"]) == 2
    assert "not a store URL" in capsys.readouterr().err

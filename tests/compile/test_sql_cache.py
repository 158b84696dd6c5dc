"""The compiled-SQL cache (policyrules/compile/cache.py) behind ``batch``: a hit skips loading the
policy; the key follows the policy text, the parameters, the date, the input's columns and the
engine; an entry that is not authentic is ignored and the policy compiled again."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from policyrules.api import load
from policyrules.batch import run
from policyrules.compile import cache

ROOT = Path(__file__).resolve().parents[2]
POLICY = """policy cache-test "缓存"
  rounding half_up to 0.01 元

parameter rate "比例": percent

facts person "个人":
  wage "工资": money
  insured "参保": bool

benefit subsidy "补贴" once
  when insured
  amount rate of wage, at_most 500 元
"""
ON = dt.date(2024, 1, 1)


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache and a key of this test's own; a policy file and a small population."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "p.policy").write_text(POLICY, encoding="utf-8")
    duckdb.connect().execute(
        "COPY (SELECT i AS person_id, CAST(i * 1000 AS DECIMAL(12,2)) AS wage, i % 2 = 0 AS insured "
        f"FROM range(1, 8) t(i)) TO '{tmp_path / 'in.parquet'}' (FORMAT parquet)")
    return tmp_path


class Loader:
    """Loads the policy file, counting the loads (a cache hit makes none)."""

    def __init__(self, path: Path):
        self.path, self.calls = path, 0

    def __call__(self) -> Any:
        self.calls += 1
        return load(self.path)


def batch(env: Path, params: dict[str, str] | None = None, on: dt.date = ON) -> tuple[int, list[tuple[Any, ...]]]:
    """(loads of the policy, rows written) of one cached batch run."""
    loader = Loader(env / "p.policy")
    out = env / "out.parquet"
    run.run_batch(loader, str(env / "in.parquet"), str(out), on, params or {"rate": "10%"}, progress=False,
                  policy_file=str(env / "p.policy"))
    rows = duckdb.connect().execute(f"SELECT person_id, subsidy FROM '{out}' ORDER BY person_id").fetchall()
    return loader.calls, rows


def entries(env: Path) -> list[Path]:
    return sorted((env / "cache" / "policyrules").glob("sql-*.json"))


def test_second_run_is_a_hit_with_the_same_results(env: Path) -> None:
    loads, first = batch(env)
    assert loads == 1 and len(entries(env)) == 1
    loads, second = batch(env)
    assert loads == 0
    assert second == first
    assert [str(v) for _, v in first] == ["0.00", "200.00", "0.00", "400.00", "0.00", "500.00", "0.00"]


@pytest.mark.parametrize("change", ["text", "params", "date", "engine", "columns"])
def test_key_follows_text_params_date_engine_and_input(env: Path, change: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    batch(env)
    params, on = {"rate": "10%"}, ON
    if change == "text":
        (env / "p.policy").write_text(POLICY.replace("at_most 500 元", "at_most 300 元"), encoding="utf-8")
    elif change == "params":
        params = {"rate": "20%"}
    elif change == "date":
        on = dt.date(2024, 1, 2)
    elif change == "engine":
        monkeypatch.setattr(cache, "engine_fingerprint", lambda: "another version of policyrules")
    else:
        duckdb.connect().execute(
            "COPY (SELECT i AS person_id, CAST(i * 1000 AS DECIMAL(14,2)) AS wage, i % 2 = 0 AS insured "
            f"FROM range(1, 8) t(i)) TO '{env / 'in.parquet'}' (FORMAT parquet)")
    loads, rows = batch(env, params, on)
    assert loads == 1, "a changed input to the compilation must compile again"
    assert len(entries(env)) == 2
    expected = {"text": "300.00", "params": "500.00"}.get(change, "400.00")
    assert str(rows[3][1]) == expected  # wage 4000


def _tamper(entry: Path, how: str) -> None:
    raw = entry.read_bytes()
    head, _, payload = raw.partition(b"\n")
    if how == "payload":  # the query changed to pay everyone 999, the digest left as it was
        data = json.loads(payload)
        data["query"] = data["query"].replace("500", "999")
        data["query"] = f"SELECT *, 999 AS planted FROM ({data['query']})"
        entry.write_bytes(head + b"\n" + json.dumps(data).encode())
    elif how == "digest":  # a digest made without the user's key
        fields = head.split(b" ")
        entry.write_bytes(b" ".join(fields[:2] + [b"0" * 64]) + b"\n" + payload)
    elif how == "truncated":
        entry.write_bytes(raw[: len(raw) // 2])
    else:  # garbage
        entry.write_bytes(b"\x00\xff not an entry")


@pytest.mark.parametrize("how", ["payload", "digest", "truncated", "garbage"])
def test_tampered_entry_is_ignored_and_replaced(env: Path, how: str) -> None:
    _, expected = batch(env)
    (entry,) = entries(env)
    _tamper(entry, how)
    loads, rows = batch(env)
    assert loads == 1 and rows == expected
    columns = [d[0] for d in duckdb.connect().execute(f"SELECT * FROM '{env / 'out.parquet'}'").description]
    assert "planted" not in columns
    assert batch(env)[0] == 0, "the entry is written again after the fresh compilation"


def test_entry_of_another_key_is_refused(env: Path) -> None:
    batch(env)
    batch(env, {"rate": "20%"})
    a, b = entries(env)
    a.write_bytes(b.read_bytes())  # a genuine entry, but made for other parameters
    loads, rows = batch(env)
    assert loads in (0, 1)
    assert str(rows[1][1]) == "200.00"


def test_no_private_key_no_cache(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = env / "shared-state"
    (state / "policyrules").mkdir(parents=True)
    (state / "policyrules").chmod(0o777)  # not the user's alone: nothing is trusted or written
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    assert batch(env)[0] == 1
    assert batch(env)[0] == 1
    assert entries(env) == []


def test_cli_hit_loads_neither_lark_nor_sqlglot(env: Path) -> None:
    """On a hit the CLI runs the cached SQL: the parser, the checker and sqlglot stay unloaded."""
    args = ["batch", str(env / "p.policy"), str(env / "in.parquet"), "-o", str(env / "cli.parquet"),
            "--on", "2024-01-01", "--param", "rate=10%", "--no-progress"]
    probe = ("import sys, runpy; sys.argv = ['policyrules'] + sys.argv[1:]\n"
             "from policyrules.interfaces.cli import main\n"
             "code = main(sys.argv[1:])\n"
             "heavy = sorted(m for m in ('lark', 'sqlglot', 'policyrules.check.checked', 'policyrules.syntax.nodes')"
             " if m in sys.modules)\n"
             "print(code, ','.join(heavy) or '-')\n")
    env_vars = {"XDG_CACHE_HOME": str(env / "cache"), "XDG_STATE_HOME": str(env / "state"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env_vars,
                           cwd=ROOT, check=True)
    assert first.stdout.split()[0] == "0" and "sqlglot" in first.stdout
    second = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env_vars,
                            cwd=ROOT, check=True)
    assert second.stdout.split() == ["0", "-"], second.stdout + second.stderr
    assert "7 rows: 7 computed" in second.stderr


def test_policy_size_limit_is_the_loaders() -> None:
    from policyrules.sourcefile import MAX_POLICY_BYTES

    assert run._POLICY_BYTES == MAX_POLICY_BYTES

"""A cached ``batch`` run (a hit of policyrules/compile/cache.py) binds each validation view once:
the query reads view ``facts`` as common table expressions, view ``rejects`` is created only when
rejects are listed (:meth:`policyrules.batch.run.Prepared.split`).  Its results and rejects are
those of the run that compiled the policy, file for file, flat and nested facts alike."""

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

ROOT = Path(__file__).resolve().parents[2]
POLICY = """policy cached-views "缓存视图"
  rounding half_up to 0.01 元

parameter rate "比例": percent

facts person "个人":
  wage "工资": money
  insured "参保": bool

benefit subsidy "补贴" once
  when insured
  amount rate of wage, at_most 500 元
"""
HIRING = ROOT / "tests" / "compile" / "data" / "hiring-records.policy"
ON = dt.date(2024, 1, 1)


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache and a key of this test's own, and the policy file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "p.policy").write_text(POLICY, encoding="utf-8")
    return tmp_path


def twice(policy: Path, src: Path, params: dict[str, str], on: dt.date = ON, *,
          rejects: bool = False) -> list[tuple[int, Any, list[Any], str | None]]:
    """(loads of the policy, summary, result rows, rejects file text) of a run that compiles the
    policy, then of a run that finds it in the cache."""
    out = []
    for n in range(2):
        loads: list[Path] = []

        def loader(loads: list[Path] = loads) -> Any:
            loads.append(policy)
            return load(policy)

        dst = src.with_name(f"out{n}.parquet")
        given = str(src.with_name(f"rejects{n}.csv")) if rejects else None
        result = run.run_batch(loader, str(src), str(dst), on, params, rejects=given, progress=False,
                               policy_file=str(policy))
        rows = duckdb.connect().execute(f"SELECT * FROM '{dst}'").fetchall()
        text = Path(result.rejects_path).read_text(encoding="utf-8") if result.rejects_path else None
        summary = result.summary_line().replace(str(result.rejects_path), "REJECTS")
        out.append((len(loads), summary, rows, text))
    assert [o[0] for o in out] == [1, 0], "the second run must be a hit of the cache"
    (entry,) = (src.parent / "cache" / "policyrules").glob("sql-*.json")
    prepared = run.Prepared.from_json(json.loads(entry.read_bytes().partition(b"\n")[2]))
    assert prepared is not None and prepared.split() is not None, "the hit must bind each view once"
    return out


def test_hit_with_rejects_writes_what_the_compiling_run_wrote(env: Path) -> None:
    src = env / "in.parquet"
    duckdb.connect().execute(
        "COPY (SELECT i AS person_id, CASE WHEN i = 3 THEN -1 ELSE i * 1000 END::DECIMAL(12,2) AS wage, "
        f"i % 2 = 0 AS insured FROM range(1, 8) t(i)) TO '{src}' (FORMAT parquet)")
    first, second = twice(env / "p.policy", src, {"rate": "10%"})
    assert first[1:] == second[1:]
    assert "6 computed, 1 rejected" in second[1]
    assert second[3] is not None and "cannot be negative" in second[3]
    assert [r[1] for r in second[2]][:3] == [0, 200, 400] and len(second[2]) == 6


def test_hit_on_csv_with_a_malformed_line(env: Path) -> None:
    src = env / "in.csv"
    src.write_text("person_id,wage,insured\n1,1000,true\n2,oops,true\n3,3000\n4,4000,false\n5,5000,true\n",
                   encoding="utf-8")
    first, second = twice(env / "p.policy", src, {"rate": "10%"})
    assert first[1:] == second[1:]
    assert "3 computed, 2 rejected" in second[1]
    assert second[3] is not None and "malformed CSV line 4" in second[3] and "oops" in second[3]


def test_hit_with_rejects_file_asked_for_and_none(env: Path) -> None:
    src = env / "in.parquet"
    duckdb.connect().execute("COPY (SELECT i AS person_id, (i * 1000)::DECIMAL(12,2) AS wage, true AS insured "
                             f"FROM range(1, 4) t(i)) TO '{src}' (FORMAT parquet)")
    first, second = twice(env / "p.policy", src, {"rate": "10%"}, rejects=True)
    assert first[1:] == second[1:]
    assert second[3] == "row,field,value,reason\n"


def test_hit_with_nested_facts(env: Path) -> None:
    good = {"id": "a", "hire_date": "2024-02-01", "insured": True, "wage": "100", "contract": "fixed",
            "trainings": [{"hours": "2", "passed": True}]}
    rows = [{"hires": [good], "staff": 3},
            {"hires": [{**good, "hire_date": "2024-13-01"}], "staff": 3},
            {"hires": [good, {**good, "trainings": [{"hours": "-1", "passed": True}]}], "staff": 4},
            {"hires": [], "staff": 1}]
    src = env / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    params = {"bonus_rate": json.dumps({"fixed": "0.1", "open_ended": "0.255"})}
    first, second = twice(HIRING, src, params, dt.date(2024, 6, 30))
    assert first[1:] == second[1:]
    assert "2 computed, 2 rejected" in second[1]
    assert second[3] is not None and "hires[].hire_date" in second[3] and "hires[].trainings[].hours" in second[3]


def test_split_inlines_the_facts_views_and_leaves_rejects_for_later() -> None:
    prepared = run.Prepared(
        ("CREATE OR REPLACE TEMP VIEW facts AS SELECT 1 AS a FROM raw_input",
         "CREATE OR REPLACE TEMP VIEW rejects AS SELECT 2 AS b FROM raw_input",
         "ALTER VIEW facts RENAME TO facts_flat", "ALTER VIEW rejects RENAME TO rejects_flat",
         "CREATE OR REPLACE TEMP VIEW facts AS SELECT a FROM facts_flat WHERE a > 0",
         "CREATE OR REPLACE TEMP VIEW rejects AS SELECT b FROM rejects_flat UNION ALL SELECT 3 FROM raw_input"),
        "SELECT a FROM facts", ("a",), ())
    split = prepared.split()
    assert split is not None
    query, rejects = split
    assert query == ("WITH facts_flat AS NOT MATERIALIZED (SELECT 1 AS a FROM raw_input), facts AS NOT "
                     "MATERIALIZED (SELECT a FROM facts_flat WHERE a > 0) SELECT a FROM facts")
    assert rejects == ("CREATE OR REPLACE TEMP VIEW rejects_flat AS SELECT 2 AS b FROM raw_input",
                       "CREATE OR REPLACE TEMP VIEW rejects AS SELECT b FROM rejects_flat UNION ALL "
                       "SELECT 3 FROM raw_input")
    con = duckdb.connect()
    con.execute("CREATE TEMP VIEW raw_input AS SELECT * FROM range(2)")
    assert con.execute(query).fetchall() == [(1,), (1,)]
    for statement in rejects:
        con.execute(statement)
    assert sorted(con.execute("SELECT * FROM rejects").fetchall()) == [(2,), (2,), (3,), (3,)]
    odd = prepared._replace(statements=(*prepared.statements, "DROP VIEW facts"))
    assert odd.split() is None, "a statement of another form: run them all, as they are"


def test_hit_loads_neither_duckdbs_python_api_nor_attrs(env: Path) -> None:
    """On a hit a run imports DuckDB's engine alone (``_duckdb``), and no attrs class."""
    pytest.importorskip("_duckdb")
    duckdb.connect().execute("COPY (SELECT 1 AS person_id, 1000::DECIMAL(12,2) AS wage, true AS insured) "
                             f"TO '{env / 'in.parquet'}' (FORMAT parquet)")
    args = ["batch", str(env / "p.policy"), str(env / "in.parquet"), "-o", str(env / "cli.parquet"),
            "--on", "2024-01-01", "--param", "rate=10%", "--no-progress"]
    probe = ("import sys\nfrom policyrules.interfaces.cli import main\ncode = main(sys.argv[1:])\n"
             "print(code, ','.join(sorted(m for m in ('duckdb', 'attrs', 'attr', 'sqlglot', 'lark') "
             "if m in sys.modules)) or '-')\n")
    env_vars = {"XDG_CACHE_HOME": str(env / "cache"), "XDG_STATE_HOME": str(env / "state"), "PATH": "/usr/bin:/bin"}
    runs = [subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env_vars,
                           cwd=ROOT, check=True) for _ in range(2)]
    assert runs[0].stdout.split()[0] == "0" and "sqlglot" in runs[0].stdout
    assert runs[1].stdout.split() == ["0", "-"], runs[1].stdout + runs[1].stderr
    assert "1 rows: 1 computed" in runs[1].stderr


def test_hit_names_the_output_that_overflows(env: Path) -> None:
    (env / "big.policy").write_text(POLICY.replace("amount rate of wage, at_most 500 元",
                                                   "amount wage × 100000000 × 100000000"), encoding="utf-8")
    src = env / "in.parquet"
    duckdb.connect().execute("COPY (SELECT 1 AS person_id, 999999999999999::DECIMAL(18,2) AS wage, true AS insured) "
                             f"TO '{src}' (FORMAT parquet)")
    loads: list[int] = []

    def loader() -> Any:
        loads.append(1)
        return load(env / "big.policy")

    messages = []
    for _ in range(2):
        with pytest.raises(run.BatchError) as info:
            run.run_batch(loader, str(src), str(env / "out.parquet"), ON, {"rate": "10%"}, progress=False,
                          policy_file=str(env / "big.policy"))
        messages.append(str(info.value))
    assert loads == [1], "the second run must be a hit of the cache"
    assert messages[0] == messages[1] and "output `subsidy` is too large" in messages[1]

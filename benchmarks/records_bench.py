"""Lists of records on the compiled path: 1M records (200k enterprises x 5 hires on average) in a
nested Parquet column, the policy's compiled query against a hand-written DuckDB query for the
same rule (UNNEST + GROUP BY), and a full ``batch`` run (validation of the nested column included)
over the Parquet file and over the same population as JSON lines (``--json``: dates and wages as
JSON strings, as a JSON writer gives them, so that the wages are read by the text forms).

    .venv/bin/python benchmarks/records_bench.py [--enterprises 200000] [--hires 5] [--repeat 3] [--json]

Prints wall and CPU (user + system of the process, all threads) seconds, the best of ``--repeat``
each, and the load average; both queries' results are checked equal first, and each batch run's
output totals equal to them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import duckdb

from policyrules.api import loads
from policyrules.batch.nested import duck_type
from policyrules.batch.run import run_batch
from policyrules.compile import compile_query, resolve

POLICY = """
policy hiring-bench "吸纳就业补贴(基准)"
  rounding half_up to 0.01 元

record hire "吸纳人员":
  hire_date "入职日期": date
  insured "参保": bool
  wage "月工资": money

facts enterprise "企业":
  hires "吸纳人员": list of hire

value qualifies "符合条件" for_each hire = insured and hire_date >= 2024-01-01

output qualified_count "符合条件人数": integer = count hires where qualifies
output wage_total "工资合计": money = sum wage over hires where qualifies

benefit grant "一次性吸纳就业补贴" once
  when qualified_count > 0
  amount qualified_count × 1000 元, at_most 5000 元
"""

HAND = """
WITH items AS (
  SELECT e.row, h.hire_date, h.insured, h.wage
  FROM (SELECT row_number() OVER () AS row, hires FROM read_parquet('{path}')) e,
       LATERAL (SELECT UNNEST(e.hires, max_depth := 2)) h
), per AS (
  SELECT row, count(*) FILTER (WHERE insured AND hire_date >= DATE '2024-01-01') AS n,
         coalesce(sum(wage) FILTER (WHERE insured AND hire_date >= DATE '2024-01-01'), 0) AS w
  FROM items GROUP BY row
)
SELECT e.row, coalesce(n, 0) AS qualified_count, CAST(coalesce(w, 0) AS DECIMAL(18,2)) AS wage_total,
       CAST(CASE WHEN coalesce(n, 0) > 0 THEN least(coalesce(n, 0) * 1000, 5000) ELSE 0 END AS DECIMAL(18,2)) AS grant
FROM (SELECT row_number() OVER () AS row FROM read_parquet('{path}')) e LEFT JOIN per USING (row)
"""


def generate(con: duckdb.DuckDBPyConnection, path: str, enterprises: int, hires: int) -> int:
    con.execute(f"""
        COPY (
          SELECT list_transform(range(CAST(hash(i) % {2 * hires + 1} AS BIGINT)), lambda j: {{
                   'id': 'h' || j,
                   'hire_date': DATE '2023-07-01' + CAST(hash(i * 31 + j) % 365 AS INTEGER),
                   'insured': hash(i * 17 + j) % 4 <> 0,
                   'wage': CAST((hash(i * 7 + j) % 2000000) / 100 AS DECIMAL(38,6))}}) AS hires
          FROM range({enterprises}) t(i)
        ) TO '{path}' (FORMAT parquet)""")
    return int(con.execute(f"SELECT sum(len(hires)) FROM read_parquet('{path}')").fetchone()[0])  # type: ignore[index]


def best(f, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) seconds of the fastest of ``repeat`` calls (each the least of its runs)."""
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        f()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def totals(con: duckdb.DuckDBPyConnection, path: str) -> tuple[object, ...]:
    row = con.execute(f"SELECT sum(qualified_count), sum(wage_total), sum(\"grant\") FROM read_parquet('{path}')").fetchone()
    assert row is not None
    return tuple(row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=200_000)
    ap.add_argument("--hires", type=int, default=5, help="average hires per enterprise")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="also a batch run over the population as JSON lines")
    args = ap.parse_args()
    p = loads(POLICY, "hiring-bench.policy")
    cp = p.checked
    on = dt.date(2024, 6, 30)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "hires.parquet")
        con = duckdb.connect()
        records = generate(con, path, args.enterprises, args.hires)
        ty = duck_type(cp, cp.facts["enterprise"].fields["hires"].type)
        con.execute(f"CREATE VIEW facts AS SELECT CAST(hires AS {ty}) AS hires FROM read_parquet('{path}')")
        compiled = compile_query(cp, on, resolve(cp, on, {}))
        sql = compiled.sql()
        hand = HAND.format(path=path)
        got = con.execute(f"SELECT sum(qualified_count), sum(wage_total), sum(\"grant\") FROM ({sql})").fetchone()
        want = con.execute(f"SELECT sum(qualified_count), sum(wage_total), sum(\"grant\") FROM ({hand})").fetchone()
        assert got == want, (got, want)
        t_compiled = best(lambda: con.execute(f"SELECT count(*), sum(\"grant\") FROM ({sql})").fetchall(),
                          args.repeat)
        t_hand = best(lambda: con.execute(f"SELECT count(*), sum(\"grant\") FROM ({hand})").fetchall(),
                      args.repeat)
        print(f"load average {os.getloadavg()[0]:.2f}; {args.enterprises:,} enterprises, {records:,} records "
              f"(totals agree: {got})")
        print(f"compiled query (list lambdas):   wall {t_compiled[0]:.3f} s, CPU {t_compiled[1]:.3f} s")
        print(f"hand-written (UNNEST, GROUP BY): wall {t_hand[0]:.3f} s, CPU {t_hand[1]:.3f} s")
        inputs = [("Parquet", path)]
        if args.json:
            jpath = str(Path(tmp) / "hires.jsonl")
            con.execute(f"""COPY (SELECT list_transform(hires, lambda h: {{'id': h.id, 'hire_date': CAST(h.hire_date
                            AS VARCHAR), 'insured': h.insured, 'wage': CAST(CAST(h.wage AS DECIMAL(18,2)) AS VARCHAR)}})
                            AS hires FROM read_parquet('{path}')) TO '{jpath}' (FORMAT json)""")
            inputs.append(("JSON lines", jpath))
        for name, src in inputs:
            out = str(Path(tmp) / "out.parquet")
            t_batch = best(lambda src=src, out=out: run_batch(p, src, out, on, {}, progress=False), args.repeat)
            assert totals(con, out) == got, (name, totals(con, out), got)
            print(f"batch run, {name} to Parquet (validation of the nested column, writing): "
                  f"wall {t_batch[0]:.3f} s, CPU {t_batch[1]:.3f} s")
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

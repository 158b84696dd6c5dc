#!/usr/bin/env python3
"""B1 on every engine: the whole ``policyrules batch`` process on DuckDB (in-process), Spark
(local mode) and PostgreSQL (a throwaway cluster, tests/pg_cluster.py), timed from the shell,
each engine's results compared with DuckDB's, to the fen, person by person.

Usage: engines_bench.py --rows 1000000 [--engines duckdb,spark,postgresql] [--master local[*]]
Figures: docs/engines.md.  Populations are cached under benchmarks/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import glob
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))

from run import population  # noqa: E402

BATCH = [sys.executable, "-m", "policyrules", "batch", "policies/b1.policy", "--on", "2024-01-01"]


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def load_pg(dsn: str, src: Path) -> float:
    """Copy the population into table ``facts`` (through DuckDB's CSV writer and COPY FROM STDIN)."""
    import psycopg

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "pop.csv"
        duckdb.execute(f"COPY (SELECT * FROM read_parquet('{src}')) TO '{csv}' (HEADER true)")
        schema = pq.read_schema(src)
        types = {"bool": "boolean", "int64": "bigint", "double": "double precision", "string": "text",
                 "large_string": "text"}
        cols = ", ".join(f'"{f.name}" {pg_type(f.type, types)}' for f in schema)
        with psycopg.connect(dsn) as con, open(csv, "rb") as fh:
            con.execute(f"CREATE TABLE facts ({cols})")
            with con.cursor().copy("COPY facts FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            con.execute("ANALYZE facts")
    return time.perf_counter() - start


def pg_type(t: object, types: dict[str, str]) -> str:
    import pyarrow as pa

    if pa.types.is_decimal(t):
        return f"numeric({t.precision},{t.scale})"  # type: ignore[attr-defined]
    return types[str(t)]


def same_as(reference: Path, rows: list[dict]) -> int:
    """Rows that differ from the reference in any column (by person_id)."""
    want = {r["person_id"]: r for r in pq.read_table(reference).to_pylist()}
    return sum(1 for r in rows if want.get(r["person_id"]) != r) + abs(len(want) - len(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--engines", default="duckdb,spark,postgresql")
    ap.add_argument("--master", default="local[*]")
    args = ap.parse_args()
    src = population(args.rows)
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "duckdb.parquet"
        seconds = timed([*BATCH, str(src), "-o", str(ref), "--no-progress"])
        print(f"duckdb      {args.rows:>10,} rows  {seconds:6.2f} s  (the reference)")
        if "spark" in engines:
            out = Path(tmp) / "spark.parquet"
            seconds = timed([*BATCH, str(src), "-o", str(out), "--engine", "spark", "--master", args.master])
            rows = [r for p in sorted(glob.glob(f"{out}/*.parquet")) for r in pq.read_table(p).to_pylist()]
            print(f"spark       {args.rows:>10,} rows  {seconds:6.2f} s  {same_as(ref, rows)} rows differ")
        if "postgresql" in engines:
            import psycopg
            from pg_cluster import throwaway_cluster

            with throwaway_cluster() as cluster:
                loading = load_pg(cluster.dsn, src)
                seconds = timed([*BATCH, "--engine", cluster.dsn, "--table", "facts", "--into", "results"])
                with psycopg.connect(cluster.dsn) as con:
                    cur = con.execute("SELECT * FROM results")
                    names = [d.name for d in cur.description]
                    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
                print(f"postgresql  {args.rows:>10,} rows  {seconds:6.2f} s  {same_as(ref, rows)} rows differ "
                      f"(loading the table: {loading:.1f} s, not counted)")


if __name__ == "__main__":
    main()

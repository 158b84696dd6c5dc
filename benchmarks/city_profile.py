#!/usr/bin/env python3
"""Where `policyrules batch` of the city policy spends its time against the hand-written query
(city_duckdb.py), in one process: CPU seconds (best of N) of each stage, and EXPLAIN ANALYZE of
both queries (DuckDB's JSON profile) with their operators' times.

Usage: city_profile.py benchmarks/data/city_1000000.parquet [--threads 1] [--repeat 3] [--plans DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from city_duckdb import ON, POLICY, city_sql  # noqa: E402
from interpreter import CITY_PARAMS  # noqa: E402


def cpu(fn: Callable[[], object], repeat: int) -> float:
    """Best CPU seconds (every thread of the process) of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def operators(node: dict[str, Any], depth: int = 0) -> Iterator[tuple[int, str, float, str]]:
    """(depth, operator, seconds, what it computes) of DuckDB's JSON profile, top down."""
    for child in node.get("operator", node.get("children", [])):
        info = child.get("extra_info", {})
        what = str(info.get("Projections") or info.get("Expression") or info.get("Function") or "")
        yield depth, child["type"], float(child["timing"]), what.replace("\n", " ")[:90]
        yield from operators(child, depth + 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plans", help="write the two EXPLAIN ANALYZE texts to this folder")
    a = ap.parse_args()
    from policyrules.api import load
    from policyrules.batch import io
    from policyrules.batch.run import MEMORY_LIMIT, connect, prepare

    con = connect(False, MEMORY_LIMIT)
    con.execute(f"SET threads = {a.threads}")
    io.open_input(con, a.src)
    prepared = prepare(load(POLICY), con, a.src, dt.date.fromisoformat(ON), CITY_PARAMS, None, None)
    baseline = city_sql("read_parquet('" + a.src.replace("'", "''") + "')")
    names = ", ".join(f'"{n}"' for n in prepared.outputs)
    # every output column consumed, nothing written: max() of each
    use = "SELECT " + ", ".join(f'max("{n}")' for n in prepared.outputs) + " FROM ({})"
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out.parquet")
        stages = {
            "validation (count of valid rows)": lambda: con.execute("SELECT count(*) FROM facts").fetchall(),
            "validation + rules": lambda: con.execute(use.format(prepared.query)).fetchall(),
            "validation + rules + Parquet": lambda: con.execute(
                f"COPY ({prepared.query}) TO '{out}' (FORMAT parquet)"),
            "hand-written rules": lambda: con.execute(use.format(baseline)).fetchall(),
            "hand-written rules + Parquet": lambda: con.execute(f"COPY ({baseline}) TO '{out}' (FORMAT parquet)"),
        }
        print(f"{a.src}: {len(prepared.outputs)} outputs ({names[:60]}…), threads {a.threads}, best of {a.repeat}\n")
        print("| stage | CPU s |\n|---|---:|")
        for label, fn in stages.items():
            print(f"| {label} | {cpu(fn, a.repeat):.3f} |")
    plans = Path(a.plans or tempfile.mkdtemp())
    plans.mkdir(parents=True, exist_ok=True)
    for label, query in (("compiled", prepared.query), ("hand-written", baseline)):
        profile = plans / f"{label}.json"
        con.execute("SET enable_profiling = 'json'")
        con.execute(f"SET profiling_output = '{profile}'")
        con.execute(use.format(query)).fetchall()
        con.execute("SET enable_profiling = 'no_output'")
        ops = list(operators(json.loads(profile.read_text("utf-8"))))
        print(f"\n{label} (EXPLAIN ANALYZE, {profile}): {sum(t for _, _, t, _ in ops):.3f} s of operator time\n")
        for depth, name, seconds, what in ops:
            if seconds >= 0.01:
                print(f"  {'  ' * min(depth, 12)}{name} {seconds:.3f}  {what}")


if __name__ == "__main__":
    main()

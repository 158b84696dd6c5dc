#!/usr/bin/env python3
"""Benchmark B1 engines on synthetic populations: wall time, rows/s and peak memory.

Each engine runs as its own subprocess (peak RSS from ``os.wait4``); before timing, each one's
output on a check population is compared with the plain-Python reference, to the fen.
Populations are cached under benchmarks/data/ (git-ignored).

Usage: run.py --rows 1000000 [--rows 10000000] [--engines duckdb,polars,reference]
              [--engine NAME='COMMAND {input} {output}'] [--check-rows 100000]
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from compare_outputs import compare

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"

# An engine is a command line; {input} and {output} are Parquet paths, {python} this interpreter.
ENGINES: dict[str, str] = {
    # the whole `policyrules batch` process: load and check the policy, compile it, validate and run
    "policyrules": "{python} -m policyrules batch policies/b1.policy {input} -o {output} --on 2024-01-01 "
                   "--no-progress",
    "reference": "{python} benchmarks/reference_b1.py {input} {output}",
    "duckdb": "{python} benchmarks/b1_duckdb.py {input} {output}",
    "polars": "{python} benchmarks/b1_polars.py {input} {output}",
    "duckdb+validate": "{python} benchmarks/b1_duckdb.py --validate {input} {output}",
}
# The reference holds the whole population as Python dicts (about 3.2 GiB per million rows).
ROW_LIMITS: dict[str, int] = {"reference": 2_000_000}


def population(rows: int) -> Path:
    """The cached population of ``rows`` persons, generated if missing."""
    path = DATA / f"pop_{rows}.parquet"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.parquet")
        subprocess.run([sys.executable, str(BENCH / "gen_population.py"), str(rows), str(tmp)], check=True)
        tmp.rename(path)
    return path


def measure(command: str, src: Path, dst: Path) -> tuple[float, float, int]:
    """Run one engine: (wall seconds, peak RSS in MiB, exit status)."""
    argv = [a.format(python=sys.executable, input=src, output=dst) for a in shlex.split(command)]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    start = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen(argv, cwd=ROOT, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def check(name: str, command: str, rows: int) -> str:
    """Compare the engine's output with the reference on ``rows`` persons; a short verdict."""
    src = population(rows)
    expected = DATA / f"ref_{rows}.parquet"
    if not expected.exists():
        _, _, rc = measure(ENGINES["reference"], src, expected)
        if rc:
            return "reference failed"
    if name == "reference":
        return "is the reference"
    actual = DATA / "out" / f"check_{name}_{rows}.parquet"
    _, _, rc = measure(command, src, actual)
    if rc:
        return f"failed (exit {rc})"
    total, bad = compare(str(expected), str(actual))
    return f"{bad} mismatches in {total} rows"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, action="append", help="population size (repeatable)")
    ap.add_argument("--engines", default="duckdb,polars,reference")
    ap.add_argument("--engine", action="append", default=[], metavar="NAME=COMMAND",
                    help="register another engine ({input}, {output}, {python} are filled in)")
    ap.add_argument("--check-rows", type=int, default=100_000, help="0 skips the exactness check")
    a = ap.parse_args()
    for spec in a.engine:
        name, _, command = spec.partition("=")
        ENGINES[name] = command
        if name not in a.engines.split(","):
            a.engines += "," + name
    names = [n for n in a.engines.split(",") if n]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        ap.error(f"unknown engine(s) {', '.join(unknown)}; known: {', '.join(ENGINES)}")
    verdicts = {n: check(n, ENGINES[n], a.check_rows) for n in names} if a.check_rows else {}
    results = []
    for rows in a.rows or [1_000_000]:
        src = population(rows)
        for n in names:
            if rows > ROW_LIMITS.get(n, rows):
                print(f"skipping {n} on {rows:,} rows (limit {ROW_LIMITS[n]:,})", file=sys.stderr)
                continue
            seconds, mib, rc = measure(ENGINES[n], src, DATA / "out" / f"{n}_{rows}.parquet")
            results.append((n, rows, seconds, mib, rc))
    print(f"\nB1 on {os.cpu_count()} CPUs (times include interpreter start-up)\n")
    print("| engine | rows | seconds | rows/s | peak MiB | exact on check population |")
    print("|---|---:|---:|---:|---:|---|")
    for n, rows, seconds, mib, rc in results:
        speed = f"{rows / seconds:,.0f}" if rc == 0 else f"failed (exit {rc})"
        print(f"| {n} | {rows:,} | {seconds:.2f} | {speed} | {mib:,.0f} | {verdicts.get(n, 'not checked')} |")


if __name__ == "__main__":
    main()

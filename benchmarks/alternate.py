#!/usr/bin/env python3
"""Whole processes, run in turn (A B C, A B C, ...) so that a change in the machine's load hits
every engine alike: wall seconds and peak resident memory of each run, medians, and each engine's
median against the first one's.

Usage: alternate.py --rows 1000000 --rounds 5 [--engines policyrules,duckdb,polars]
                    [--engine NAME='COMMAND {input} {output}'] [--warm]

Engines are those of run.py (``{python}``, ``{input}`` and ``{output}`` are filled in).  Python
bytecode is compiled first (``compileall``), as an installed package has it; ``--warm`` runs each
engine once, untimed, before the rounds (the parse and compiled-SQL caches filled, the files in
the page cache).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import DATA, ENGINES, ROOT, population


def measure(command: str, src: Path, dst: Path) -> tuple[float, float, float, int]:
    """Run one engine: (wall seconds, CPU seconds (user + system), peak RSS in MiB, exit status).
    CPU time varies less than wall time when other work shares the machine."""
    argv = [x.format(python=sys.executable, input=src, output=dst) for x in shlex.split(command)]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--engines", default="policyrules,duckdb,polars")
    ap.add_argument("--engine", action="append", default=[], metavar="NAME=COMMAND")
    ap.add_argument("--warm", action="store_true", help="one untimed run of each engine first")
    a = ap.parse_args()
    for spec in a.engine:
        name, _, command = spec.partition("=")
        ENGINES[name] = command
    names = [n for n in a.engines.split(",") if n]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        ap.error(f"unknown engine(s) {', '.join(unknown)}; known: {', '.join(ENGINES)}")
    compileall.compile_dir(str(ROOT / "policyrules"), quiet=1)
    src = population(a.rows)
    out = {n: DATA / "out" / f"alt_{n}_{a.rows}.parquet" for n in names}
    if a.warm:
        for n in names:
            measure(ENGINES[n], src, out[n])
    runs: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    for r in range(a.rounds):
        for n in names:
            seconds, cpu, mib, rc = measure(ENGINES[n], src, out[n])
            if rc:
                sys.exit(f"{n} failed (exit {rc})")
            runs[n].append((seconds, cpu, mib))
            print(f"round {r + 1} {n}: {seconds:.2f} s, CPU {cpu:.2f} s, {mib:,.0f} MiB", file=sys.stderr)
    base = statistics.median(w for w, _, _ in runs[names[0]])
    base_cpu = statistics.median(c for _, c, _ in runs[names[0]])
    print(f"\n{a.rows:,} rows, {a.rounds} alternating rounds (wall seconds sorted; medians in bold)\n")
    print(f"| engine | wall seconds | median | vs {names[0]} | CPU s median | vs {names[0]} | peak MiB (max) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for n in names:
        times = sorted(w for w, _, _ in runs[n])
        med, cpu = statistics.median(times), statistics.median(c for _, c, _ in runs[n])
        print(f"| {n} | {' '.join(f'{t:.2f}' for t in times)} | **{med:.2f}** | {med / base:.2f} | "
              f"**{cpu:.2f}** | {cpu / base_cpu:.2f} | {max(m for _, _, m in runs[n]):,.0f} |")


if __name__ == "__main__":
    main()

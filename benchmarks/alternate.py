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
import statistics
import sys

from run import DATA, ENGINES, ROOT, measure, population


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
    runs: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for r in range(a.rounds):
        for n in names:
            seconds, mib, rc = measure(ENGINES[n], src, out[n])
            if rc:
                sys.exit(f"{n} failed (exit {rc})")
            runs[n].append((seconds, mib))
            print(f"round {r + 1} {n}: {seconds:.2f} s, {mib:,.0f} MiB", file=sys.stderr)
    base = statistics.median(s for s, _ in runs[names[0]])
    print(f"\n{a.rows:,} rows, {a.rounds} alternating rounds (seconds sorted; median in bold)\n")
    print(f"| engine | seconds | median | peak MiB (max) | median vs {names[0]} |")
    print("|---|---|---:|---:|---:|")
    for n in names:
        times = sorted(s for s, _ in runs[n])
        med = statistics.median(times)
        print(f"| {n} | {' '.join(f'{t:.2f}' for t in times)} | **{med:.2f}** | "
              f"{max(m for _, m in runs[n]):,.0f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()

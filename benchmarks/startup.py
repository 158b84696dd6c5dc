#!/usr/bin/env python3
"""Start-up of a cached ``policyrules batch`` run: whole processes, run in turn, medians.

Each round runs, one after the other: ``python -c pass``, ``python -c "import duckdb"`` (the
floor the issue names), ``python -c "import _duckdb"`` (DuckDB's engine alone, what a run
imports), the hand-written DuckDB program of B1 (``benchmarks/b1_duckdb.py``), and
``policyrules batch policies/b1.policy <1,000-row Parquet> -o OUT --on 2024-01-01`` for this
tree and for each ``--before COMMIT`` (that commit's package, exported with ``git archive``).
Each policyrules tree runs once, untimed, first: its compiled-SQL cache (a folder of this
script's own) is warm, as are the files.  Python bytecode is compiled first, as an installed
package has it.

For a policyrules run it also reports the time from process start to the start of the query
(the moment ``policyrules.batch.io.write_output`` is called: the first row is read then), wall
and CPU: a probe wraps that function and prints ``time.monotonic()`` (the same clock as the
parent's ``time.perf_counter()`` on Linux) and ``time.process_time()``.

Usage: startup.py [--rounds 11] [--before COMMIT ...]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import ROOT, population

PROBE = """\
import os, sys, time
from policyrules.batch import io
_write = io.write_output
def write_output(*args, _first=[True]):
    if _first:
        _first.clear()
        print(f"startup-probe {time.monotonic():.6f} {time.process_time():.6f}", file=sys.stderr, flush=True)
    return _write(*args)
io.write_output = write_output
from policyrules.interfaces.cli import main
sys.exit(main(sys.argv[1:]))
"""


def measure(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float | None, float | None]:
    """(wall s, CPU s (user + system), wall s to the query, CPU s to the query) of one process;
    exits when it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{' '.join(argv)} failed (exit {os.waitstatus_to_exitcode(status)}):\n{err}")
    probe = next((line.split() for line in err.splitlines() if line.startswith("startup-probe ")), None)
    if probe is None:
        return wall, usage.ru_utime + usage.ru_stime, None, None
    return wall, usage.ru_utime + usage.ru_stime, float(probe[1]) - start, float(probe[2])


def export(commit: str, into: Path) -> Path:
    """The package, policies and grammar of ``commit``, in ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit, "policyrules", "policies", "grammar"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--before", action="append", default=[], metavar="COMMIT",
                    help="also time the package of this commit (repeatable)")
    a = ap.parse_args()
    src = population(1000)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="policyrules-startup-") as tmp:
        trees = {"policyrules (this tree)": ROOT}
        for commit in a.before:
            trees[f"policyrules {commit}"] = export(commit, Path(tmp) / commit)
        base = dict(os.environ, XDG_CACHE_HOME=f"{tmp}/cache", XDG_STATE_HOME=f"{tmp}/state")
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        commands: dict[str, tuple[list[str], dict[str, str], Path]] = {
            "python -c pass": ([py, "-c", "pass"], base, ROOT),
            'python -c "import duckdb"': ([py, "-c", "import duckdb"], base, ROOT),
            'python -c "import _duckdb"': ([py, "-c", "import _duckdb"], base, ROOT),
            "hand-written DuckDB program (b1_duckdb.py)": (
                [py, str(ROOT / "benchmarks" / "b1_duckdb.py"), str(src), f"{tmp}/out-duckdb.parquet"], base, ROOT),
        }
        for name, tree in trees.items():
            compileall.compile_dir(str(tree / "policyrules"), quiet=1)
            argv = [py, "-c", PROBE, "batch", str(tree / "policies" / "b1.policy"), str(src),
                    "-o", f"{tmp}/out-{len(commands)}.parquet", "--on", "2024-01-01", "--no-progress"]
            env = dict(base, PYTHONPATH=os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])))
            commands[name] = (argv, env, tree)
            measure(argv, env, tree)  # the cache filled, the files read
        load = [os.getloadavg()[0]]
        runs: dict[str, list[tuple[float, float, float | None, float | None]]] = {n: [] for n in commands}
        for r in range(a.rounds):
            for name, (argv, env, cwd) in commands.items():
                runs[name].append(measure(argv, env, cwd))
            load.append(os.getloadavg()[0])
            print(f"round {r + 1}/{a.rounds} done, load {load[-1]:.2f}", file=sys.stderr)

    def med(values: list[float | None]) -> str:
        present = [v for v in values if v is not None]
        return f"{statistics.median(present):.3f}" if present else "-"

    print(f"\n{a.rounds} alternating rounds, medians in seconds; load average (1 min) "
          f"{min(load):.2f} to {max(load):.2f}\n")
    print("| process | wall | CPU | to the query, wall | to the query, CPU |")
    print("|---|---:|---:|---:|---:|")
    for name, rows in runs.items():
        print(f"| {name} | {med([r[0] for r in rows])} | {med([r[1] for r in rows])} | "
              f"{med([r[2] for r in rows])} | {med([r[3] for r in rows])} |")


if __name__ == "__main__":
    main()

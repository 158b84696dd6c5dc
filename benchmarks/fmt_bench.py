#!/usr/bin/env python3
"""How long ``policyrules fmt`` takes (issue 10): every policy of the repository as written, the same
with all of each declaration joined on one line (every long line to break again), in Chinese
keywords (``--lang zh``), and one condition of N ``and``-ed terms.  Each figure is the best of
``--repeat`` runs of :func:`policyrules.syntax.fmt.format_text`, which includes the check that
the result parses to the same AST.

Usage: fmt_bench.py [--repeat 3] [--terms 400]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from policyrules.syntax.concrete import concrete
from policyrules.syntax.fmt import format_text

ROOT = Path(__file__).resolve().parent.parent


def joined(text: str) -> str:
    """``text`` with each declaration on one line (comments dropped)."""
    c = concrete(text)
    out: list[str] = []
    for k, t in enumerate(c.tokens):
        if k:
            out.append("\n" if t.nodes[1].first == k else " ")
        out.append(t.text)
    return "".join(out) + "\n"


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--terms", type=int, default=400)
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*.policy"))]
    lines = sum(t.count("\n") for t in texts)
    format_text(texts[0])  # load the parser once
    cases: list[tuple[str, Callable[[], object]]] = [
        ("as written", lambda: [format_text(t) for t in texts]),
        ("declarations joined", lambda: [format_text(joined(t)) for t in texts]),
        ("--lang zh", lambda: [format_text(t, lang="zh") for t in texts]),
    ]
    print(f"{len(texts)} policies, {lines} lines")
    for name, fn in cases:
        s = best(fn, args.repeat)
        print(f"  {name:<22} {s:6.2f} s  {lines / s:8.0f} lines/s")
    cond = " and ".join(f"condition_{i}" for i in range(args.terms))
    big = f"benefit b\n  when {cond}\n  amount 1 元\n"
    out = format_text(big)
    s = best(lambda: format_text(big), args.repeat)
    print(f"  one `when` of {args.terms} terms: {s:.2f} s, {out.count(chr(10))} lines")


if __name__ == "__main__":
    main()

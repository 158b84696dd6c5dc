"""Scorecards on the language's interpreter: the Jilin 2004 card (36 indicators in 7 areas, a
weight parameter per indicator) scored for N regions, and the explanations of the first 100.

    .venv/bin/python benchmarks/scorecard_bench.py [--units 1000] [--repeat 3]

Prints the timings (best of ``--repeat``). Each region meets each indicator but about one in seven.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from typing import Any

from policyrules.api import load
from policyrules.scorecard import evaluate_scorecard, explain_unit

POLICY = Path(__file__).resolve().parents[1] / "policies" / "jilin-2004-target-responsibility.policy"


def regions(card: Any, count: int) -> list[dict[str, Any]]:
    out = []
    for k in range(count):
        unit: dict[str, Any] = {"id": f"r{k:05d}"}
        for ind in card.indicators:
            low = ind.direction.value == "at most"
            met = (k + len(ind.name)) % 7 != 0
            unit[ind.name + "_target"] = "4%" if low else 100
            unit[ind.name] = ("3%" if met else "5%") if low else (100 if met else 99)
        out.append(unit)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    card = load(POLICY).checked.scorecards["jilin-2004-target-responsibility"]
    units = regions(card, args.units)
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = evaluate_scorecard(card, units, on=date(2004, 12, 31))
        best = min(best, time.perf_counter() - start)
    start = time.perf_counter()
    for unit in result.units[:100]:
        explain_unit(result, unit.id)
    explained = time.perf_counter() - start
    print(f"score {args.units} units x {len(card.indicators)} indicators: {best * 1000:.0f} ms "
          f"({best / args.units * 1e6:.0f} µs a unit); explain {min(100, args.units)} units: {explained * 1000:.0f} ms")


if __name__ == "__main__":
    main()

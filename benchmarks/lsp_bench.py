#!/usr/bin/env python3
"""How long the language server takes to answer a change (issue 10): ``lsp.index.build``
(parse, check, index every name) on each bundled policy and on generated policies of
growing size, beside parse + check alone (what `policyrules check` does), and a did-you-mean
diagnostic (a misspelled keyword) in the largest one.

Usage: lsp_bench.py [--sizes 30,100,300] (kilobytes of generated policy) [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    from check_size import generate

    from policyrules.check.passes import check
    from policyrules.lsp.index import build
    from policyrules.source import Source
    from policyrules.syntax.grammar import parser
    from policyrules.syntax.parse import parse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="30,100,300")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    def _check(text: str, path: str) -> None:
        with contextlib.suppress(Exception):  # a scorecard's own errors are not what is timed
            check(parse(text, path), Source(path, text))

    parser()  # the parse tables load once per server, not per change
    print(f"{'policy':40} {'KB':>6} {'names':>6} {'uses':>6} {'build ms':>9} {'check ms':>9}")
    for path in sorted((ROOT / "policies").glob("*.policy")):
        text = path.read_text(encoding="utf-8")
        ix = build(text, path.name)
        ms = timed(lambda t=text, p=path.name: build(t, p), args.repeat) * 1000
        ck = timed(lambda t=text, p=path.name: _check(t, p), args.repeat) * 1000
        print(f"{path.stem:40} {len(text.encode()) / 1000:6.1f} {len(ix.symbols):6} {len(ix.occurrences):6} "
              f"{ms:9.0f} {ck:9.0f}")
    for kb in (int(x) for x in args.sizes.split(",")):
        text = generate(kb * 1000)
        ix = build(text, "generated.policy")
        ms = timed(lambda t=text: build(t, "generated.policy"), args.repeat) * 1000
        ck = timed(lambda t=text: _check(t, "generated.policy"), args.repeat) * 1000
        print(f"{'generated':40} {kb:6} {len(ix.symbols):6} {len(ix.occurrences):6} {ms:9.0f} {ck:9.0f}")
    text = generate(max(int(x) for x in args.sizes.split(",")) * 1000)
    broken = text.replace("  amount v7,", "  amout v7,", 1)
    ix = build(broken, "generated.policy")
    assert [(d.code, d.hint) for d in ix.diagnostics] == [("P002", "did you mean `amount`?")], ix.diagnostics
    ms = timed(lambda: build(broken, "generated.policy"), args.repeat) * 1000
    print(f"misspelled keyword in the largest: P002 with did-you-mean in {ms:.0f} ms")


if __name__ == "__main__":
    main()

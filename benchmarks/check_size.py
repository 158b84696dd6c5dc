#!/usr/bin/env python3
"""How long `policyrules check` takes on generated policies of growing size (issue 8, item 7).

A generated policy has one kind of facts and, repeated until the file reaches the size, a
named value (``value vN = ...``) and a benefit using it.  Checking must be roughly linear in
the size of the file; files over :data:`policyrules.source.MAX_POLICY_BYTES` are refused
before they are parsed.  The parse cache is bypassed (each size is parsed afresh).

Each figure is the least of ``--repeat`` runs (machines here are noisy: the same run varies by
a fifth from one minute to the next).

Usage: check_size.py [--sizes 100,500,1000] (kilobytes) [--repeat 3] [--lark]
"""

from __future__ import annotations

import argparse
import time


def generate(size: int) -> str:
    """A policy of about ``size`` bytes that checks."""
    head = ('policy generated "生成的政策"\n\n'
            'facts person "个人":\n'
            '  age "年龄": integer\n'
            '  annual_rent "年租金": money\n'
            '  hardship "就业困难人员": bool\n\n')
    parts = [head]
    total = len(head.encode())
    i = 0
    while total < size:
        block = (f'value v{i} "值{i}" = 10% of annual_rent + {i % 997} 元\n'
                 f'benefit b{i} "待遇{i}" yearly\n'
                 f'  when hardship and age >= {18 + i % 40}\n'
                 f'  amount v{i}, at_most {1000 + i % 5000} 元\n\n')
        parts.append(block)
        total += len(block.encode())
        i += 1
    return "".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,500,1000", help="sizes in kilobytes, comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size; the least CPU time of each stage is shown")
    ap.add_argument("--lark", action="store_true", help="parse with Lark and the Transformer (the reference path)")
    args = ap.parse_args()
    from policyrules.check.passes import check
    from policyrules.source import Source
    from policyrules.syntax.cache import parse_cached
    from policyrules.syntax.parse import _parse_lark, parse

    if args.lark:
        parse = _parse_lark  # noqa: F811 - the reference path, for comparison
    parse('policy warm "x"\n', "warm.policy")  # tables and imports: once per process, not per size
    for kb in (int(s) for s in args.sizes.split(",")):
        text = generate(kb * 1000)
        best: dict[str, float] = {}
        for _ in range(max(1, args.repeat)):
            c0, t0 = time.process_time(), time.perf_counter()
            policy = parse(text, "generated.policy")
            c1 = time.process_time()
            check(policy, Source("generated.policy", text))
            c2, t2 = time.process_time(), time.perf_counter()
            parse_cached(text, "generated.policy")  # stores the entry (when there is a cache)
            c3 = time.process_time()
            parse_cached(text, "generated.policy")
            c4 = time.process_time()
            for stage, took in (("parse", c1 - c0), ("check", c2 - c1), ("total", c2 - c0), ("wall", t2 - t0),
                                ("cached", c4 - c3)):
                best[stage] = min(best.get(stage, took), took)
        print(f"{kb:>6} KB  {len(policy.decls):>6} declarations  CPU: parse {best['parse']:6.2f} s  "
              f"check {best['check']:6.2f} s  total {best['total']:6.2f} s  (wall {best['wall']:6.2f} s; "
              f"from the parse cache: {best['cached']:.2f} s + check)", flush=True)

if __name__ == "__main__":
    main()

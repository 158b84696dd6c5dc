#!/usr/bin/env python3
"""Compare two result files row by row on the key and every amount column of the expected file.

Amounts are compared as exact decimals (CSV cells are read as text, never as floats).
Usage: compare_outputs.py EXPECTED ACTUAL [--key person_id] [--show 5]; exit status 1 on mismatch.
"""

import argparse
import sys
from decimal import Decimal

import duckdb


def _source(path: str) -> str:
    lit = "'" + path.replace("'", "''") + "'"
    if path.endswith((".csv", ".csv.gz")):
        return f"read_csv({lit}, all_varchar = true, header = true)"
    if path.endswith((".jsonl", ".ndjson", ".json")):
        return f"read_json({lit})"
    return f"read_parquet({lit})"


def _value(side: str, col: str) -> str:
    return f'CAST({side}."{col}" AS DECIMAL(38,10))'


def _show(v: Decimal | None) -> str:
    return "null" if v is None else format(v.normalize(), "f")


def compare(expected: str, actual: str, key: str = "person_id", show: int = 5) -> tuple[int, int]:
    """Return (rows compared, mismatching rows); print up to ``show`` mismatches."""
    con = duckdb.connect()
    con.execute(f"CREATE VIEW e AS SELECT * FROM {_source(expected)}")
    con.execute(f"CREATE VIEW a AS SELECT * FROM {_source(actual)}")
    want = [r[0] for r in con.execute("DESCRIBE e").fetchall()]
    have = {r[0] for r in con.execute("DESCRIBE a").fetchall()}
    missing = [c for c in want if c not in have]
    if missing:
        raise SystemExit(f"{actual}: missing column(s) {', '.join(missing)}")
    cols = [c for c in want if c != key]
    k = f'CAST(e."{key}" AS BIGINT)'
    differs = " OR ".join(
        [f'e."{key}" IS NULL', f'a."{key}" IS NULL']
        + [f"{_value('e', c)} IS DISTINCT FROM {_value('a', c)}" for c in cols])
    join = f'e FULL JOIN a ON {k} = CAST(a."{key}" AS BIGINT)'
    total, bad = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {differs}) FROM {join}").fetchone()
    if bad and show:
        pairs = ", ".join(f"{_value('e', c)}, {_value('a', c)}" for c in cols)
        rows = con.execute(f'SELECT CAST(e."{key}" AS VARCHAR), CAST(a."{key}" AS VARCHAR), {pairs} '
                           f"FROM {join} WHERE {differs} LIMIT {show}").fetchall()
        for row in rows:
            diffs = [f"{c}: expected {_show(row[2 + 2 * i])}, got {_show(row[3 + 2 * i])}" for i, c in enumerate(cols)
                     if row[2 + 2 * i] != row[3 + 2 * i]]
            where = f"{key}={row[0]}" if row[0] is not None else f"{key}={row[1]} (unexpected row)"
            print(f"  {where}: " + ("; ".join(diffs) if None not in row[:2] else "row missing on one side"))
    return total, bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--key", default="person_id")
    ap.add_argument("--show", type=int, default=5)
    a = ap.parse_args()
    total, bad = compare(a.expected, a.actual, a.key, a.show)
    print(f"{total} rows compared, {bad} mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

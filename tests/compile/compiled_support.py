"""Helpers shared by the compiled-path tests: policies, writing fact rows, running batches."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CITY = ROOT / "policies" / "city-employment-promotion.policy"
B1 = ROOT / "policies" / "b1.policy"


def shared_dir() -> Path:
    """``../shared`` beside the checkout; a test that needs it is skipped, with the reason, without it."""
    for p in (ROOT.parent / "shared", ROOT / "shared"):
        if (p / "acceptance").is_dir():
            return p
    import pytest

    pytest.skip("../shared (acceptance cases, bench) is not beside the checkout")


@cache
def policy(path: Path) -> Any:
    from policyrules.api import load

    return load(path)


def cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([cell(r[c]) for c in columns])
    return str(path)


def flatten(cp: Any, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Facts by kind -> one row, shared field names qualified as ``kind.field``."""
    from policyrules.compile import default_columns

    cols = default_columns(cp, list(facts))
    return {cols[(k, f)]: v for k, fields in facts.items() for f, v in fields.items()}


def read_rows(con: Any, path: str) -> list[dict[str, Any]]:
    if path.endswith(".parquet"):
        cur = con.execute(f"SELECT * FROM read_parquet('{path}')")
    elif path.endswith(".csv"):
        cur = con.execute(f"SELECT * FROM read_csv('{path}', all_varchar = true, header = true)")
    else:
        cur = con.execute(f"SELECT * FROM read_json('{path}')")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@cache
def gen_population() -> Any:
    """benchmarks/gen_population.py, imported by path."""
    path = ROOT / "benchmarks" / "gen_population.py"
    spec = importlib.util.spec_from_file_location("b1_gen_population", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@cache
def reference_b1() -> Any:
    path = ROOT / "benchmarks" / "reference_b1.py"  # the project's copy of shared/bench/reference_b1.py
    spec = importlib.util.spec_from_file_location("b1_reference", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

"""Helpers for the engine tests: populations as Parquet, tables loaded into PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
B1 = ROOT / "policies" / "b1.policy"
CITY = ROOT / "policies" / "city-employment-promotion.policy"
B1_ON = "2024-01-01"


def _module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@cache
def bench_population() -> Any:
    """benchmarks/gen_population.py (B1's population)."""
    return _module("engines_gen_population", ROOT / "benchmarks" / "gen_population.py")


@cache
def bench_interpreter() -> Any:
    """benchmarks/interpreter.py (the city population, its date and parameters)."""
    return _module("engines_bench_interpreter", ROOT / "benchmarks" / "interpreter.py")


def b1_parquet(path: Path, n: int) -> str:
    pq.write_table(bench_population().population(n), path)
    return str(path)


def city_parquet(path: Path, n: int) -> str:
    bench_interpreter().write_population(n, str(path))
    return str(path)


_PG_TYPES = {pa.bool_(): "boolean", pa.int64(): "bigint", pa.int32(): "integer", pa.float64(): "double precision",
             pa.string(): "text", pa.large_string(): "text", pa.date32(): "date"}


def pg_type(t: pa.DataType) -> str:
    if pa.types.is_decimal(t):
        return f"numeric({t.precision},{t.scale})"
    if pa.types.is_dictionary(t):
        return "text"
    return _PG_TYPES[t]


def load_table(dsn: str, name: str, table: pa.Table, as_text: bool = False) -> None:
    """Create table ``name`` in PostgreSQL with ``table``'s columns (typed, or all text) and rows."""
    import psycopg
    from psycopg import sql

    cols = [sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL("text" if as_text else pg_type(f.type)))
            for f in table.schema]
    with psycopg.connect(dsn) as con:
        con.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(name), sql.SQL(", ").join(cols)))
        with con.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(name))) as copy:
            for row in table.to_pylist():
                copy.write_row([None if v is None else (_text(v) if as_text else v) for v in row.values()])


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def pg_rows(dsn: str, query: str) -> list[dict[str, Any]]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(dsn, row_factory=dict_row) as con:
        return list(con.execute(query).fetchall())  # type: ignore[arg-type]

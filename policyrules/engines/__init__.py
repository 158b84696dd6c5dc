"""Engines that run a compiled policy over whole populations besides the in-process DuckDB of
:mod:`policyrules.batch`: Spark (:mod:`policyrules.engines.spark`) and PostgreSQL
(:mod:`policyrules.engines.postgresql`).  Each takes the same compiled query, in its dialect,
and the same validation; see ``docs/engines.md``."""

from __future__ import annotations

ENGINES = ("duckdb", "spark", "postgresql://…")


def kind_of(engine: str) -> str:
    """``duckdb``, ``spark`` or ``postgresql`` for an ``--engine`` value (a PostgreSQL one is its URI)."""
    if engine in ("duckdb", "spark"):
        return engine
    if engine.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    raise ValueError(f"--engine: expected duckdb, spark or a postgresql://… connection URI, got {engine!r}")

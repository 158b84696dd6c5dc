"""Policies compiled to set-based SQL (sqlglot): one query per policy, run in-process on DuckDB
or printed for Spark and PostgreSQL.  See ``docs/batch.md``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from policyrules.compile.unsupported import Unsupported

if TYPE_CHECKING:  # the checker is not loaded by importing the package (compile.cache needs none of it)
    from policyrules.check.checked import CheckedPolicy

__all__ = ["Unsupported", "compile_query", "resolve", "default_columns"]


def resolve(cp: CheckedPolicy, on: dt.date, supplied: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameters in force on ``on`` (supplied ones converted), exactly as the interpreter
    resolves them.  Raises EvaluationError outside the policy's validity, InputError on bad values."""
    from policyrules.evaluate.decide import EvaluationError
    from policyrules.evaluate.expressions import Interpreter
    from policyrules.evaluate.inputs import resolve_parameters

    if cp.valid_from and on < cp.valid_from:
        raise EvaluationError(f"policy {cp.name} is in force from {cp.valid_from}; {on} is before that")
    if cp.valid_until and on > cp.valid_until:
        raise EvaluationError(f"policy {cp.name} ended on {cp.valid_until}; {on} is after that")

    def constant(e: Any) -> Any:
        return Interpreter(cp, {}, {}, on, False, lambda _: None, lambda *_: None).ev(e)

    return resolve_parameters(cp, supplied or {}, on, constant)


def compile_query(*args: Any, **kwargs: Any) -> Any:
    from policyrules.compile.query import compile_query as compile_

    return compile_(*args, **kwargs)


def default_columns(*args: Any, **kwargs: Any) -> Any:
    from policyrules.compile.query import default_columns as columns

    return columns(*args, **kwargs)

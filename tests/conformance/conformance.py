"""The conformance runner: loads the corpus (``corpus/*.yaml``), runs a suite's cases on one
engine and compares every expected value.

A corpus file covers one construct; it holds suites, each a small policy with an evaluation
date, parameters and cases (facts and expected values)::

    construct: rounding modes × signs × scales
    suites:
      - name: modes
        on: 2024-01-01            # default 2024-01-01
        params: {rate: "3%"}      # optional
        policy: |
          policy r
          ...
        cases:
          - name: tie up
            facts: {person: {x: "0.125"}}
            expect: {b_half_up: "0.13", flag: true, when: 2024-01-31, ids: [a, b]}

Engines: ``interpreter`` (``Policy.evaluate``), and the compiled query on ``duckdb``,
``spark`` and ``postgresql``: the case facts, converted by the interpreter's own validation,
become one typed table (one row per case, a ``case`` key column), the query compiled in the
engine's dialect runs over it once per suite, and each row is compared with its case.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pyarrow as pa
import yaml

from policyrules import types as T
from policyrules.api import Policy, loads

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
SKIPS = HERE / "skips.yaml"
ENGINES = ("interpreter", "duckdb", "spark", "postgresql")
K = T.Kind
CASE = "case"


@attrs.frozen
class Case:
    id: str  # file::suite::case
    facts: dict[str, Any]
    expect: dict[str, Any]


@attrs.frozen
class Suite:
    id: str  # file::suite
    policy: Policy
    on: dt.date
    params: dict[str, Any]
    cases: tuple[Case, ...]


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml"))


def load_file(path: Path) -> list[Suite]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    suites = []
    for s in data["suites"]:
        sid = f"{path.name}::{s['name']}"
        unknown = set(s) - {"name", "on", True, "params", "policy", "cases"}
        assert not unknown, f"{sid}: unknown keys {unknown}"
        on = s.get("on", s.get(True, dt.date(2024, 1, 1)))  # YAML 1.1 reads the key `on` as true
        on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
        cases = tuple(Case(f"{sid}::{c['name']}", c.get("facts") or {}, c["expect"]) for c in s["cases"])
        names = [c.id for c in cases]
        assert len(set(names)) == len(names), f"{sid}: two cases have the same name"
        suites.append(Suite(sid, loads(s["policy"], f"{sid}.policy"), on, dict(s.get("params") or {}), cases))
    return suites


def skips() -> dict[str, dict[str, str]]:
    """Engine -> {case id or pattern: reason}."""
    data = yaml.safe_load(SKIPS.read_text(encoding="utf-8")) or {}
    return {e: dict(data.get(e) or {}) for e in ENGINES}


def skipped(case_id: str, patterns: dict[str, str]) -> str | None:
    for pattern in patterns:
        if fnmatch.fnmatchcase(case_id, pattern):
            return pattern
    return None


# ---------------------------------------------------------------- comparing values
def same(expected: Any, got: Any) -> bool:
    """An expected value (as YAML gives it) equals an engine's value: numbers exactly (Decimal),
    dates, booleans, text, lists element by element; ``null`` is an absent value."""
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(got, bool) and isinstance(expected, bool) and expected == got
    if isinstance(expected, list):
        return isinstance(got, list | tuple) and len(got) == len(expected) and all(
            same(e, g) for e, g in zip(expected, got, strict=True))
    if isinstance(expected, dt.date) or isinstance(got, dt.date):
        return str(expected) == str(got)
    if isinstance(got, int | Decimal | float) or hasattr(got, "amount"):
        try:
            return Decimal(str(expected)) == _number(got)
        except ArithmeticError:
            return False
    return str(expected) == str(got)


def _number(v: Any) -> Decimal:
    if hasattr(v, "amount"):
        v = v.amount
    if isinstance(v, float):
        raise AssertionError(f"an engine returned a binary float: {v!r}")
    return Decimal(v)


# ---------------------------------------------------------------- the interpreter
def run_interpreter(suite: Suite) -> Iterator[tuple[Case, dict[str, Any] | str]]:
    for case in suite.cases:
        try:
            d = suite.policy.evaluate(case.facts, on=suite.on, parameters=suite.params, trace=False)
            yield case, {name: d.value(name) for name in case.expect}  # each in its declared unit
        except Exception as err:  # a case the engine cannot run is a failed case, with its error
            yield case, f"{type(err).__name__}: {err}"


# ---------------------------------------------------------------- compiled engines
DEC = {K.MONEY: 6, K.RATE: 6, K.DURATION: 6, K.NUMBER: 8, K.PERCENT: 8}


def arrow_type(cp: Any, ty: T.Type) -> pa.DataType:
    if ty.kind is K.LIST:
        return pa.list_(arrow_type(cp, ty.element))
    if ty.kind is K.RECORD:
        schema = cp.records[ty.record]
        return pa.struct([(f, arrow_type(cp, fld.type)) for f, fld in schema.fields.items()])
    if ty.kind in DEC:
        return pa.decimal128(38, DEC[ty.kind])
    return {K.BOOL: pa.bool_(), K.INTEGER: pa.int64(), K.DATE: pa.date32(), K.MONTH: pa.date32()}.get(
        ty.kind, pa.string())


def _arrow_value(v: Any, ty: T.Type) -> Any:
    if v is None:
        return None
    if ty.kind is K.LIST:
        return [_arrow_value(x, ty.element) for x in v]
    if isinstance(v, dict):
        return v
    if hasattr(v, "amount"):
        return v.amount
    if ty.kind is K.MONTH and not isinstance(v, dt.date):
        return dt.date(v.year, v.month, 1)
    if ty.kind is K.DURATION and ty.unit == "year":  # the interpreter keeps years in months; a table, in years
        return Decimal(v) / 12
    if ty.kind in (K.ENUM, K.TEXT):
        return str(v)
    return v


def facts_table(suite: Suite) -> tuple[pa.Table, list[str]]:
    """The cases' facts, converted by the interpreter's validation, as one typed table (``case``
    first), and the kinds of facts every case provides."""
    from policyrules.compile import default_columns
    from policyrules.evaluate.inputs import validate_facts

    cp = suite.policy.checked
    converted = [validate_facts(cp, c.facts) for c in suite.cases]
    kinds = [k for k in cp.facts if all(k in f for f in converted)]
    columns = default_columns(cp, kinds)
    fields = [pa.field(CASE, pa.string())]
    values: dict[str, list[Any]] = {CASE: [c.id for c in suite.cases]}
    for (k, f), col in columns.items():
        ty = cp.facts[k].fields[f].type
        fields.append(pa.field(col, arrow_type(cp, ty)))
        values[col] = [_record_values(cp, _arrow_value(conv[k].get(f), ty), ty) for conv in converted]
    schema = pa.schema(fields)
    return pa.table([pa.array(values[f.name], f.type) for f in schema], schema=schema), kinds


def _record_values(cp: Any, v: Any, ty: T.Type) -> Any:
    if v is None:
        return None
    if ty.kind is K.LIST:
        return [_record_values(cp, x, ty.element) for x in v]
    if ty.kind is K.RECORD:
        fields = cp.records[ty.record].fields
        return {f: _record_values(cp, _arrow_value(v.get(f) if isinstance(v, dict) else getattr(v, f, None),
                                                   fld.type), fld.type)
                for f, fld in fields.items()}
    return v


_COMPILED: dict[tuple[int, tuple[str, ...], str, dt.date, str], tuple[Policy, tuple[str, list[str]]]] = {}


def compiled_sql(suite: Suite, kinds: list[str], dialect: str) -> tuple[str, list[str]]:
    """The suite's query (cached: the differential tests run one policy many times).  The entry
    holds its policy: keyed by ``id`` alone, a policy freed and another made at the same address
    was given the first one's SQL."""
    key = (id(suite.policy), tuple(kinds), dialect, suite.on, repr(sorted(suite.params.items())))
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not suite.policy:
        entry = _COMPILED[key] = (suite.policy, _compile(suite, kinds, dialect))
    return entry[1]


def _compile(suite: Suite, kinds: list[str], dialect: str) -> tuple[str, list[str]]:
    from policyrules.compile import compile_query, resolve

    cp = suite.policy.checked
    params = resolve(cp, suite.on, suite.params)
    c = compile_query(cp, suite.on, params, kinds=kinds, source="facts", passthrough=[(CASE, CASE)],
                      dialect=dialect)
    return c.sql(), [o.column for o in c.outputs]


Runner = Callable[[pa.Table, str], list[dict[str, Any]]]


def run_compiled(suite: Suite, dialect: str, execute: Runner) -> Iterator[tuple[Case, dict[str, Any] | str]]:
    try:
        table, kinds = facts_table(suite)
        sql, _ = compiled_sql(suite, kinds, dialect)
        rows = {r[CASE]: r for r in execute(table, sql)}
    except Exception as err:  # the suite does not compile or run on this engine: every case fails with it
        for case in suite.cases:
            yield case, f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
        return
    for case in suite.cases:
        row = rows.get(case.id)
        if row is None:
            yield case, "no result row"
            continue
        missing = [n for n in case.expect if n not in row]
        if missing:
            yield case, f"no result column {', '.join(missing)}"
            continue
        yield case, {n: row[n] for n in case.expect}


def duckdb_runner() -> Runner:
    import duckdb

    def execute(table: pa.Table, sql: str) -> list[dict[str, Any]]:
        con = duckdb.connect()
        con.register("facts_arrow", table)
        con.execute("CREATE TABLE facts AS SELECT * FROM facts_arrow")
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return execute


def spark_runner(spark: Any) -> Runner:
    def execute(table: pa.Table, sql: str) -> list[dict[str, Any]]:
        spark.createDataFrame(table).createOrReplaceTempView("facts")
        return [r.asDict(recursive=True) for r in spark.sql(sql).collect()]

    return execute


_PG = {pa.bool_(): "boolean", pa.int64(): "bigint", pa.string(): "text", pa.date32(): "date"}


def postgresql_runner(dsn: str) -> Runner:
    import psycopg
    from psycopg import sql as q
    from psycopg.rows import dict_row

    def pg_type(t: pa.DataType) -> str:
        if pa.types.is_decimal(t):
            return f"numeric({t.precision},{t.scale})"
        if t in _PG:
            return _PG[t]
        raise NotImplementedError(f"no PostgreSQL column type for {t} (lists and records)")

    def execute(table: pa.Table, sql: str) -> list[dict[str, Any]]:
        with psycopg.connect(dsn, row_factory=dict_row) as con:
            cols = q.SQL(", ").join(q.SQL("{} {}").format(q.Identifier(f.name), q.SQL(pg_type(f.type)))
                                    for f in table.schema)
            con.execute(q.SQL("CREATE TEMP TABLE facts ({})").format(cols))
            with con.cursor().copy(q.SQL("COPY facts FROM STDIN")) as copy:
                for row in table.to_pylist():
                    copy.write_row(list(row.values()))
            rows = list(con.execute(sql).fetchall())
            con.rollback()
            return rows  # type: ignore[return-value]

    return execute


def check(results: Iterator[tuple[Case, dict[str, Any] | str]]) -> dict[str, str]:
    """Case id -> why it failed (absent when it passed)."""
    failed: dict[str, str] = {}
    for case, got in results:
        if isinstance(got, str):
            failed[case.id] = got
            continue
        wrong = [f"{n}: expected {case.expect[n]!r}, got {got[n]!r}" for n in case.expect
                 if not same(case.expect[n], got[n])]
        if wrong:
            failed[case.id] = "; ".join(wrong)
    return failed

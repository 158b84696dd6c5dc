"""``policyrules batch … --engine postgresql://…``: a policy run inside PostgreSQL.

Input: a table of facts (one row per entity, a column per fact, any column types) in the
database; output: a results table (the table's other columns, then every output, as the
compiled query in the ``postgres`` dialect gives them) and a rejects table (the other columns,
then ``field, value, reason``: one row per problem), both created by the run in one
transaction.  Validation (:mod:`policyrules.engines.pg_validation`) and the query run in the
server; no row passes through Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from policyrules.batch.run import BatchError, BatchResult, plan_columns
from policyrules.engines import pg_validation as pv
from policyrules.types import Kind

CHECKED = "policyrules_checked"
FACTS = "policyrules_facts"


def _relation(name: str) -> str:
    """``schema.table`` or ``table`` quoted."""
    parts = name.split(".")
    if len(parts) > 2 or not all(parts):
        raise BatchError(f"--table/--into: {name!r} is not a table name (TABLE or SCHEMA.TABLE)")
    return ".".join(pv.quote(p) for p in parts)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def run_postgresql(policy: Any, dsn: str, table: str, into: str, on: dt.date,
                   params: Mapping[str, str] | None = None, mapping: Mapping[str, str] | None = None,
                   rejects: str | None = None) -> BatchResult:
    """Evaluate every row of ``table`` into new table ``into``; problems go to new table ``rejects``
    (default ``<into>_rejects``).  Raises BatchError (connection, tables, columns, the run)."""
    try:
        import psycopg
    except ImportError:
        raise BatchError("--engine postgresql://… needs psycopg: pip install 'psycopg[binary]'") from None

    from policyrules.batch import nested
    from policyrules.compile import resolve

    cp = policy.checked
    structured = [(k, f) for k, f in nested.structured_fields(cp)
                  if cp.facts[k].fields[f].type.kind in (Kind.LIST, Kind.RECORD, Kind.MAP, Kind.MONTH)]
    if structured:
        names = ", ".join(f"{k}.{f}" for k, f in structured[:6])
        raise BatchError(f"policy {cp.name} has lists, records or calendar months ({names}), which a PostgreSQL "
                         "run does not read: run it with --engine duckdb or spark over Parquet")
    resolved = resolve(cp, on, dict(params or {}))
    rejects = rejects or f"{into}_rejects"
    source, target, problems_table = _relation(table), _relation(into), _relation(rejects)
    try:
        con = psycopg.connect(dsn, autocommit=False)
    except psycopg.Error as err:
        raise BatchError(f"cannot connect to PostgreSQL: {_first_line(err)}") from None
    try:
        with con:
            return _run(con, cp, on, resolved, table, into, rejects, source, target, problems_table,
                        dict(mapping or {}))
    except psycopg.Error as err:
        raise BatchError(f"PostgreSQL run failed: {_first_line(err)}") from None
    finally:
        con.close()


def _columns(con: Any, table: str, source: str) -> dict[str, str]:
    """Column name -> its type (``format_type``: ``numeric(12,2)``, ``text``, ``boolean`` …)."""
    found = con.execute("SELECT to_regclass(%s)", [source]).fetchone()[0]
    if found is None:
        raise BatchError(f"--table {table}: no such table in the database")
    rows = con.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                       "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                       [source]).fetchall()
    return {r[0]: r[1] for r in rows}


def _run(con: Any, cp: Any, on: dt.date, params: dict[str, Any], table: str, into: str, rejects: str,
         source: str, target: str, problems_table: str, mapping: dict[str, str]) -> BatchResult:
    from policyrules.compile import compile_query

    columns = _columns(con, table, source)
    unknown = [c for c in mapping if c not in columns]
    if unknown:
        raise BatchError(f"--mapping: column(s) not in table {table}: {', '.join(unknown)}; "
                         f"available: {', '.join(columns)}")
    for name, flag in ((into, target), (rejects, problems_table)):
        if con.execute("SELECT to_regclass(%s)", [flag]).fetchone()[0] is not None:
            raise BatchError(f"table {name} exists already: drop it or name another (--into, --rejects)")
    named = {mapping.get(c, c): c for c in columns}  # fact or column name -> source column
    plan = plan_columns(cp, list(named), "parquet")
    # optional facts and facts with a default (scalars: the rest was refused above) may be empty
    optional = {col: cp.facts[k].fields[f].type for col, (k, f) in plan.nested.items() if col not in plan.absent}
    checks = {col: pv.checks(named[col], t, columns[named[col]]) for col, t in {**plan.schema, **optional}.items()}
    keep = [pv.quote(named[c]) for c in plan.passthrough]
    typed = [f"{v} AS {pv.quote(f'v:{col}')}" for col, (v, _, _) in checks.items()]
    # a table, not a view: the validation runs once per row, not once per use of a fact in the query
    con.execute(f"CREATE TEMP TABLE {CHECKED} AS SELECT *{''.join(', ' + t for t in typed)} FROM {source}")
    valid = " AND ".join(f"({pv.quote(f'v:{col}')} IS NOT NULL{f' OR {missing}' if col in optional else ''})"
                         for col, (_, missing, _) in checks.items()) or "TRUE"
    facts = [f"{pv.quote(named[c])} AS {pv.quote('in:' + c)}" for c in plan.passthrough]
    facts += [f"{pv.quote(f'v:{col}')} AS {pv.quote('in:' + col)}" for col in checks]
    for col in plan.absent:  # an optional fact without a column: absent on every row
        k, f = plan.nested[col]
        facts.append(f"CAST(NULL AS {pv.SQL_TYPES[cp.facts[k].fields[f].type.kind]}) AS {pv.quote('in:' + col)}")
    con.execute(f"CREATE TEMP VIEW {FACTS} AS SELECT {', '.join(facts) or 'TRUE AS none'} FROM {CHECKED} "
                f"WHERE {valid}")
    compiled = compile_query(cp, on, params, kinds=plan.kinds,
                             columns={key: "in:" + col for key, col in plan.columns.items()},
                             source=FACTS, passthrough=[("in:" + c, c) for c in plan.passthrough],
                             dialect="postgres")
    computed = con.execute(f"CREATE TABLE {target} AS {compiled.sql()}").rowcount
    if checks:
        values = ", ".join(f"({pv.lit(col)}, {pv.raw(named[col])}, CASE WHEN {missing} THEN "
                           f"{'NULL' if col in optional else chr(39) + 'missing value' + chr(39)} "
                           f"WHEN {pv.quote(f'v:{col}')} IS NULL THEN {why} END)"
                           for col, (_, missing, why) in checks.items())
        problems = con.execute(
            f"CREATE TABLE {problems_table} AS SELECT {''.join(k + ', ' for k in keep)}p.field, p.value, p.reason "
            f"FROM {CHECKED} CROSS JOIN LATERAL (VALUES {values}) AS p(field, value, reason) "
            f"WHERE NOT ({valid}) AND p.reason IS NOT NULL").rowcount
        rejected = con.execute(f"SELECT count(*) FROM {CHECKED} WHERE NOT ({valid})").fetchone()[0]
    else:
        con.execute(f"CREATE TABLE {problems_table} (field text, value text, reason text)")
        problems = rejected = 0
    return BatchResult(computed, int(rejected), int(problems), f"table {rejects}" if problems else None,
                       tuple(o.column for o in compiled.outputs), plan.notes)


"""Batch runs of a compiled policy in DuckDB: ``batch``, ``summary`` and ``--explain``
(``compare`` is in :mod:`policyrules.batch.compare`).

Rows never pass through Python: the input is a DuckDB view (:mod:`policyrules.batch.io`), the
policy one compiled query (:mod:`policyrules.compile`), and results are copied straight to files.

Columns to facts: a column named like a fact gives that fact; ``kind.field`` (e.g.
``enterprise.pays_si``) names the fact of one kind.  A bare name that several kinds declare
(``pays_si``) goes to the one kind whose other facts are all present; when several are, the
columns must be qualified (or renamed with ``--mapping``).  A row provides every kind of facts
whose fields all have a column; outputs needing other kinds are not computed (a note says so).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from policyrules.batch import io

if TYPE_CHECKING:  # not imported at run time: a cached run never loads the checker
    from policyrules.check.checked import CheckedPolicy
    from policyrules.types import Type

MEMORY_LIMIT = "384MB"


class BatchError(io.BatchError):
    """A batch run cannot proceed; the message is meant for the user."""


# named tuples, not attrs classes or dataclasses: a cached run imports neither (start-up, docs/performance.md)
class Plan(NamedTuple):
    """How the input's columns become facts."""

    kinds: tuple[str, ...]  # kinds of facts every row provides
    columns: dict[tuple[str, str], str]  # (kind, field) -> column
    schema: dict[str, Type]  # column -> fact type (what io validates)
    passthrough: tuple[str, ...]  # other columns, copied to the output
    notes: tuple[str, ...]
    nested: dict[str, tuple[str, str]] = {}  # structured/optional column -> (kind, field) (the default: never changed)
    absent: tuple[str, ...] = ()  # optional columns the input lacks (NULL)


def plan_columns(cp: CheckedPolicy, available: Sequence[str], fmt: str | None = None) -> Plan:
    """Decide which kinds of facts the columns provide; raise BatchError when none is complete.
    Structured and optional facts need ``fmt`` Parquet or JSON (:mod:`policyrules.batch.nested`)."""
    from policyrules.batch import nested as nst

    refused = nst.refuse_csv(cp, fmt)
    if refused:
        raise BatchError(refused)
    absent: list[tuple[str, str]] = []
    have = set(available)
    owners: dict[str, list[str]] = {}
    for k, kind in cp.facts.items():
        for f in kind.fields:
            owners.setdefault(f, []).append(k)
    resolved: dict[str, dict[str, str]] = {}
    missing: dict[str, list[str]] = {}
    shared_bare: dict[str, list[str]] = {}
    for k, kind in cp.facts.items():
        resolved[k], missing[k] = {}, []
        for f in kind.fields:
            if f"{k}.{f}" in have:
                resolved[k][f] = f"{k}.{f}"
            elif f in have and len(owners[f]) == 1:
                resolved[k][f] = f
            elif f in have:
                shared_bare.setdefault(f, []).append(k)
            elif nst.is_structured(kind.fields[f]) and (kind.fields[f].optional or kind.fields[f].default is not None
                                                         or kind.fields[f].type.kind.value == "list"):
                resolved[k][f] = f  # absent: NULL (an empty list, the default, or still needed)
                absent.append((k, f))
            else:
                missing[k].append(f)
    # a bare shared name goes to the kinds whose other facts are all present
    for f, kinds in shared_bare.items():
        complete = [k for k in kinds if not missing[k]]
        if len(complete) > 1:
            options = ", ".join(f"`{k}.{f}`" for k in complete)
            raise BatchError(f"column `{f}` could be the fact of {' or '.join(complete)}: name the columns "
                             f"{options} (or map them with --mapping)")
        for k in kinds:
            if k in complete:
                resolved[k][f] = f
            else:
                missing[k].append(f)
    present = tuple(k for k in cp.facts if not missing[k])
    notes = []
    for k in cp.facts:
        if missing[k] and resolved[k]:
            notes.append(f"note: facts `{k}` are incomplete (no column {', '.join(missing[k])}); "
                         f"outputs that need them are not computed")
    if not present:
        lines = [f"the input provides no complete kind of facts of policy {cp.name}:"]
        for k in cp.facts:
            lines.append(f"  {k}: missing {', '.join(missing[k])}")
        raise BatchError("\n".join(lines))
    columns = {(k, f): resolved[k][f] for k in present for f in cp.facts[k].fields}
    nested = {columns[(k, f)]: (k, f) for k in present for f in cp.facts[k].fields
              if nst.is_structured(cp.facts[k].fields[f])}
    schema = {columns[(k, f)]: cp.facts[k].fields[f].type for k in present for f in cp.facts[k].fields
              if columns[(k, f)] not in nested}
    used = set(schema) | set(nested)
    outputs = _output_columns(cp, present)
    passthrough = tuple(c for c in available if c not in used and c not in outputs)
    clashing = [c for c in available if c in outputs and c not in used]
    if clashing:
        notes.append(f"note: input column(s) {', '.join(clashing)} have the name of an output; "
                     f"the output replaces them")
    return Plan(present, columns, schema, passthrough, tuple(notes), nested,
                tuple(columns[x] for x in absent if x[0] in present))


def _output_columns(cp: CheckedPolicy, kinds: Sequence[str]) -> set[str]:
    out = set()
    for name, o in cp.outputs.items():
        if o.kinds <= set(kinds):
            out.add(name)
            out.update(f"{name}.{p}" for p in o.part_names)
    return out


# ---------------------------------------------------------------- sessions
class Session:
    """One DuckDB connection with the input registered and validated for one policy."""

    def __init__(self, policy: Any, input_path: str, on: dt.date, params: Mapping[str, str] | None = None,
                 mapping: Mapping[str, str] | None = None, progress: bool | None = None,
                 con: Any = None, suffix: str = "", memory_limit: str = MEMORY_LIMIT):
        from policyrules.compile import resolve

        self.policy = policy
        self.cp: CheckedPolicy = policy.checked
        self.on = on
        self.params = resolve(self.cp, on, dict(params or {}))
        self.con = con if con is not None else connect(progress, memory_limit)
        if con is None:
            io.open_input(self.con, input_path, dict(mapping) if mapping else None)
        self.input_path = input_path
        self.mapping = dict(mapping) if mapping else None
        self.types = io.input_columns(self.con)
        self.plan = plan_columns(self.cp, list(self.types), io.file_format(input_path))
        self.facts = "facts" + suffix
        self.rejects = "rejects" + suffix
        self.suffix = suffix
        recorder = _Recorder(self.con)
        self._views(recorder)
        self.statements: tuple[str, ...] = tuple(recorder.statements)
        """The SQL that made the views ``facts`` and ``rejects`` (what a cached run replays)."""

    def _views(self, con: Any) -> None:
        facts_sql, rejects_sql = io.validation_sql(self.plan.schema, self.types, malformed=True)
        con.execute(facts_sql)
        con.execute(rejects_sql)
        if self.plan.nested:  # the flat views, renamed with this session's suffix, then the nested checks
            from policyrules.batch import nested

            flat = ("facts_flat" + self.suffix, "rejects_flat" + self.suffix)
            con.execute(f"ALTER VIEW facts RENAME TO {flat[0]}")
            con.execute(f"ALTER VIEW rejects RENAME TO {flat[1]}")
            for sql in nested.views_sql(self.cp, self.plan.nested, self.plan.absent, *flat, self.types):
                con.execute(sql)
        if self.suffix:
            con.execute(f"ALTER VIEW facts RENAME TO {self.facts}")
            con.execute(f"ALTER VIEW rejects RENAME TO {self.rejects}")

    def compiled(self, *, eligibility: bool = False, invariants: bool = False, extra: Sequence[str] = (),
                 row: bool = False, dialect: str = "duckdb") -> Any:
        from policyrules.compile import compile_query

        passthrough: list[Any] = ([(io.ROW, "row")] if row else []) + [
            (io.IN + c, c) for c in list(self.plan.passthrough) + [c for c in extra if c not in self.plan.passthrough]]
        columns = {key: io.IN + col for key, col in self.plan.columns.items()}
        digits = {key: d for key, col in self.plan.columns.items() if col in self.plan.schema
                  and (d := io.fact_digits(self.plan.schema[col], self.types.get(col))) is not None}
        return compile_query(self.cp, self.on, self.params, kinds=self.plan.kinds, columns=columns,
                             source=self.facts, passthrough=passthrough, eligibility=eligibility,
                             invariants=invariants, dialect=dialect, digits=digits)


def connect(progress: bool | None = None, memory_limit: str = MEMORY_LIMIT) -> Any:
    """A DuckDB connection set up for a batch run."""
    duckdb = io.duckdb
    con = duckdb.connect()
    if progress is None:
        progress = sys.stderr.isatty()
    con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")
    # DuckDB rewrites a long `x IN (...)` into a join, which does not keep the input order
    # of the rows; as a list test it does (and is as fast here).
    con.execute("SET disabled_optimizers = 'in_clause'")
    # Keeping the input order buffers results that are ready early; bounded here, so that a
    # run of any size stays well under 1 GiB.
    try:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    except duckdb.Error as err:
        raise BatchError(f"--memory-limit {memory_limit!r}: {str(err).strip().splitlines()[0]}") from None
    return con


class _Recorder:
    """A connection that keeps the statements executed through it."""

    def __init__(self, con: Any):
        self.con = con
        self.statements: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return self.con.execute(sql, *args)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class BatchResult(NamedTuple):
    computed: int
    rejected_rows: int
    problems: int
    rejects_path: str | None
    outputs: tuple[str, ...]
    notes: tuple[str, ...]

    def summary_line(self) -> str:
        total = self.computed + self.rejected_rows
        line = f"{total:,} rows: {self.computed:,} computed, {self.rejected_rows:,} rejected"
        if self.rejected_rows:
            line += f" ({self.problems:,} problems, see {self.rejects_path})"
        return line


def default_rejects_path(output: str) -> str:
    base = output
    for suffix in (".gz", ".zst"):
        base = base.removesuffix(suffix)
    stem, _ = os.path.splitext(base)
    return stem + ".rejects.csv"


class Prepared(NamedTuple):
    """A batch run made ready: the statements that create views ``facts`` and ``rejects`` over
    ``raw_input``, the compiled query over ``facts``, its output columns and the notes to print.
    JSON data, so that it can be cached (:mod:`policyrules.compile.cache`)."""

    statements: tuple[str, ...]
    query: str
    outputs: tuple[str, ...]
    notes: tuple[str, ...]

    def split(self) -> tuple[str, tuple[str, ...]] | None:
        """What a cached run executes instead of :attr:`statements`, so that DuckDB binds each
        view once (a view is bound when it is created, and again by every query that reads it):
        the query with view ``facts`` and the views it reads as its common table expressions,
        and the statements that create view ``rejects`` (run only when rejects are listed).
        None when a statement is not one :class:`Session` makes (then all are run, as they are)."""
        views: dict[str, str] = {}  # name -> SELECT, in an order where each follows what it reads
        for sql in self.statements:
            if (made := _CREATE_VIEW.match(sql)) is not None:
                views.pop(made[1], None)
                views[made[1]] = sql[made.end():]
            elif (renamed := _RENAME_VIEW.fullmatch(sql)) is not None and renamed[1] in views:
                views[renamed[2]] = views.pop(renamed[1])
            else:
                return None
        if "facts" not in views or "rejects" not in views or self.query.lstrip()[:4].upper() == "WITH":
            return None
        ctes = ", ".join(f"{name} AS NOT MATERIALIZED ({views[name]})" for name in _read_by(views, "facts"))
        rejects = tuple(f"CREATE OR REPLACE TEMP VIEW {name} AS {views[name]}" for name in _read_by(views, "rejects"))
        return f"WITH {ctes} {self.query}", rejects

    def to_json(self) -> dict[str, Any]:
        return {"statements": list(self.statements), "query": self.query, "outputs": list(self.outputs),
                "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: Any) -> Prepared | None:
        """The prepared run in ``data``, or None when it is not one."""
        try:
            parts = [data["statements"], [data["query"]], data["outputs"], data["notes"]]
            if not all(isinstance(p, list) and all(isinstance(x, str) for x in p) for p in parts):
                return None
            return cls(tuple(parts[0]), parts[1][0], tuple(parts[2]), tuple(parts[3]))
        except (KeyError, TypeError):
            return None


_CREATE_VIEW = re.compile(r"CREATE OR REPLACE TEMP VIEW (\w+) AS ")
_RENAME_VIEW = re.compile(r"ALTER VIEW (\w+) RENAME TO (\w+)")


def _read_by(views: Mapping[str, str], name: str) -> list[str]:
    """``name`` and the views of ``views`` it reads, directly or not, in the order of ``views``."""
    wanted, todo = {name}, [name]
    while todo:
        select = views[todo.pop()]
        for other in views:
            if other not in wanted and re.search(rf"\b{other}\b", select):
                wanted.add(other)
                todo.append(other)
    return [v for v in views if v in wanted]


def prepare(policy: Any, con: Any, input_path: str, on: dt.date, params: Mapping[str, str] | None,
            mapping: Mapping[str, str] | None, row_numbers: bool | None) -> Prepared:
    """Check the input's columns against ``policy``, create the validation views on ``con`` (whose
    ``raw_input`` is open) and compile the query."""
    sess = Session(policy, input_path, on, params, mapping, con=con)
    with_row = row_numbers if row_numbers is not None else not sess.plan.passthrough
    c = sess.compiled(row=with_row)
    return Prepared(sess.statements, c.sql(), tuple(o.column for o in c.outputs), sess.plan.notes)


def policy_bytes(path: str) -> bytes | None:
    """The bytes of policy file ``path`` (what a cached compilation is keyed by); None when it
    cannot be read or is too large, so that loading the policy reports why."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(_POLICY_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= _POLICY_BYTES else None


_POLICY_BYTES = 1_000_000
"""The largest policy file (policyrules.sourcefile.MAX_POLICY_BYTES, not imported: that would load the
diagnostics on a cached run); a larger one is loaded, and refused, as usual."""


def run_batch(policy: Any, input_path: str, output: str, on: dt.date, params: Mapping[str, str] | None = None,
              mapping: Mapping[str, str] | None = None, rejects: str | None = None,
              progress: bool | None = None, row_numbers: bool | None = None,
              memory_limit: str = MEMORY_LIMIT, policy_file: str | None = None) -> BatchResult:
    """Evaluate every row of ``input_path`` and write the outputs to ``output``; rows refused by
    validation go to ``rejects`` (default ``<output>.rejects.csv``, written only when not empty).

    ``policy`` is a loaded policy, or a function that loads it.  With ``policy_file`` (the policy's
    path) the compiled run is cached by the file's bytes, the parameters, the date and the input's
    columns (:mod:`policyrules.compile.cache`): on a hit ``policy`` is not even loaded."""
    io.file_format(output)
    path = rejects or default_rejects_path(output)
    io.file_format(path)
    refuse_overwrite(input_path, {"-o": output, "--rejects" if rejects else "the rejects file (--rejects)": path})
    con = connect(progress, memory_limit)
    io.open_input(con, input_path, dict(mapping) if mapping else None)
    prepared, key, text = None, None, policy_bytes(policy_file) if policy_file is not None else None
    query = ""
    make_rejects: tuple[str, ...] = ()
    if text is not None:
        from policyrules.compile import cache

        context = {"command": "batch", "input": io.file_format(input_path),
                   "columns": sorted(io.input_columns(con).items()), "mapping": sorted((mapping or {}).items()),
                   "row_numbers": row_numbers}
        key = cache.entry_key(text, dict(params or {}), on, context, f"duckdb {io.duckdb.__version__}")
        prepared = Prepared.from_json(cache.load(key))
        split = prepared.split() if prepared is not None else None
        if split is not None:  # each view bound once: `facts` in the query, `rejects` when listed
            query, make_rejects = split
        elif prepared is not None:
            for statement in prepared.statements:
                con.execute(statement)
    if prepared is None:
        loaded = policy if hasattr(policy, "checked") else policy()
        prepared = prepare(loaded, con, input_path, on, params, mapping, row_numbers)
        if key is not None and policy_file is not None and policy_bytes(policy_file) == text:
            from policyrules.compile import cache

            cache.store(key, prepared.to_json())
    query = query or prepared.query
    try:
        computed = io.write_output(con, query, output)
    except io.BatchError as err:
        culprit = too_large(con, query, prepared.outputs, err)
        if culprit is None:
            raise
        raise BatchError(f"{output}: batch run failed: {culprit}") from None
    problems = rejected = 0
    every_row = computed == _cheap_row_count(con, input_path)
    if rejects is not None or not every_row:  # view rejects, when a cached run needs it
        for statement in make_rejects:
            con.execute(statement)
    if every_row:
        if rejects is not None:  # every row was computed: the rejects file only has its header
            io.write_output(con, "SELECT * FROM rejects LIMIT 0", path)
    else:
        problems = io.write_output(con, "SELECT * FROM rejects", path)
        if problems:
            rejected = con.execute(
                f"SELECT count(DISTINCT row) FROM ({_read(path)})").fetchone()[0]  # type: ignore[index]
        elif rejects is None:
            os.unlink(path)
    return BatchResult(computed, rejected, problems, path if (problems or rejects) else None,
                       prepared.outputs, prepared.notes)


_OVERFLOW = ("Out of Range Error", "Conversion Error", "Overflow")


def too_large(con: Any, query: str, outputs: Sequence[str], err: Exception) -> str | None:
    """When ``err`` is DuckDB's overflow of an exact decimal in ``query``: which output overflows,
    found by computing each output alone (None when ``err`` is something else, or none does)."""
    if not any(word in str(err) for word in _OVERFLOW):
        return None
    for name in outputs:
        try:
            con.execute(f"SELECT count({_quote(name)}) FROM ({query})").fetchall()
        except io.duckdb.Error:
            return (f"output `{name}` is too large to compute exactly on some row (a value of 10^16 or more; "
                    f"facts and results are bounded by 10^15, see docs/language.md); `policyrules eval` "
                    f"of that row's facts names the value")
    return None


def refuse_overwrite(input_path: str, outputs: Mapping[str, str]) -> None:
    """Raise when a file a run writes (what -> path) is its input or another of its outputs:
    the input would be replaced by results, or truncated by an empty rejects file."""
    written: dict[str, str] = {}
    for what, path in outputs.items():
        real = os.path.realpath(path)
        if real == os.path.realpath(input_path) or _same_file(input_path, real):
            raise BatchError(f"{what} {path} is the input file {input_path}: the run would overwrite it; "
                             f"write to another file")
        clash = next((w for w, p in written.items() if p == real or _same_file(p, real)), None)
        if clash is not None:
            raise BatchError(f"{what} {path} is also the file of {clash}: the run would overwrite it; "
                             f"write to another file")
        written[what] = real


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


def _cheap_row_count(con: Any, path: str) -> int | None:
    """The number of rows of a Parquet file, from its metadata (None for other formats): when every
    row was computed, the second pass that lists rejected rows is not needed."""
    if io.file_format(path) != "parquet":
        return None
    row = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({_lit(path)})").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _read(path: str) -> str:
    """Read back a file this run wrote: a CSV file in the dialect COPY writes, not one guessed
    from its content (a reason quoting `'00'` made DuckDB take `'` for the escape character and
    the header for a row, and counting the rejected rows failed)."""
    fmt = io.file_format(path)
    if fmt == "csv":
        return (f"SELECT * FROM read_csv({_lit(path)}, header = true, all_varchar = true, delim = ',', "
                "quote = '\"', escape = '\"', skip = 0)")
    if fmt == "parquet":
        return f"SELECT * FROM read_parquet({_lit(path)})"
    return f"SELECT * FROM read_json({_lit(path)})"


# ---------------------------------------------------------------- explain one row
def explain_row(policy: Any, input_path: str, row: int, on: dt.date, params: Mapping[str, str] | None = None,
                mapping: Mapping[str, str] | None = None, lang: str = "en") -> str:
    """The interpreter's full explanation of input row ``row`` (1-based, as in the rejects file)."""
    sess = Session(policy, input_path, on, params, mapping, progress=False)
    cur = sess.con.execute(f"SELECT * FROM {sess.facts} WHERE {io.ROW} = ?", [row])
    names = [d[0] for d in cur.description]
    found = cur.fetchone()
    if found is None:
        problems = sess.con.execute(f"SELECT field, reason FROM {sess.rejects} WHERE row = ? ORDER BY field",
                                    [row]).fetchall()
        if problems:
            listed = "\n".join(f"  {f}: {r}" for f, r in problems)
            raise BatchError(f"row {row} was rejected:\n{listed}")
        raise BatchError(f"there is no row {row} in {input_path}")
    values = dict(zip(names, found, strict=True))
    facts = facts_of_row(sess.plan, values, sess.cp)
    decision = policy.evaluate(facts, on=on, parameters=dict(params or {}), trace=True)
    head = f"row {row} of {input_path}\n"
    return head + policy.explain(decision, lang=lang)


def facts_of_row(plan: Plan, values: Mapping[str, Any], cp: CheckedPolicy | None = None) -> dict[str, dict[str, Any]]:
    """Typed column values of one row -> the facts mapping the interpreter takes.  An optional or
    defaulted fact the row leaves out (NULL) is left out, as in a facts file; ``cp`` gives the
    types of the structured and optional facts (:attr:`Plan.nested`), for showing their amounts."""
    facts: dict[str, dict[str, Any]] = {k: {} for k in plan.kinds}
    for (k, f), col in plan.columns.items():
        v = values.get(io.IN + col)
        t = plan.schema.get(col) or (cp.facts[k].fields[f].type if cp is not None else None)
        if v is None and col in plan.nested:
            continue
        facts[k][f] = _as_written(v, t.kind if t is not None else None)
    return facts


def _as_written(v: Any, kind: Any) -> Any:
    """A value from view ``facts`` as the interpreter takes it: decimals without the 6 or 8 places
    the view keeps (money with at least 2), records without their absent (NULL) fields."""
    from decimal import Decimal

    from policyrules.types import Kind

    if isinstance(v, Decimal):
        v = v.normalize()
        if kind in (Kind.MONEY, Kind.RATE) and v.as_tuple().exponent > -2:  # type: ignore[operator]
            return v.quantize(Decimal("0.01"))
        return v.quantize(Decimal(1)) if v == v.to_integral_value() else v
    if isinstance(v, dict):
        return {name: _as_written(x, None) for name, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_as_written(x, None) for x in v]
    return v


# ---------------------------------------------------------------- summary
def run_summary(policy: Any, input_path: str, on: dt.date, params: Mapping[str, str] | None = None,
                mapping: Mapping[str, str] | None = None, by: Sequence[str] = (),
                progress: bool | None = None) -> dict[str, Any]:
    """Totals, counts of eligible and paid, and averages per output, grouped by ``by`` columns."""
    from decimal import Decimal

    sess = Session(policy, input_path, on, params, mapping, progress)
    cols = sess.types
    unknown = [b for b in by if b not in cols]
    if unknown:
        raise BatchError(f"--by column(s) {', '.join(unknown)} not in the input; available: {', '.join(cols)}")
    c = sess.compiled(eligibility=True, invariants=True, extra=by)
    keys = ", ".join(_quote(b) for b in by)
    aggs = ["count(*) AS rows"]
    money = [o for o in c.outputs if o.part is None and o.monetary]
    flags = [o for o in c.outputs if o.part is None and not o.monetary and o.type is None]
    for i, o in enumerate(money):
        q = _quote(o.column)
        aggs += [f"sum({q}) AS t{i}", f"count(*) FILTER (WHERE {_quote(o.column + ':eligible')}) AS e{i}",
                 f"count(*) FILTER (WHERE {q} > 0) AS p{i}", f"NULL AS a{i}"]
    for i, o in enumerate(flags):
        aggs.append(f"count(*) FILTER (WHERE {_quote(o.column)}) AS f{i}")
    for i, (col, _) in enumerate(c.invariants):
        aggs.append(f"count(*) FILTER (WHERE NOT {_quote(col)}) AS v{i}")
    group = f" GROUP BY {keys} ORDER BY {keys}" if by else ""
    sql = f"SELECT {keys + ', ' if by else ''}{', '.join(aggs)} FROM ({c.sql()}){group}"
    try:
        rows = sess.con.execute(sql).fetchall()
    except Exception as err:  # duckdb.Error
        culprit = too_large(sess.con, c.sql(), [o.column for o in c.outputs], err)
        raise BatchError(f"summary failed: {culprit or str(err).strip().splitlines()[0]}") from None
    rejected = sess.con.execute(f"SELECT count(DISTINCT row) FROM {sess.rejects}").fetchone()[0]  # type: ignore[index]
    groups = []
    for r in rows:
        key, rest = r[:len(by)], r[len(by):]
        n_rows = rest[0]
        i = 1
        outs = []
        for o in money:
            total, elig, paid, _ = rest[i:i + 4]
            i += 4
            total = total or Decimal(0)
            average = (total / n_rows).quantize(Decimal(1).scaleb(-o.scale - 2)) if n_rows else None
            outs.append({"output": o.column, "total": total, "eligible": elig, "paid": paid, "average": average})
        for o in flags:
            outs.append({"output": o.column, "applies": rest[i]})
            i += 1
        violated = []
        for _, label in c.invariants:
            if rest[i]:
                violated.append({"invariant": label, "rows": rest[i]})
            i += 1
        groups.append({"by": dict(zip(by, key, strict=True)), "rows": n_rows, "outputs": outs,
                       "invariants_violated": violated})
    return {"policy": sess.cp.name, "on": on.isoformat(), "rejected_rows": rejected, "groups": groups,
            "notes": list(sess.plan.notes)}


def format_summary(summary: dict[str, Any]) -> str:
    lines = [f"policy {summary['policy']} on {summary['on']}"]
    for g in summary["groups"]:
        lines.append("")
        if g["by"]:
            lines.append(", ".join(f"{k} = {v}" for k, v in g["by"].items()) + f": {g['rows']:,} rows")
        else:
            lines.append(f"all {g['rows']:,} rows")
        money = [o for o in g["outputs"] if "total" in o]
        if money:
            width = max(len(o["output"]) for o in money)
            lines.append(f"  {'output':<{width}}  {'total':>16}  {'eligible':>10}  {'paid':>10}  {'average':>12}")
            for o in money:
                avg = "" if o["average"] is None else format(o["average"], "f")
                lines.append(f"  {o['output']:<{width}}  {format(o['total'], 'f'):>16}  {o['eligible']:>10,}  "
                             f"{o['paid']:>10,}  {avg:>12}")
        for o in g["outputs"]:
            if "applies" in o:
                lines.append(f"  {o['output']}: applies to {o['applies']:,} rows")
        for v in g["invariants_violated"]:
            lines.append(f"  invariant violated: {v['invariant']} ({v['rows']:,} rows)")
    lines.append("")
    lines.append(f"{summary['rejected_rows']:,} rows rejected (not counted above)")
    return "\n".join(lines) + "\n"

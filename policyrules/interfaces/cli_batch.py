"""``policyrules sql``, ``batch``, ``summary`` and ``compare``: a policy compiled to SQL and run
over whole populations in DuckDB.  Heavy modules (duckdb, sqlglot) are imported only when a
command runs, so the CLI starts fast."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any


def plain(value: Any) -> Any:
    """JSON-ready ``value`` (:func:`policyrules.explain.data.plain`, loaded only when used)."""
    from policyrules.explain.data import plain as to_plain

    return to_plain(value)


def register(sub: Any, command: Callable[..., Any]) -> None:
    s = sub.add_parser("sql", help="print the policy compiled to one SQL query (duckdb, spark or postgres)")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("--dialect", choices=["duckdb", "spark", "postgres"], default="duckdb")
    s.add_argument("--on", metavar="DATE", help="evaluation date (default: today); fixes dated parameters")
    s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter value the policy leaves open (repeatable)")
    s.add_argument("--kinds", metavar="KIND,...", help="kinds of facts each row provides (default: all)")
    s.add_argument("--table", default="facts", metavar="NAME", help="the table of facts (default: facts)")
    s.add_argument("--keep", metavar="COLUMN,...", help="columns of the table copied to the result first "
                   "(keys such as person_id), so that results join back to the rows")
    s.add_argument("--compact", action="store_true", help="one line instead of indented SQL")
    command("sql")(cmd_sql)

    s = sub.add_parser("batch", help="evaluate every row of a CSV/Parquet/JSON-lines file (DuckDB, Spark) "
                       "or of a PostgreSQL table")
    s.add_argument("policy", metavar="POLICY")
    s.__class__ = _OptionalInputParser
    s.add_argument("input", metavar="INPUT", nargs="?", help="the population file (not with a PostgreSQL engine)")
    s.add_argument("-o", "--output", metavar="OUTPUT", help="results (.csv, .parquet or .jsonl)")
    _common(s)
    s.add_argument("--engine", default="duckdb", metavar="ENGINE",
                   help="duckdb (default, in-process), spark (Parquet in and out) or a postgresql://… URI "
                        "(see docs/engines.md)")
    s.add_argument("--master", metavar="URL", help="Spark master (default local[*])")
    s.add_argument("--table", metavar="TABLE", help="PostgreSQL: the table of facts")
    s.add_argument("--into", metavar="TABLE", help="PostgreSQL: the results table to create")
    s.add_argument("--rejects", metavar="FILE",
                   help="rows refused by validation: row, field, value, reason (default: OUTPUT.rejects.csv, "
                        "written when there are any; PostgreSQL: the rejects table, default INTO_rejects)")
    s.add_argument("--explain", type=int, metavar="ROW", help="print the full explanation of input row ROW "
                   "(1-based, as in the rejects file), computed by the interpreter")
    s.add_argument("--lang", choices=["en", "zh"], default="en", help="language of --explain")
    s.add_argument("--row-numbers", action="store_true",
                   help="add the input row number as column `row` (automatic when the input has no column "
                        "other than facts)")
    s.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="DuckDB's progress bar on long runs (default: when stderr is a terminal)")
    s.add_argument("--memory-limit", default="384MB", metavar="SIZE",
                   help="DuckDB's memory limit for the run (default 384MB; larger runs spill to disk)")
    command("batch")(cmd_batch)

    s = sub.add_parser("summary", help="totals, counts eligible and paid, averages per output, by group")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("input", metavar="INPUT")
    _common(s)
    s.add_argument("--by", nargs="+", default=[], metavar="COLUMN", help="group by these input columns")
    s.add_argument("--json", action="store_true", help="the summary as JSON")
    command("summary")(cmd_summary)

    s = sub.add_parser("compare", help="two versions of a policy on the same population: cost, winners, losers")
    s.add_argument("old", metavar="OLD.policy")
    s.add_argument("new", metavar="NEW.policy")
    s.add_argument("input", metavar="INPUT")
    _common(s)
    s.add_argument("--chart", metavar="FILE", help="histogram of the change per person (.svg or .html)")
    s.add_argument("--top", type=int, default=10, metavar="N", help="how many of the largest changes to list")
    s.add_argument("--json", action="store_true", help="the comparison as JSON")
    command("compare")(cmd_compare)


class _OptionalInputParser(argparse.ArgumentParser):
    """``batch``'s parser: INPUT is optional (a PostgreSQL run has none), and Python 3.11's
    argparse gives an optional positional nothing when an option comes first
    (``batch POLICY --on D INPUT``); the one loose argument left over is INPUT."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        ns, extras = super().parse_known_args(args, namespace)
        loose = [a for a in extras if not a.startswith("-")]
        if getattr(ns, "input", None) is None and len(loose) == 1:
            ns.input = loose[0]
            extras.remove(loose[0])
        return ns, extras


def _common(s: Any) -> None:
    s.add_argument("--on", required=True, metavar="DATE", help="evaluation date, e.g. 2009-07-01")
    s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter value the policy leaves open (repeatable)")
    s.add_argument("--mapping", metavar="FILE", help="YAML/JSON {input column: fact name or kind.fact}")


# ---------------------------------------------------------------- helpers
def _date(text: str | None) -> dt.date:
    from policyrules.interfaces.cli import CliError

    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--on: expected a date such as 2009-07-01, got {text!r}") from None


def _guard(fn: Callable[[], Any]) -> Any:
    """Run ``fn``, turning the errors users can cause into CliError (exit 2).  Their classes are
    imported only when something was raised (a cached batch run never loads the interpreter)."""
    try:
        return fn()
    except Exception as err:
        from policyrules.batch.io import BatchError
        from policyrules.compile.unsupported import Unsupported
        from policyrules.evaluate.decide import EvaluationError
        from policyrules.evaluate.inputs import InputError
        from policyrules.interfaces.cli import CliError, input_error

        if isinstance(err, InputError):
            raise input_error(err) from None
        if isinstance(err, EvaluationError | BatchError | Unsupported):
            raise CliError(str(err)) from None
        raise


def _mapping(path: str | None) -> dict[str, str] | None:
    if not path:
        return None
    from policyrules.batch.io import load_mapping

    return _guard(lambda: load_mapping(path))


def _notes(notes: Any) -> None:
    for note in notes:
        print(note, file=sys.stderr)


# ---------------------------------------------------------------- commands
def cmd_sql(args: argparse.Namespace) -> int:
    from policyrules.interfaces.cli import CliError, load_policy, parse_params

    policy = load_policy(args.policy)
    cp = policy.checked
    on = _date(args.on)
    kinds = list(cp.facts)
    if args.kinds:
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        unknown = [k for k in kinds if k not in cp.facts]
        if unknown:
            raise CliError(f"--kinds: policy {cp.name} has no facts {', '.join(unknown)}; "
                           f"it declares {', '.join(cp.facts)}")

    keep = _keep(args.keep)
    if not cp.outputs and not cp.results:
        raise CliError(f"policy {cp.name} has nothing to compile to SQL: it declares no benefit, outcome or "
                       f"output (a scorecard is computed by `policyrules score`)")

    def build() -> str:
        from policyrules.compile import compile_query, resolve

        params = resolve(cp, on, parse_params(args.param))
        c = compile_query(cp, on, params, kinds=kinds, source=args.table, dialect=args.dialect, passthrough=keep)
        if not c.outputs:
            raise CliError(f"policy {cp.name} has nothing to compile for facts of {', '.join(kinds) or 'no kind'}: "
                           f"no output needs only those facts")
        clash = [k for k in keep if k in {o.column for o in c.outputs}]
        if clash:
            raise CliError(f"--keep: {', '.join(clash)} is also a result column of policy {cp.name}; "
                           f"rename the key column")
        shown = ", ".join(f"{k} = {plain(v)}" for k, v in params.items()) or "none"
        head = (f"-- policy {cp.name}, evaluated on {on.isoformat()}, dialect {args.dialect}\n"
                f"-- parameters: {shown}\n-- one row of table {args.table} per entity, facts of: {', '.join(kinds)}\n")
        return head + c.sql(pretty=not args.compact) + ";\n"

    sys.stdout.write(_guard(build))
    return 0


def _keep(text: str | None) -> list[str]:
    """``--keep a,b``: the key columns, each named once."""
    from policyrules.interfaces.cli import CliError

    if not text:
        return []
    names = [k.strip() for k in text.split(",")]
    if any(not k for k in names):
        raise CliError(f"--keep: expected column names separated by commas, got {text!r}")
    twice = sorted({k for k in names if names.count(k) > 1})
    if twice:
        raise CliError(f"--keep: column {', '.join(twice)} named more than once")
    return names


def cmd_batch(args: argparse.Namespace) -> int:
    from policyrules.engines import kind_of
    from policyrules.interfaces.cli import CliError, load_policy, parse_params

    try:
        engine = kind_of(args.engine)
    except ValueError as err:
        raise CliError(str(err)) from None
    if engine != "duckdb":
        return _other_engine(args, engine)
    if args.input is None:
        raise CliError("batch: give the INPUT file")
    if args.output is None and args.explain is None:
        raise CliError("batch: give -o OUTPUT (and/or --explain ROW)")
    from policyrules.batch import run

    # a policy file that cannot be read is reported first; a readable one is loaded (parsed,
    # checked, compiled) only when its compiled query is not in the cache (docs/performance.md)
    cached = args.explain is None and run.policy_bytes(args.policy) is not None
    policy: Any = (lambda: load_policy(args.policy)) if cached else load_policy(args.policy)
    on = _date(args.on)
    params = parse_params(args.param)
    mapping = _mapping(args.mapping)

    if args.output is not None:
        result = _guard(lambda: run.run_batch(policy, args.input, args.output, on, params, mapping, args.rejects,
                                              args.progress, True if args.row_numbers else None,
                                              args.memory_limit, policy_file=args.policy if cached else None))
        _notes(result.notes)
        print(result.summary_line() + f"; results in {args.output}", file=sys.stderr)
    if args.explain is not None:
        sys.stdout.write(_guard(lambda: run.explain_row(policy, args.input, args.explain, on, params, mapping,
                                                        args.lang)))
    return 0


def _other_engine(args: argparse.Namespace, engine: str) -> int:
    """``batch --engine spark|postgresql://…`` (docs/engines.md)."""
    from policyrules.interfaces.cli import CliError, load_policy, parse_params

    if args.explain is not None:
        raise CliError("batch --explain runs on the in-process engine: leave out --engine")
    if engine == "postgresql":
        if args.input is not None or args.output is not None:
            raise CliError("batch --engine postgresql://…: the facts are a table (--table), the results a table "
                           "(--into); give no INPUT file or -o")
        if not args.table or not args.into:
            raise CliError("batch --engine postgresql://…: give --table FACTS and --into RESULTS")
    elif args.input is None or args.output is None:
        raise CliError("batch --engine spark: give the INPUT file and -o OUTPUT (Parquet)")
    policy = load_policy(args.policy)
    on = _date(args.on)
    params = parse_params(args.param)
    mapping = _mapping(args.mapping)
    if engine == "postgresql":
        from policyrules.engines import postgresql

        result = _guard(lambda: postgresql.run_postgresql(policy, args.engine, args.table, args.into, on, params,
                                                          mapping, args.rejects))
        where = f"table {args.into}"
    else:
        from policyrules.batch.run import default_rejects_path, refuse_overwrite
        from policyrules.engines import spark

        rejects = args.rejects or default_rejects_path(str(args.output))
        _guard(lambda: refuse_overwrite(args.input, {"-o": args.output, "--rejects": rejects}))
        result = _guard(lambda: spark.run_spark(policy, args.input, args.output, on, params, mapping,
                                                args.rejects, args.master, args.memory_limit))
        where = str(args.output)
    _notes(result.notes)
    print(result.summary_line() + f"; results in {where}", file=sys.stderr)
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from policyrules.interfaces.cli import load_policy, parse_params

    policy = load_policy(args.policy)
    on = _date(args.on)
    from policyrules.batch import run

    summary = _guard(lambda: run.run_summary(policy, args.input, on, parse_params(args.param),
                                             _mapping(args.mapping), args.by))
    _notes(summary["notes"])
    if args.json:
        print(json.dumps(plain(summary), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(run.format_summary(summary))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from policyrules.interfaces.cli import CliError, load_policy, parse_params

    old, new = load_policy(args.old), load_policy(args.new)
    on = _date(args.on)
    if args.chart and not args.chart.lower().endswith((".svg", ".html", ".htm")):
        raise CliError(f"--chart: write the chart to a .svg or .html file, got {args.chart}")
    from policyrules.batch import compare

    result = _guard(lambda: compare.run_compare(old, new, args.input, on, parse_params(args.param),
                                                _mapping(args.mapping), args.top))
    _notes(result["notes"])
    if args.json:
        print(json.dumps(plain(result), ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(compare.format_compare(result))
    if args.chart:
        try:
            compare.write_chart(result, args.chart)
        except OSError as err:
            raise CliError(f"{args.chart}: cannot write the chart: {err.strerror}") from None
        print(f"chart written to {args.chart}", file=sys.stderr)
    return 0

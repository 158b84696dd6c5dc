"""The ``policyrules score`` command: score, rank and award the units of a scorecard.

    policyrules score POLICY UNITS [--records FILE] [--on DATE] [--param NAME=VALUE]
                      [--scorecard NAME] [--json] [--report out.html] [--explain UNIT]
                      [--lang en|zh]

Prints the ranked table (or JSON, or one unit's explanation); ``--report`` also writes a
self-contained HTML report. A units file that cannot be scored (a missing or ill-typed
field, an unknown unit ...) is refused with every problem named, exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from policyrules.interfaces.cli import BAD_INPUT, OK, CliError, load_policy, parse_params


def register(sub: Any, command: Any) -> None:
    s = sub.add_parser("score", help="score, rank and award the units of a scorecard policy")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("units", metavar="UNITS", help="the units as CSV (a row per unit), JSON or YAML")
    s.add_argument("--records", action="append", default=[], metavar="FILE",
                   help="person-level records: CSV of one kind (named by the file), or JSON/YAML {kind: [...]}")
    s.add_argument("--on", metavar="DATE", help="evaluation date, e.g. 2023-12-25 (default: today)")
    s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter value (repeatable); overrides the value the policy states")
    s.add_argument("--scorecard", metavar="NAME", help="which scorecard, when the policy declares several")
    s.add_argument("--json", action="store_true", help="the whole result as JSON")
    s.add_argument("--report", metavar="FILE.html", help="also write an HTML report (table, chart, explanations)")
    s.add_argument("--explain", metavar="UNIT", help="explain one unit's score, rank and award")
    s.add_argument("--lang", choices=["en", "zh"], default="en")
    command("score")(cmd_score)


def _card(policy: Any, name: str | None) -> Any:
    from policyrules.interfaces.cases import CaseFileError
    from policyrules.interfaces.score_cases import pick_scorecard

    try:
        return pick_scorecard(policy, name)
    except CaseFileError as err:
        raise CliError(str(err), BAD_INPUT) from None


def _load(what: str, path: str, loader: Any, *args: Any) -> Any:
    import yaml

    from policyrules.scorecard import ScorecardInputError

    if not Path(path).is_file():
        raise CliError(f"{path}: no such {what} file", BAD_INPUT)
    try:
        return loader(path, *args)
    except ScorecardInputError as err:
        raise CliError("\n".join(err.problems), BAD_INPUT) from None
    except (OSError, UnicodeDecodeError) as err:
        raise CliError(f"{path}: cannot read the {what} file: {getattr(err, 'strerror', None) or err}",
                       BAD_INPUT) from None
    except json.JSONDecodeError as err:
        raise CliError(f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}", BAD_INPUT) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise CliError(f"{where}: not valid YAML: {getattr(err, 'problem', None) or err}", BAD_INPUT) from None
    except Exception as err:  # a malformed CSV or an unexpected shape: never a traceback
        raise CliError(f"{path}: cannot read the {what} file: {err}", BAD_INPUT) from None


def cmd_score(args: argparse.Namespace) -> int:
    from policyrules.scorecard import (
        ScorecardError,
        evaluate_scorecard,
        explain_unit,
        load_records,
        load_units,
        render_html,
        render_table,
        to_dict,
    )

    policy = load_policy(args.policy)
    card = _card(policy, args.scorecard)
    try:
        on = dt.date.fromisoformat(args.on) if args.on else dt.date.today()
    except ValueError:
        raise CliError(f"--on expects a date such as 2023-12-25, got {args.on!r}", BAD_INPUT) from None
    units = _load("units", args.units, load_units)
    records: dict[str, list[Any]] | None = None
    for path in args.records:
        only = card.records[0].name if len(card.records) == 1 and path.lower().endswith(".csv") else None
        for kind, rows in _load("records", path, load_records, only).items():
            records = records or {}
            records.setdefault(kind, []).extend(rows)
    try:
        result = evaluate_scorecard(card, units, records, parse_params(args.param), on)
    except ScorecardError as err:
        lines = [f"{args.units}: the units were refused; nothing was scored:"]
        lines += [f"  {p}" for p in err.problems]
        raise CliError("\n".join(lines), BAD_INPUT) from None
    if args.explain is not None:
        try:
            text = explain_unit(result, args.explain, args.lang)
        except KeyError:
            known = ", ".join(u.id for u in result.units)
            raise CliError(f"--explain: no unit {args.explain!r}; units: {known}", BAD_INPUT) from None
    if args.report:
        try:
            Path(args.report).write_text(render_html(result, args.lang), encoding="utf-8")
        except OSError as err:
            raise CliError(f"{args.report}: cannot write the report: {err.strerror or err}", BAD_INPUT) from None
        print(f"report written to {args.report}", file=sys.stderr)
    if args.json:
        data: Any = to_dict(result, args.lang if args.explain is not None else None)
        if args.explain is not None:
            data = next(u for u in data["units"] if u["id"] == args.explain)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.explain is not None:
        print(text)
    else:
        print(render_table(result), end="")
    return OK

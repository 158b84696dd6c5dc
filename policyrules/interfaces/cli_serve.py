"""``policyrules serve`` (the HTTP service), ``eval --save`` records and ``replay``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


def register(sub: Any, command: Callable[..., Any]) -> None:
    s = sub.add_parser("serve", help="serve policies over HTTP (GET /policies, POST /evaluate)")
    s.add_argument("policies", nargs="+", metavar="POLICY")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    command("serve")(cmd_serve)

    s = sub.add_parser("record", help="evaluate and store the decision as JSON, for audit and replay")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("--facts", required=True, metavar="FILE")
    s.add_argument("--on", required=True, metavar="DATE")
    s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    s.add_argument("-o", "--out", required=True, metavar="DECISION.json")
    command("record")(cmd_record)

    s = sub.add_parser("replay", help="evaluate a stored decision again and report any difference")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("decision", metavar="DECISION.json")
    command("replay")(cmd_replay)


def cmd_serve(args: argparse.Namespace) -> int:
    from policyrules.interfaces.cli import CliError, load_policy
    from policyrules.interfaces.service import serve

    policies = {}
    for path in args.policies:
        p = load_policy(path)
        policies[p.name] = p
    try:
        server = serve(policies, args.host, args.port)
    except OSError as err:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from None
    print(f"serving {', '.join(policies)} on http://{args.host}:{args.port} (POST /evaluate, GET /policies)",
          file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from policyrules.api import EvaluationError, InputError
    from policyrules.interfaces.cli import CliError, input_error, load_policy, parse_params, read_data
    from policyrules.interfaces.record import record

    policy = load_policy(args.policy)
    facts = read_data(args.facts, "facts")
    params = parse_params(args.param)
    try:
        decision = policy.evaluate(facts, on=args.on, parameters=params, trace=False)
    except InputError as err:
        raise input_error(err) from None
    except EvaluationError as err:
        raise CliError(str(err)) from None
    rec = record(policy, facts, params, decision)
    try:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(rec, fh, ensure_ascii=False, indent=2)
    except OSError as err:
        raise CliError(f"{args.out}: cannot write: {err.strerror}") from None
    print(f"stored {len(rec['outputs'])} outputs in {args.out}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from policyrules.api import EvaluationError, InputError
    from policyrules.interfaces.cli import CliError, input_error, load_policy, read_data
    from policyrules.interfaces.record import replay

    policy = load_policy(args.policy)
    rec = read_data(args.decision, "decision")
    try:
        diffs, notes = replay(policy, rec)
    except (ValueError, KeyError, TypeError) as err:
        raise CliError(f"{args.decision}: {err}") from None
    except InputError as err:
        raise input_error(err) from None
    except EvaluationError as err:
        raise CliError(str(err)) from None
    for note in notes:
        print(f"note: {note}")
    if diffs:
        print("the decision does NOT replay identically:")
        for d in diffs:
            print(f"  {d}")
        return 1
    print("the decision replays identically")
    return 0

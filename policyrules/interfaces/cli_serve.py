"""``policyrules serve`` (the decision service), ``record`` and ``replay`` (decisions in the
store), ``keys add|list|revoke`` (the service's API keys) and ``audit verify|export``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

DEFAULT_STORE = "sqlite:///decisions.db"


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=os.environ.get("POLICYRULES_STORE", DEFAULT_STORE), metavar="URL",
                   help="the decision store: sqlite:///PATH or postgresql://USER@HOST/DB "
                        f"(default $POLICYRULES_STORE or {DEFAULT_STORE})")


def register(sub: Any, command: Callable[..., Any]) -> None:
    s = sub.add_parser("serve", help="serve policies over HTTP: the decision API and the auditor's page")
    s.add_argument("policies", nargs="+", metavar="POLICY")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_port, default=8000, help="TCP port to listen on, 1-65535 (default 8000)")
    _store_arg(s)
    s.add_argument("--workers", type=int, default=8, help="evaluations at once (the worker pool)")
    s.add_argument("--body-limit", type=int, default=1 << 20, metavar="BYTES")
    s.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="for a request's headers, and again for its body")
    command("serve")(cmd_serve)

    s = sub.add_parser("record", help="evaluate and seal the decision in the store, for audit and replay")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("--facts", required=True, metavar="FILE")
    s.add_argument("--on", required=True, metavar="DATE")
    s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    s.add_argument("--subject", metavar="ID", help="your reference of the person or case (searchable)")
    _store_arg(s)
    command("record")(cmd_record)

    s = sub.add_parser("replay", help="recompute a stored decision and report any difference")
    s.add_argument("decision", metavar="ID")
    _store_arg(s)
    s.add_argument("--policy", metavar="POLICY", help="replay under this policy file instead of the stored text")
    command("replay")(cmd_replay)

    s = sub.add_parser("keys", help="the service's API keys: add, list, revoke")
    ks = s.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    k = ks.add_parser("add", help="create a key; it is printed once, on the last line, and only its hash kept")
    k.add_argument("--role", required=True, choices=["evaluate", "audit"])
    k.add_argument("--label", help="who or what the key is for")
    _store_arg(k)
    k = ks.add_parser("list", help="list keys (ids, roles, labels; never the keys)")
    _store_arg(k)
    k = ks.add_parser("revoke", help="revoke a key by its id")
    k.add_argument("id", metavar="KEY_ID")
    _store_arg(k)
    command("keys")(cmd_keys)

    s = sub.add_parser("audit", help="check the store's hash chain, or export its records")
    aus = s.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    a = aus.add_parser("verify", help="check every record's seal and link; exit 1 naming the first bad record")
    _store_arg(a)
    a = aus.add_parser("export", help="write the records as JSON lines (one sealed record a line)")
    _store_arg(a)
    a.add_argument("-o", "--out", metavar="FILE", help="the file to write (default: standard output)")
    command("audit")(cmd_audit)


def _open(url: str) -> Any:
    from policyrules.audit.store import StoreError, open_store
    from policyrules.interfaces.cli import CliError

    try:
        return open_store(url)
    except StoreError as err:
        raise CliError(str(err)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    from policyrules.audit.store import StoreError
    from policyrules.interfaces.cli import CliError, load_policy
    from policyrules.interfaces.service import ServeError, serve
    from policyrules.service.app import Settings

    policies = {}
    for path in args.policies:
        p = load_policy(path)
        policies[p.name] = p
    if args.workers < 1 or args.body_limit < 1 or args.timeout <= 0:
        raise CliError("--workers and --body-limit must be at least 1 and --timeout more than 0")
    settings = Settings(body_limit=args.body_limit, body_timeout=args.timeout, header_timeout=args.timeout,
                        workers=args.workers)
    try:
        serve(policies, args.store, args.host, args.port, settings, lambda m: print(m, file=sys.stderr, flush=True))
    except (ServeError, StoreError) as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {err.strerror}") from None
    except SystemExit as exc:  # uvicorn exits when it cannot bind
        if exc.code:
            raise CliError(f"cannot listen on {args.host}:{args.port}") from None
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from policyrules.api import EvaluationError, InputError
    from policyrules.audit.store import StoreError
    from policyrules.interfaces.cli import CliError, input_error, load_policy, parse_params, read_data
    from policyrules.interfaces.record import record

    policy = load_policy(args.policy)
    facts = read_data(args.facts, "facts")
    params = parse_params(args.param)
    store = _open(args.store)
    try:
        stored = record(store, policy, facts, params, args.on, args.subject)
    except InputError as err:
        raise input_error(err, args.facts) from None
    except EvaluationError as err:
        raise CliError(str(err)) from None
    except StoreError as err:
        raise CliError(str(err)) from None
    finally:
        store.close()
    print(f"sealed decision {stored.id} (record {stored.seq}, {len(stored.body['outputs'])} outputs) in {store.url}")
    print(stored.id)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from policyrules.api import EvaluationError, InputError
    from policyrules.audit.store import StoreError
    from policyrules.interfaces.cli import CliError, input_error, load_policy
    from policyrules.interfaces.record import ReplayError, replay

    policy = load_policy(args.policy) if args.policy else None
    store = _open(args.store)
    try:
        diffs, notes = replay(store, args.decision, policy)
    except (ReplayError, StoreError) as err:
        raise CliError(str(err)) from None
    except InputError as err:
        raise input_error(err, f"decision {args.decision}") from None
    except EvaluationError as err:
        raise CliError(str(err)) from None
    finally:
        store.close()
    for note in notes:
        print(f"note: {note}")
    if diffs:
        print("the decision does NOT replay identically:")
        for d in diffs:
            print(f"  {d}")
        return 1
    print("the decision replays identically")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from policyrules.audit.store import StoreError
    from policyrules.interfaces.cli import CliError

    store = _open(args.store)
    try:
        if args.keys_command == "add":
            key, secret = store.add_key(args.role, args.label)
            print(f"key {key.id}, role {key.role}{f', {key.label}' if key.label else ''}: keep it now, "
                  "it is not shown again")
            print(secret)
        elif args.keys_command == "list":
            keys = store.keys()
            if not keys:
                print(f"no keys in {store.url}: the service serves loopback only, without authentication")
            for k in keys:
                state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
                print(f"{k.id}  {k.role:<8}  {state:<32}  created {k.created_at}  {k.label or ''}".rstrip())
        else:
            key = store.revoke_key(args.id)
            print(f"key {key.id} ({key.role}) revoked {key.revoked_at}")
    except StoreError as err:
        raise CliError(str(err)) from None
    finally:
        store.close()
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from policyrules.audit.store import StoreError
    from policyrules.interfaces.cli import FAILED, CliError

    store = _open(args.store)
    try:
        if args.audit_command == "verify":
            report = store.verify()
            if not report.ok:
                who = f"record {report.bad_seq}" + (f" (decision {report.bad_id})" if report.bad_id else "")
                print(f"the chain is BROKEN at {who}: {report.reason}", file=sys.stderr)
                print(f"{report.records} records before it are intact", file=sys.stderr)
                return FAILED
            print(f"the chain holds: {report.records} records, head {report.head}")
            return 0
        out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
        try:
            n = 0
            for rec in store.records():
                out.write(json.dumps({"seq": rec.seq, "hash": rec.hash, "record": rec.body}, ensure_ascii=False,
                                     sort_keys=True) + "\n")
                n += 1
        finally:
            if args.out:
                out.close()
        if args.out:
            print(f"wrote {n} records to {args.out}", file=sys.stderr)
        return 0
    except OSError as err:
        raise CliError(f"{args.out}: cannot write: {err.strerror}") from None
    except StoreError as err:
        raise CliError(str(err)) from None
    finally:
        store.close()


def _port(text: str) -> int:
    """A TCP port number, or argparse's own error naming the option."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, got {port}")
    return port

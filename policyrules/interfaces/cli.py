"""The ``policyrules`` command: a thin shell over the public API.

Exit codes: 0 success, 1 failed tests or checks, 2 bad input (a policy that does
not parse, refused facts, a bad file).  Never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from policyrules import __version__

OK, FAILED, BAD_INPUT = 0, 1, 2


class CliError(Exception):
    """A user-facing error: message printed, exit code returned."""

    def __init__(self, message: str, code: int = BAD_INPUT):
        super().__init__(message)
        self.code = code


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def register(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return register


# The commands declared below, and the module that declares each of the others (see _extend):
# a run of one command builds the parser of that command only (docs/performance.md, start-up).
OWN_COMMANDS = ("demo", "check", "eval", "explain", "test", "fmt")
COMMAND_MODULES = {
    "score": "policyrules.interfaces.cli_score",
    **dict.fromkeys(("sql", "batch", "summary", "compare"), "policyrules.interfaces.cli_batch"),
    **dict.fromkeys(("serve", "record", "replay", "keys", "audit"), "policyrules.interfaces.cli_serve"),
    "lsp": "policyrules.interfaces.cli_lsp",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``only`` (a command's name), a parser with that command
    alone, whose parsing and help of that command are the same (the rest would be built for
    nothing: the parsers of all commands take longer to build than a cached batch run's query)."""
    p = argparse.ArgumentParser(prog="policyrules", description="Rules as code for employment and "
                                "social-security policy: check, evaluate and explain .policy files.")
    p.add_argument("--version", action="version", version=f"policyrules {__version__}")
    sub: Any = p.add_subparsers(dest="command", metavar="COMMAND")
    if only is not None:
        sub = _Only(sub, only)

    s = sub.add_parser("demo", help="evaluate the bundled city policy for a sample person and explain it")
    s.add_argument("--lang", choices=["en", "zh"], default="en")

    s = sub.add_parser("check", help="check policies; print every error with its place")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--json", action="store_true", help="diagnostics as JSON")
    s.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the messages and hints (default: the language of the file's keywords)")

    for name, text in (("eval", "evaluate a policy for one set of facts"),
                       ("explain", "evaluate and print the calculation card of every output")):
        s = sub.add_parser(name, help=text)
        s.add_argument("policy", metavar="POLICY")
        s.add_argument("--facts", required=True, metavar="FILE", help="facts as JSON or YAML: {person: {...}}")
        s.add_argument("--on", required=True, metavar="DATE", help="evaluation date, e.g. 2009-07-01")
        s.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help="a parameter value the policy leaves open (repeatable)")
        s.add_argument("--json", action="store_true", help="the decision (and trace) as JSON")
        s.add_argument("--lang", choices=["en", "zh"], default="en")
        s.add_argument("--output", action="append", default=[], metavar="NAME", help="only these outputs")

    s = sub.add_parser("test", help="run YAML test cases against a policy")
    s.add_argument("policy", metavar="POLICY")
    s.add_argument("cases", nargs="+", metavar="CASES.yaml")
    s.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    s.add_argument("--coverage", action="store_true",
                   help="also report clause coverage: per cite, the conditions, alternatives, caps and floors "
                        "and table rows no case exercised, and the percentage exercised")
    s.add_argument("--json", action="store_true",
                   help="print the results (and with --coverage the coverage) as JSON; case lines go to stderr")

    s = sub.add_parser("fmt", help="print a policy in canonical layout (or rewrite it with --write)")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("--write", action="store_true", help="rewrite the files in place")
    s.add_argument("--check", action="store_true", help="exit 1 if a file is not formatted")
    s.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="spell every keyword in this language (default: keywords as written)")

    _extend(sub, _MODULES if only is None else tuple(m for n, m in COMMAND_MODULES.items() if n == only))
    from policyrules.interfaces.cli_help import describe

    describe(p)
    return p


class _Only:
    """The sub-commands of a parser built for command ``name`` alone: the other commands'
    declarations are taken, and build nothing."""

    def __init__(self, sub: Any, name: str):
        self.sub, self.name = sub, name

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        return self.sub.add_parser(name, **kwargs) if name == self.name else _Skipped()


class _Skipped:
    """A command's parser not built: every declaration made on it is taken and dropped."""

    def __getattr__(self, name: str) -> Callable[..., _Skipped]:
        return lambda *args, **kwargs: self

    def __setattr__(self, name: str, value: Any) -> None:  # (`parser.__class__ = ...` too)
        pass


_MODULES = ("policyrules.interfaces.cli_score", "policyrules.interfaces.cli_batch",
            "policyrules.interfaces.cli_serve", "policyrules.interfaces.cli_lsp")


def _extend(sub: Any, modules: tuple[str, ...] = _MODULES) -> None:
    """Commands contributed by later stages (scorecards, SQL, batch, service), declared by
    ``modules`` (in the order of :data:`_MODULES`: the order of ``policyrules --help``)."""
    for module in modules:
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
            continue
        mod.register(sub, command)


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    # `policyrules COMMAND ...`: that command's parser alone; anything else (no command, an
    # option first, a name that is no command) the whole parser, whose help and errors list all
    chosen = given[0] if given and given[0] in (*OWN_COMMANDS, *COMMAND_MODULES) else None
    parser = build_parser(chosen)
    args = parser.parse_args(given)
    if not args.command:
        parser.print_help()
        return BAD_INPUT
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # `policyrules demo | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except CliError as err:
        print(str(err), file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# ---------------------------------------------------------------- helpers
def load_policy(path: str) -> Any:
    from policyrules.api import PolicyError, load

    try:
        return load(path)
    except PolicyError as err:
        raise CliError(str(err), BAD_INPUT) from None


def read_data(path: str, what: str) -> Any:
    """A JSON or YAML file within the bounds of :mod:`policyrules.interfaces.safeload`."""
    from policyrules.interfaces.safeload import DataFileError, load

    try:
        return load(path, what)
    except DataFileError as err:
        raise CliError(str(err)) from None


def parse_params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--param expects NAME=VALUE, got {pair!r}")
        out[name.strip()] = value.strip()
    return out


def input_error(err: Any, source: str | None = None) -> CliError:
    where = f"{source}: " if source else ""
    lines = [f"{where}the input was refused; nothing was evaluated:"]
    lines += [f"  {p}" for p in err.problems]
    return CliError("\n".join(lines), BAD_INPUT)


# ---------------------------------------------------------------- commands
@command("check")
def cmd_check(args: argparse.Namespace) -> int:
    from policyrules.api import PolicyError, load
    from policyrules.diagnostics import render_all
    from policyrules.messages_zh import localize
    from policyrules.syntax.suggest import keyword_language

    worst = OK
    reports: list[dict[str, object]] = []
    for path in args.paths:
        try:
            policy = load(path)
        except PolicyError as err:
            syntax = any(d.code.startswith(("P", "F")) for d in err.diagnostics)
            worst = max(worst, BAD_INPUT if syntax else FAILED)
            if args.json:
                reports.extend(localize(d, args.lang or "en").to_dict() for d in err.diagnostics)
            else:
                source = err.sources.get(str(path))
                lang = args.lang or (keyword_language(source.text) if source else "en")
                print(render_all(err.diagnostics, err.sources, lang), file=sys.stderr)
            continue
        if not args.json:
            c = policy.checked
            outputs = len(c.outputs) + len(c.results)
            what = [f"{_count(outputs, 'output')}", f"{_count(len(c.facts), 'kind')} of facts",
                    _count(len(c.params), "parameter")] if outputs or not c.scorecards else []
            if c.scorecards:
                what.append(_count(len(c.scorecards), "scorecard"))
            print(f"{path}: ok ({', '.join(what)})")
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    return worst


def _evaluate(args: argparse.Namespace) -> tuple[Any, Any]:
    from policyrules.api import EvaluationError, InputError

    policy = load_policy(args.policy)
    facts = read_data(args.facts, "facts")
    try:
        decision = policy.evaluate(facts, on=args.on, parameters=parse_params(args.param), trace=True)
    except InputError as err:
        raise input_error(err, args.facts) from None
    except EvaluationError as err:
        raise CliError(str(err)) from None
    for name in args.output:
        if name not in decision.outputs:
            raise CliError(f"no output `{name}` was evaluated; outputs: {', '.join(decision.outputs)}")
    return policy, decision


@command("eval")
def cmd_eval(args: argparse.Namespace) -> int:
    from policyrules.explain.data import decision_to_dict, plain, typed_plain

    policy, decision = _evaluate(args)
    if args.json:
        print(json.dumps(decision_to_dict(decision, policy.checked, trace=True), ensure_ascii=False, indent=2))
        return OK
    names = args.output or list(decision.outputs)
    width = max(len(n) for n in names) if names else 0
    for name in names:
        r = decision.outputs[name]
        value = _shown(typed_plain(r.value, r.type) if r.type is not None else plain(r.value), r.type)
        parts = "  (" + ", ".join(f"{k} {_shown(plain(v), None)}" for k, v in r.parts.items()) + ")" if r.parts else ""
        status = "" if r.status in ("paid", "applies") else f"  [{r.status}]"
        print(f"{name:<{width}}  {value:>12}{parts}{status}")
    broken = [i for i in decision.invariants if not i.holds]
    for inv in broken:
        print(f"invariant violated: {inv.label}", file=sys.stderr)
    return FAILED if broken else OK


def _shown(value: Any, ty: Any) -> str:
    """One output's value on a line of `eval`: in its own unit (`2 years`, `2024-05`, `20%`)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v, None) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v, None)}" for k, v in value.items()) + "}"
    unit = {"day": "days", "month": "months", "year": "years"}.get(getattr(ty, "unit", None) or "", "")
    if ty is not None and getattr(ty, "kind", None) == "duration" and unit:
        return f"{value} {unit}"
    return str(value)


@command("explain")
def cmd_explain(args: argparse.Namespace) -> int:
    from policyrules.explain.data import decision_to_dict

    policy, decision = _evaluate(args)
    if args.json:
        print(json.dumps(decision_to_dict(decision, policy.checked, trace=True), ensure_ascii=False, indent=2))
    else:
        print(policy.explain(decision, lang=args.lang, outputs=args.output or None), end="")
    return OK


@command("test")
def cmd_test(args: argparse.Namespace) -> int:
    from policyrules.interfaces.cases import CaseFileError, load_case_file, runner_for

    policy = load_policy(args.policy)
    passed = failed = 0
    files = []
    lines = sys.stderr if args.json else sys.stdout
    for path in args.cases:
        try:
            data = load_case_file(path)
            results = runner_for(data)(policy, data)
        except CaseFileError as err:
            raise CliError(str(err)) from None
        files.append(data)
        declared = data.get("policy")
        if declared and declared != policy.name:
            print(f"note: {path} is written for policy `{declared}`, running against `{policy.name}`",
                  file=sys.stderr)
        for r in results:
            if r.passed:
                passed += 1
                if args.verbose:
                    print(f"PASS {path}: {r.name}", file=lines)
            else:
                failed += 1
                src = f" [{r.source}]" if r.source else ""
                print(f"FAIL {path}: {r.name}{src}", file=lines)
                for f in r.failures:
                    print(f"     {f}", file=lines)
    report: dict[str, object] = {"passed": passed, "failed": failed}
    if args.coverage:
        from policyrules.explain.coverage import to_dict, to_text
        from policyrules.interfaces.case_coverage import case_coverage

        cov = case_coverage(policy, files)
        report["coverage"] = to_dict(cov)
        if not args.json:
            print(to_text(cov, args.cases), end="")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{passed} passed, {failed} failed")
    return FAILED if failed else OK


@command("fmt")
def cmd_fmt(args: argparse.Namespace) -> int:
    from policyrules.api import PolicyError
    from policyrules.sourcefile import read_policy
    from policyrules.syntax.fmt import FormatError, format_text

    changed = 0
    for path in args.paths:
        try:
            text = read_policy(path)
            formatted = format_text(text, path, lang=args.lang)
        except (PolicyError, FormatError) as err:
            raise CliError(str(err)) from None
        if formatted != text:
            changed += 1
            if args.write:
                Path(path).write_text(formatted, encoding="utf-8")
                print(f"formatted {path}", file=sys.stderr)
            elif args.check:
                print(f"{path}: not formatted", file=sys.stderr)
        if not args.write and not args.check:
            print(formatted, end="")
    return FAILED if (args.check and changed) else OK


def _count(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def _keyword_language(text: str) -> str:
    """zh when the file opens (after comments) with 政策, else en."""
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            return "zh" if word.startswith("政策") else "en"
    return "en"


@command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from importlib import resources

    from policyrules.api import loads

    root = resources.files("policyrules")
    policy_text = root.joinpath("policies/city-employment-promotion.policy").read_text(encoding="utf-8")
    import yaml

    demo = yaml.safe_load(root.joinpath("data/demo.yaml").read_text(encoding="utf-8"))
    policy = loads(policy_text, "policies/city-employment-promotion.policy")
    decision = policy.evaluate(demo["facts"], on=demo["date"], parameters=demo["parameters"])
    print(demo["title"][args.lang])
    print()
    print(policy.explain(decision, lang=args.lang, outputs=demo["outputs"]), end="")
    print()
    print("All outputs:" if args.lang == "en" else "全部结果:")
    for name, r in decision.outputs.items():
        value = ("true" if r.value else "false") if isinstance(r.value, bool) else format(r.value, "f")
        print(f"  {name:<32} {value:>12}")
    return OK


if __name__ == "__main__":
    sys.exit(main())

"""Help for every sub-command: ``policyrules COMMAND --help`` shows a description and a line
for every argument. Commands are declared where they are implemented (cli.py, cli_score.py,
cli_batch.py, cli_serve.py, cli_lsp.py); this fills in what a declaration left out: the
description (the command's one-line help, with more words where they help) and the help of
arguments common to many commands. ``tests/test_cli_help.py`` fails for a command or an
argument that still has none."""

from __future__ import annotations

import argparse

# more than the one-line help says, for the commands whose --help a newcomer reads first
DESCRIPTIONS: dict[str, str] = {
    "demo": "Evaluate the bundled city employment-promotion policy (seed 004 篇3) for one sample person "
            "and print the calculation card of each benefit, then every output's value.",
    "check": "Parse and check policies: every problem at once, each with file:line:column, the line, a "
             "caret and a hint (in the language of the file's keywords unless --lang says otherwise). "
             "Exit 0 when all check, 1 when a policy does not check, 2 when one does not parse.",
    "eval": "Evaluate a policy for one set of facts on a date and print each output's value "
            "(--json for the decision and its trace as data).",
    "explain": "Evaluate a policy for one set of facts on a date and print the calculation card of every "
               "output: its conditions, the rule that applied, the amount step by step, the clause.",
    "test": "Run YAML test cases (facts, date, expected outputs) against a policy and report the cases that "
            "fail; --coverage also lists, per cite, the conditions, alternatives, caps and table rows no "
            "case exercised.",
    "fmt": "Lay a policy out by the house rules, keeping every comment and numeral as written; print it, "
           "rewrite it (--write) or only check it (--check).",
}

# arguments many commands share, by destination
ARGUMENTS: dict[str, str] = {
    "policy": "the .policy file",
    "policies": "the .policy files",
    "paths": "the .policy files",
    "cases": "YAML case files (the format of tests/cases/*.yaml)",
    "lang": "the language of the output: en (English) or zh (Chinese)",
    "input": "the population: a CSV, Parquet or JSON-lines file (or a PostgreSQL table)",
    "old": "the policy as it is",
    "new": "the policy as it would be",
    "dialect": "the SQL dialect to print",
    "host": "the address to listen on",
    "port": "the port to listen on",
    "body_limit": "the largest request body accepted, in bytes",
    "facts": "facts as JSON or YAML: {person: {...}}",
    "on": "the evaluation date, e.g. 2009-07-01",
    "param": "a parameter value the policy leaves open (repeatable)",
    "decision": "the id of a stored decision",
    "role": "what the key may do: evaluate, or audit (read the store)",
    "id": "the key's id (from `keys list`)",
    "keys_command": "what to do with the keys",
    "audit_command": "what to do with the store",
}


def describe(parser: argparse.ArgumentParser, name: str = "", one_line: str | None = None) -> None:
    """Fill in the description of ``parser`` and of its sub-commands, and the help of their
    arguments, where the declaration left them out."""
    if not parser.description:
        parser.description = DESCRIPTIONS.get(name) or (_sentence(one_line) if one_line else None)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for sub_name, sub in action.choices.items():
                describe(sub, sub_name, helps.get(sub_name))
            if not action.help:
                action.help = ARGUMENTS.get(action.dest) or "one of: " + ", ".join(action.choices)
        elif not action.help and action.dest in ARGUMENTS:
            action.help = ARGUMENTS[action.dest]
            if action.choices and action.default is not None:
                action.help += " (default: %(default)s)"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")

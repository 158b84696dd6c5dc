"""Every sub-command's `--help` has a description and a line for every argument."""

from __future__ import annotations

import argparse

import pytest

from policyrules.interfaces.cli import build_parser


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(((*path, name), sub))
                found += commands(sub, (*path, name))
    return found


ALL = commands(build_parser())


def test_there_are_commands() -> None:
    names = {p[0] for p, _ in ALL}
    assert {"check", "eval", "explain", "test", "fmt", "demo", "lsp"} <= names


@pytest.mark.parametrize(("path", "parser"), ALL, ids=[" ".join(p) for p, _ in ALL])
def test_help_has_a_description_and_every_argument_explained(path: tuple[str, ...],
                                                             parser: argparse.ArgumentParser) -> None:
    assert parser.description and len(parser.description) > 10, f"policyrules {' '.join(path)}: no description"
    missing = [a.dest for a in parser._actions if not a.help and a.dest != "help"]
    assert not missing, f"policyrules {' '.join(path)} --help: no help for {missing}"
    text = parser.format_help()
    assert parser.description.split()[0] in text


def test_test_help_mentions_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    from policyrules.interfaces import cli

    with pytest.raises(SystemExit) as info:
        cli.main(["test", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--coverage" in out and "Run YAML test cases" in out

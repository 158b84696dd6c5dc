"""`policyrules COMMAND ...` builds the parser of that command alone (start-up, docs/performance.md):
its help, its arguments and its errors are those of the whole parser's."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policyrules.interfaces import cli

ROOT = Path(__file__).resolve().parents[1]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def declared(parser: argparse.ArgumentParser) -> list[tuple[Any, ...]]:
    """Every argument of ``parser`` and of its sub-commands, as data."""
    out: list[tuple[Any, ...]] = []
    for a in parser._actions:
        out.append((type(a).__name__, tuple(a.option_strings), a.dest, a.nargs, a.default, a.choices if not
                    isinstance(a, argparse._SubParsersAction) else None, a.required, a.help, a.metavar))
        if isinstance(a, argparse._SubParsersAction):
            out += [(name, type(sub).__name__, sub.prog, sub.description, *declared(sub))
                    for name, sub in a.choices.items()]
    return out


FULL = subcommands(cli.build_parser())


def test_every_command_is_known_without_building_the_others() -> None:
    assert set(FULL) == set(cli.OWN_COMMANDS) | set(cli.COMMAND_MODULES)


@pytest.mark.parametrize("name", sorted(FULL))
def test_one_commands_parser_is_the_whole_parsers(name: str) -> None:
    alone = subcommands(cli.build_parser(name))
    assert list(alone) == [name]
    assert alone[name].format_help() == FULL[name].format_help()
    assert declared(alone[name]) == declared(FULL[name])


def test_help_and_errors_of_the_whole_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listing = capsys.readouterr().out
    assert all(name in listing for name in FULL)
    with pytest.raises(SystemExit) as info:
        cli.main(["bacth"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bacth'" in err and all(f"'{name}'" in err for name in FULL)


@pytest.mark.parametrize("argv", [["batch", "--help"], ["keys", "add", "--help"], ["check", "--help"]])
def test_command_help_as_before(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 0
    parser: argparse.ArgumentParser = FULL[argv[0]]
    for word in argv[1:-1]:
        parser = subcommands(parser)[word]
    assert capsys.readouterr().out == parser.format_help()


def test_a_batch_run_loads_no_other_commands(tmp_path: Path) -> None:
    probe = ("import sys\nfrom policyrules.interfaces.cli import main\n"
             "code = main(['batch', 'no.policy', 'no.parquet', '-o', 'out.parquet', '--on', '2024-01-01'])\n"
             "print(code, ','.join(sorted(m for m in sys.modules if m.startswith('policyrules.interfaces.'))))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=False)
    code, modules = done.stdout.split()
    assert code == "2", done.stderr  # the policy file does not exist: refused, without a traceback
    assert "Traceback" not in done.stderr
    assert set(modules.split(",")) <= {"policyrules.interfaces.cli", "policyrules.interfaces.cli_batch",
                                       "policyrules.interfaces.cli_help"}, modules

"""docs/scorecards.md is tested: its policy blocks check (and the wrong one is refused),
the English and Chinese versions of its example give equal scorecards, and its console
sessions print what the document shows (a line ``...`` stands for any lines)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest
from scorecard_support import ROOT

from policyrules.api import PolicyError, loads
from policyrules.interfaces import cli

DOC = ROOT / "docs" / "scorecards.md"
FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks() -> list[tuple[str, str, int]]:
    text = DOC.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


def test_policy_blocks_check_and_the_wrong_one_is_refused() -> None:
    checked = []
    for kind, body, line in blocks():
        if kind == "policy":
            checked.append(loads(body, f"docs/scorecards.md:{line}"))
        elif kind == "policy-wrong":
            with pytest.raises(PolicyError):
                loads(body, f"docs/scorecards.md:{line}")
    assert len(checked) == 2
    assert checked[0].checked.scorecards == checked[1].checked.scorecards  # English and Chinese keywords


def _run(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        status = cli.main(argv)
    return status, buf.getvalue()


def _matches(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and _matches(expected[1:], actual[1:])


def test_console_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    shutil.copytree(ROOT / "tests" / "scorecard" / "cases", tmp_path / "tests" / "scorecard" / "cases")
    monkeypatch.chdir(tmp_path)
    ran = 0
    for kind, body, line in blocks():
        m = re.fullmatch(r"# file: (\S+)", body.splitlines()[0].strip()) if body else None
        if m and kind != "console":
            (tmp_path / m.group(1)).write_text(body, encoding="utf-8")
        if kind != "console":
            continue
        commands: list[tuple[str, list[str]]] = []
        for x in body.splitlines():
            if x.startswith("$ "):
                commands.append((x[2:], []))
            else:
                commands[-1][1].append(x.rstrip())
        for command, expected in commands:
            status_m = re.search(r"#\s*exit (\d+)\s*$", command)
            argv = shlex.split(command, comments=True)
            assert argv[0] == "policyrules"
            status, output = _run(argv[1:])
            actual = [x.rstrip() for x in output.splitlines()]
            while expected and expected[-1] == "":
                expected.pop()
            assert _matches(expected, actual), (
                f"docs/scorecards.md:{line}: `{command}` printed:\n" + "\n".join(actual)
                + "\n\nbut the document shows:\n" + "\n".join(expected))
            assert status == (int(status_m.group(1)) if status_m else 0), f"{command} exited with {status}"
            ran += 1
    assert ran >= 8
    assert "<svg" in (tmp_path / "report.html").read_text(encoding="utf-8")

"""Case files are read within the bounds of facts files: a date that does not exist, a non-UTF-8
file, bad YAML are each a clear message (they gave ValueError / UnicodeDecodeError tracebacks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyrules.interfaces.cli import main

POLICY = 'policy s "s"\nfacts person:\n  a: money\noutput x: money = a\n'


@pytest.mark.parametrize(("body", "words"), [
    ("policy: s\ndate: 2025-13-01\ncases:\n  - name: c\n    facts: {person: {a: '1'}}\n    expect: {x: '1'}\n",
     "no valid `date` for the case"),
    ("policy: s\ndate: 2024-01-01\ncases:\n  - name: c\n    facts: {person: {a: 2024-02-30}}\n    expect: {x: '1'}\n",
     "person.a"),
    ("policy: s\ncases: [\n", "not valid YAML"),
])
def test_a_bad_case_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, words: str) -> None:
    (tmp_path / "s.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "c.yaml").write_text(body, encoding="utf-8")
    code = main(["test", str(tmp_path / "s.policy"), str(tmp_path / "c.yaml")])
    out = capsys.readouterr()
    assert code != 0 and words in out.out + out.err


def test_a_case_file_not_in_utf8_is_refused_with_the_offset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "s.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "c.yaml").write_bytes("policy: s\ncases:\n  - name: 零售\n".encode("gbk"))
    code = main(["test", str(tmp_path / "s.policy"), str(tmp_path / "c.yaml")])
    out = capsys.readouterr()
    assert code != 0 and "must be UTF-8 text" in out.out + out.err

"""Issue 8, items 7, 8, 10 and evaluation overflow: policy files within a size, UTF-8 with an
optional BOM, malformed CSV lines rejected one by one, overflow an EvaluationError."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from policyrules.api import PolicyError, load, loads
from policyrules.interfaces import cli
from policyrules.sourcefile import MAX_POLICY_BYTES

ROOT = Path(__file__).resolve().parent.parent
B1 = ROOT / "policies" / "b1.policy"
sys.path.insert(0, str(ROOT / "benchmarks"))
from check_size import generate  # noqa: E402


def test_a_policy_over_the_size_limit_is_refused_with_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.policy"
    big.write_text(generate(MAX_POLICY_BYTES + 10), encoding="utf-8")
    size = big.stat().st_size
    with pytest.raises(PolicyError) as info:
        load(big)
    (d,) = info.value.diagnostics
    assert d.code == "F001" and d.path == str(big)
    assert f"{size:,} bytes" in d.message and f"{MAX_POLICY_BYTES:,}" in d.message
    with pytest.raises(PolicyError):
        loads(big.read_text(encoding="utf-8"), "big.policy")


def test_a_50_mb_quoted_string_is_refused_by_the_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    huge = tmp_path / "huge.policy"
    with huge.open("w", encoding="utf-8") as fh:
        fh.write('policy demo "')
        for _ in range(50):
            fh.write("a" * 1_000_000)
        fh.write('"\n')
    assert cli.main(["check", str(huge)]) == 2
    assert "F001" in capsys.readouterr().err


def test_a_policy_under_the_limit_checks(tmp_path: Path) -> None:
    ok = tmp_path / "ok.policy"
    ok.write_text(generate(20_000), encoding="utf-8")
    assert load(ok).checked.outputs


def test_a_utf8_bom_is_accepted_and_positions_are_unchanged(tmp_path: Path) -> None:
    text = B1.read_text(encoding="utf-8")
    with_bom = tmp_path / "bom.policy"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load(with_bom).name == load(B1).name
    broken = text.replace("amount 20% of min_wage_monthly", "amount 20% of min_wage_monthy")
    with_bom.write_bytes(b"\xef\xbb\xbf" + broken.encode())
    plain = tmp_path / "plain.policy"
    plain.write_text(broken, encoding="utf-8")
    spans = []
    for p in (with_bom, plain):
        with pytest.raises(PolicyError) as info:
            load(p)
        spans.append([(d.code, d.span) for d in info.value.diagnostics])
    assert spans[0] == spans[1]
    assert loads("\ufeff" + text, "b1.policy").name == load(B1).name


@pytest.mark.parametrize("command", [["check"], ["fmt"], ["eval", "--on", "2024-01-01", "--facts", "facts.yaml"],
                                     ["test", "cases.yaml"],
                                     ["explain", "--on", "2024-01-01", "--facts", "facts.yaml"]])
def test_a_gbk_policy_is_a_positioned_utf8_error(tmp_path: Path, command: list[str],
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    gbk = tmp_path / "gbk.policy"
    gbk.write_bytes(B1.read_text(encoding="utf-8").encode("gbk"))
    (tmp_path / "facts.yaml").write_text("person: {}\n", encoding="utf-8")
    (tmp_path / "cases.yaml").write_text("cases: []\n", encoding="utf-8")
    status = cli.main([command[0], "gbk.policy", *command[1:]])
    err = capsys.readouterr().err
    assert status == 2
    assert "error[F001]: the policy file must be UTF-8 (byte " in err
    assert "gbk.policy:8:12:" in err
    assert "UnicodeDecodeError" not in err


def test_malformed_csv_lines_are_rejected_with_their_line_and_the_others_computed(tmp_path: Path) -> None:
    import csv

    from policyrules.batch.run import run_batch

    policy = load(B1)
    good = tmp_path / "good.csv"
    import subprocess
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_population.py"), "12", str(good)],
                   check=True, capture_output=True)
    lines = good.read_text(encoding="utf-8").split("\n")
    lines[3] += ",extra"
    lines[6] = lines[6].rsplit(",", 1)[0]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    import datetime as dt

    result = run_batch(policy, str(bad), str(tmp_path / "out.csv"), dt.date(2024, 1, 1), {}, None, str(rejects),
                       progress=False)
    assert result.computed + result.rejected_rows == 12
    assert result.rejected_rows == 2
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["3", "6"]
    assert "malformed CSV line 4" in rows[0]["reason"] and "malformed CSV line 7" in rows[1]["reason"]


def _traced_lines(text: str) -> int:
    """Python lines run to parse and check ``text``: a count of the work that, unlike a
    timing, does not move with the machine's load."""
    count = 0

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return tracer

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        loads(text, "generated.policy")
    finally:
        sys.settrace(before)
    return count


def test_parsing_and_checking_are_linear_in_the_size() -> None:
    """Issue 8, item 7: four times the declarations cost four times the work (within a tenth),
    counted in lines run once the lexers and memos are warm. A pass comparing every declaration
    with every other, or a parse that backtracks, would cost sixteen times."""
    loads(generate(5_000), "warm.policy")
    small, large = _traced_lines(generate(10_000)), _traced_lines(generate(40_000))
    assert 3.6 <= large / small <= 4.4, (small, large)

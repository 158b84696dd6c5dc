"""Golden tests of every diagnostic: the exact text the tool prints for each code.

For each code in :data:`policyrules.codes.CODES` (except F001, which needs a file that
cannot be read) ``tests/golden/diagnostics/CODE.policy`` triggers exactly that code and
``CODE.txt`` holds ``str(PolicyError)`` for it.  ``docs/diagnostics.md`` has a section per
code that quotes both files verbatim and a right example that checks.

Rewrite the golden files (and the quoted blocks in ``docs/diagnostics.md``) after a
deliberate change to a message, then review the diff::

    UPDATE_GOLDEN=1 python -m pytest tests/test_diagnostics_golden.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from policyrules.api import PolicyError, load, loads
from policyrules.codes import CODES
from policyrules.interfaces import cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "diagnostics"
DOC = ROOT / "docs" / "diagnostics.md"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# Codes the engine never raises today, with the reason.  Their golden file holds the
# text the engine's own branch for the code would print; the test is a strict xfail, so
# it fails (XPASS) the day the code is raised, and the entry must then be removed.
NOT_RAISED: dict[str, str] = {}
GOLDEN_CODES = sorted(c for c in CODES if c != "F001")


def run(code: str) -> tuple[list[str], str]:
    """The codes reported for ``CODE.policy`` and the rendered error text."""
    name = f"{code}.policy"
    text = (GOLDEN / name).read_text(encoding="utf-8")
    try:
        loads(text, name)
    except PolicyError as err:
        return [d.code for d in err.diagnostics], str(err) + "\n"
    pytest.fail(f"{name} loads without an error; it should raise {code}")


def _params(codes: list[str]) -> list[object]:
    return [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=NOT_RAISED[c])) if c in NOT_RAISED
            else c for c in codes]


# ---------------------------------------------------------------- the golden files
@pytest.mark.parametrize("code", _params(GOLDEN_CODES))
def test_golden(code: str) -> None:
    codes, text = run(code)
    golden = GOLDEN / f"{code}.txt"
    if code not in NOT_RAISED:
        from golden_support import rewrite

        rewrite(golden, text)  # UPDATE_GOLDEN=1: rewrites a changed file and fails
    assert codes == [code], f"{code}.policy should raise exactly {code}, got {codes}"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("code", [c for c in GOLDEN_CODES if c not in NOT_RAISED])
def test_cli_check_prints_the_same_text(code: str, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`policyrules check CODE.policy` prints the golden text on stderr; exit 2 for a
    syntax error, 1 for a policy that parses but does not check."""
    monkeypatch.chdir(GOLDEN)
    status = cli.main(["check", f"{code}.policy"])
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (GOLDEN / f"{code}.txt").read_text(encoding="utf-8")
    assert status == (2 if code.startswith("P") else 1)


def test_f001_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.policy"
    with pytest.raises(PolicyError) as info:
        load(missing)
    (d,) = info.value.diagnostics
    assert d.code == "F001"
    assert d.path == str(missing)
    assert str(info.value).startswith(f"{missing}: error[F001]: cannot read the policy file: FileNotFoundError")


def test_every_code_has_a_golden_file_and_a_doc_section() -> None:
    doc = DOC.read_text(encoding="utf-8")
    sections = set(re.findall(r"^## ([A-Z]\d{3})\b", doc, flags=re.M))
    assert sections == set(CODES), f"docs/diagnostics.md: missing {set(CODES) - sections}, extra {sections - set(CODES)}"
    for code in GOLDEN_CODES:
        assert (GOLDEN / f"{code}.policy").is_file(), f"no golden policy for {code}"
        assert (GOLDEN / f"{code}.txt").is_file(), f"no golden text for {code}"
    stray = {p.stem for p in GOLDEN.iterdir() if p.suffix in (".policy", ".txt")} - set(GOLDEN_CODES)
    assert not stray, f"golden files for codes that are not in CODES: {sorted(stray)}"


# ---------------------------------------------------------------- the docs quote the golden files
def _section(doc: str, code: str) -> str:
    m = re.search(rf"^## {code}\b.*?(?=^## |\Z)", doc, flags=re.M | re.S)
    assert m, f"docs/diagnostics.md has no section for {code}"
    return m.group(0)


_BLOCK = r"(<!-- {kind}: {code} -->\n```[\w-]*\n)(.*?)(^```$)"


def _quoted(section: str, kind: str, code: str) -> str | None:
    m = re.search(_BLOCK.format(kind=kind, code=code), section, flags=re.M | re.S)
    return m.group(2) if m else None


def _shown(text: str, width: int = 160) -> str:
    """A golden policy as the docs show it: a line longer than ``width`` is cut in the
    middle (P005's example is one line of 1500 terms)."""
    lines = []
    for x in text.splitlines():
        if len(x) > width:
            x = f"{x[:90]} … ({len(x) - 120} characters left out) … {x[-30:]}"
        lines.append(x)
    return "\n".join(lines) + "\n"


def _printed(code: str) -> str:
    """What the tool prints today for ``CODE.policy`` (for a code in NOT_RAISED this
    differs from the golden file, which holds the intended text)."""
    return run(code)[1]


@pytest.mark.parametrize("code", GOLDEN_CODES)
def test_doc_quotes_the_wrong_example_and_the_error(code: str) -> None:
    if UPDATE:
        doc = DOC.read_text(encoding="utf-8")
        sec = _section(doc, code)
        new = re.sub(_BLOCK.format(kind="wrong", code=code),
                     lambda m: m.group(1) + _shown((GOLDEN / f"{code}.policy").read_text(encoding="utf-8")) + m.group(3),
                     sec, flags=re.M | re.S)
        new = re.sub(_BLOCK.format(kind="error", code=code), lambda m: m.group(1) + _printed(code) + m.group(3),
                     new, flags=re.M | re.S)
        if new != sec:
            DOC.write_text(doc.replace(sec, new), encoding="utf-8")
            pytest.fail(f"UPDATE_GOLDEN=1 rewrote the {code} section of docs/diagnostics.md: review it, "
                        "then run the tests without it")
    sec = _section(DOC.read_text(encoding="utf-8"), code)
    assert _quoted(sec, "wrong", code) == _shown((GOLDEN / f"{code}.policy").read_text(encoding="utf-8"))
    assert _quoted(sec, "error", code) == _printed(code)


@pytest.mark.parametrize("code", sorted(CODES))
def test_doc_right_examples_check(code: str) -> None:
    """Every ```policy block of a section (the right example) parses and checks."""
    sec = _section(DOC.read_text(encoding="utf-8"), code)
    blocks = re.findall(r"^```policy\n(.*?)^```$", sec, flags=re.M | re.S)
    if code == "F001":
        return
    assert blocks, f"the {code} section has no right example (a ```policy block)"
    for text in blocks:
        loads(text, f"{code}-right.policy")


# ---------------------------------------------------------------- all errors at once
THREE_ERRORS = """\
policy demo "三个错误"

facts person "个人":
  business_months "已经营月数": months
  annual_rent "年租金": money
  cert_level "证书等级": cert_level

value rent_share "租金补贴" = 10% of anual_rent

benefit rent_subsidy "经营场地租费补贴" yearly
  when business_months >= 12
  amount rent_share, at_most 3000 元

enum cert_level "职业技能等级证书" = none | junior | senior

table cert_subsidy "证书补助": cert_level -> money
  junior: 300 元
  senior: 700 元
"""


def test_three_errors_reported_at_once_sorted_by_line() -> None:
    """The checker collects every problem: the table (found first, in the declarations
    pass), the value and the condition are all reported, in line order."""
    with pytest.raises(PolicyError) as info:
        loads(THREE_ERRORS, "three.policy")
    found = [(d.code, d.span.line if d.span else 0) for d in info.value.diagnostics]
    assert found == [("N001", 8), ("T002", 11), ("C004", 16)]
    text = str(info.value)
    assert text.endswith("\n\n3 errors")
    heads = [line for line in text.splitlines() if line.startswith("three.policy:")]
    assert heads == [
        "three.policy:8:34: error[N001]: `anual_rent` is not defined",
        "three.policy:11:8: error[T002]: cannot compare months with a whole number",
        "three.policy:16:1: error[C004]: table `cert_subsidy` has no entry for none",
    ]

"""Clause coverage (`policyrules test --coverage`): what no case exercised, per cite, on a
small policy whose answer is known; and docs/coverage.md, the report for every bundled
policy with its case files, kept equal to what the tool prints (UPDATE_GOLDEN=1 rewrites it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from policyrules.api import load, loads
from policyrules.explain.coverage import to_dict, to_text
from policyrules.interfaces import cli
from policyrules.interfaces.case_coverage import case_coverage
from policyrules.interfaces.cases import load_case_file

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "acceptance"
DOC = ROOT / "docs" / "coverage.md"

POLICY = """\
policy demo "示例"

enum level "等级" = junior | senior | expert

facts person "个人":
  registered "登记失业": bool
  rent "年租金": money
  level "证书等级": level
  market "政府市场": bool

table level_subsidy "证书补助": level -> money
  cite "四(三)2"
  junior: 300 元
  senior: 700 元
  expert: 1200 元

benefit rent_subsidy "租费补贴" yearly
  cite "三(二)3"
  when person.registered
  amount
    if person.market: 10% of person.rent, at_most 3000 元
    else: 10% of person.rent, at_most 2000 元

benefit cert_subsidy "证书补助" once
  cite "四(三)2"
  amount level_subsidy[person.level]
"""

CASES = {
    "date": "2009-07-01",
    "base": {"person": {"registered": True, "rent": "10000.00", "level": "junior", "market": True}},
    "cases": [
        {"name": "market, low rent", "expect": {"rent_subsidy": "1000.00"}},
        {"name": "elsewhere, high rent", "facts": {"person": {"market": False, "rent": "50000.00",
                                                              "level": "senior"}},
         "expect": {"rent_subsidy": "2000.00", "cert_subsidy": "700.00"}},
    ],
}


def report(tmp_path: Path) -> dict:
    policy = tmp_path / "demo.policy"
    policy.write_text(POLICY, encoding="utf-8")
    cases = tmp_path / "demo.yaml"
    cases.write_text(yaml.safe_dump(CASES, allow_unicode=True), encoding="utf-8")
    return {"policy": str(policy), "cases": str(cases)}


def test_what_no_case_exercised_per_cite() -> None:
    cov = case_coverage(loads(POLICY, "demo.policy"), [CASES])
    missed = {cite: [(r.item.kind, r.item.text, r.missing) for r in rs if not r.covered]
              for cite, rs in cov.by_cite().items()}
    assert missed == {
        "四(三)2": [("row", "expert: 1200 元", ("used",))],
        "三(二)3": [("condition", "person.registered", ("false",)),
                   ("bound", "at_most 3000 元", ("used",))],
    }
    assert (cov.exercised, cov.total) == (5, 8)


def test_cli_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = report(tmp_path)
    assert cli.main(["test", paths["policy"], paths["cases"], "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "  [三(二)3] 3/5\n" in out and "  [四(三)2] 2/3\n" in out
    assert "line 19: condition of rent_subsidy `person.registered` never false" in out
    assert "line 21: bound of rent_subsidy `at_most 3000 元` never applied" in out
    assert "line 15: row of level_subsidy `expert: 1200 元` never used" in out
    assert "5/8 exercised (62.5%): conditions 0/1, alternatives 2/2, caps and floors 1/2, table rows 2/3" in out
    assert out.endswith("2 passed, 0 failed\n")
    assert cli.main(["test", paths["policy"], paths["cases"], "--coverage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["passed"], data["failed"], data["coverage"]["percent"]) == (2, 0, 62.5)
    rows = [c for c in data["coverage"]["cites"] if c["cite"] == "四(三)2"][0]
    assert rows["not_exercised"] == [{"kind": "row", "declaration": "level_subsidy", "line": 15,
                                      "text": "expert: 1200 元", "why": "never used"}]


# ---------------------------------------------------------------- docs/coverage.md
def bundled() -> list[tuple[str, list[Path]]]:
    """Each bundled entitlement policy with the case files the repository (and ../shared) has."""
    found = []
    for policy in sorted((ROOT / "policies").glob("*.policy")):
        name = policy.stem
        files = [p for p in (ROOT / "tests" / "cases" / f"{name}.yaml", ROOT / "tests" / "acceptance" / f"{name}.yaml")
                 if p.is_file()]
        if not files and (SHARED / f"{name}.yaml").is_file():
            files = [SHARED / f"{name}.yaml"]
        if files and not any("units" in c for f in files for c in load_case_file(f)["cases"]):
            found.append((name, files))
    return found


def section(name: str, files: list[Path]) -> str:
    cov = case_coverage(load(ROOT / "policies" / f"{name}.policy"), [load_case_file(f) for f in files])
    shown = [str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else f"../shared/acceptance/{f.name}" for f in files]
    return to_text(cov, shown)


def test_docs_coverage_md_is_what_the_tool_prints() -> None:
    from golden_support import UPDATE

    doc = DOC.read_text(encoding="utf-8")
    pairs = bundled()
    if not SHARED.is_dir():
        pytest.skip("../shared/acceptance is not beside the project: the shared policies' reports cannot be made")
    new = doc
    for name, files in pairs:
        block = re.compile(rf"(<!-- coverage: {re.escape(name)} -->\n```text\n)(.*?)(^```$)", re.M | re.S)
        text = section(name, files)
        m = block.search(new)
        assert m, f"docs/coverage.md has no block for {name}"
        if m.group(2) != text:
            if not UPDATE:
                pytest.fail(f"docs/coverage.md: the {name} report is stale; run UPDATE_GOLDEN=1 pytest {__file__}")
            new = new[: m.start(2)] + text + new[m.end(2):]
    if new != doc:
        DOC.write_text(new, encoding="utf-8")
        pytest.fail("UPDATE_GOLDEN=1 rewrote docs/coverage.md: review it, then run the tests without it")


def test_coverage_is_the_same_from_the_cli_and_from_python(capsys: pytest.CaptureFixture[str]) -> None:
    name, files = "job-retention-refund", [ROOT / "tests" / "cases" / "job-retention-refund.yaml"]
    assert cli.main(["test", f"policies/{name}.policy", *map(str, files), "--coverage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    cov = case_coverage(load(ROOT / "policies" / f"{name}.policy"), [load_case_file(f) for f in files])
    assert data["coverage"] == to_dict(cov)

"""Every bundled policy checks, and every case file in tests/cases passes against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyrules.api import load
from policyrules.interfaces.cases import load_case_file, runner_for

ROOT = Path(__file__).resolve().parent.parent
POLICIES = sorted((ROOT / "policies").glob("*.policy"))
CASE_FILES = sorted((ROOT / "tests" / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_policy_checks(path: Path) -> None:
    policy = load(path)
    assert policy.checked.name == path.stem


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_case_file_passes(path: Path) -> None:
    data = load_case_file(path)
    policy = load(ROOT / "policies" / f"{data['policy']}.policy")
    results = runner_for(data)(policy, data)
    failures = [f"{r.name}: {'; '.join(r.failures)}" for r in results if not r.passed]
    assert results and not failures, failures


def test_chinese_keyword_policy_is_written_in_chinese() -> None:
    """public-welfare-posts.policy uses no English keyword at all."""
    text = (ROOT / "policies" / "public-welfare-posts.policy").read_text(encoding="utf-8")
    body = "\n".join(line.split("#")[0] for line in text.splitlines())
    for word in ("policy", "parameter", "facts", "benefit", "when", "amount", "parts", "for", "counting",
                 "extended", "invariant", "cite", "text", "money", "and", "or"):
        assert f" {word} " not in f" {body} ".replace("\n", " "), word

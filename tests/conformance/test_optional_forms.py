"""Accepted forms of optional facts: the interpreter reads them by policyrules/evaluate/forms.py,
as every required fact, and so does a batch run (batch/nested.py reads each leaf by the same
forms; it used TRY_CAST, which refused thousands separators and 元)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.csv as pacsv

from policyrules.api import loads
from policyrules.batch.run import run_batch

POLICY = loads("policy o\nfacts person:\n  bonus: optional money\n  base: money\n"
               "output total: money = if given(bonus) then base + bonus else base\n", "<optional>")
FORMS = ["1,234.50", "960 元", "960元"]


def test_required_money_accepts_the_forms(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(f'{{"base": "{v}"}}\n' for v in FORMS), encoding="utf-8")
    result = run_batch(POLICY, str(src), str(tmp_path / "out.csv"), dt.date(2024, 1, 1), progress=False)
    assert result.computed == len(FORMS)


def test_optional_money_accepts_the_same_forms_in_batch_and_eval(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(f'{{"base": "1", "bonus": "{v}"}}\n' for v in FORMS), encoding="utf-8")
    for v in FORMS:  # the interpreter accepts each
        POLICY.evaluate({"person": {"base": "1", "bonus": v}}, on="2024-01-01")
    out = tmp_path / "out.csv"
    result = run_batch(POLICY, str(src), str(out), dt.date(2024, 1, 1), progress=False)
    assert result.computed == len(FORMS), pacsv.read_csv(tmp_path / "out.rejects.csv").to_pylist()

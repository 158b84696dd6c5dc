"""Dates and calendar months written as text get the same verdict and value in batch (CSV and
JSON lines, flat and inside a list of records) as in eval: one specification, the forms.

Two disagreements this pins down: DuckDB's JSON reader took `"2024-1-5"` and `"0999-01-05 "` for
dates before validation saw them (batch accepted what eval refuses), and a calendar month was
read in batch by a cast that took `2024-5-1` and in eval only as `2024-05` (eval refused the date
`"2024-05-01"` that batch took as its month)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from policyrules.api import InputError, loads
from policyrules.batch.run import run_batch

POLICY = """
policy dates "日期"
record hire "人员":
  since "入职": date
  in_month "月份": year_month
facts person "个人":
  start "开始": date
  opening "首月": year_month
  hires "人员": list of hire
output start_day: date = start
output first_month = opening
output hired_in = count hires where in_month = opening
output latest: date = largest since over hires
"""

TEXTS = ["2024-01-05", "2024-1-5", " 2024-01-05", "0999-01-05", "2024-02-30", "2024-01", "2024-13",
         "2024-5", "20240105", "2024/01/05", "10000-01-05", "2024-01-05T00:00:00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
         "10:00:00", "2024-01-05 10:00:00"]
POL = loads(POLICY, "dates.policy")
ON = dt.date(2024, 6, 30)


def _eval(start: str, first: str, since: str, month: str) -> dict[str, Any] | None:
    facts = {"person": {"start": start, "opening": first, "hires": [{"since": since, "in_month": month}]}}
    try:
        d = POL.evaluate(facts, on=ON)
    except InputError:
        return None
    out = d.to_dict()["outputs"]
    return {k: str(out[k]["value"]) for k in ("start_day", "first_month", "hired_in", "latest")}


def _batch(tmp_path: Path, policy: Any, lines: list[dict[str, Any]], fmt: str) -> dict[str, dict[str, str]]:
    src = tmp_path / f"in.{fmt}"
    if fmt == "csv":
        with src.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(lines[0]))
            w.writeheader()
            w.writerows(lines)
    else:
        src.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / f"out-{fmt}.csv"
    run_batch(policy, str(src), str(out), ON, progress=False)
    with out.open(encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def test_json_lines_give_every_text_the_verdict_eval_gives(tmp_path: Path) -> None:
    good = "2024-01-05"
    rows = []
    for text in TEXTS:  # each text in each of the four places, the others good
        rows += [(text, "2024-01", good, "2024-01"), (good, text, good, "2024-01"),
                 (good, "2024-01", text, "2024-01"), (good, "2024-01", good, text)]
    lines = [{"id": f"r{i}", "start": a, "opening": b, "hires": [{"since": c, "in_month": m}]}
             for i, (a, b, c, m) in enumerate(rows)]
    computed = _batch(tmp_path, POL, lines, "jsonl")
    for i, row in enumerate(rows):
        expected = _eval(*row)
        got = computed.get(f"r{i}")
        assert (got is None) == (expected is None), (row, expected, got)
        if got is not None and expected is not None:
            assert got["start_day"] == expected["start_day"], (row, got)
            assert got["first_month"][:7] == expected["first_month"][:7], (row, got)
            assert got["hired_in"] == expected["hired_in"], (row, got)


FLAT = loads("""
policy flat "日期"
facts person "个人":
  start "开始": date
output start_day: date = start
""", "flat.policy")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_flat_date_gets_the_verdict_eval_gives(tmp_path: Path, fmt: str) -> None:
    computed = _batch(tmp_path, FLAT, [{"id": f"r{i}", "start": text} for i, text in enumerate(TEXTS)], fmt)
    for i, text in enumerate(TEXTS):
        try:
            expected: str | None = str(FLAT.evaluate({"person": {"start": text}}, on=ON).value("start_day"))
        except InputError:
            expected = None
        got = computed.get(f"r{i}")
        assert (got is None) == (expected is None), (fmt, text, expected, got)
        if got is not None:
            assert got["start_day"] == expected, (fmt, text)


def test_a_month_is_written_as_a_month_or_as_a_date() -> None:
    assert _eval("2024-01-05", "2024-05-01", "2024-01-05", "2024-05")["hired_in"] == "1"  # type: ignore[index]
    assert _eval("2024-01-05", "2024-05", "2024-01-05", "2024-05-31")["hired_in"] == "1"  # type: ignore[index]
    assert _eval("2024-01-05", "2024-5", "2024-01-05", "2024-05") is None
    assert _eval("2024-01-05", "2024-05-32", "2024-01-05", "2024-05") is None


def test_json_strings_duckdb_would_take_for_dates_are_read_by_the_forms(tmp_path: Path) -> None:
    """Every value of the column looks like a date to DuckDB's JSON reader (so it typed the
    column DATE before validation saw it): the forms still decide."""
    texts = ["2024-01-05", "2024-1-5", "0999-01-05"]
    computed = _batch(tmp_path, FLAT, [{"id": f"r{i}", "start": text} for i, text in enumerate(texts)], "jsonl")
    assert sorted(computed) == ["r0"]

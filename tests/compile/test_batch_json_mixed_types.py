"""JSON lines whose values differ in type between rows: one row with a number where the others
have text must not change how any other row's text compares (DuckDB types such a leaf JSON, and
a JSON string cast to text kept its quotes: `count hires where county = "阜平县"` gave 0 for every
row once one row wrote `county: 3`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from policyrules.api import loads
from policyrules.batch.run import run_batch

POLICY = """
policy mixed "混合类型"
record hire "吸纳人员":
  county "县": text
  insured "已参保": bool
facts enterprise "用人单位":
  hires "新招用人员": list of hire
  certificates "证书": list of text
output here: integer = count hires where county = "阜平县" and insured
output welder: bool = "焊工" in certificates
"""


def run(tmp_path: Path, rows: list[dict[str, object]]) -> list[str]:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.csv"
    run_batch(loads(POLICY, "mixed.policy"), str(src), str(out), dt.date(2024, 6, 30), progress=False)
    return out.read_text(encoding="utf-8").splitlines()


GOOD = {"id": "a", "hires": [{"id": "x", "county": "阜平县", "insured": True}], "certificates": ["焊工"]}


def test_one_odd_row_changes_no_other_row(tmp_path: Path) -> None:
    alone = run(tmp_path, [GOOD])
    odd = {"id": "b", "hires": [{"id": "y", "county": 3, "insured": "yes"}], "certificates": [7]}
    mixed = run(tmp_path, [GOOD, odd])
    assert alone == ["id,here,welder", "a,1,true"]
    assert mixed[:2] == alone

"""Batch defects found by QA (issue 8): every input row accounted for, outputs that never replace the
input, exact products within the documented bounds, and the runs on optional, defaulted and list
facts (compare, --explain) that ended in tracebacks."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from compiled_support import B1, policy, read_rows, write_csv
from test_batch_run_files import b1_rows

from policyrules.batch.run import run_batch, run_summary
from policyrules.interfaces.cli import main

ON = dt.date(2024, 1, 1)


def _gbk_csv(tmp_path, n: int = 5, bad: int = 3, column: str = "venue") -> str:
    """B1 rows and a column ``note``, whose row ``bad`` has 零售 in GBK bytes in ``column``."""
    path = write_csv(tmp_path / "gbk.csv", [{**r, "note": "ok"} for r in b1_rows(n)])
    lines = (tmp_path / "gbk.csv").read_bytes().split(b"\r\n")
    was = b",other," if column == "venue" else b",ok"
    lines[bad] = lines[bad].replace(was, was.replace(b"other" if column == "venue" else b"ok", "零售".encode("gbk")))
    (tmp_path / "gbk.csv").write_bytes(b"\r\n".join(lines))
    return path


# ---------------------------------------------------------------- 1. a row that is not UTF-8
def test_a_row_that_is_not_utf8_is_rejected_naming_the_column(tmp_path):
    src = _gbk_csv(tmp_path)
    out = str(tmp_path / "out.csv")
    result = run_batch(policy(B1), src, out, ON, progress=False)
    assert (result.computed, result.rejected_rows) == (4, 1)
    assert [r["person_id"] for r in read_rows(duckdb.connect(), out)] == ["1", "2", "4", "5"]
    [reject] = read_rows(duckdb.connect(), str(tmp_path / "out.rejects.csv"))
    assert (reject["row"], reject["field"]) == ("3", "venue")
    assert "not UTF-8" in reject["reason"] and "line 4" in reject["reason"]


def test_a_row_that_is_not_utf8_is_skipped_whichever_columns_a_query_reads(tmp_path):
    """DuckDB decodes only the columns a query reads: the summary reads fewer than batch does."""
    src = _gbk_csv(tmp_path, n=6, bad=2, column="note")  # not a fact: the summary does not read it
    summary = run_summary(policy(B1), src, ON, progress=False)
    assert (summary["groups"][0]["rows"], summary["rejected_rows"]) == (5, 1)
    out = str(tmp_path / "out.csv")
    assert main(["batch", str(B1), src, "-o", out, "--on", "2024-01-01", "--explain", "3"]) == 0
    assert [r["person_id"] for r in read_rows(duckdb.connect(), out)] == ["1", "3", "4", "5", "6"]


# ---------------------------------------------------------------- 2. outputs never replace the input
@pytest.mark.parametrize("options", [["-o", "{input}"], ["-o", "{dir}/./in.csv"], ["-o", "{dir}/link.csv"],
                                     ["-o", "{dir}/out.csv", "--rejects", "{input}"],
                                     ["-o", "{dir}/out.csv", "--rejects", "{dir}/out.csv"]])
def test_an_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path, capsys, options):
    src = write_csv(tmp_path / "in.csv", b1_rows(3))  # no rejects: a rejects file would be empty
    (tmp_path / "link.csv").symlink_to(tmp_path / "in.csv")
    before = (tmp_path / "in.csv").read_bytes()
    args = [o.format(input=src, dir=tmp_path) for o in options]
    assert main(["batch", str(B1), src, *args, "--on", "2024-01-01"]) == 2
    err = capsys.readouterr().err
    assert "would overwrite it" in err and "Traceback" not in err
    assert (tmp_path / "in.csv").read_bytes() == before


def test_a_default_rejects_file_that_is_the_input_is_refused(tmp_path, capsys):
    src = write_csv(tmp_path / "pop.rejects.csv", b1_rows(2))
    assert main(["batch", str(B1), src, "-o", str(tmp_path / "pop.csv"), "--on", "2024-01-01"]) == 2
    assert "the rejects file (--rejects)" in capsys.readouterr().err
    assert (tmp_path / "pop.rejects.csv").stat().st_size > 0


def test_spark_output_that_is_the_input_is_refused_before_spark_starts(tmp_path, capsys):
    src = str(tmp_path / "in.parquet")
    duckdb.connect().execute(f"COPY (SELECT 1 AS person_id) TO '{src}' (FORMAT parquet)")
    assert main(["batch", str(B1), src, "-o", src, "--engine", "spark", "--on", "2024-01-01"]) == 2
    assert "is the input file" in capsys.readouterr().err

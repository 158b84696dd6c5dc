"""Batch defects found by QA (issue 8): every input row accounted for, outputs that never replace the
input, exact products within the documented bounds, and the runs on optional, defaulted and list
facts (compare, --explain) that ended in tracebacks."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from compiled_support import B1, policy, read_rows, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# ---------------------------------------------------------------- 5. exact products up to the bounds
BOUNDS = """policy bounds
facts person:
  a: money
  n: number
  p: percent
output big: money = a × n × n × n
output by_rate: money = a × p × n
output quotient: money = a / 3 × n
benefit b once
  amount a × n × n
"""


def _bound_rows() -> list[dict[str, str]]:
    """Facts whose every product is below 10^16 (the bounds are 10^15), the largest places first."""
    import random

    rows = [{"a": "1000000", "n": "1000", "p": "100%"},  # a × n³ = 10^15 exactly
            {"a": "999999.999999", "n": "999.99999999", "p": "0.99999999"},
            {"a": "999999999999999.999999", "n": "1", "p": "0.00000001"},
            {"a": "0.000001", "n": "0.00000001", "p": "0.00000001"},
            {"a": "99999999.999999", "n": "99.99999999", "p": "1"}]
    rng = random.Random(8)
    for _ in range(40):
        digits = rng.randint(0, 15)
        a = f"{rng.randrange(10 ** digits)}.{rng.randrange(10 ** 6):06d}"
        n_digits = max(0, (15 - digits) // 3)
        rows.append({"a": a, "n": f"{rng.randrange(10 ** n_digits)}.{rng.randrange(10 ** 8):08d}",
                     "p": f"0.{rng.randrange(10 ** 8):08d}"})
    return rows


def test_products_up_to_the_bounds_equal_the_interpreter(tmp_path):
    src = write_csv(tmp_path / "bounds.csv", _bound_rows())
    (tmp_path / "bounds.policy").write_text(BOUNDS, encoding="utf-8")
    p = policy(tmp_path / "bounds.policy")
    out = str(tmp_path / "out.csv")
    result = run_batch(p, src, out, ON, row_numbers=True, progress=False)
    assert (result.computed, result.rejected_rows) == (45, 0)
    for facts, row in zip(_bound_rows(), read_rows(duckdb.connect(), out), strict=True):
        d = p.evaluate({"person": facts}, on=ON)
        for name, r in d.outputs.items():
            assert row[name] == format(r.value, "f"), (name, facts)


def test_a_product_beyond_the_bounds_fails_naming_the_output(tmp_path, capsys):
    (tmp_path / "bounds.policy").write_text(BOUNDS, encoding="utf-8")
    rows = [{"a": "5", "n": "2", "p": "1%"}, {"a": "999999999999", "n": "99", "p": "1%"}]  # b is 9.8 × 10^15
    src = write_csv(tmp_path / "big.csv", rows)
    assert main(["batch", str(tmp_path / "bounds.policy"), src, "-o", str(tmp_path / "o.csv"),
                 "--on", "2024-01-01"]) == 2
    err = capsys.readouterr().err
    assert "output `big` is too large to compute exactly" in err
    assert "Out of Range" not in err and "Traceback" not in err


# ---------------------------------------------------------------- 3, 4. optional, defaulted and list facts
OPTIONAL = """policy opt
record item:
  amount: money
  note: optional text
facts person:
  a: money
  bonus: money = 0 元
  extra: optional money
  items: list of item
benefit b once
  amount {rate} of a + bonus
output items_sum: money = sum amount over items
output extra_out: money = extra
"""
OPTIONAL_ROWS = ('{"a": "100.00"}\n'
                 '{"a": "200.00", "bonus": "5.00", "extra": "7.50", "items": [{"amount": "1.25", "note": "x"}, '
                 '{"amount": "2.00"}]}\n')


def _optional(tmp_path) -> tuple[str, str, str]:
    for name, rate in (("old", "10%"), ("new", "12%")):
        (tmp_path / f"{name}.policy").write_text(OPTIONAL.format(rate=rate), encoding="utf-8")
    (tmp_path / "pop.jsonl").write_text(OPTIONAL_ROWS, encoding="utf-8")
    return str(tmp_path / "old.policy"), str(tmp_path / "new.policy"), str(tmp_path / "pop.jsonl")


def test_compare_policies_with_optional_defaulted_and_list_facts(tmp_path, capsys):
    old, new, src = _optional(tmp_path)
    assert main(["compare", old, new, src, "--on", "2025-01-01", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["rows"], result["old_total"], result["new_total"]) == (2, "35.00", "41.00")
    assert [(c["row"], c["old"], c["new"]) for c in result["largest"]] == [(2, "25.00", "29.00"),
                                                                           (1, "10.00", "12.00")]


@pytest.mark.parametrize(("row", "expected"), [
    (1, ["b = 10.00", "items_sum = 0.00", "extra_out = ?", "still needed: person.extra"]),
    (2, ["b = 25.00", "bonus 5.00", "items_sum = 3.25", "extra_out = 7.50"])])
def test_explain_a_row_with_optional_and_defaulted_facts_absent(tmp_path, capsys, row, expected):
    old, _, src = _optional(tmp_path)
    assert main(["batch", old, src, "--on", "2025-01-01", "--explain", str(row)]) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out


# ---------------------------------------------------------------- 6. a JSON line that is not an object
def test_json_lines_that_are_not_objects_are_rejected_one_by_one(tmp_path):
    good = [json.dumps({k: (str(v) if not isinstance(v, bool | int) else v) for k, v in r.items()})
            for r in b1_rows(4)]
    lines = [good[0], "[1,2]", "", good[1], '{"person_id": 99, "sex": "F",', "not json", '"text"', good[2],
             good[3]]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = str(tmp_path / "out.csv")
    result = run_batch(policy(B1), str(tmp_path / "in.jsonl"), out, ON, progress=False)
    assert (result.computed, result.rejected_rows) == (4, 4)
    assert [r["person_id"] for r in read_rows(duckdb.connect(), out)] == ["1", "2", "3", "4"]
    rejects = read_rows(duckdb.connect(), str(tmp_path / "out.rejects.csv"))
    assert [(r["row"], r["reason"].removesuffix(" (one JSON object a line)")) for r in rejects] == [
        ("2", "JSON line 2: an array, not an object of facts"), ("4", "JSON line 5: not valid JSON, not an object of facts"),
        ("5", "JSON line 6: not valid JSON, not an object of facts"), ("6", "JSON line 7: a string, not an object of facts")]


def test_explain_counts_rows_past_a_bad_json_line(tmp_path, capsys):
    rows = b1_rows(2)
    text = json.dumps({k: str(v) if not isinstance(v, bool | int) else v for k, v in rows[1].items()})
    (tmp_path / "in.jsonl").write_text("[1]\n" + text + "\n", encoding="utf-8")
    assert main(["batch", str(B1), str(tmp_path / "in.jsonl"), "--on", "2024-01-01", "--explain", "2"]) == 0
    assert "row 2 of" in capsys.readouterr().out
    assert main(["batch", str(B1), str(tmp_path / "in.jsonl"), "--on", "2024-01-01", "--explain", "1"]) == 2
    assert "JSON line 1: an array" in capsys.readouterr().err


# ---------------------------------------------------------------- every row accounted for, on random damage
_DAMAGE = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 25), st.binary(min_size=1, max_size=3).map(
    lambda b: bytes(0x80 | x for x in b))), max_size=4)


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(damage=_DAMAGE)
def test_bytes_that_are_not_utf8_never_lose_a_row(tmp_path_factory, damage):
    """High bytes (never a comma, quote or newline) anywhere in a field: rows in = computed + rejected."""
    tmp = tmp_path_factory.mktemp("damage")
    write_csv(tmp / "in.csv", b1_rows(6))
    lines = (tmp / "in.csv").read_bytes().split(b"\r\n")
    for row, col, junk in damage:
        fields = lines[row + 1].split(b",")
        fields[col] += junk
        lines[row + 1] = b",".join(fields)
    (tmp / "in.csv").write_bytes(b"\r\n".join(lines))
    result = run_batch(policy(B1), str(tmp / "in.csv"), str(tmp / "out.csv"), ON, progress=False)
    assert result.computed + result.rejected_rows == 6
    assert result.rejected_rows >= sum(1 for line in lines[1:] if not _utf8(line))


@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(lines=st.lists(st.one_of(st.sampled_from(["good", "", "[1,2]", "{", "null", "3", '{"a": 1}']),
                                st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20)),
                      min_size=1, max_size=8))
def test_json_lines_never_lose_a_row(tmp_path_factory, lines):
    """Good records among random lines: rows in (lines not blank) = computed + rejected."""
    tmp = tmp_path_factory.mktemp("jsonl")
    good = json.dumps({k: v if isinstance(v, bool | int) else str(v) for k, v in b1_rows(1)[0].items()})
    text = [good, *(good if line == "good" else line for line in lines)]
    (tmp / "in.jsonl").write_text("\n".join(text) + "\n", encoding="utf-8")
    result = run_batch(policy(B1), str(tmp / "in.jsonl"), str(tmp / "out.csv"), ON, progress=False)
    assert result.computed + result.rejected_rows == sum(1 for line in text if line.strip())
    assert result.computed >= 1 + lines.count("good")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

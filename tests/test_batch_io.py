"""Batch input/output: reading CSV/Parquet/JSON lines, mapping, validation into facts and rejects."""

from __future__ import annotations

import csv
import datetime
import json
from decimal import Decimal
from pathlib import Path

import attrs
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules import types as T
from policyrules.batch.io import (
    BatchError,
    BatchInputError,
    load_mapping,
    open_input,
    prepare_facts,
    validation_sql,
    write_output,
    write_rejects,
)

SCHEMA = {
    "income": T.MONEY,
    "unemployed": T.BOOL,
    "hukou": T.enum(("urban", "rural")),
    "age": T.INTEGER,
    "rate": T.PERCENT,
    "since": T.DATE,
    "months": T.duration("month"),
    "note": T.TEXT,
}
HEADER = ["id", "income", "unemployed", "hukou", "age", "rate", "since", "months", "note"]
GOOD = ["1", "1234.56", "yes", "urban", "41", "5.31%", "2024-01-31", "2.5", "ok"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> str:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def load(path: str, schema=SCHEMA, mapping=None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    open_input(con, path, mapping)
    prepare_facts(con, schema)
    return con


def facts(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute("SELECT * FROM facts ORDER BY __row")
    names = [d[0].removeprefix("in:") for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def signed(t: T.Type) -> T.Type:
    return attrs.evolve(t, signed=True)


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT * FROM rejects").fetchall()


def test_csv_values_are_typed_exactly(tmp_path):
    con = load(write_csv(tmp_path / "in.csv", [GOOD]))
    [row] = facts(con)
    assert row == {
        "__row": 1, "id": "1", "income": Decimal("1234.56"), "unemployed": True, "hukou": "urban",
        "age": 41, "rate": Decimal("0.0531"), "since": datetime.date(2024, 1, 31),
        "months": Decimal("2.5"), "note": "ok",
    }
    types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE facts)").fetchall())
    assert types["in:income"] == "DECIMAL(38,6)" and types["in:rate"] == "DECIMAL(38,8)"
    assert types["in:id"] == "VARCHAR"  # extra column passed through untouched
    assert rejects(con) == []


def test_csv_round_trip_through_output(tmp_path):
    src = write_csv(tmp_path / "in.csv", [GOOD, ["2", "0.10", "no", "rural", "0", "0.05", "2023-12-01", "0", "x"]])
    con = load(src)
    out = tmp_path / "out.csv"
    n = write_output(con, 'SELECT "in:id" AS id, "in:income" * 2 AS double_income, "in:rate" AS rate FROM facts ORDER BY __row', str(out))
    assert n == 2
    with open(out, encoding="utf-8") as f:
        got = list(csv.DictReader(f))
    assert [(r["id"], Decimal(r["double_income"]), Decimal(r["rate"])) for r in got] == [
        ("1", Decimal("2469.12"), Decimal("0.0531")), ("2", Decimal("0.20"), Decimal("0.05"))]


@pytest.mark.parametrize("text, value", [
    ("true", True), ("TRUE", True), ("Yes", True), ("1", True), (" 是 ", True),
    ("false", False), ("No", False), ("0", False), ("否", False),
])
def test_bool_spellings(tmp_path, text, value):
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["flag"]), {"flag": T.BOOL})
    assert [r["flag"] for r in facts(con)] == [value]


@pytest.mark.parametrize("text, value", [
    ("5.31%", "0.0531"), ("5.31 %", "0.0531"), ("100%", "1"), ("0.0531", "0.0531"), ("1", "1"),
    ("5.3125％", "0.053125"), ("-2%", "-0.02"),
])
def test_percent_forms(tmp_path, text, value):
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["r"]), {"r": signed(T.PERCENT)})
    assert [r["r"] for r in facts(con)] == [Decimal(value)]


@pytest.mark.parametrize("text, value", [
    ("12", 12), ("-3", -3), ("007", 7), (" 12 ", 12), ("5.0", 5), ("-0", 0),
])
def test_integer_forms(tmp_path, text, value):
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["n"]), {"n": signed(T.INTEGER)})
    assert [r["n"] for r in facts(con)] == [value]


@pytest.mark.parametrize("text", ["12.5", "1e3", "1_000", "0x10", "twelve", "1,000", "+5", "5.", "１２"])
def test_integer_lookalikes_are_rejected(tmp_path, text):
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["n"]), {"n": T.INTEGER})
    assert rejects(con) == [(1, "n", text, f"not a whole number: '{text}'")]


@pytest.mark.parametrize("text, value", [
    ("26643.05", "26643.05"), ("500", "500"), ("-0.50", "-0.5"), ("0.5", "0.5"), ("7.125", "7.125"),
    ("0.000001", "0.000001"), ("999999999999999.25", "999999999999999.25"),
])
def test_money_forms(tmp_path, text, value):
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["m"]), {"m": signed(T.MONEY)})
    assert [r["m"] for r in facts(con)] == [Decimal(value)]


@pytest.mark.parametrize("kind", [T.MONEY, T.INTEGER, T.PERCENT, T.NUMBER, T.duration("month"), T.rate("year")])
@pytest.mark.parametrize("text", ["-0.50", "-1", "-2%"])
def test_negative_numbers_are_refused_unless_signed(tmp_path, kind, text):
    """Issue 8.3: a negative input to an unsigned number is a reject with the field named, never paid."""
    if text.endswith("%") and kind.kind is not T.Kind.PERCENT or kind.kind is T.Kind.INTEGER and "." in text:
        return
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["m"]), {"m": kind})
    assert facts(con) == []
    [(row, field, value, reason)] = rejects(con)
    assert (row, field, value) == (1, "m", text) and reason.startswith("cannot be negative")
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["m"]), {"m": signed(kind)})
    assert len(facts(con)) == 1 and rejects(con) == []


@pytest.mark.parametrize("text", ["1e3", "1_000", "1 000", "¥5", "5 dollars", "--5", ".", ".5", "+5.00", "5元元"])
def test_money_lookalikes_are_rejected(tmp_path, text):
    con = load(write_csv(tmp_path / "in.csv", [[text]], ["m"]), {"m": T.MONEY})
    assert rejects(con) == [(1, "m", text, f"not a money amount: '{text}'")]


def test_broken_rows_are_rejected_with_row_field_value_reason(tmp_path):
    rows = [
        GOOD,
        ["2", "abc", "maybe", "city", "41", "5%", "2024-01-31", "1", "x"],
        ["3", "", "yes", "urban", "", "5%", "2024-01-31", "1", "x"],
        ["4", "1.1234567", "no", "rural", "4.5", "5.1234567%", "2024-02-30", "one", "x"],
        ["5", "1.5000000000", "no", " rural ", "7.0", "0.5", "2024-02-29", "-1", ""],
    ]
    con = load(write_csv(tmp_path / "in.csv", rows))
    assert [r["__row"] for r in facts(con)] == [1]
    assert rejects(con) == [
        (2, "income", "abc", "not a money amount: 'abc'"),
        (2, "unemployed", "maybe", "not a true/false value (expected true/false, yes/no, 1/0 or 是/否): 'maybe'"),
        (2, "hukou", "city", "unknown value 'city' (expected one of urban, rural)"),
        (3, "income", None, "missing value"),
        (3, "age", None, "missing value"),
        (4, "income", "1.1234567", "too many decimal places for a money amount (at most 6): '1.1234567'"),
        (4, "age", "4.5", "not a whole number: '4.5'"),
        (4, "rate", "5.1234567%", "too many decimal places for a percentage (at most 6): '5.1234567%'"),
        (4, "since", "2024-02-30", "not a calendar day: '2024-02-30'"),
        (4, "months", "one", "not a number of months: 'one'"),
        (5, "months", "-1", "cannot be negative (declare it `signed months` if it can be): '-1'"),
        (5, "note", None, "missing value"),
    ]


def test_trailing_zeros_and_whitespace_are_accepted(tmp_path):
    row = ["5", " 1.5000000000 ", "no", " rural ", "7.0", "0.5", "2024-02-29", "1", "n"]
    [got] = facts(load(write_csv(tmp_path / "in.csv", [row])))
    assert (got["income"], got["hukou"], got["age"], got["months"]) == (Decimal("1.5"), "rural", 7, Decimal(1))


def test_out_of_range_is_rejected_not_wrapped(tmp_path):
    con = load(write_csv(tmp_path / "in.csv", [["99999999999999999999", "1" + "0" * 40]], ["n", "m"]),
               {"n": T.INTEGER, "m": T.MONEY})
    assert facts(con) == []
    assert [r[3] for r in rejects(con)] == [
        "a whole number out of range (at most 15 digits before the decimal point): '99999999999999999999'",
        f"a money amount out of range (at most 15 digits before the decimal point): '1{'0' * 40}'"]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.decimals(min_value=-10**12, max_value=10**12, places=6, allow_nan=False), min_size=1))
def test_money_text_is_exact(tmp_path_factory, amounts):
    path = tmp_path_factory.mktemp("money") / "in.csv"
    con = load(write_csv(path, [[str(a)] for a in amounts], ["m"]), {"m": signed(T.MONEY)})
    assert [r["m"] for r in facts(con)] == amounts


def test_parquet_keeps_native_types(tmp_path):
    table = pa.table({
        "income": pa.array([Decimal("10.25"), Decimal("0.10"), None], pa.decimal128(12, 2)),
        "unemployed": [True, False, True],
        "age": pa.array([30, 40, 50], pa.int32()),
        "since": [datetime.date(2024, 1, 1)] * 3,
        "hukou": ["urban", "rural", "urban"],
        "price": [0.1, 2.5, 1e-7],
        "fine": pa.array([Decimal("1.12345600"), Decimal("1.5"), Decimal("1.123456789")], pa.decimal128(20, 9)),
    })
    pq.write_table(table, tmp_path / "in.parquet")
    schema = {"income": T.MONEY, "unemployed": T.BOOL, "age": T.INTEGER, "since": T.DATE,
              "hukou": T.enum(("urban", "rural")), "price": T.MONEY, "fine": T.MONEY}
    con = load(str(tmp_path / "in.parquet"), schema)
    assert [(r["__row"], r["income"], r["price"], r["fine"]) for r in facts(con)] == [
        (1, Decimal("10.25"), Decimal("0.1"), Decimal("1.123456")), (2, Decimal("0.10"), Decimal("2.5"), Decimal("1.5"))]
    assert [(r[0], r[1], r[3].split(":")[0]) for r in rejects(con)] == [
        (3, "income", "missing value"), (3, "price", "not a money amount"),
        (3, "fine", "too many decimal places for a money amount (at most 6)")]


def test_parquet_round_trip(tmp_path):
    pq.write_table(pa.table({"pid": [7, 8], "a": pa.array([Decimal("1.25"), Decimal("3")], pa.decimal128(10, 2))}),
                   tmp_path / "in.pq")
    con = load(str(tmp_path / "in.pq"), {"a": T.MONEY})
    out = tmp_path / "out.parquet"
    assert write_output(con, 'SELECT "in:pid" AS pid, CAST(round("in:a" * 0.5, 2) AS DECIMAL(14,2)) AS half FROM facts', str(out)) == 2
    got = pq.read_table(out)
    assert got.schema.field("half").type == pa.decimal128(14, 2)
    assert got.to_pylist() == [{"pid": 7, "half": Decimal("0.63")}, {"pid": 8, "half": Decimal("1.50")}]


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json"])
def test_json_lines_round_trip(tmp_path, suffix):
    lines = [{"pid": 1, "income": "12.30", "hukou": "urban"}, {"pid": 2, "income": 0.1, "hukou": "x"}]
    src = tmp_path / f"in{suffix}"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    con = load(str(src), {"income": T.MONEY, "hukou": T.enum(("urban", "rural"))})
    out = tmp_path / "out.jsonl"
    write_output(con, 'SELECT "in:pid" AS pid, "in:income" AS income FROM facts', str(out))
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(g["pid"], Decimal(str(g["income"]))) for g in got] == [(1, Decimal("12.3"))]
    assert rejects(con) == [(2, "hukou", "x", "unknown value 'x' (expected one of urban, rural)")]


def test_rejects_can_be_written(tmp_path):
    con = load(write_csv(tmp_path / "in.csv", [["x"], ["2"]], ["n"]), {"n": T.INTEGER})
    out = tmp_path / "rejects.csv"
    assert write_rejects(con, str(out)) == 1
    with open(out, encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == [{"row": "1", "field": "n", "value": "x", "reason": "not a whole number: 'x'"}]


def test_row_numbers_follow_file_order_in_large_files(tmp_path):
    n = 300_000
    bad = {7, 123_457, 299_999}
    rows = [["x" if i in bad else str(i)] for i in range(1, n + 1)]
    con = load(write_csv(tmp_path / "in.csv", rows, ["n"]), {"n": T.INTEGER})
    assert [r[0] for r in rejects(con)] == sorted(bad)
    mismatched = con.execute('SELECT count(*) FROM facts WHERE "in:n" <> __row').fetchone()
    assert mismatched == (0,)


def test_mapping_renames_columns(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["1", "12.5"]], ["编号", "月收入"])
    mapping_file = tmp_path / "map.yaml"
    mapping_file.write_text("月收入: income\n编号: person\n", encoding="utf-8")
    con = load(src, {"income": T.MONEY}, load_mapping(str(mapping_file)))
    assert facts(con) == [{"__row": 1, "person": "1", "income": Decimal("12.5")}]


def test_mapping_from_json_and_bad_mappings(tmp_path):
    good = tmp_path / "m.json"
    good.write_text('{"a": "x", "b": "y"}', encoding="utf-8")
    assert load_mapping(str(good)) == {"a": "x", "b": "y"}
    for name, text in [("list.yaml", "- a\n- b\n"), ("num.yaml", "a: 3\n"), ("twice.yaml", "a: x\nb: x\n"),
                       ("broken.json", "{"), ("broken.yaml", "a: [\n")]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(BatchInputError, match=name):
            load_mapping(str(path))
    with pytest.raises(BatchInputError, match="nothere.yaml"):
        load_mapping(str(tmp_path / "nothere.yaml"))


def test_mapping_errors(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["1", "2"]], ["a", "b"])
    with pytest.raises(BatchInputError, match=r"mapped column\(s\) not in the file: c; available: a, b"):
        open_input(duckdb.connect(), src, {"c": "x"})
    with pytest.raises(BatchInputError, match="more than one column is named b"):
        open_input(duckdb.connect(), src, {"a": "b"})


def test_missing_column_is_a_whole_file_error(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["1", "2"]], ["income", "other"])
    con = duckdb.connect()
    open_input(con, src)
    with pytest.raises(BatchInputError, match=r"lacks required column\(s\) age, hukou; available: income, other"):
        prepare_facts(con, {"income": T.MONEY, "age": T.INTEGER, "hukou": T.TEXT})


def test_unusable_files(tmp_path):
    con = duckdb.connect()
    with pytest.raises(BatchInputError, match="nothere.csv: input file not found"):
        open_input(con, str(tmp_path / "nothere.csv"), None)
    (tmp_path / "in.xlsx").write_bytes(b"PK")
    with pytest.raises(BatchInputError, match="in.xlsx: unknown file type"):
        open_input(con, str(tmp_path / "in.xlsx"), None)
    (tmp_path / "junk.parquet").write_text("not parquet", encoding="utf-8")
    with pytest.raises(BatchInputError, match="junk.parquet: cannot read as parquet"):
        open_input(con, str(tmp_path / "junk.parquet"), None)
    (tmp_path / "junk.jsonl").write_text("{oops\n", encoding="utf-8")
    with pytest.raises(BatchInputError, match="junk.jsonl: cannot read as json"):
        open_input(con, str(tmp_path / "junk.jsonl"), None)


def test_write_output_errors(tmp_path):
    con = load(write_csv(tmp_path / "in.csv", [["1"]], ["n"]), {"n": T.INTEGER})
    with pytest.raises(BatchError, match="out.txt: unknown file type"):
        write_output(con, "SELECT * FROM facts", str(tmp_path / "out.txt"))
    with pytest.raises(BatchError, match="missing/out.csv"):
        write_output(con, "SELECT * FROM facts", str(tmp_path / "missing" / "out.csv"))


def test_validation_sql_creates_the_two_views():
    facts_sql, rejects_sql = validation_sql({"a": T.MONEY, "b": T.TEXT})
    assert facts_sql.startswith("CREATE OR REPLACE TEMP VIEW facts AS")
    assert rejects_sql.startswith("CREATE OR REPLACE TEMP VIEW rejects AS")
    con = duckdb.connect()
    con.execute("CREATE VIEW raw_input AS SELECT 1 AS __row, '1.5' AS \"in:a\", 'x' AS \"in:b\"")
    con.execute(facts_sql)
    con.execute(rejects_sql)
    assert con.execute('SELECT "in:a", "in:b" FROM facts').fetchall() == [(Decimal("1.5"), "x")]
    empty_facts, empty_rejects = validation_sql({})
    con.execute(empty_facts)
    con.execute(empty_rejects)
    assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)

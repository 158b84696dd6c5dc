"""``batch --engine postgresql://…``: the compiled query and the validation run inside a real
PostgreSQL server (a throwaway cluster, tests/pg_cluster.py), exact to the fen against DuckDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from engine_support import B1, B1_ON, CITY, b1_parquet, bench_interpreter, load_table, pg_rows
from pg_cluster import pg_cluster  # noqa: F401  (the fixture)

from policyrules.api import load
from policyrules.batch.run import BatchError, run_batch
from policyrules.engines.postgresql import run_postgresql
from policyrules.interfaces.cli import main

pytestmark = pytest.mark.postgresql


def _duckdb(policy_path: Path, src: str, tmp_path: Path, on: str, params: dict[str, str] | None = None,
            key: str = "person_id") -> tuple[dict[object, dict], list[dict]]:
    out = tmp_path / "duck.parquet"
    rejects = tmp_path / "duck.rejects.csv"
    run_batch(load(policy_path), src, str(out), dt.date.fromisoformat(on), params, rejects=str(rejects),
              progress=False)
    rows = {r[key]: r for r in pq.read_table(out).to_pylist()}
    text = pacsv.ConvertOptions(strings_can_be_null=False, column_types={"value": pa.string()})
    return rows, pacsv.read_csv(rejects, convert_options=text).to_pylist()


def test_b1_exact_against_duckdb(pg_cluster, tmp_path: Path) -> None:  # noqa: F811
    src = b1_parquet(tmp_path / "b1.parquet", 3000)
    load_table(pg_cluster.dsn, "b1_facts", pq.read_table(src))
    result = run_postgresql(load(B1), pg_cluster.dsn, "b1_facts", "b1_results", dt.date.fromisoformat(B1_ON))
    assert (result.computed, result.rejected_rows) == (3000, 0)
    expected, _ = _duckdb(B1, src, tmp_path, B1_ON)
    got = pg_rows(pg_cluster.dsn, "SELECT * FROM b1_results")
    assert len(got) == 3000
    assert sum(r["total"] for r in got) > 0
    for row in got:
        assert row == expected[row["person_id"]], row["person_id"]
    assert pg_rows(pg_cluster.dsn, "SELECT count(*) AS n FROM b1_results_rejects") == [{"n": 0}]


def test_city_population_exact_against_duckdb(pg_cluster, tmp_path: Path) -> None:  # noqa: F811
    bench = bench_interpreter()
    src = str(tmp_path / "city.parquet")
    bench.write_population(2000, src)
    load_table(pg_cluster.dsn, "city_facts", pq.read_table(src))
    on = dt.date.fromisoformat(bench.CITY_ON)
    result = run_postgresql(load(CITY), pg_cluster.dsn, "city_facts", "city_results", on, bench.CITY_PARAMS)
    assert result.computed == 2000
    expected, _ = _duckdb(CITY, src, tmp_path, bench.CITY_ON, bench.CITY_PARAMS)
    for row in pg_rows(pg_cluster.dsn, "SELECT * FROM city_results"):
        assert row == expected[row["person_id"]], row["person_id"]


BAD = {  # column -> values the validation refuses (and some it accepts), as text; only row 7 is valid
    "age": ["-3", "12.5", "abc", "", "  41  ", "1e3", "41", "+5"],
    "annual_rent": ["12.1234567", "1,00", "960 元", "1,234.50", "-5.00", "１２", "1,234.50", "960元"],
    "sex": ["X", "f", " M ", "F", "", "M", " M ", "F"],
    "registered_unemployed": ["y", "是", "YES", "0", "对", "true", "是", "YES"],
    "business_months": ["-1", "3.5", "1234567890123456", "12", "0.000001", "x", "14", "13.000000"],
    "cert_level": ["none", "Junior", "senior ", "", "technician", "expert", "senior ", "junior"],
}


def test_rejects_are_those_of_duckdb(pg_cluster, tmp_path: Path) -> None:  # noqa: F811
    """The same text, read as CSV by DuckDB and as a text table by PostgreSQL: the same rows are
    refused, each with the same fields, values and reasons; the rest computed alike."""
    base = pq.read_table(b1_parquet(tmp_path / "b1.parquet", 8)).to_pylist()
    rows = []
    for i, r in enumerate(base):
        r = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in r.items()}
        rows.append({**r, **{c: vals[i] for c, vals in BAD.items()}, "person_id": str(i + 1)})
    table = pa.Table.from_pylist(rows)
    src = tmp_path / "bad.csv"
    pacsv.write_csv(table, src)
    load_table(pg_cluster.dsn, "bad_facts", table, as_text=True)
    result = run_postgresql(load(B1), pg_cluster.dsn, "bad_facts", "bad_results", dt.date.fromisoformat(B1_ON))
    expected, duck_rejects = _duckdb(B1, str(src), tmp_path, B1_ON)
    pg_problems = {(int(r["person_id"]), r["field"], r["value"], r["reason"])
                   for r in pg_rows(pg_cluster.dsn, "SELECT * FROM bad_results_rejects")}
    duck_problems = {(r["row"], r["field"], r["value"], r["reason"]) for r in duck_rejects}
    assert pg_problems == duck_problems
    got = {r["person_id"]: r for r in pg_rows(pg_cluster.dsn, "SELECT * FROM bad_results")}
    assert set(got) == set(expected) == {"7"}  # person_id is text in both; row 8 has age +5
    for k, row in got.items():
        assert row == expected[k]
    assert result.problems == len(duck_problems) and result.rejected_rows == len({p[0] for p in duck_problems})


def test_errors_are_messages(pg_cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    policy, on = load(B1), dt.date.fromisoformat(B1_ON)
    with pytest.raises(BatchError, match="no such table"):
        run_postgresql(policy, pg_cluster.dsn, "nothing_here", "r", on)
    load_table(pg_cluster.dsn, "few", pa.table({"person_id": [1], "age": [30]}))
    with pytest.raises(BatchError, match="no complete kind of facts"):
        run_postgresql(policy, pg_cluster.dsn, "few", "r", on)
    with pytest.raises(BatchError, match="exists already"):
        run_postgresql(policy, pg_cluster.dsn, "few", "few", on)
    with pytest.raises(BatchError, match="cannot connect"):
        run_postgresql(policy, pg_cluster.dsn.replace("port=", "port=1"), "few", "r", on)
    assert main(["batch", str(B1), "--on", B1_ON, "--engine", pg_cluster.dsn, "--table", "few"]) == 2
    assert main(["batch", str(B1), "--on", B1_ON, "--engine", pg_cluster.dsn, "--table", "few", "--into", "r"]) == 2
    err = capsys.readouterr().err
    assert "--into RESULTS" in err and "no complete kind of facts" in err and "Traceback" not in err


def test_cli_run(pg_cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    src = b1_parquet(tmp_path / "b1.parquet", 50)
    load_table(pg_cluster.dsn, "cli_facts", pq.read_table(src))
    assert main(["batch", str(B1), "--on", B1_ON, "--engine", pg_cluster.dsn, "--table", "cli_facts",
                 "--into", "cli_results"]) == 0
    assert "50 rows: 50 computed, 0 rejected; results in table cli_results" in capsys.readouterr().err


def test_typed_columns_rejected_as_duckdb_rejects_parquet(pg_cluster, tmp_path: Path) -> None:  # noqa: F811
    """Typed columns (numeric, bigint, boolean) take the fast path where their type holds the
    fact, and the text forms where it does not (numeric with more places than money): the
    verdicts, values and reasons are those of DuckDB on the same Parquet file."""
    from decimal import Decimal

    table = pq.read_table(b1_parquet(tmp_path / "b1.parquet", 6))
    rows = table.to_pylist()
    money2, money8 = pa.decimal128(12, 2), pa.decimal128(20, 8)
    rents = [Decimal("100.50"), Decimal("-5.00"), Decimal("0"), Decimal("9999999999.99"), Decimal("1.01"),
             Decimal("7")]
    taxes = [Decimal("1.5"), Decimal("12.12345670"), Decimal("0.00000100"), Decimal("-0.5"), Decimal("3"),
             Decimal("123456789012.12345678")]
    ages = [30, -1, 0, 45, 10 ** 15, 66]
    for r, rent, tax, age in zip(rows, rents, taxes, ages, strict=True):
        r.update(annual_rent=rent, tax_paid=tax, age=age, starts_business=True, first_business=True,
                 business_months=24)
    schema = table.schema.set(table.schema.get_field_index("annual_rent"), pa.field("annual_rent", money2))
    schema = schema.set(schema.get_field_index("tax_paid"), pa.field("tax_paid", money8))
    typed = pa.Table.from_pylist(rows, schema=schema)
    src = tmp_path / "typed.parquet"
    pq.write_table(typed, src)
    load_table(pg_cluster.dsn, "typed_facts", typed)
    run_postgresql(load(B1), pg_cluster.dsn, "typed_facts", "typed_results", dt.date.fromisoformat(B1_ON))
    expected, duck_rejects = _duckdb(B1, str(src), tmp_path, B1_ON)
    pg_problems = {(r["person_id"] + 1, r["field"], r["value"], r["reason"])
                   for r in pg_rows(pg_cluster.dsn, "SELECT * FROM typed_results_rejects")}
    duck_problems = {(r["row"], r["field"], str(r["value"]), r["reason"]) for r in duck_rejects}
    assert sorted(pg_problems) == sorted(duck_problems) and len(duck_problems) >= 4
    got = {r["person_id"]: r for r in pg_rows(pg_cluster.dsn, "SELECT * FROM typed_results")}
    assert got == expected and len(got) == 2  # rows 1 and 3


OPTIONAL = """policy optional_pg
facts person:
  registered: optional date
  unlawful: bool = false
  bonus: optional money
  base: money
output start: date = registered
output double: bool = unlawful
output known: bool = given(bonus)
output total: money = if given(bonus) then base + bonus else base
"""


def test_optional_facts_and_defaults_as_the_interpreter(pg_cluster, tmp_path: Path) -> None:  # noqa: F811
    """An empty optional fact is absent (its default, or still needed), a given one is validated by
    the forms; a column the table lacks is absent on every row."""
    from policyrules.api import loads

    policy = loads(OPTIONAL, "<optional>")
    rows = [{"id": "1", "registered": None, "unlawful": None, "bonus": None, "base": "100"},
            {"id": "2", "registered": "2024-05-01", "unlawful": "true", "bonus": "0.005", "base": "100"},
            {"id": "3", "registered": " ", "unlawful": "否", "bonus": "1,234.50", "base": "1"},
            {"id": "4", "registered": "2024-02-30", "unlawful": "x", "bonus": "-1", "base": ""}]
    load_table(pg_cluster.dsn, "opt_facts", pa.Table.from_pylist(rows), as_text=True)
    on = dt.date(2024, 6, 30)
    result = run_postgresql(policy, pg_cluster.dsn, "opt_facts", "opt_results", on)
    assert (result.computed, result.rejected_rows) == (3, 1)
    got = {r["id"]: r for r in pg_rows(pg_cluster.dsn, "SELECT * FROM opt_results")}
    for row in rows[:3]:
        facts = {k: v for k, v in row.items() if k != "id" and v is not None and v.strip()}
        d = policy.evaluate({"person": facts}, on=on)
        assert {n: got[row["id"]][n] for n in ("start", "double", "known", "total")} == {
            n: d.value(n) for n in ("start", "double", "known", "total")}, row
    problems = {(r["field"], r["reason"]) for r in pg_rows(pg_cluster.dsn, "SELECT * FROM opt_results_rejects")}
    assert problems == {("registered", "not a calendar day: '2024-02-30'"), ("base", "missing value"),
                        ("unlawful", "not a true/false value (expected true/false, yes/no, 1/0 or 是/否): 'x'"),
                        ("bonus", "cannot be negative (declare it `signed money` if it can be): '-1'")}
    load_table(pg_cluster.dsn, "opt_few", pa.table({"base": ["5"]}), as_text=True)
    run_postgresql(policy, pg_cluster.dsn, "opt_few", "opt_few_results", on)
    assert pg_rows(pg_cluster.dsn, "SELECT * FROM opt_few_results") == [
        {"start": None, "double": False, "known": False, "total": Decimal("5.00")}]

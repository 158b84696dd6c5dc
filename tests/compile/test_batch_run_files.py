"""``policyrules batch / summary / compare / sql``: files in and out, rejects, mapping, shared
fact names, --explain, and the B1 benchmark against its reference."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from compiled_support import B1, CITY, gen_population, policy, read_rows, reference_b1, write_csv

from policyrules.batch.run import BatchError, plan_columns, run_batch
from policyrules.interfaces.cli import main

ON = "2024-01-01"
B1_ROW = {"person_id": 1, "sex": "F", "age": 45, "hukou": "urban", "registered_unemployed": True,
          "holds_reemployment_cert": False, "hardship": True, "receiving_ui": True,
          "ui_entitlement_total": Decimal("12345.67"), "starts_business": True, "first_business": True,
          "business_months": 14, "venue": "other", "annual_rent": Decimal("18000.05"),
          "micro_profit_project": True, "industry": "software", "years_rent_subsidy_received": 0,
          "tax_paid": Decimal("5000.5"), "years_tax_relief_received": 1, "flexible_employed": True,
          "monthly_income": Decimal("2000"), "pays_si": True, "years_si_subsidy_received": 3,
          "months_to_retirement": 20, "rural_migrant": True, "cert_level": "senior"}
B1_EXPECTED = {"rent_subsidy": "2700.01", "startup_subsidy": "2469.13", "post_subsidy": "2620.00",
               "si_subsidy": "3960.00", "tax_relief": "5000.50", "training_subsidy": "700.00", "total": "17449.64"}


def b1_rows(n: int = 3) -> list[dict]:
    return [{**B1_ROW, "person_id": i + 1} for i in range(n)]


def test_b1_row_by_hand(tmp_path):
    src = write_csv(tmp_path / "in.csv", b1_rows(1))
    out = str(tmp_path / "out.csv")
    result = run_batch(policy(B1), src, out, dt.date(2024, 1, 1), progress=False)
    assert (result.computed, result.rejected_rows, result.rejects_path) == (1, 0, None)
    [row] = read_rows(duckdb.connect(), out)
    assert row == {"person_id": "1", **B1_EXPECTED}
    assert not (tmp_path / "out.rejects.csv").exists()


@pytest.mark.parametrize("fmt_in", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("fmt_out", ["csv", "parquet", "jsonl"])
def test_round_trips(tmp_path, fmt_in, fmt_out):
    rows = b1_rows(3)
    src = tmp_path / f"in.{fmt_in}"
    if fmt_in == "csv":
        write_csv(src, rows)
    elif fmt_in == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), src)
    else:
        src.write_text("".join(json.dumps({k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()})
                               + "\n" for r in rows))
    out = str(tmp_path / f"out.{fmt_out}")
    result = run_batch(policy(B1), str(src), out, dt.date(2024, 1, 1), progress=False)
    assert result.computed == 3 and result.rejected_rows == 0
    got = read_rows(duckdb.connect(), out)
    assert [int(r["person_id"]) for r in got] == [1, 2, 3]
    for r in got:
        assert {k: Decimal(str(r[k])) for k in B1_EXPECTED} == {k: Decimal(v) for k, v in B1_EXPECTED.items()}


def test_rejects_file_lists_every_problem_and_nothing_is_dropped(tmp_path):
    rows = b1_rows(6)
    rows[1] = {**rows[1], "sex": "X", "age": "forty"}
    rows[2] = {**rows[2], "business_months": -2}
    rows[3] = {**rows[3], "annual_rent": "12.1234567", "industry": "mining"}
    rows[4] = {**rows[4], "years_tax_relief_received": ""}
    src = write_csv(tmp_path / "in.csv", rows)
    out = str(tmp_path / "out.parquet")
    rejects = str(tmp_path / "bad.csv")
    result = run_batch(policy(B1), src, out, dt.date(2024, 1, 1), rejects=rejects, progress=False)
    assert (result.computed, result.rejected_rows, result.problems) == (2, 4, 6)
    assert "6 rows: 2 computed, 4 rejected (6 problems" in result.summary_line()
    got = [int(r["person_id"]) for r in read_rows(duckdb.connect(), out)]
    assert got == [1, 6]
    bad = [(int(r["row"]), r["field"], r["reason"]) for r in read_rows(duckdb.connect(), rejects)]
    assert sorted((r, f) for r, f, _ in bad) == [(2, "age"), (2, "sex"), (3, "business_months"), (4, "annual_rent"),
                                                 (4, "industry"), (5, "years_tax_relief_received")]
    reasons = dict(((r, f), why) for r, f, why in bad)
    assert "cannot be negative" in reasons[(3, "business_months")]
    assert "too many decimal places" in reasons[(4, "annual_rent")]
    assert reasons[(5, "years_tax_relief_received")] == "missing value"


def test_default_rejects_file_and_row_numbers(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "person_id"} for r in b1_rows(2)]
    rows[0]["sex"] = "?"
    src = write_csv(tmp_path / "in.csv", rows)
    out = str(tmp_path / "res.jsonl")
    result = run_batch(policy(B1), src, out, dt.date(2024, 1, 1), progress=False)
    assert result.rejects_path == str(tmp_path / "res.rejects.csv")
    got = read_rows(duckdb.connect(), out)
    assert [r["row"] for r in got] == [2]  # no id column: the input row number is kept


def test_missing_columns_and_shared_names(tmp_path):
    cp = policy(CITY).checked
    person = {f: 0 for f in cp.facts["person"].fields}
    firm = {f: 0 for f in cp.facts["enterprise"].fields}
    plan = plan_columns(cp, list(person))
    assert plan.kinds == ("person",) and plan.columns[("person", "pays_si")] == "pays_si"
    plan = plan_columns(cp, list(firm) + ["id"])
    assert plan.kinds == ("enterprise",) and plan.passthrough == ("id",)
    with pytest.raises(BatchError, match="enterprise.pays_si"):
        plan_columns(cp, list(person) + list(firm))
    both = [c for c in person if c != "pays_si"] + [c for c in firm if c != "pays_si"]
    plan = plan_columns(cp, both + ["person.pays_si", "enterprise.pays_si"])
    assert plan.kinds == ("person", "enterprise")
    plan = plan_columns(cp, list(person) + ["staff_count"])
    assert any("enterprise" in note and "incomplete" in note for note in plan.notes)
    with pytest.raises(BatchError, match="no complete kind"):
        plan_columns(cp, ["age", "sex"])


def test_mapping_renames_columns(tmp_path, capsys):
    rows = [{("geschlecht" if k == "sex" else k): v for k, v in r.items()} for r in b1_rows(2)]
    src = write_csv(tmp_path / "in.csv", rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("geschlecht: sex\n")
    out = tmp_path / "out.csv"
    assert main(["batch", str(B1), src, "-o", str(out), "--on", ON, "--mapping", str(mapping)]) == 0
    assert "2 rows: 2 computed, 0 rejected" in capsys.readouterr().err
    assert main(["batch", str(B1), src, "-o", str(out), "--on", ON]) == 2
    assert "sex" in capsys.readouterr().err


def test_cli_explain_prints_the_interpreters_explanation(tmp_path, capsys):
    rows = b1_rows(2)
    rows[1]["sex"] = "?"
    src = write_csv(tmp_path / "in.csv", rows)
    assert main(["batch", str(B1), src, "--on", ON, "--explain", "1"]) == 0
    text = capsys.readouterr().out
    assert "row 1 of" in text and "rent_subsidy" in text and "2700.01" in text and "alternative 1 applies" in text
    assert main(["batch", str(B1), src, "--on", ON, "--explain", "2"]) == 2
    assert "row 2 was rejected" in capsys.readouterr().err
    assert main(["batch", str(B1), src, "--on", ON, "--explain", "9"]) == 2


def test_cli_errors_exit_2(tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", b1_rows(1))
    assert main(["batch", str(B1), src, "-o", str(tmp_path / "x.txt"), "--on", ON]) == 2
    assert main(["batch", str(B1), str(tmp_path / "none.csv"), "-o", str(tmp_path / "x.csv"), "--on", ON]) == 2
    assert main(["batch", str(B1), src, "-o", str(tmp_path / "x.csv"), "--on", "someday"]) == 2
    assert main(["batch", str(CITY), src, "-o", str(tmp_path / "x.csv"), "--on", "2009-07-01"]) == 2
    assert "min_wage_monthly" in capsys.readouterr().err  # parameters to supply are named


def test_cli_sql_prints_each_dialect(capsys):
    import sqlglot

    for dialect in ("duckdb", "spark", "postgres"):
        assert main(["sql", str(B1), "--dialect", dialect, "--on", ON]) == 0
        text = capsys.readouterr().out
        assert text.startswith("-- policy b1, evaluated on 2024-01-01")
        sqlglot.parse_one(text, read=dialect)
    params = ["--param", "min_wage_monthly=960", "--param", "avg_wage_last_year=24000",
              "--param", "employer_min_si_monthly=300"]
    assert main(["sql", str(CITY), "--on", "2009-07-01", "--kinds", "agency", *params]) == 0
    text = capsys.readouterr().out
    assert "referral_subsidy" in text and "rent_subsidy" not in text
    assert main(["sql", str(CITY), "--on", "2009-07-01", "--kinds", "agency,nobody", *params]) == 2


def test_cli_summary(tmp_path, capsys):
    rows = b1_rows(4)
    rows[3] = {**rows[3], "hukou": "rural", "starts_business": False}
    rows[2]["sex"] = "?"
    src = write_csv(tmp_path / "in.csv", rows)
    assert main(["summary", str(B1), src, "--on", ON, "--json", "--by", "hukou"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["rejected_rows"] == 1
    rural, urban = s["groups"]
    assert rural["by"] == {"hukou": "rural"} and urban["rows"] == 2
    total = next(o for o in urban["outputs"] if o["output"] == "total")
    assert total == {"output": "total", "total": "34899.28", "eligible": 2, "paid": 2, "average": "17449.6400"}
    assert main(["summary", str(B1), src, "--on", ON]) == 0
    text = capsys.readouterr().out
    assert "all 3 rows" in text and "34899.28" not in text and "1 rows rejected" in text


def test_cli_compare_with_charts(tmp_path, capsys):
    newer = tmp_path / "b1_more.policy"
    newer.write_text(B1.read_text(encoding="utf-8").replace("15% of annual_rent, at_most 3000 元",
                                                            "20% of annual_rent, at_most 3600 元"),
                     encoding="utf-8")
    rows = b1_rows(3)
    rows[2] = {**rows[2], "micro_profit_project": False}
    src = write_csv(tmp_path / "in.csv", rows)
    svg, html = tmp_path / "c.svg", tmp_path / "c.html"
    assert main(["compare", str(B1), str(newer), src, "--on", ON, "--chart", str(svg)]) == 0
    text = capsys.readouterr().out
    assert "2 gain, 0 lose, 1 unchanged" in text and "rent_subsidy" in text
    assert svg.read_text().startswith("<svg") and "http" not in svg.read_text().replace(
        "http://www.w3.org/2000/svg", "")
    assert main(["compare", str(B1), str(newer), src, "--on", ON, "--chart", str(html), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    rent = next(o for o in r["outputs"] if o["output"] == "rent_subsidy")
    # 20% of 18000.05 = 3600.01 capped at 3600 for two persons (from 2700.01 each)
    assert Decimal(rent["change"]) == Decimal("1799.98") and r["counted_new"] == ["total"]
    assert "<svg" in html.read_text() and "<script" not in html.read_text()
    assert main(["compare", str(B1), str(newer), src, "--on", ON, "--chart", str(tmp_path / "c.png")]) == 2


def test_b1_batch_equals_reference_on_20000_rows(tmp_path):
    gen, ref = gen_population(), reference_b1()
    table = gen.population(20_000)
    src = tmp_path / "pop.parquet"
    pq.write_table(table, src)
    out = str(tmp_path / "out.parquet")
    result = run_batch(policy(B1), str(src), out, dt.date(2024, 1, 1), progress=False)
    assert result.computed == 20_000 and result.rejected_rows == 0
    got = pq.read_table(out).to_pylist()
    for person, row in zip(table.to_pylist(), got, strict=True):
        expected = ref.b1(person)
        assert row["person_id"] == person["person_id"]
        for k, v in expected.items():
            assert row[k] == v, (person, k, v, row[k])


def test_city_population_in_input_order_and_equal_to_interpreter(tmp_path):
    """Several row groups (input order must survive DuckDB's parallel plan), realistic persons."""
    import importlib.util

    from compiled_support import ROOT

    spec = importlib.util.spec_from_file_location("bench_interpreter", ROOT / "benchmarks" / "interpreter.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    src = tmp_path / "city.parquet"
    bench.write_population(140_000, str(src))
    out = str(tmp_path / "out.parquet")
    p = policy(CITY)
    result = run_batch(p, str(src), out, dt.date.fromisoformat(bench.CITY_ON), bench.CITY_PARAMS, progress=False)
    assert result.computed == 140_000
    got = pq.read_table(out)
    assert got.column("person_id").to_pylist() == list(range(140_000))
    rows = got.slice(0, 1500).to_pylist()
    for facts, row in zip(bench.persons(1500, "city"), rows, strict=True):
        d = p.evaluate(facts, on=bench.CITY_ON, parameters=bench.CITY_PARAMS, trace=False)
        for name, r in d.outputs.items():
            assert row[name] == r.value, (name, facts)


# ---------------------------------------------------------------- issue 8.1: input names never clash
HOSTILE_COLUMNS = ["__r__total", "__r__rent_subsidy", "__e__rent_subsidy", "__o__total", "__v__x", "__h1", "p",
                   "__keep", "__v0", "__row", "row", "file_row_number", "l1", "pass:0", "fact:person.age",
                   "in:age", "raw_input", "facts", "rejects", "total", "rent_subsidy"]


@pytest.mark.parametrize("fmt_in", ["csv", "parquet"])
@pytest.mark.parametrize("hostile", HOSTILE_COLUMNS)
def test_undeclared_input_columns_never_change_a_result(tmp_path, fmt_in, hostile):
    """An input column named like one of the compiler's or the validator's own columns is carried
    through untouched (or replaced by the output of that name) and never changes an amount."""
    rows = [{**r, hostile: "true" if i % 2 else "99999.99"} for i, r in enumerate(b1_rows(4))]
    rows[1] = {**rows[1], "registered_unemployed": False, "holds_reemployment_cert": False}  # an ineligible row
    src = tmp_path / f"in.{fmt_in}"
    if fmt_in == "csv":
        write_csv(src, rows)
    else:
        pq.write_table(pa.Table.from_pylist([{k: str(v) for k, v in r.items()} for r in rows]), src)
    clean = tmp_path / "clean.csv"
    write_csv(clean, [{k: v for k, v in r.items() if k != hostile} for r in rows])
    out, ref = str(tmp_path / "out.csv"), str(tmp_path / "ref.csv")
    run_batch(policy(B1), str(src), out, dt.date(2024, 1, 1), progress=False)
    run_batch(policy(B1), str(clean), ref, dt.date(2024, 1, 1), progress=False)
    got, want = read_rows(duckdb.connect(), out), read_rows(duckdb.connect(), ref)
    assert [{k: r[k] for k in B1_EXPECTED} for r in got] == [{k: r[k] for k in B1_EXPECTED} for r in want]
    if hostile not in B1_EXPECTED:
        assert [r[hostile] for r in got] == [r[hostile] for r in rows]


def test_mapping_target_named_like_a_computed_column_changes_nothing(tmp_path):
    rows = [{**r, "pid": r["person_id"]} for r in b1_rows(2)]
    src = write_csv(tmp_path / "in.csv", rows)
    out = str(tmp_path / "out.csv")
    run_batch(policy(B1), src, out, dt.date(2024, 1, 1), mapping={"pid": "__r__total"}, progress=False)
    got = read_rows(duckdb.connect(), out)
    assert [r["total"] for r in got] == [B1_EXPECTED["total"]] * 2
    assert [r["__r__total"] for r in got] == ["1", "2"]


def test_sql_reads_only_the_declared_facts(tmp_path):
    """The compiled query names every column it reads; a table with extra columns of any name
    gives the same amounts."""
    from policyrules.compile import compile_query, resolve

    cp = policy(B1).checked
    on = dt.date(2024, 1, 1)
    sql = compile_query(cp, on, resolve(cp, on, {})).sql()
    con = duckdb.connect()
    table = pa.Table.from_pylist([B1_ROW])  # noqa: F841 (read by DuckDB by its name)
    con.execute('CREATE TABLE facts AS SELECT *, 123456 AS "__r__total", true AS "__e__rent_subsidy", '
                '0 AS "__r__rent_subsidy" FROM "table"')
    got = dict(zip([d[0] for d in con.execute(sql).description], con.execute(sql).fetchone(), strict=True))
    assert format(got["total"], "f") == B1_EXPECTED["total"]


def test_negative_money_in_batch_is_rejected_with_the_field_named(tmp_path):
    """Issue 8.3: annual_rent -40000.00 and tax_paid -5000.00 are rejects, never negative amounts."""
    rows = b1_rows(3)
    rows[0] = {**rows[0], "annual_rent": "-40000.00"}
    rows[1] = {**rows[1], "tax_paid": "-5000.00"}
    src = write_csv(tmp_path / "in.csv", rows)
    out, bad = str(tmp_path / "out.csv"), str(tmp_path / "bad.csv")
    result = run_batch(policy(B1), src, out, dt.date(2024, 1, 1), rejects=bad, progress=False)
    assert (result.computed, result.rejected_rows) == (1, 2)
    problems = [(int(r["row"]), r["field"], r["reason"].split(" (")[0]) for r in read_rows(duckdb.connect(), bad)]
    assert problems == [(1, "annual_rent", "cannot be negative"), (2, "tax_paid", "cannot be negative")]
    assert all(Decimal(r["rent_subsidy"]) >= 0 and Decimal(r["tax_relief"]) >= 0
               for r in read_rows(duckdb.connect(), out))

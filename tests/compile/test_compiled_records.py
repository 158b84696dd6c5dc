"""Differential tests of the new constructs on the compiled path: lists of records (nested),
per-item values, every aggregate, optional facts and fields, table parameters, round and typed
outputs, compiled (``compile_query`` on DuckDB, and ``batch`` over Parquet and JSON lines)
against the interpreter, output by output.  Also the shared national-rule policies with lists
of records (overtime pay, severance pay) over their acceptance cases."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from compiled_support import ROOT, policy, read_rows, shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import types as T
from policyrules.batch import nested
from policyrules.batch.run import BatchError, plan_columns, run_batch
from policyrules.compile import Unsupported, compile_query, resolve

K = T.Kind
HIRING = ROOT / "tests" / "compile" / "data" / "hiring-records.policy"
ON = dt.date(2024, 6, 30)
PARAMS = {"bonus_rate": {"fixed": "0.1", "open_ended": "0.255"}}

# ---------------------------------------------------------------- populations
money = st.one_of(st.decimals(min_value=0, max_value=20000, places=2),
                  st.sampled_from([Decimal(0), Decimal("0.005"), Decimal("0.01"), Decimal("3.000003"),
                                   Decimal("5000"), Decimal("4999.99")]))
training = st.fixed_dictionaries({"hours": st.one_of(st.decimals(min_value=0, max_value=40, places=1),
                                                     st.just(Decimal(0))),
                                  "passed": st.booleans()})
hire = st.fixed_dictionaries(
    {"hire_date": st.one_of(st.dates(dt.date(2023, 11, 1), dt.date(2024, 3, 1)), st.just(dt.date(2024, 1, 1)),
                            st.just(dt.date(2023, 12, 31))),
     "insured": st.booleans(), "wage": money, "contract": st.sampled_from(["fixed", "open_ended"]),
     "trainings": st.lists(training, max_size=3)},
    optional={"bonus": money, "months": st.integers(0, 36)})
enterprise = st.fixed_dictionaries(
    {"hires": st.lists(hire, max_size=6), "staff": st.integers(0, 20)},
    optional={"founded": st.one_of(st.dates(dt.date(2000, 1, 1), dt.date(2024, 6, 30)),
                                   st.just(dt.date(2020, 6, 30)), st.just(dt.date(2024, 2, 29))),
              "already_granted": st.sampled_from([Decimal(0), Decimal("1000"), Decimal("5000"), Decimal("6000.5")])})


def with_ids(e: dict[str, Any]) -> dict[str, Any]:
    return {**e, "hires": [{"id": f"h{i}", **h} for i, h in enumerate(e["hires"], 1)]}


# ---------------------------------------------------------------- files
DEC = {K.MONEY: pa.decimal128(38, 6), K.NUMBER: pa.decimal128(38, 8), K.DURATION: pa.decimal128(38, 6)}


def arrow_type(cp: Any, ty: T.Type) -> pa.DataType:
    if ty.kind is K.LIST:
        return pa.list_(arrow_type(cp, ty.element))
    if ty.kind is K.RECORD:
        schema = cp.records[ty.record]
        return pa.struct([(f, arrow_type(cp, fld.type)) for f, fld in schema.fields.items()])
    return {K.BOOL: pa.bool_(), K.INTEGER: pa.int64(), K.DATE: pa.date32()}.get(ty.kind, DEC.get(ty.kind, pa.string()))


def write_parquet(cp: Any, rows: list[dict[str, Any]], path: Path) -> str:
    fields = cp.facts["enterprise"].fields
    table = pa.table({f: pa.array([r.get(f) for r in rows], type=arrow_type(cp, fld.type)) for f, fld in fields.items()})
    pq.write_table(table, path)
    return str(path)


def jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, Decimal):
        return format(v, "f")  # exact: JSON numbers are doubles
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> str:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(jsonable(r), ensure_ascii=False) + "\n")
    return str(path)


# ---------------------------------------------------------------- comparison
def norm(v: Any) -> Any:
    """A value as compared: numbers as Decimal, dates as ISO text, lists item by item."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, list | tuple):
        return [norm(x) for x in v]
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, int | Decimal):
        return Decimal(v).normalize()
    if isinstance(v, float):
        return Decimal(repr(v)).normalize()
    return v


def expected(p: Any, facts: dict[str, Any], on: dt.date, params: dict[str, Any]) -> dict[str, Any]:
    """The interpreter's outputs as a batch reports them (typed outputs in their unit)."""
    d = p.evaluate(facts, on=on, parameters=params, trace=False)
    out = {}
    for name, r in d.outputs.items():
        v = r.value
        ty = r.type
        if v is not None and ty is not None:
            if ty.kind is K.DURATION and ty.unit == "year":
                v = Decimal(v) / 12
            elif ty.kind is K.MONTH:
                v = f"{v.year:04d}-{v.month:02d}"
            elif ty.kind is K.LIST and ty.element is not None and ty.element.kind is K.MONTH:
                v = [f"{x.year:04d}-{x.month:02d}" for x in v]
        out[name] = norm(v)
    return out


def agree(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    for name, w in want.items():
        g = norm(got[name])
        if isinstance(w, Decimal) and isinstance(g, Decimal) and w != g:
            assert abs(w - g) < Decimal("1e-15"), f"{where}: {name}: compiled {g}, interpreted {w}"  # 18 places
            continue
        assert g == w, f"{where}: {name}: compiled {g!r}, interpreted {w!r}"


def compiled_rows(p: Any, path: str, on: dt.date, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``compile_query`` on DuckDB straight over a Parquet file (nested column cast to its type)."""
    cp = p.checked
    resolved = resolve(cp, on, params)
    casts = ", ".join(f'TRY_CAST("{f}" AS {nested.duck_type(cp, fld.type)}) AS "{f}"'
                      for f, fld in cp.facts["enterprise"].fields.items())
    con = duckdb.connect()
    con.execute(f"CREATE VIEW facts AS SELECT {casts} FROM read_parquet('{path}')")
    c = compile_query(cp, on, resolved)
    cur = con.execute(c.sql())
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# ---------------------------------------------------------------- the tests
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(enterprise, min_size=1, max_size=6))
def test_records_compiled_agree_with_interpreter(population: list[dict[str, Any]]) -> None:
    p = policy(HIRING)
    cp = p.checked
    rows = [with_ids(e) for e in population]
    wants = [expected(p, {"enterprise": r}, ON, PARAMS) for r in rows]
    with TemporaryDirectory() as tmp:
        src = write_parquet(cp, rows, Path(tmp) / "in.parquet")
        for i, got in enumerate(compiled_rows(p, src, ON, PARAMS)):
            agree(got, wants[i], f"compile_query row {i + 1}")
        params = {k: json.dumps(v) for k, v in PARAMS.items()}
        for name, path in (("parquet", src), ("json", write_jsonl(rows, Path(tmp) / "in.jsonl"))):
            out = str(Path(tmp) / f"out-{name}.parquet")
            result = run_batch(p, path, out, ON, params, progress=False)
            assert result.rejected_rows == 0, (name, result)
            got_rows = read_rows(duckdb.connect(), out)
            assert len(got_rows) == len(rows)
            for i, got in enumerate(got_rows):
                agree(got, wants[i], f"batch {name} row {i + 1}")


def test_typed_output_columns_and_types() -> None:
    p = policy(HIRING)
    c = compile_query(p.checked, ON, resolve(p.checked, ON, PARAMS))
    by = {o.column: o for o in c.outputs}
    assert by["qualified_count"].type.kind is K.INTEGER and not by["qualified_count"].monetary
    assert by["subsidy_total"].scale == 2 and by["share"].scale == 4
    assert by["grant"].monetary and by["grant"].type is None
    assert "LIST_FILTER" in c.sql() and "LAMBDA" in c.sql()


def test_batch_rejects_bad_nested_values_naming_the_field() -> None:
    p = policy(HIRING)
    good = {"id": "a", "hire_date": "2024-02-01", "insured": True, "wage": "100", "contract": "fixed",
            "trainings": []}
    rows = [{"hires": [good], "staff": 3},
            {"hires": [{**good, "hire_date": "2024-13-01"}], "staff": 3},
            {"hires": [{**good, "contract": "temp"}], "staff": 3},
            {"hires": [{k: v for k, v in good.items() if k != "insured"}], "staff": 3},
            {"hires": [{**good, "trainings": [{"hours": "-1", "passed": True}]}], "staff": 3}]
    with TemporaryDirectory() as tmp:
        src = write_jsonl(rows, Path(tmp) / "in.jsonl")
        out = str(Path(tmp) / "out.parquet")
        result = run_batch(p, src, out, ON, {k: json.dumps(v) for k, v in PARAMS.items()}, progress=False)
        assert result.computed == 1 and result.rejected_rows == 4
        rejects = read_rows(duckdb.connect(), result.rejects_path)
        fields = {(int(r["row"]), r["field"]) for r in rejects}
        assert fields == {(2, "hires[].hire_date"), (3, "hires[].contract"), (4, "hires[].insured"),
                          (5, "hires[].trainings[].hours")}


def test_csv_input_is_refused_for_structured_facts() -> None:
    cp = policy(HIRING).checked
    with pytest.raises(BatchError, match="CSV cannot hold"):
        plan_columns(cp, ["hires", "staff"], "csv")
    plan = plan_columns(cp, ["hires", "staff"], "parquet")
    assert set(plan.absent) == {"founded", "already_granted"}


def test_postgres_refuses_aggregates_by_name() -> None:
    p = policy(HIRING)
    with pytest.raises(Unsupported, match="PostgreSQL has no list lambdas"):
        compile_query(p.checked, ON, resolve(p.checked, ON, PARAMS), dialect="postgres")
    spark = compile_query(p.checked, ON, resolve(p.checked, ON, PARAMS), dialect="spark").sql()
    assert "FILTER(" in spark and "->" in spark


# ---------------------------------------------------------------- shared national rules
def _shared_cases(name: str) -> tuple[Any, dict[str, Any]]:
    try:
        path = shared_dir() / "acceptance" / f"{name}.yaml"
    except FileNotFoundError:
        pytest.skip("../shared (acceptance cases) is absent")
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return policy(ROOT / "policies" / f"{name}.policy"), yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["overtime-pay", "severance-pay", "annual-leave", "individual-income-tax"])
def test_shared_policies_compiled_agree_with_interpreter(name: str) -> None:
    p, doc = _shared_cases(name)
    on = doc["date"] if isinstance(doc["date"], dt.date) else dt.date.fromisoformat(str(doc["date"]))
    params = doc.get("parameters") or {}
    cases = [c for c in doc["cases"] if not c.get("date") and not c.get("parameters") and "error" not in c]
    kinds = {k for c in cases for k in c["facts"]}
    if len(kinds) != 1:
        pytest.skip(f"{name}: cases give several kinds of facts")
    kind = kinds.pop()
    rows = []
    for c in cases:
        try:
            wants = expected(p, c["facts"], on, params)
        except Exception:  # noqa: BLE001 - a case the interpreter refuses is not compared
            continue
        rows.append((c["facts"][kind], wants))
    with TemporaryDirectory() as tmp:
        src = write_jsonl([r for r, _ in rows], Path(tmp) / "in.jsonl")
        out = str(Path(tmp) / "out.parquet")
        try:
            result = run_batch(p, src, out, on, params, progress=False)
        except (Unsupported, BatchError) as err:
            pytest.skip(f"{name}: {err}")
        assert result.rejected_rows == 0, result
        got_rows = read_rows(duckdb.connect(), out)
        for i, (got, (_, wants)) in enumerate(zip(got_rows, rows, strict=True)):
            agree(got, wants, f"{name} case {i + 1}")

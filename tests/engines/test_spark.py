"""``batch --engine spark``: the spark-dialect query on PySpark in local mode (one session for
the module), exact to the fen against the in-process DuckDB run."""

from __future__ import annotations

import datetime as dt
import glob
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from engine_support import B1, B1_ON, CITY, ROOT, b1_parquet, bench_interpreter

from policyrules.api import load
from policyrules.batch.run import BatchError, run_batch
from policyrules.interfaces.cli import main

pytestmark = pytest.mark.spark


def spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install -e '.[dev]')"
    if shutil.which("java") is None:
        return "Java (17) is not installed: Spark needs it"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    why = spark_missing()
    if why:
        pytest.skip(why)
    from policyrules.engines.spark import session

    # not stopped: the next module that needs Spark takes the same session (the JVM ends with
    # the test process), so Spark starts once per run
    yield session("local[2]")


def _rows(path: str, key: str) -> dict[Any, dict[str, Any]]:
    parts = sorted(glob.glob(f"{path}/*.parquet")) if Path(path).is_dir() else [path]
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    return {r[key]: r for r in rows}


def _both(policy_path: Path, src: str, tmp_path: Path, on: str, params: dict[str, str] | None = None,
          key: str = "person_id", master: str = "local[2]") -> tuple[Any, dict, dict]:
    from policyrules.engines.spark import run_spark

    policy, day = load(policy_path), dt.date.fromisoformat(on)
    result = run_spark(policy, src, str(tmp_path / "spark.parquet"), day, params, master=master)
    run_batch(policy, src, str(tmp_path / "duck.parquet"), day, params, progress=False)
    return result, _rows(str(tmp_path / "spark.parquet"), key), _rows(str(tmp_path / "duck.parquet"), key)


def test_b1_exact_against_duckdb(spark: Any, tmp_path: Path) -> None:
    src = b1_parquet(tmp_path / "b1.parquet", 2000)
    result, got, expected = _both(B1, src, tmp_path, B1_ON)
    assert (result.computed, result.rejected_rows) == (2000, 0)
    assert got == expected and sum(r["total"] for r in got.values()) > 0


def test_city_population_exact_against_duckdb(spark: Any, tmp_path: Path) -> None:
    bench = bench_interpreter()
    src = str(tmp_path / "city.parquet")
    bench.write_population(2000, src)
    result, got, expected = _both(CITY, src, tmp_path, bench.CITY_ON, bench.CITY_PARAMS)
    assert result.computed == 2000 and got == expected


def test_rejects_as_duckdb_and_rows_numbered(spark: Any, tmp_path: Path) -> None:
    """Refused rows go to the rejects file, as in the DuckDB run; the others keep their row number."""
    table = pq.read_table(b1_parquet(tmp_path / "b1.parquet", 4)).drop(["person_id"])
    rows = table.to_pylist()
    rows[1]["age"] = -4  # refused: not signed
    pq.write_table(table.from_pylist(rows, schema=table.schema), tmp_path / "bad.parquet")
    from policyrules.engines.spark import run_spark

    out = tmp_path / "out.parquet"
    result = run_spark(load(B1), str(tmp_path / "bad.parquet"), str(out), dt.date.fromisoformat(B1_ON))
    assert (result.computed, result.rejected_rows, result.problems) == (3, 1, 1)
    text = pacsv.ConvertOptions(column_types={"value": "string"})
    rejects = pacsv.read_csv(tmp_path / "out.rejects.csv", convert_options=text).to_pylist()
    assert rejects == [{"row": 2, "field": "age", "value": "-4",
                        "reason": "cannot be negative (declare it `signed integer` if it can be): '-4'"}]
    assert sorted(_rows(str(out), "row")) == [1, 3, 4]


def test_cli_and_errors(spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = b1_parquet(tmp_path / "b1.parquet", 20)
    out = str(tmp_path / "r.parquet")
    assert main(["batch", str(B1), src, "-o", out, "--on", B1_ON, "--engine", "spark", "--master", "local[2]"]) == 0
    assert "20 rows: 20 computed, 0 rejected; results in" in capsys.readouterr().err
    assert main(["batch", str(B1), src, "-o", out, "--on", B1_ON, "--engine", "spark"]) == 2  # exists
    assert main(["batch", str(B1), src, "-o", str(tmp_path / "r.csv"), "--on", B1_ON, "--engine", "spark"]) == 2
    assert main(["batch", str(B1), src, "--on", B1_ON, "--engine", "sparky"]) == 2
    assert main(["batch", str(B1), src, "-o", str(tmp_path / "no" / "r.parquet"), "--on", B1_ON,
                 "--engine", "spark"]) == 2
    err = capsys.readouterr().err
    assert "exists already" in err and "writes Parquet" in err and "expected duckdb, spark" in err
    assert "cannot write beside it" in err
    assert "Traceback" not in err
    with pytest.raises(BatchError, match="writes Parquet"):
        from policyrules.engines.spark import run_spark

        run_spark(load(B1), src, str(tmp_path / "x.jsonl"), dt.date.fromisoformat(B1_ON))


def test_lists_of_records_exact_against_duckdb(spark: Any, tmp_path: Path) -> None:
    """Nested Parquet (a list of records with a list inside): aggregates with Spark's
    higher-order functions, sums of 8-place numbers included, equal to DuckDB's."""
    import datetime as dt_
    import json
    from decimal import Decimal

    import pyarrow as pa

    from policyrules.engines.spark import run_spark

    policy = load(ROOT / "tests" / "compile" / "data" / "hiring-records.policy")
    cp = policy.checked
    hire = pa.struct([("id", pa.string()), ("hire_date", pa.date32()), ("insured", pa.bool_()),
                      ("wage", pa.decimal128(38, 6)), ("contract", pa.string()),
                      ("trainings", pa.list_(pa.struct([("hours", pa.decimal128(38, 8)), ("passed", pa.bool_())])))])
    hires = [[{"id": "h1", "hire_date": dt_.date(2024, 2, 1), "insured": True, "wage": Decimal("8000.005"),
               "contract": "fixed", "trainings": [{"hours": Decimal("3.12345678"), "passed": True},
                                                  {"hours": Decimal("1.5"), "passed": True}]},
              {"id": "h2", "hire_date": dt_.date(2023, 12, 31), "insured": False, "wage": Decimal("5000"),
               "contract": "open_ended", "trainings": []}], []]
    assert set(cp.facts["enterprise"].fields) >= {"hires", "staff"}
    table = pa.table({"hires": pa.array(hires, pa.list_(hire)), "staff": pa.array([3, 0], pa.int64())})
    src = tmp_path / "hires.parquet"
    pq.write_table(table, src)
    on, params = dt_.date(2024, 6, 30), {"bonus_rate": json.dumps({"fixed": "0.1", "open_ended": "0.255"})}
    result = run_spark(policy, str(src), str(tmp_path / "spark.parquet"), on, params)
    run_batch(policy, str(src), str(tmp_path / "duck.parquet"), on, params, progress=False)
    assert result.computed == 2
    got, want = _rows(str(tmp_path / "spark.parquet"), "row"), _rows(str(tmp_path / "duck.parquet"), "row")
    assert {(k, c): v for k, r in got.items() for c, v in r.items() if want[k].get(c) != v} == {}
    assert got == want

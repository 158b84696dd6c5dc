"""The hand-written DuckDB baseline of the city policy (benchmarks/city_duckdb.py) computes what
`policyrules batch` computes, to the fen, so that the performance comparison is a fair one."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from compiled_support import CITY, ROOT, policy

from policyrules.batch.run import run_batch


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[Any, Path, Path]:
    bench, base = _module("interpreter"), _module("city_duckdb")
    tmp = tmp_path_factory.mktemp("city_baseline")
    src, ours, theirs = tmp / "city.parquet", tmp / "batch.parquet", tmp / "baseline.parquet"
    bench.write_population(2000, str(src))
    result = run_batch(policy(CITY), str(src), str(ours), dt.date.fromisoformat(base.ON), bench.CITY_PARAMS,
                       progress=False)
    assert result.computed == 2000 and result.rejected_rows == 0
    base.run(str(src), str(theirs))
    return base, ours, theirs


def test_baseline_equals_batch_to_the_fen(results):
    base, ours, theirs = results
    assert {k: v for k, v in base.mismatches(str(ours), str(theirs)).items() if v} == {}


def test_baseline_covers_every_output_and_paid_branches(results):
    """Same columns as the batch output, and the population pays each output somewhere (an output
    that is zero everywhere would agree by accident)."""
    import duckdb

    base, ours, _ = results
    con = duckdb.connect()
    names = [d[0] for d in con.execute(f"SELECT * FROM read_parquet('{ours}') LIMIT 0").description]
    assert names == ["person_id", *base.OUTPUTS]
    paid = con.execute("SELECT " + ", ".join(f'count(*) FILTER ("{n}" {"" if n == "fee_exemption" else "> 0"})'
                                             for n in base.OUTPUTS) + f" FROM read_parquet('{ours}')").fetchone()
    assert all(paid), dict(zip(base.OUTPUTS, paid, strict=True))


def test_a_changed_amount_is_found(results, tmp_path):
    """The comparison catches one fen on one person."""
    import duckdb

    base, ours, theirs = results
    changed = tmp_path / "changed.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * REPLACE (CASE WHEN person_id = 7 THEN rent_subsidy + 0.01 ELSE rent_subsidy END "
        f"AS rent_subsidy) FROM read_parquet('{theirs}')) TO '{changed}' (FORMAT parquet)")
    bad = {k: v for k, v in base.mismatches(str(ours), str(changed)).items() if v}
    assert bad == {"rent_subsidy": 1}

"""The conformance corpus (``corpus/*.yaml``) on every engine present: the interpreter, and the
compiled query on DuckDB, Spark (local mode, one session for the module) and PostgreSQL (one
throwaway cluster for the module).  A case in ``skips.yaml`` for an engine must fail there:
once it passes, the run fails until the line is removed (the list may only shrink)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import conformance as cf
import pytest
from pg_cluster import missing as pg_missing
from pg_cluster import throwaway_cluster

FILES = cf.corpus_files()
SKIPS = cf.skips()


@pytest.fixture(scope="module")
def spark_session() -> Iterator[Any]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("PySpark is not installed (pip install -e '.[dev]')")
    if shutil.which("java") is None:
        pytest.skip("Java (17) is not installed: Spark needs it")
    from policyrules.engines.spark import session

    # not stopped: the next module that needs Spark takes the same session (the JVM ends with
    # the test process), so Spark starts once per run
    yield session("local[2]")


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    why = pg_missing()
    if why:
        pytest.skip(why)
    with throwaway_cluster() as cluster:
        yield cluster.dsn


def _results(engine: str, suite: cf.Suite, request: pytest.FixtureRequest) -> Any:
    if engine == "interpreter":
        return cf.run_interpreter(suite)
    if engine == "duckdb":
        return cf.run_compiled(suite, "duckdb", cf.duckdb_runner())
    if engine == "spark":
        return cf.run_compiled(suite, "spark", cf.spark_runner(request.getfixturevalue("spark_session")))
    return cf.run_compiled(suite, "postgres", cf.postgresql_runner(request.getfixturevalue("pg_dsn")))


ENGINE_PARAMS = [pytest.param("interpreter"), pytest.param("duckdb"),
                 pytest.param("spark", marks=pytest.mark.spark),
                 pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("engine", ENGINE_PARAMS)
def test_corpus(engine: str, path: Path, request: pytest.FixtureRequest) -> None:
    skips = SKIPS[engine]
    failed: dict[str, str] = {}
    now_passing: list[str] = []
    for suite in cf.load_file(path):
        outcome = cf.check(_results(engine, suite, request))
        for case in suite.cases:
            pattern = cf.skipped(case.id, skips)
            if pattern is None and case.id in outcome:
                failed[case.id] = outcome[case.id]
            elif pattern is not None and case.id not in outcome:
                now_passing.append(f"{case.id} (skipped by {pattern!r})")
    problems = [f"{cid}: {why}" for cid, why in failed.items()]
    problems += [f"{c} now passes on {engine}: remove it from tests/conformance/skips.yaml" for c in now_passing]
    assert not problems, "\n".join(problems)


def test_skip_list_names_only_cases_of_the_corpus() -> None:
    ids = [c.id for p in FILES for s in cf.load_file(p) for c in s.cases]
    for engine, patterns in SKIPS.items():
        for pattern, reason in patterns.items():
            assert reason and str(reason).strip(), f"{engine}: {pattern} has no reason"
            assert any(cf.skipped(i, {pattern: reason}) for i in ids), f"{engine}: {pattern} matches no case"


def test_same_compares_exactly() -> None:
    from decimal import Decimal

    assert cf.same("0.13", Decimal("0.130"))
    assert not cf.same("0.13", Decimal("0.12"))
    assert not cf.same(True, 1) and not cf.same("1", True)
    assert not cf.same(None, Decimal(0)) and cf.same(None, None)
    assert cf.same(["a", "b"], ("a", "b")) and not cf.same(["a"], ["a", "b"])
    with pytest.raises(AssertionError, match="binary float"):
        cf.same("0.1", 0.1)

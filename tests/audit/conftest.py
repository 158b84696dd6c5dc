"""The store under test: the same suite runs against a SQLite file and a real throwaway
PostgreSQL cluster (``tests/pg_cluster.py``: initdb/pg_ctl on a Unix socket in a temp dir, as
an unprivileged user when the tests run as root), started once per session and stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_cluster import missing, throwaway_cluster

from policyrules.audit import Store, open_store


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The DSN of a throwaway PostgreSQL cluster (skips, saying why, where there is none)."""
    why = missing()
    if why:
        pytest.skip(f"{why}; CI runs these tests")
    with throwaway_cluster() as cluster:
        yield cluster.dsn


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store: a new SQLite file, or a new database in the PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'decisions.db'}"
    dsn = request.getfixturevalue("postgres_server")
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:  # empty: faster than a new database each time
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return str(dsn)


@pytest.fixture()
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()

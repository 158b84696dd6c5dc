"""The store under test: the same suite runs against a SQLite file and a real throwaway
PostgreSQL 15 cluster (initdb/pg_ctl on a Unix socket in a temp dir, as an unprivileged user
when the tests run as root), started once per session and stopped after."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyrules.audit import Store, open_store

PG_BIN = Path(os.environ.get("POLICYRULES_PG_BIN", "/usr/lib/postgresql/15/bin"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL of a throwaway PostgreSQL cluster (skips, saying why, where there is none)."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb not found); CI installs it")
    base = Path(tempfile.mkdtemp(prefix="policyrules-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as nobody, in a folder nobody owns
        nobody = pwd.getpwnam("nobody")
        os.chown(base, nobody.pw_uid, nobody.pw_gid)
        prefix = ["runuser", "-u", "nobody", "--"]
    data = base / "data"

    def run(*argv: str) -> None:
        done = subprocess.run([*prefix, *argv], cwd=base, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()[-800:]}")

    run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
        "--no-sync")
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60", "start",
        "-o", f"-k {base} -c listen_addresses='' -c fsync=off -c max_connections=20")
    try:
        yield f"postgresql://postgres@/postgres?host={base}"
    finally:
        subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       cwd=base, capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


_DB = iter(range(1, 10_000))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store: a new SQLite file, or a new database in the PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'decisions.db'}"
    base = request.getfixturevalue("postgres_server")
    import psycopg

    name = f"t{os.getpid()}_{next(_DB)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return base.replace("/postgres?", f"/{name}?")


@pytest.fixture()
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()

"""A throwaway PostgreSQL cluster for tests: ``initdb`` in a temporary folder, the server on a
Unix socket in that folder only (no TCP port unless asked), stopped and removed afterwards.

Use it as a fixture in any test module::

    from pg_cluster import pg_cluster  # noqa: F401  (the fixture, one cluster per module)

    def test_something(pg_cluster):
        with psycopg.connect(pg_cluster.dsn) as con: ...

or directly: ``with throwaway_cluster() as cluster: ...``.  Where PostgreSQL's server programs
or psycopg are absent, the fixture skips with the reason.  Run as root (as CI is), the server
runs as an unprivileged user (``nobody``, or ``$POLICYRULES_PG_USER``) that owns the folder,
since PostgreSQL refuses to run as root.  ``$POLICYRULES_PG_BIN`` overrides the folder of
``initdb`` and ``pg_ctl`` (default: the newest ``/usr/lib/postgresql/*/bin``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import attrs
import pytest


@attrs.frozen
class Cluster:
    """A running cluster: connect with ``dsn`` (a ``postgresql://`` URI) as superuser ``postgres``."""

    folder: str
    socket_dir: str
    port: int
    tcp: bool

    @property
    def dsn(self) -> str:
        if self.tcp:
            return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        return f"postgresql:///postgres?host={self.socket_dir}&port={self.port}&user=postgres"


def server_bin() -> str | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None."""
    env = os.environ.get("POLICYRULES_PG_BIN")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                          key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
                                          reverse=True)
    for folder in candidates:
        if folder and os.path.isfile(os.path.join(folder, "initdb")) and os.path.isfile(os.path.join(folder, "pg_ctl")):
            return folder
    found = shutil.which("pg_ctl")
    return os.path.dirname(found) if found and shutil.which("initdb") else None


def missing() -> str | None:
    """Why no cluster can be started here (None when one can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[dev]')"
    if server_bin() is None:
        return "PostgreSQL's server programs (initdb, pg_ctl) are not installed (apt-get install postgresql)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def throwaway_cluster(tcp: bool = False) -> Iterator[Cluster]:
    """Start a new cluster; stop it and delete its folder on exit."""
    why = missing()
    if why:
        raise RuntimeError(why)
    bindir = server_bin()
    assert bindir is not None
    folder = tempfile.mkdtemp(prefix="policyrules-pg-")
    os.chmod(folder, 0o755)  # the socket must be reachable by the test process
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = os.environ.get("POLICYRULES_PG_USER", "nobody")
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        as_user = ["runuser", "-u", user, "--"]
    data = os.path.join(folder, "data")
    port = _free_port() if tcp else 5432
    run = dict(check=True, capture_output=True, text=True, cwd=folder)
    try:
        subprocess.run([*as_user, f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--locale=C", "--no-sync"], **run)  # type: ignore[call-overload]
        options = (f"-k {folder} -p {port} -c listen_addresses={'127.0.0.1' if tcp else chr(39) * 2} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-o", options, "-l",
                        os.path.join(folder, "log"), "-w", "-t", "60", "start"], **run)  # type: ignore[call-overload]
    except subprocess.CalledProcessError as err:
        log = ""
        with contextlib.suppress(OSError), open(os.path.join(folder, "log")) as fh:
            log = fh.read()[-2000:]
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"cannot start PostgreSQL: {err.stderr or err.stdout}\n{log}") from None
    try:
        yield Cluster(folder, folder, port, tcp)
    finally:
        subprocess.run([*as_user, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, cwd=folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway cluster for the test module (skips where PostgreSQL is absent)."""
    why = missing()
    if why:
        pytest.skip(why)
    with throwaway_cluster() as cluster:
        yield cluster

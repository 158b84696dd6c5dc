"""Database connections for the store: SQLite (stdlib ``sqlite3``) and PostgreSQL (psycopg 3)
behind one small interface: ``run(sql, params)`` and ``transaction()``.  SQL is written once
with ``?`` placeholders; the PostgreSQL backend turns them into ``%s``."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

URL_FORMS = "sqlite:///PATH (a file, created if absent) or postgresql://USER@HOST/DB"


class BackendError(Exception):
    """The database cannot be opened or refused a statement; the message names the store."""


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (for messages)."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class Backend:
    """One connection, used under a lock (the store serialises its writes anyway)."""

    dialect = ""
    url = ""

    def __init__(self) -> None:
        self.lock = threading.RLock()

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            self.run(sql, row)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    """A SQLite file in WAL mode with ``synchronous=FULL``: a committed append survives a
    killed process (and a power cut); other processes (``policyrules record``) wait their turn."""

    dialect = "sqlite"

    def __init__(self, path: str, url: str):
        super().__init__()
        self.url = url
        if path != ":memory:" and not Path(path).parent.is_dir():
            raise BackendError(f"{url}: the folder {Path(path).parent} does not exist")
        try:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.Error as err:
            raise BackendError(f"{url}: cannot open the SQLite store: {err}") from None

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            try:
                return self.conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as err:
                raise BackendError(f"{self.url}: {err}") from None

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.lock:
            try:
                self.conn.executemany(sql, [tuple(r) for r in rows])
            except sqlite3.Error as err:
                raise BackendError(f"{self.url}: {err}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")  # the write lock now: appends are serialised
            except sqlite3.Error as err:
                raise BackendError(f"{self.url}: {err}") from None
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as err:
                raise BackendError(f"{self.url}: cannot commit: {err}") from None

    def close(self) -> None:
        with self.lock:
            self.conn.close()


_PLACEHOLDER = re.compile(r"\?")


class PostgresBackend(Backend):
    """A PostgreSQL database through psycopg 3 (autocommit outside explicit transactions)."""

    dialect = "postgresql"

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        import psycopg

        self._errors = psycopg.Error
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as err:
            raise BackendError(f"{redact(url)}: cannot connect to PostgreSQL: {str(err).strip()}") from None
        self._tx = threading.local()

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            try:
                cur = self.conn.execute(_PLACEHOLDER.sub("%s", sql), tuple(params))  # type: ignore[arg-type]
                return cur.fetchall() if cur.description else []
            except self._errors as err:
                raise BackendError(f"{redact(self.url)}: {str(err).strip()}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            try:
                tx = self.conn.transaction()
                tx.__enter__()
            except self._errors as err:
                raise BackendError(f"{redact(self.url)}: {str(err).strip()}") from None
            try:
                yield
            except BaseException as exc:
                tx.__exit__(type(exc), exc, exc.__traceback__)
                raise
            try:
                tx.__exit__(None, None, None)
            except self._errors as err:
                raise BackendError(f"{redact(self.url)}: cannot commit: {str(err).strip()}") from None

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def connect(url: str) -> Backend:
    """The backend for a store URL; a clear error for anything else."""
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://"):]
        if not rest.startswith("/") or rest == "/":
            raise BackendError(f"{url}: a SQLite store is written sqlite:///PATH (three slashes, then the file)")
        return SqliteBackend(rest[1:], url)
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg  # noqa: F401
        except ModuleNotFoundError:
            raise BackendError(f"{redact(url)}: PostgreSQL needs the psycopg package (pip install 'psycopg[binary]')") \
                from None
        return PostgresBackend(url)
    raise BackendError(f"{redact(url)}: not a store URL; expected {URL_FORMS}")

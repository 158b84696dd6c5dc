"""The decision store: append sealed records, read and search them, keep the policy texts
(content-addressed) and the API keys (hashed).  Backed by :mod:`policyrules.audit.backends`.

Tables: ``decisions`` (one sealed record per row: the canonical JSON ``body``, its ``hash``
and ``prev``, plus copies of a few body fields for search), ``decision_outputs`` (a derived
search index of output values), ``policy_texts``, ``chain_head`` (the last seq and hash,
updated in the same transaction as each append, so deleting the newest record shows) and
``api_keys``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from typing import Any

import attrs

from policyrules.audit.backends import Backend, BackendError, connect, redact
from policyrules.audit.seal import GENESIS, canonical, seal, text_hash

ROLES = ("evaluate", "audit")

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS policy_texts (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "text TEXT NOT NULL, stored_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS decisions (seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
    "recorded_at TEXT NOT NULL, policy TEXT NOT NULL, policy_sha256 TEXT NOT NULL, date TEXT NOT NULL, "
    "subject TEXT, body TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS decisions_policy ON decisions (policy, date)",
    "CREATE INDEX IF NOT EXISTS decisions_subject ON decisions (subject)",
    "CREATE TABLE IF NOT EXISTS decision_outputs (seq BIGINT NOT NULL, name TEXT NOT NULL, value TEXT)",
    "CREATE INDEX IF NOT EXISTS decision_outputs_value ON decision_outputs (value)",
    "CREATE TABLE IF NOT EXISTS chain_head (one INTEGER PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)",
    f"INSERT INTO chain_head (one, seq, hash) VALUES (1, 0, '{GENESIS}') ON CONFLICT (one) DO NOTHING",
    "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, role TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, "
    "label TEXT, created_at TEXT NOT NULL, revoked_at TEXT)",
)

_COLUMNS = "seq, id, body, prev, hash"


class StoreError(Exception):
    """The store cannot do what was asked; the message says why and names the store."""


@attrs.frozen(slots=True)
class StoredDecision:
    """One sealed record: its position, id, body (the payload with ``seq``, ``prev`` and
    ``policy_sha256``) and hash."""

    seq: int
    id: str
    body: dict[str, Any]
    prev: str
    hash: str


@attrs.frozen(slots=True)
class ApiKey:
    id: str
    role: str
    label: str | None
    created_at: str
    revoked_at: str | None


@attrs.frozen(slots=True)
class ChainReport:
    """The result of checking the chain: ``ok``, how many records were read, and for a broken
    chain the first bad record (its seq, its id when known) and why."""

    ok: bool
    records: int
    head: str
    bad_seq: int | None = None
    bad_id: str | None = None
    reason: str | None = None


@attrs.frozen(slots=True)
class RecordStatus:
    """The chain status of one record: its own seal and its link to the record before it."""

    sealed: bool
    linked: bool
    detail: str


class _Slot:
    """One append waiting for its group commit."""

    __slots__ = ("text", "body", "done", "result", "error")

    def __init__(self, text: str, body: dict[str, Any]):
        self.text, self.body = text, body
        self.done = threading.Event()
        self.result: StoredDecision | None = None
        self.error: StoreError | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _key_hash(secret: str) -> str:
    # Keys are 256-bit random strings: a plain SHA-256 is enough (no dictionary to guess from).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Store:
    """An open decision store.  Thread-safe; appends are serialised by the database."""

    def __init__(self, backend: Backend):
        self.db = backend
        self.url = redact(backend.url)
        self._texts_seen: set[str] = set()
        self._mutex = threading.Lock()
        self._pending: list[_Slot] = []
        self._leading = False
        try:
            with self.db.transaction():
                for statement in SCHEMA:
                    self.db.run(statement)
        except BackendError as err:
            raise StoreError(str(err)) from None

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------ decisions
    def append(self, policy_text: str, body: dict[str, Any]) -> StoredDecision:
        """Seal ``body`` after the current head and store it (with its policy text, once).
        Returns only after the transaction holding it has committed.

        Group commit: appends that arrive while another thread is committing wait and are then
        committed together, in arrival order, in one transaction (one fsync for all of them)."""
        slot = _Slot(policy_text, body)
        with self._mutex:
            self._pending.append(slot)
            lead = not self._leading
            self._leading = True
        if lead:
            while True:
                with self._mutex:
                    batch, self._pending = self._pending, []
                    if not batch:
                        self._leading = False
                        break
                try:
                    for s, stored in zip(batch, self._commit(batch), strict=True):
                        s.result = stored
                except StoreError as err:
                    for s in batch:
                        s.error = err
                except BaseException as err:  # never leave a waiting caller behind
                    for s in batch:
                        s.error = StoreError(f"the decision was not stored: {type(err).__name__}: {err}")
                for s in batch:
                    s.done.set()
        slot.done.wait()
        if slot.error is not None:
            raise slot.error
        assert slot.result is not None
        return slot.result

    def _commit(self, batch: list[_Slot]) -> list[StoredDecision]:
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        out: list[StoredDecision] = []
        try:
            with self.db.transaction():
                head = self.db.run(f"SELECT seq, hash FROM chain_head WHERE one = 1{lock}")
                seq, prev = int(head[0][0]), str(head[0][1])
                outputs: list[tuple[Any, ...]] = []
                for slot in batch:
                    digest = text_hash(slot.text)
                    if digest not in self._texts_seen:
                        self.db.run("INSERT INTO policy_texts (sha256, name, text, stored_at) VALUES (?, ?, ?, ?) "
                                    "ON CONFLICT (sha256) DO NOTHING", (digest, slot.body["policy"], slot.text, _now()))
                    seq += 1
                    sealed = {**slot.body, "seq": seq, "prev": prev, "policy_sha256": digest}
                    h = seal(sealed)
                    self.db.run("INSERT INTO decisions (seq, id, recorded_at, policy, policy_sha256, date, subject, "
                                "body, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (seq, sealed["id"], sealed["recorded_at"], sealed["policy"], digest, sealed["date"],
                                 sealed.get("subject"), canonical(sealed).decode("utf-8"), prev, h))
                    outputs += [(seq, name, _index_value(o.get("value")))
                                for name, o in (sealed.get("outputs") or {}).items()]
                    out.append(StoredDecision(seq, sealed["id"], sealed, prev, h))
                    prev = h
                if outputs:
                    self.db.run_many("INSERT INTO decision_outputs (seq, name, value) VALUES (?, ?, ?)", outputs)
                self.db.run("UPDATE chain_head SET seq = ?, hash = ? WHERE one = 1", (seq, prev))
        except BackendError as err:
            raise StoreError(f"the decision was not stored: {err}") from None
        self._texts_seen.update(text_hash(s.text) for s in batch)
        return out

    def get(self, decision_id: str) -> StoredDecision | None:
        rows = self._run(f"SELECT {_COLUMNS} FROM decisions WHERE id = ?", (decision_id,))
        return _decision(rows[0]) if rows else None

    def at(self, seq: int) -> StoredDecision | None:
        rows = self._run(f"SELECT {_COLUMNS} FROM decisions WHERE seq = ?", (seq,))
        return _decision(rows[0]) if rows else None

    def count(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM decisions")[0][0])

    def search(self, *, policy: str | None = None, date_from: str | None = None, date_to: str | None = None,
               subject: str | None = None, value: str | None = None, limit: int = 50,
               offset: int = 0) -> list[StoredDecision]:
        """The newest records first that match every given filter: the policy, the evaluation
        date range (inclusive), the subject reference, any output's value (as stored text)."""
        where, params = [], []
        if policy:
            where.append("policy = ?")
            params.append(policy)
        if date_from:
            where.append("date >= ?")
            params.append(date_from)
        if date_to:
            where.append("date <= ?")
            params.append(date_to)
        if subject:
            where.append("subject = ?")
            params.append(subject)
        if value:
            where.append("seq IN (SELECT seq FROM decision_outputs WHERE value = ?)")
            params.append(value)
        sql = f"SELECT {_COLUMNS} FROM decisions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY seq DESC LIMIT {int(limit)} OFFSET {int(offset)}"
        return [_decision(r) for r in self._run(sql, params)]

    def records(self, batch: int = 500) -> Iterator[StoredDecision]:
        """Every record in chain order (read in batches)."""
        last = 0
        while True:
            rows = self._run(f"SELECT {_COLUMNS} FROM decisions WHERE seq > ? ORDER BY seq LIMIT {batch}", (last,))
            if not rows:
                return
            for r in rows:
                yield _decision(r)
            last = int(rows[-1][0])

    def policy_text(self, digest: str) -> str | None:
        rows = self._run("SELECT text FROM policy_texts WHERE sha256 = ?", (digest,))
        return str(rows[0][0]) if rows else None

    def head(self) -> tuple[int, str]:
        row = self._run("SELECT seq, hash FROM chain_head WHERE one = 1")[0]
        return int(row[0]), str(row[1])

    # ------------------------------------------------------------ the chain
    def verify(self) -> ChainReport:
        """Check every record's seal, its place and its link to the one before, the policy
        texts they name, and the head.  The first problem found is reported."""
        from policyrules.audit.verify import verify

        return verify(self)

    def status(self, rec: StoredDecision) -> RecordStatus:
        """One record's seal and its link to its predecessor (not the whole chain)."""
        from policyrules.audit.verify import record_status

        return record_status(self, rec)

    # ------------------------------------------------------------ API keys
    def add_key(self, role: str, label: str | None = None) -> tuple[ApiKey, str]:
        """A new key of ``role``: (its record, the secret, shown once; only its hash is kept)."""
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        key = ApiKey(secrets.token_hex(4), role, label, _now(), None)
        secret = f"prk_{key.id}_{secrets.token_urlsafe(32)}"
        self._run("INSERT INTO api_keys (id, role, sha256, label, created_at) VALUES (?, ?, ?, ?, ?)",
                  (key.id, role, _key_hash(secret), label, key.created_at))
        return key, secret

    def keys(self) -> list[ApiKey]:
        rows = self._run("SELECT id, role, label, created_at, revoked_at FROM api_keys ORDER BY created_at, id")
        return [ApiKey(*r) for r in rows]

    def revoke_key(self, key_id: str) -> ApiKey:
        found = [k for k in self.keys() if k.id == key_id]
        if not found:
            raise StoreError(f"no key {key_id!r} in {self.url}; `policyrules keys list` shows the ids")
        if found[0].revoked_at is None:
            self._run("UPDATE api_keys SET revoked_at = ? WHERE id = ?", (_now(), key_id))
        return self.keys()[[k.id for k in self.keys()].index(key_id)]

    def active_keys(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL")[0][0])

    def authenticate(self, secret: str) -> ApiKey | None:
        """The active key whose secret this is, else None."""
        rows = self._run("SELECT id, role, label, created_at, revoked_at FROM api_keys "
                         "WHERE sha256 = ? AND revoked_at IS NULL", (_key_hash(secret),))
        return ApiKey(*rows[0]) if rows else None

    # ------------------------------------------------------------
    def _run(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        try:
            return self.db.run(sql, params)
        except BackendError as err:
            raise StoreError(str(err)) from None


def _index_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _decision(row: tuple[Any, ...]) -> StoredDecision:
    seq, did, body, prev, h = row
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {"unreadable": str(body)[:200]}
    return StoredDecision(int(seq), str(did), parsed if isinstance(parsed, dict) else {"unreadable": parsed},
                          str(prev), str(h))


def open_store(url: str) -> Store:
    """Open (creating its tables if needed) the store at ``url``; StoreError if it cannot."""
    try:
        return Store(connect(url))
    except BackendError as err:
        raise StoreError(str(err)) from None

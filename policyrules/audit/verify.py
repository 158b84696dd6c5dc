"""Checking the hash chain of a store: every record's seal matches its content, its ``prev``
is the hash of the record before it, its position follows without gaps, the columns copied
for search agree with the sealed body, the policy text it names is stored unchanged, and the
head (last seq and hash) is the last record.  Edits, deletions (also of the newest record)
and reorderings each break one of these."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from policyrules.audit.backends import BackendError
from policyrules.audit.seal import GENESIS, text_hash

if TYPE_CHECKING:
    from policyrules.audit.store import ChainReport, RecordStatus, Store, StoredDecision

_ROW = "SELECT seq, id, recorded_at, policy, policy_sha256, date, subject, body, prev, hash FROM decisions"
_COPIED = ("id", "recorded_at", "policy", "policy_sha256", "date", "subject")


def _row_problem(row: tuple[Any, ...], texts: dict[str, bool], store: Store) -> str | None:
    """What is wrong with one row on its own (not its link), or None."""
    seq, _id, _at, _policy, _sha, _date, _subject, body_text, prev, h = row
    if hashlib.sha256(str(body_text).encode("utf-8")).hexdigest() != h:
        return "its content does not match its seal (the record was edited)"
    try:
        body = json.loads(body_text)
    except ValueError:
        return "its sealed content is not readable JSON"
    if not isinstance(body, dict):
        return "its sealed content is not a record"
    if body.get("seq") != int(seq):
        return (f"it holds the sealed content of record {body.get('seq')} "
                "(records were swapped or moved)")
    if body.get("prev") != prev:
        return "its link to the previous record was changed"
    for name, value in zip(_COPIED, row[1:7], strict=True):
        if body.get(name) != value:
            return f"its {name} column ({value!r}) differs from the sealed {name} ({body.get(name)!r})"
    sha = str(body.get("policy_sha256"))
    if sha not in texts:
        text = store.policy_text(sha)
        texts[sha] = text is not None and text_hash(text) == sha
    if not texts[sha]:
        return f"the policy text it was made under (sha256 {sha[:12]}…) is missing or was changed"
    return None


def verify(store: Store) -> ChainReport:
    from policyrules.audit.store import ChainReport, StoreError

    texts: dict[str, bool] = {}
    prev_seq, prev_hash, count = 0, GENESIS, 0
    try:
        while True:
            rows = store.db.run(f"{_ROW} WHERE seq > ? ORDER BY seq LIMIT 500", (prev_seq,))
            if not rows:
                break
            for row in rows:
                seq, did = int(row[0]), str(row[1])
                if seq != prev_seq + 1:
                    missing = prev_seq + 1 if seq == prev_seq + 2 else f"{prev_seq + 1} to {seq - 1}"
                    return ChainReport(False, count, prev_hash, prev_seq + 1, None,
                                       f"record {missing} is missing (deleted); the chain goes from "
                                       f"{prev_seq} to {seq}")
                problem = _row_problem(row, texts, store)
                if problem:
                    return ChainReport(False, count, prev_hash, seq, did, problem)
                if row[8] != prev_hash:
                    return ChainReport(False, count, prev_hash, seq, did,
                                       f"it is not chained to record {prev_seq}: record {prev_seq} was altered and "
                                       "resealed, or this one was inserted")
                prev_seq, prev_hash, count = seq, str(row[9]), count + 1
        head_seq, head_hash = store.head()
    except BackendError as err:
        raise StoreError(str(err)) from None
    if (head_seq, head_hash) != (prev_seq, prev_hash):
        if head_seq > prev_seq:
            why = f"the chain head says {head_seq} records; the last present is {prev_seq} (newest records deleted)"
        else:
            why = f"the chain head (record {head_seq}, {head_hash[:12]}…) does not match the last record"
        return ChainReport(False, count, prev_hash, prev_seq + 1 if head_seq > prev_seq else head_seq, None, why)
    return ChainReport(True, count, prev_hash)


def record_status(store: Store, rec: StoredDecision) -> RecordStatus:
    from policyrules.audit.store import RecordStatus

    rows = store.db.run(f"{_ROW} WHERE seq = ? OR seq = ? ORDER BY seq", (rec.seq - 1, rec.seq))
    own = [r for r in rows if int(r[0]) == rec.seq]
    before = [r for r in rows if int(r[0]) == rec.seq - 1]
    problem = _row_problem(own[0], {}, store) if own else "the record is no longer in the store"
    linked = rec.prev == GENESIS if rec.seq == 1 else bool(before) and before[0][9] == rec.prev
    if problem:
        return RecordStatus(False, linked, problem)
    if not linked:
        return RecordStatus(True, False, f"sealed, but not chained to record {rec.seq - 1} "
                                         "(run `policyrules audit verify` for the whole chain)")
    return RecordStatus(True, True, f"sealed and chained to record {rec.seq - 1}" if rec.seq > 1
                        else "sealed; the first record of the chain")

"""Sealing: the canonical bytes of a decision record and its hash.  Each record carries the
hash of the one before it, so an edit, a deletion or a reordering breaks the chain."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64
"""The ``prev`` of the first record."""


def canonical(payload: dict[str, Any]) -> bytes:
    """One byte string per payload: sorted keys, no spaces, UTF-8 (the text as written)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def seal(payload: dict[str, Any]) -> str:
    """The record's hash: SHA-256 of its canonical bytes (``prev`` included)."""
    return hashlib.sha256(canonical(payload)).hexdigest()


def text_hash(text: str) -> str:
    """The content address of a policy text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

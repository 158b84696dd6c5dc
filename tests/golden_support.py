"""The one rule for golden files: ``UPDATE_GOLDEN=1`` (and only ``1``) rewrites a golden text
that differs, and the test then fails all the same, so that a run with the flag set can never
pass silently; the next run, without it, checks the rewritten files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def rewrite(path: Path, text: str) -> None:
    """Under UPDATE_GOLDEN=1, write ``text`` to ``path`` if it differs, then fail the test."""
    if not UPDATE:
        return
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    pytest.fail(f"UPDATE_GOLDEN=1 rewrote {path.name}: review the change, then run the tests without it")

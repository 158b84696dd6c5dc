"""Parsed policies cached by content (syntax/cache.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policyrules.api import loads
from policyrules.syntax.cache import cache_dir, parse_cached
from policyrules.syntax.parse import parse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "policyrules"


@pytest.mark.parametrize("name", ["city-employment-promotion", "recruitment-scorecard", "public-welfare-posts"])
def test_a_cached_parse_equals_a_fresh_one(private: Path, name: str) -> None:
    text = (ROOT / "policies" / f"{name}.policy").read_text(encoding="utf-8")
    fresh = parse(text, name)
    first = parse_cached(text, name)
    assert list(private.glob("ast-*.pickle")), "the parse was not stored"
    second = parse_cached(text, name)
    assert first == fresh and second == fresh
    assert [d.span for d in second.decls] == [d.span for d in fresh.decls]  # spans too (not in ==)


def test_another_text_is_another_entry(private: Path) -> None:
    parse_cached('policy a "x"\n', "a.policy")
    parse_cached('policy b "x"\n', "a.policy")
    assert len(list(private.glob("ast-*.pickle"))) == 2


def test_a_damaged_entry_means_a_plain_parse(private: Path) -> None:
    text = 'policy a "x"\nvalue v = 3 元\n'
    parse_cached(text, "a.policy")
    for entry in private.glob("ast-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert parse_cached(text, "a.policy") == parse(text, "a.policy")


def test_a_shared_directory_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "policyrules").mkdir(mode=0o777)
    os.chmod(tmp_path / "policyrules", 0o777)
    assert cache_dir() is None
    assert loads('policy a "x"\n').name == "a"  # and everything works without a cache


def test_errors_are_not_cached(private: Path) -> None:
    from policyrules.diagnostics import PolicyError

    for _ in range(2):
        with pytest.raises(PolicyError):
            parse_cached("policy a\nvalue v = 3 +\n", "a.policy")
    assert not list(private.glob("ast-*.pickle"))

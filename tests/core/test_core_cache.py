"""Parsed policies cached by content (syntax/cache.py) and the shipped parse tables
(syntax/grammar.py): an entry can neither run code nor change an amount (issue 8.2)."""

from __future__ import annotations

import gzip
import json
import os
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules.api import loads
from policyrules.syntax import grammar
from policyrules.syntax.cache import cache_dir, parse_cached
from policyrules.syntax.parse import parse

ROOT = Path(__file__).resolve().parents[2]
B1 = (ROOT / "policies" / "b1.policy").read_text(encoding="utf-8")


@pytest.fixture()
def private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "cache" / "policyrules"


def entries(private: Path) -> list[Path]:
    return sorted(private.glob("ast-*.json"))


@pytest.mark.parametrize("name", ["city-employment-promotion", "recruitment-scorecard", "public-welfare-posts"])
def test_a_cached_parse_equals_a_fresh_one(private: Path, name: str) -> None:
    text = (ROOT / "policies" / f"{name}.policy").read_text(encoding="utf-8")
    fresh = parse(text, name)
    first = parse_cached(text, name)
    assert entries(private), "the parse was not stored"
    second = parse_cached(text, name)
    assert first == fresh and second == fresh
    assert [d.span for d in second.decls] == [d.span for d in fresh.decls]  # spans too (not in ==)


def test_a_long_text_is_parsed_afresh_and_not_stored(private: Path) -> None:
    from policyrules.syntax.cache import CACHE_MAX_CHARS

    block = 'value v{i} "v" = {i} 元\n'
    text = 'policy a "x"\n' + "".join(block.format(i=i) for i in range(CACHE_MAX_CHARS // 20))
    assert len(text) > CACHE_MAX_CHARS
    assert parse_cached(text, "a.policy") == parse(text, "a.policy")
    assert not entries(private)
    parse_cached('policy a "x"\n', "a.policy")
    assert len(entries(private)) == 1  # a short one is stored


def test_another_text_is_another_entry(private: Path) -> None:
    parse_cached('policy a "x"\n', "a.policy")
    parse_cached('policy b "x"\n', "a.policy")
    assert len(entries(private)) == 2


def test_a_damaged_entry_means_a_plain_parse(private: Path) -> None:
    text = 'policy a "x"\nvalue v = 3 元\n'
    parse_cached(text, "a.policy")
    for entry in entries(private):
        entry.write_bytes(b"not an entry")
    assert parse_cached(text, "a.policy") == parse(text, "a.policy")


def rent_subsidy(text: str) -> str:
    from policyrules.api import Policy
    from policyrules.check.passes import check
    from policyrules.source import Source

    policy = Policy(check(parse_cached(text, "b1.policy"), Source("b1.policy", text)))
    facts = {"sex": "F", "age": 45, "hukou": "urban", "registered_unemployed": True,
             "holds_reemployment_cert": False, "hardship": False, "receiving_ui": False,
             "ui_entitlement_total": "0", "starts_business": True, "first_business": True,
             "business_months": 14, "venue": "government_market", "annual_rent": "40000.00",
             "micro_profit_project": False, "industry": "retail", "years_rent_subsidy_received": 0,
             "tax_paid": "0", "years_tax_relief_received": 0, "flexible_employed": False,
             "monthly_income": "0", "pays_si": False, "years_si_subsidy_received": 0,
             "months_to_retirement": 200, "rural_migrant": False, "cert_level": "none"}
    return format(policy.evaluate({"person": facts}, on="2024-01-01").value("rent_subsidy"), "f")


def test_an_edited_entry_is_not_trusted(private: Path) -> None:
    """Replacing 3000 by 9000 in b1's entry once changed rent_subsidy; the digest now refuses it."""
    assert rent_subsidy(B1) == "3000.00"
    [entry] = entries(private)
    raw = entry.read_bytes()
    assert b'"3000' in raw or b"3000" in raw
    entry.write_bytes(raw.replace(b"3000", b"9000"))
    assert rent_subsidy(B1) == "3000.00"
    assert b"9000" not in entry.read_bytes()  # the fresh parse replaced the entry


def test_an_entry_from_another_key_is_not_trusted(private: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry made elsewhere (another machine, a restored CI cache) fails the keyed digest."""
    parse_cached(B1, "b1.policy")
    [entry] = entries(private)
    forged = entry.read_bytes().replace(b"3000", b"9000")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "other-state"))  # another key: rewrite consistently
    parse_cached(B1 + "\n", "b1.policy")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    entry.write_bytes(forged)
    assert rent_subsidy(B1) == "3000.00"


def test_a_planted_pickle_is_never_executed(private: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    parse_cached(B1, "b1.policy")
    for entry in entries(private):
        entry.write_bytes(pickle.dumps(Exploit()))
    (private / "ast-0.pickle").write_bytes(pickle.dumps(Exploit()))
    assert rent_subsidy(B1) == "3000.00"
    assert not marker.exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_bytes_in_an_entry_mean_a_plain_parse(private: Path, data: st.DataObject) -> None:
    text = 'policy a "x"\nvalue v = 3 元\nbenefit b once\n  amount v, at_most 2 元\n'
    fresh = parse(text, "a.policy")
    parse_cached(text, "a.policy")
    [entry] = entries(private)
    raw = bytearray(entry.read_bytes())
    how = data.draw(st.sampled_from(["flip", "truncate", "random"]))
    if how == "flip":
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        raw = bytearray(data.draw(st.binary(max_size=400)))
    entry.write_bytes(bytes(raw))
    assert parse_cached(text, "a.policy") == fresh


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
    assert not entries(private)


# ---------------------------------------------------------------- the shipped parse tables
def test_the_shipped_parse_tables_match_the_grammar() -> None:
    """Regenerate with `python -m policyrules.syntax.grammar` after changing grammar/policy.lark."""
    raw = (ROOT / "grammar" / "policy.tables.json.gz").read_bytes()
    doc = json.loads(gzip.decompress(raw))
    assert doc["grammar"] == grammar.grammar_digest(grammar.grammar_text()), \
        "stale parse tables: run python -m policyrules.syntax.grammar"


def test_the_shipped_tables_parse_like_a_built_parser() -> None:
    built = grammar.build(grammar.grammar_text())
    for path in sorted((ROOT / "policies").glob("*.policy")):
        text = path.read_text(encoding="utf-8")
        assert grammar.parser().parse(text) == built.parse(text), path.name


def test_no_grammar_cache_is_written(private: Path) -> None:
    grammar.parser.cache_clear()
    try:
        parse('policy a "x"\n', "a.policy")
    finally:
        grammar.parser.cache_clear()
    assert not list(private.parent.rglob("*.lark.cache")) if private.exists() else True


def _same(a: object, b: object, path: str = "") -> None:
    """Equal in every field, spans and eq=False fields included, and of the very same types."""
    import attrs

    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if attrs.has(type(a)):
        for f in attrs.fields(type(a)):  # type: ignore[arg-type]
            _same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path  # type: ignore[arg-type]
        for i, (x, y) in enumerate(zip(a, b, strict=True)):  # type: ignore[call-overload]
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), path  # type: ignore[call-overload]
        for k in a:
            _same(a[k], b[k], f"{path}[{k}]")  # type: ignore[index]
    else:
        assert a == b, path


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.policy")), ids=lambda p: p.stem)
def test_the_json_form_of_every_policy_decodes_to_the_same_ast(path: Path) -> None:
    from policyrules.syntax import astjson

    text = path.read_text(encoding="utf-8")
    fresh = parse(text, path.name)
    _same(astjson.decode(json.loads(json.dumps(astjson.encode(fresh)))), fresh)

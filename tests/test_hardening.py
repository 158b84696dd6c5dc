"""Issue 8 (hardening), items 4, 5, 8, 9 and 11: hostile facts, aliases, positions, replay, and one
specification of the accepted forms shared by the interpreter and batch."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import types as T
from policyrules.batch.io import RAW, column, validation_sql
from policyrules.diagnostics import Diagnostic, render
from policyrules.evaluate.inputs import MONTHS_PER, convert
from policyrules.interfaces.cli import main
from policyrules.interfaces.safeload import DataFileError, load, loads
from policyrules.source import Source, Span

ROOT = Path(__file__).resolve().parent.parent
CITY = str(ROOT / "policies" / "city-employment-promotion.policy")
CORPUS = Path(__file__).parent / "fuzz_corpus"
PARAMS = ["--param", "min_wage_monthly=960.00", "--param", "avg_wage_last_year=24000.00",
          "--param", "employer_min_si_monthly=300.00"]


def _facts() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "policyrules" / "data" / "demo.yaml").read_text(encoding="utf-8"))["facts"]


def _run(capsys, tmp_path, facts_text: str, suffix: str = ".yaml", cmd: str = "explain") -> tuple[int, str]:
    path = tmp_path / f"facts{suffix}"
    path.write_text(facts_text, encoding="utf-8")
    code = main([cmd, CITY, "--facts", str(path), "--on", "2009-07-01", *PARAMS])
    out = capsys.readouterr()
    return code, out.out + out.err


# ---------------------------------------------------------------- 4: hostile fact values
@pytest.mark.parametrize("field, value", [
    ("annual_rent", "1e30"), ("annual_rent", ".nan"), ("annual_rent", ".inf"), ("annual_rent", '"Infinity"'),
    ("annual_rent", "1" + "0" * 20), ("annual_rent", '"' + "9" * 100_000 + '"'), ("business_months", ".inf"),
    ("business_months", "-.inf"), ("age", "1" + "0" * 5000),
])
def test_hostile_numbers_exit_2_naming_the_fact(capsys, tmp_path, field, value):
    import yaml

    text = yaml.safe_dump(_facts(), allow_unicode=True)
    text = "\n".join(f"{line.split(':')[0]}: {value}" if line.strip().startswith(field + ":") else line
                     for line in text.splitlines())
    code, out = _run(capsys, tmp_path, text)
    assert code == 2
    assert "Traceback" not in out
    assert f"person.{field}" in out or "cannot be read" in out
    assert max(len(line) for line in out.splitlines()) < 400


def test_an_impossible_date_is_named(capsys, tmp_path):
    import yaml

    from policyrules.api import load as load_policy

    p = tmp_path / "d.policy"
    p.write_text('policy d "d"\n\nfacts person "p":\n  born "b": date\n\nbenefit b "b" yearly\n'
                 '  when person.born < 2000-01-01\n  amount 1 元\n', encoding="utf-8")
    load_policy(p)
    f = tmp_path / "f.yaml"
    f.write_text(yaml.safe_dump({"person": {}}) .replace("{}", "{born: 2024-02-30}"), encoding="utf-8")
    code = main(["eval", str(p), "--facts", str(f), "--on", "2020-01-01"])
    out = capsys.readouterr().err
    assert code == 2 and "person.born: not a calendar day: '2024-02-30'" in out


def test_deep_nesting_is_refused(tmp_path):
    for text, suffix in (("[" * 100_000, ".json"), ("[" * 100_000, ".yaml"), ("a: " + "[" * 100 + "]" * 100, ".yaml")):
        p = tmp_path / f"f{suffix}"
        p.write_text(text, encoding="utf-8")
        with pytest.raises(DataFileError, match="nested|not valid"):
            load(p)


def test_a_long_value_is_shown_at_most_80_characters():
    _, err = convert("9" * 10_000_000, T.MONEY)
    assert err is not None and len(err) < 200 and "10000000 characters" in err


# ---------------------------------------------------------------- 5: billion laughs
LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


def test_billion_laughs_is_refused_at_once(capsys, tmp_path):
    start = time.perf_counter()
    with pytest.raises(DataFileError, match="too many values"):
        loads(LAUGHS, "laughs.yaml")
    code, out = _run(capsys, tmp_path, "person:\n  " + LAUGHS.replace("\n", "\n  "))
    assert time.perf_counter() - start < 2
    assert code == 2 and len(out) < 500


def test_a_value_containing_itself_is_refused():
    with pytest.raises(DataFileError, match="contains itself"):
        loads("a: &a [*a]\n", "self.yaml")


def test_a_few_aliases_are_fine():
    assert loads("base: &b {x: 1}\nother: *b\n", "ok.yaml") == {"base": {"x": 1}, "other": {"x": 1}}


def test_facts_must_be_utf8_and_may_start_with_a_bom(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_bytes("\ufeffa: 1\n".encode())
    assert load(p) == {"a": 1}
    p.write_bytes("a: 租金\n".encode("gbk"))
    with pytest.raises(DataFileError, match="must be UTF-8 text; byte 3"):
        load(p)


# ---------------------------------------------------------------- 8: positions
@pytest.mark.parametrize("sep", ["\u2028", "\x0c", "\x1c", "\x85"])
def test_line_shown_is_the_line_of_the_error(sep):
    text = f"# a comment{sep}with a separator\npolicy p \"p\"\nbad line here\n"
    d = Diagnostic("X001", "m", Span(3, 1, 3, 4), "p.policy")
    assert "bad line here" in render(d, Source("p.policy", text))


@pytest.mark.parametrize("column", [1, 2, 600, 1001, 1999, 2004])
def test_a_long_line_is_shown_cut_around_the_column(column):
    """A line of a megabyte was printed whole under its error: now at most LINE_SHOWN characters
    of it, around the column, with the caret still under the character the span starts at."""
    from policyrules.diagnostics import LINE_SHOWN

    line = "".join(chr(ord("a") + i % 26) for i in range(2003))
    d = Diagnostic("P003", "m", Span(2, column, 2, column + 3), "p.policy")
    _, shown, carets = render(d, Source("p.policy", f"policy p\n{line}\n")).split("\n")
    body, marks = shown[len("   2 | "):], carets[len("     | "):]
    assert len(body) <= LINE_SHOWN + 2 and ("…" in body) and set(marks.strip()) == {"^"}
    at = len(marks) - len(marks.lstrip())
    expected = line[column - 1: column + 2] or ""  # past the end: nothing under the caret
    assert body[at: at + len(expected)] == expected


def test_a_long_name_in_a_message_is_cut(capsys, tmp_path):
    """A 200,000-character unknown name was echoed whole in the message (200 KB of output)."""
    from policyrules.diagnostics import QUOTED_SHOWN

    p = tmp_path / "p.policy"
    p.write_text('policy p "p"\nfacts person "p":\n  age "a": integer\nvalue v "v" = ' + "a" * 200_000 + " + age\n",
                 encoding="utf-8")
    assert main(["check", str(p)]) == 1  # the policy has an error
    err = capsys.readouterr()
    text = err.out + err.err
    assert "error[N001]" in text and len(text) < 2_000
    assert "`" + "a" * (QUOTED_SHOWN - 1) + "…` is not defined" in text


# ---------------------------------------------------------------- 9: replay
def test_replay_of_an_unknown_decision_is_a_clear_error(capsys, tmp_path):
    code = main(["replay", "--store", f"sqlite:///{tmp_path / 'd.db'}", "0123456789abcdef"])
    err = capsys.readouterr().err
    assert code == 2 and "no decision '0123456789abcdef'" in err and "Traceback" not in err


# ---------------------------------------------------------------- 11: one specification of the forms
@pytest.mark.parametrize("text, kind, expected", [
    ("是", T.BOOL, True), ("否", T.BOOL, False), ("+5.00", T.MONEY, None), (".5", T.MONEY, None),
    ("government_market ", T.enum(("government_market", "other")), "government_market"),
    ("5元", T.MONEY, Decimal(5)), ("1,000.00", T.MONEY, Decimal(1000)), ("1,00", T.MONEY, None),
    ("１２３", T.INTEGER, None), ("12.1234567", T.MONEY, None), ("12.1234560", T.MONEY, Decimal("12.123456")),
    ("1" + "0" * 15, T.MONEY, None), ("9" * 15 + ".99", T.MONEY, Decimal("9" * 15 + ".99")),
    ("1.5", T.PERCENT, None), ("0.5", T.PERCENT, Decimal("0.5")), ("5.31％", T.PERCENT, Decimal("0.0531")),
    ("2024-02-29", T.DATE, __import__("datetime").date(2024, 2, 29)), ("2024-02-30", T.DATE, None),
    ("20240101", T.DATE, None),
])
def test_the_disputed_forms(text, kind, expected):
    assert _eval(text, kind) == expected
    assert _batch([text], kind) == [expected]


KINDS = [T.BOOL, T.INTEGER, T.MONEY, T.NUMBER, T.PERCENT, T.duration("year"), T.rate("month"), T.DATE,
         T.enum(("urban", "rural"))]


def _eval(text, kind):
    value, err = convert(text, T.Type(kind.kind, unit=kind.unit, values=kind.values, signed=True))
    if err is None and kind.kind is T.Kind.DURATION:
        value = value / MONTHS_PER[kind.unit or "month"]
    return None if err else value


def _batch(texts, kind):
    con = duckdb.connect()
    con.execute("CREATE TABLE t(v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[x] for x in texts])
    con.execute(f"CREATE VIEW {RAW} AS SELECT row_number() OVER () AS __row, v AS {column('x')} FROM t")
    facts, rejects = validation_sql({"x": T.Type(kind.kind, unit=kind.unit, values=kind.values, signed=True)},
                                    {"x": "VARCHAR"})
    con.execute(facts)
    con.execute(rejects)
    good = dict(con.execute(f"SELECT __row, {column('x')} FROM facts").fetchall())
    bad = {r for (r,) in con.execute("SELECT row FROM rejects").fetchall()}
    assert not set(good) & bad and len(good) + len(bad) == len(texts)
    return [good.get(i + 1) for i in range(len(texts))]


_ALPHABET = st.sampled_from(list("0123456789-+.,%％ 元yuaneE是否truefalsyno１:T\t") + ["-", "0", "1", "9"])
_TEXT = st.one_of(st.text(_ALPHABET, max_size=24), st.text(max_size=8),
                  st.decimals(allow_nan=False, allow_infinity=False).map(str),
                  st.dates().map(str), st.sampled_from(["urban", " rural", "Urban", "true", "YES", "2024-02-30"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KINDS), st.lists(_TEXT, min_size=1, max_size=30))
def test_eval_and_batch_agree_on_every_text(kind, texts):
    texts = [t for t in texts if "\x00" not in t]
    if not texts:
        return
    assert _batch(texts, kind) == [_eval(t, kind) for t in texts]


def test_corpus_replays():
    """Inputs that once made eval and batch disagree or crash (tests/fuzz_corpus/forms.json)."""
    cases = json.loads((CORPUS / "forms.json").read_text(encoding="utf-8"))
    for case in cases:
        kind = {k.kind.value + (k.unit or ""): k for k in KINDS}[case["kind"]]
        assert _batch([case["text"]], kind) == [_eval(case["text"], kind)], case


# ---------------------------------------------------------------- 6: whatever passes check also runs
def _deep_policy(expr: str) -> str:
    return (f'policy p "p"\n\nfacts person "p":\n  rent "r": money\n  ok "o": bool\n\n'
            f'benefit b "b" yearly\n  when person.ok\n  amount {expr}\n')


@pytest.mark.parametrize("expr, code, column", [
    (" + ".join(["rent"] * 176), "P005", None), ("if ok then 1 元 else " * 400 + "2 元", "P005", None),
    ("1" + "0" * 28 + " 元", "P006", 10),
])
def test_too_deep_or_too_large_is_refused_by_check_with_its_position(expr, code, column):
    from policyrules.api import PolicyError, loads

    with pytest.raises(PolicyError) as info:
        loads(_deep_policy(expr), "deep.policy")
    [d] = info.value.diagnostics
    assert d.code == code and d.span is not None and d.span.line == 9 and (column is None or d.span.column == column)
    assert d.span.column > 1


def test_at_the_limit_everything_runs(tmp_path, capsys):
    from policyrules.api import loads
    from policyrules.check.limits import MAX_DEPTH

    csv_in = tmp_path / "in.csv"
    csv_in.write_text("rent,ok\n1.00,true\n", encoding="utf-8")
    for i, expr in enumerate((" + ".join(["rent"] * (MAX_DEPTH - 8)), "if ok then 1 元 else " * (MAX_DEPTH - 8) + "2 元")):
        policy = loads(_deep_policy(expr), "edge.policy")
        decision = policy.evaluate({"person": {"rent": "1.00", "ok": True}}, on="2020-01-01")
        policy.explain(decision)
        path = tmp_path / f"edge{i}.policy"
        path.write_text(_deep_policy(expr), encoding="utf-8")
        assert main(["sql", str(path)]) == 0
        assert main(["batch", str(path), str(csv_in), "--on", "2020-01-01", "-o", str(tmp_path / "o.csv")]) == 0
        capsys.readouterr()

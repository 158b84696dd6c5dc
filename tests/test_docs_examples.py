"""The documentation is tested: every example in it is real.

- Every ```policy block of ``docs/language.md`` and ``docs/tutorial.md`` parses and checks.
  A block marked ```policy-wrong must be refused (it shows a mistake), a block marked
  ```policy-excerpt must be an excerpt of ``policies/city-employment-promotion.policy``: the
  same words in the same order, whatever the layout (a line ``...`` stands for lines left out), and a block marked ```policy-fragment is
  skipped (a clause shown on its own).
- ``docs/tutorial.md`` and ``docs/explanations.md`` are run as sessions, in order: a block
  whose first line is ``# file: NAME`` is written to NAME in a scratch folder (which also
  holds a copy of ``policies/``), and every ``$ policyrules ...`` line of a ```console block
  is run there; what it prints (stdout and stderr, as on a terminal) must be the lines
  that follow it, where a line ``...`` stands for any number of lines. A command ending
  in ``# exit N`` must exit with N, any other with 0.
- The keyword table of ``docs/language.md`` is the one generated from the grammar, and
  every built-in function and its Chinese names are documented.

``UPDATE_GOLDEN=1`` rewrites the generated keyword table in ``docs/language.md``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from policyrules.api import PolicyError, loads
from policyrules.builtins import ALIASES, BUILTINS
from policyrules.interfaces import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GRAMMAR = ROOT / "grammar" / "policy.lark"
CITY = ROOT / "policies" / "city-employment-promotion.policy"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(doc: str) -> list[tuple[str, str, int]]:
    """(info string, body, line number) of every fenced block of a document."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


# ---------------------------------------------------------------- policy blocks
POLICY_DOCS = ("language.md", "tutorial.md")
POLICY_KINDS = ("policy", "policy-wrong", "policy-excerpt", "policy-fragment")


def _policy_blocks() -> list[object]:
    out: list[object] = []
    for doc in POLICY_DOCS:
        for kind, body, line in blocks(doc):
            if kind in POLICY_KINDS:
                out.append(pytest.param(doc, kind, body, line, id=f"{doc}:{line}:{kind}"))
    return out


@pytest.mark.parametrize(("doc", "kind", "body", "line"), _policy_blocks())
def test_policy_block(doc: str, kind: str, body: str, line: int) -> None:
    where = f"docs/{doc}:{line}"
    if kind == "policy":
        try:
            loads(body, where)
        except PolicyError as err:
            pytest.fail(f"the ```policy block at {where} does not check:\n{err}")
    elif kind == "policy-wrong":
        with pytest.raises(PolicyError):
            loads(body, where)
    elif kind == "policy-excerpt":
        city = _words(CITY.read_text(encoding="utf-8"))
        start = 0
        for chunk in _chunks(body.splitlines()):
            at = city.find(_words("\n".join(chunk)), start)
            assert at >= 0, f"{where}: not in {CITY.name} (or not in this order):\n" + "\n".join(chunk)
            start = at + 1
    else:
        pytest.skip("a fragment")


def _chunks(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for x in lines:
        if x.strip() == "...":
            out.append([])
        else:
            out[-1].append(x)
    return [c for c in out if c]


def _words(text: str) -> str:
    """The text without comment lines and with all layout reduced to single spaces,
    so that an excerpt survives `policyrules fmt`."""
    lines = [x for x in text.splitlines() if not x.lstrip().startswith("#")]
    return " " + " ".join(" ".join(lines).split()) + " "


def test_the_docs_have_examples() -> None:
    kinds = [k for doc in POLICY_DOCS for k, _, _ in blocks(doc)]
    assert kinds.count("policy") >= 15
    assert kinds.count("policy-excerpt") >= 15


# ---------------------------------------------------------------- console sessions
SESSION_DOCS = ("tutorial.md", "explanations.md")


def _run(argv: list[str]) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            status = cli.main(argv)
        except SystemExit as exit_:  # argparse
            status = int(exit_.code or 0)
    return status, buf.getvalue()


def _matches(expected: list[str], actual: list[str]) -> bool:
    """``...`` on a line of its own matches any number of lines."""
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(_matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and _matches(expected[1:], actual[1:])


def _commands(body: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines); a command line ending in a backslash goes on
    on the next line, as in a shell."""
    out: list[tuple[str, list[str]]] = []
    going_on = False
    for x in body.splitlines():
        if going_on:
            out[-1] = (out[-1][0][:-1] + " " + x.strip(), out[-1][1])
        elif x.startswith("$ "):
            out.append((x[2:], []))
        else:
            assert out, f"console output before any command: {x!r}"
            out[-1][1].append(x.rstrip())
        going_on = bool(out) and not out[-1][1] and out[-1][0].endswith("\\")
    return out


@pytest.mark.parametrize("doc", SESSION_DOCS)
def test_console_session(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    monkeypatch.chdir(tmp_path)
    ran = 0
    for kind, body, line in blocks(doc):
        first = body.splitlines()[0] if body else ""
        m = re.fullmatch(r"# file: (\S+)", first.strip())
        if m and kind != "console":
            target = tmp_path / m.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
        if kind != "console":
            continue
        for command, expected in _commands(body):
            argv = shlex.split(command, comments=True)
            status_m = re.search(r"#\s*exit (\d+)\s*$", command)
            assert argv and argv[0] == "policyrules", f"docs/{doc}:{line}: only policyrules commands run: {command}"
            status, output = _run(argv[1:])
            actual = [x.rstrip() for x in output.splitlines()]
            while expected and expected[-1] == "":
                expected.pop()
            assert _matches(expected, actual), (
                f"docs/{doc}:{line}: `{command}` printed:\n" + "\n".join(actual)
                + "\n\nbut the document shows:\n" + "\n".join(expected))
            assert status == (int(status_m.group(1)) if status_m else 0), (
                f"docs/{doc}:{line}: `{command}` exited with {status}")
            ran += 1
    assert ran >= 3, f"docs/{doc} runs only {ran} commands"


# ---------------------------------------------------------------- keyword table
# What each keyword is for; a keyword added to the grammar without a line here fails.
MEANING = {
    "_policy": "declares the policy (one per file)", "_signed": "a number that may be negative", "_valid": "validity window of the policy or an output",
    "_from": "start of a validity window or of a dated parameter value", "_until": "end of a validity window",
    "_rounding": "rounding rule", "_to": "the amount rounded to (`0.01 元`)",
    "_cite": "the clause cited", "_text": "the original text of the clause",
    "_parameter": "a parameter (fixed, dated or supplied by the caller)", "_enum": "a category",
    "_set": "a named set of values of a category", "_table": "a table from a category to values",
    "_otherwise": "the default entry of a table", "_facts": "the schema of a kind of facts",
    "_value": "a named intermediate value", "_when": "an eligibility condition",
    "_amount": "the amount of a benefit", "_except": "an exception to the general amount",
    "_if": "an alternative (`if c: …`) or a conditional expression (`if c then a else b`)",
    "_then": "the value of a conditional expression when its condition holds",
    "_else": "the last alternative, or the other value of a conditional expression",
    "_parts": "an amount split into named parts", "_allocate": "a quota used up over items in order",
    "_over": "the items a quota is used up over", "_for": "a term (how long a benefit runs)",
    "_at_most": "a cap", "_at_least": "a floor", "_counting": "what was already received of a term",
    "_extended": "an extension of a term", "_by": "how much an extension adds",
    "_exclusive": "a group of benefits of which only one is paid", "_invariant": "a property that always holds",
    "_implies": "logical implication", "_or": "logical or", "_and": "logical and", "_not": "logical not",
    "_in": "membership of a set", "_of": "a percentage of an amount: `10% of annual_rent`",
    "_of_zh": "a percentage of an amount, Chinese order: `annual_rent 的 10%`",
    "_actual": "an actual cost (shown as such in explanations)", "_evaluation_date": "the evaluation date",
    "_per_word": "a rate: `money per month`, `500 元 per month`", "_yuan": "money: `3000 yuan`",
    "_wan_yuan": "money in units of 10 000: `1.5 wan_yuan`", "_money_t": "the type money",
    "half_up": "round half up (the default)", "half_even": "round half to even", "down": "round toward zero",
    "up": "round up", "benefit": "an output that pays money", "obligation": "an output that is a duty",
    "exemption": "an output that exempts from a charge", "title": "an output that is a title awarded",
    "outcome": "any other yes/no output", "yearly": "paid per year", "monthly": "paid per month",
    "once": "paid once", "highest": "only the highest of the group is paid",
    "first": "only the first of the group that pays is paid", "integer_type": "the type whole number",
    "number_type": "the type number", "percent_type": "the type percentage", "bool_type": "the type yes/no",
    "date_type": "the type date", "text_type": "the type text",
    "days_type": "the type days (Chinese spelling)", "months_type": "the type months (Chinese spelling)",
    "years_type": "the type years (Chinese spelling)", "ge": "at least", "le": "at most",
    "ne": "not equal", "mul": "times", "div": "divided by", "month": "the period of a rate: per month",
    "year": "the period of a rate: per year", "true": "yes", "false": "no",
    "days": "the type and unit days", "months": "the type and unit months", "years": "the type and unit years",
    "PER_MONTH_ZH": "a rate per month: `金额 每月`, `500元 每月`",
    "PER_YEAR_ZH": "a rate per year: `金额 每年`",
    "_record": "a record: the fields of each item of a list", "_key": "the field that identifies an item (default `id`)",
    "_optional": "a fact or field that may be absent", "_default": "a parameter's value a caller may override",
    "_for_each": "a value computed once per item of a record's list", "_output": "a named value reported as an output",
    "_list_of": "the type list of records: `list of wage`", "month_type": "the type calendar month (`2024-05`)",
    "_count": "how many items satisfy a condition", "_sum": "the total of an expression over the items",
    "_agg_over": "the list an aggregate runs over", "_where": "the condition on the items (to the end of the expression)",
    "_smallest": "the smallest value over the items", "_largest": "the largest value over the items",
    "_any": "whether some item satisfies a condition", "_every": "whether all items satisfy a condition",
    "_list": "the keys of the items that satisfy a condition", "_first": "the first item that satisfies a condition",
    "_last": "the last item that satisfies a condition",
    "_full": "the lower bound of a range, included (Chinese `满`; English `from`)",
    "_above": "the lower bound of a range, excluded", "_below": "the upper bound of a range, excluded",
    "_up_to": "the upper bound of a range, included",
    "_progressive": "a range table of rates summed band by band (超额累进)",
}


SC_BEGIN = "// ---------------------------------------------------------------- scorecards"
SC_END = "// ---- end of scorecards"


def grammar_sections() -> dict[str, str]:
    """The grammar without its scorecard section ("policy"), and that section
    ("scorecard", documented in docs/scorecards.md)."""
    g = GRAMMAR.read_text(encoding="utf-8")
    if SC_BEGIN in g and SC_END in g:
        head, rest = g.split(SC_BEGIN, 1)
        sc, tail = rest.split(SC_END, 1)
        return {"policy": head + tail, "scorecard": sc}
    return {"policy": g, "scorecard": ""}


def keyword_rows(section: str = "policy") -> list[tuple[str, list[str], list[str]]]:
    """(grammar rule, English spellings, Chinese spellings) for every keyword and
    symbol alternative of a part of the grammar, in grammar order."""
    g = grammar_sections()[section]
    found: list[tuple[int, str, list[str]]] = []
    for m in re.finditer(r'^(_\w+):\s*((?:"[^"]+"\s*\|?\s*)+)$', g, flags=re.M):
        found.append((m.start(), m.group(1), re.findall(r'"([^"]+)"', m.group(2))))
    for m in re.finditer(r'\(((?:\s*"[^"]+"\s*\|?)+)\)[^\n]*?->\s*(\w+)', g):
        found.append((m.start(), m.group(2), re.findall(r'"([^"]+)"', m.group(1))))
    for m in re.finditer(r'^(PER_\w+):\s*"([^"]+)"', g, flags=re.M):
        found.append((m.start(), m.group(1), [m.group(2)]))
    rows = []
    for _, rule, spellings in sorted(found):
        en = [s for s in spellings if s.isascii()]
        zh = [s for s in spellings if not s.isascii()]
        rows.append((rule, en, zh))
    return rows


def _cell(xs: list[str]) -> str:
    return " ".join(f"`{x}`" for x in xs) or "—"


def keyword_table() -> str:
    lines = ["| English | 中文 | grammar rule | meaning |", "|---|---|---|---|"]
    for rule, en, zh in keyword_rows("policy"):
        lines.append(f"| {_cell(en)} | {_cell(zh)} | `{rule}` | {MEANING.get(rule, '')} |")
    sc = keyword_rows("scorecard")
    if sc:
        lines += ["", "Scorecard keywords ([scorecards.md](scorecards.md)):", "",
                  "| English | 中文 | grammar rule |", "|---|---|---|"]
        lines += [f"| {_cell(en)} | {_cell(zh)} | `{rule}` |" for rule, en, zh in sc]
    return "\n".join(lines) + "\n"


KW_BEGIN, KW_END = "<!-- keywords:begin (generated from grammar/policy.lark) -->\n", "<!-- keywords:end -->"


def test_keyword_table_is_generated_from_the_grammar() -> None:
    missing = [rule for rule, _, _ in keyword_rows() if rule not in MEANING]
    assert not missing, f"keywords without a meaning in MEANING: {missing}"
    path = DOCS / "language.md"
    doc = path.read_text(encoding="utf-8")
    assert KW_BEGIN in doc and KW_END in doc, "docs/language.md has no generated keyword table"
    head, rest = doc.split(KW_BEGIN, 1)
    current, tail = rest.split(KW_END, 1)
    if UPDATE and current != keyword_table():
        path.write_text(head + KW_BEGIN + keyword_table() + KW_END + tail, encoding="utf-8")
        pytest.fail("UPDATE_GOLDEN=1 rewrote the keyword table: review it, then run the tests without it")
    assert current == keyword_table(), "the keyword table is stale: run UPDATE_GOLDEN=1 pytest tests/test_docs_examples.py"


def test_every_keyword_spelling_parses_in_some_example() -> None:
    """Every Chinese keyword is used in at least one checked example of language.md."""
    text = "\n".join(body for kind, body, _ in blocks("language.md") if kind == "policy")
    unused = [zh for _, _, zhs in keyword_rows() for zh in zhs if zh not in text]
    assert not unused, f"Chinese keywords never used in a ```policy example: {unused}"


def test_builtins_documented() -> None:
    doc = (DOCS / "language.md").read_text(encoding="utf-8")
    section = doc.split("## Built-in functions", 1)[1].split("\n## ", 1)[0]
    for name in list(BUILTINS) + list(ALIASES):
        assert f"`{name}`" in section, f"built-in `{name}` is not documented in language.md"


def test_update_golden_rewrites_only_when_set_to_1_and_then_fails(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: a habit of running with UPDATE_GOLDEN set cannot hide a change."""
    import golden_support

    path = tmp_path / "x.txt"
    path.write_text("old", encoding="utf-8")
    monkeypatch.setattr(golden_support, "UPDATE", False)
    golden_support.rewrite(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    monkeypatch.setattr(golden_support, "UPDATE", True)
    with pytest.raises(pytest.fail.Exception):
        golden_support.rewrite(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    golden_support.rewrite(path, "new")  # unchanged: nothing to rewrite, no failure

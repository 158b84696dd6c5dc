"""Syntax errors -> positioned diagnostics (P001-P005), with the tokens the grammar
expected, and the first error of every declaration of a file that does not parse."""

from __future__ import annotations

import re

import lark

from policyrules.diagnostics import Diagnostic
from policyrules.source import Span, source_lines
from policyrules.syntax.grammar import parser

# the words that open a declaration; a line starting with one at column 1 starts a new one
_DECL_START = re.compile(
    r"^(policy|政策|parameter|参数|enum|枚举|set|集合|table|表|facts|事实|value|定义|benefit|待遇|obligation|义务|"
    r"exemption|免除|title|称号|outcome|结果|exclusive|不得重复享受|invariant|不变式|scorecard|考核表)(?=\s)")


def declaration_errors(text: str, path: str) -> list[Diagnostic]:
    """The first syntax error of every declaration, so that a drafter sees all of them: each
    declaration starting at column 1 is parsed on its own (the lines before it blanked, so that
    positions stay those of the file)."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _DECL_START.match(line)] + [len(lines)]
    found: list[Diagnostic] = []
    for a, b in zip(starts, starts[1:], strict=False):
        chunk = "\n" * a + "\n".join(lines[a:b])
        try:
            parser().parse(chunk)
        except lark.UnexpectedInput as err:
            found.append(syntax_diagnostic(err, chunk, path))
    return found


def too_deep(path: str) -> Diagnostic:
    return Diagnostic("P005", "an expression is nested too deeply to read", Span(1, 1, 1, 2), path,
                      hint="split it into named values with `value NAME = ...`")


_TOKEN_NAMES = {
    "NAME": "a name", "NUMBER": "a number", "STRING": 'a "quoted text"', "DATE": "a date",
    "LPAR": "'('", "RPAR": "')'", "COLON": "':'", "COMMA": "','", "EQUAL": "'='",
    "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "VBAR": "'|'",
    "$END": "the end of the file", "YUAN_LIT": "an amount in 元", "PERCENT_LIT": "a percentage",
    "MINUS": "'-'", "PLUS": "'+'", "STAR": "'*'", "SLASH": "'/'", "MORETHAN": "'>'", "LESSTHAN": "'<'",
    "DOT": "'.'", "CN_MONEY": "an amount such as 三千元", "CN_PERCENT": "a percentage such as 百分之十五",
    "CN_DURATION": "a duration such as 两年", "DURATION_LIT": "a duration such as 3年",
}


def _describe(expected: set[str], limit: int = 10) -> str:
    names = []
    for t in sorted(expected):
        if t in _TOKEN_NAMES:
            names.append(_TOKEN_NAMES[t])
        elif t.replace("_", "").isalpha() and t.isupper() and not t.startswith("_"):
            names.append(f"'{t.lower()}'")
    # names and literals first: they are what a drafter most often forgot
    names = sorted(set(names), key=lambda s: (not s.startswith("a"), s))
    if not names:
        return ""
    more = len(names) - limit
    shown = ", ".join(names[:limit])
    return f"expected {shown}" + (f" or {more} more" if more > 0 else "")


def syntax_diagnostic(err: lark.UnexpectedInput, text: str, path: str) -> Diagnostic:
    line, col = err.line, err.column
    if isinstance(err, lark.UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        return Diagnostic("P001", f"unexpected character {ch!r}", Span(line, col, line, col + 1), path,
                          hint="numbers, names, quoted text and keywords are allowed here; "
                               "separate Chinese keywords from names with a space")
    if isinstance(err, lark.UnexpectedEOF):
        lines = source_lines(text) or [""]
        last = len(lines)
        return Diagnostic("P003", "the declaration ends before it is complete",
                          Span(last, len(lines[-1]) + 1, last, len(lines[-1]) + 2), path,
                          hint=_describe(set(err.expected)) or None)
    assert isinstance(err, lark.UnexpectedToken)
    tok = err.token
    if tok.type == "$END":
        lines = source_lines(text.rstrip()) or [""]
        end = len(lines[-1]) + 1
        return Diagnostic("P003", "the declaration ends before it is complete",
                          Span(len(lines), end, len(lines), end + 1), path,
                          hint=_describe(set(err.expected)) or None)
    shown = "end of the file" if tok.type == "$END" else repr(str(tok))
    width = max(1, len(str(tok))) if tok.type != "$END" else 1
    if tok.type == "$END":
        lines = source_lines(text.rstrip()) or [""]
        line, col = len(lines), max(1, len(lines[-1]))
    return Diagnostic("P002", f"unexpected {shown}", Span(line, col, line, col + width), path,
                      hint=_describe(set(err.expected)) or None)

"""Syntax errors -> positioned diagnostics (P001-P005), with the tokens the grammar
expected, and the first error of every declaration of a file that does not parse."""

from __future__ import annotations

import re

import lark

from policyrules.diagnostics import Diagnostic
from policyrules.source import Span, source_lines
from policyrules.syntax.grammar import parser
from policyrules.syntax.suggest import did_you_mean, expected_keywords, keyword_language, keyword_terminals

# the words that open a declaration; a line starting with one at column 1 starts a new one
_DECL_START = re.compile(
    r"^(policy|政策|parameter|参数|enum|枚举|set|集合|table|表|facts|事实|value|定义|benefit|待遇|obligation|义务|"
    r"exemption|免除|title|称号|outcome|结果|exclusive|不得重复享受|invariant|不变式|scorecard|考核表)(?=\s)")


def declaration_errors(text: str, path: str) -> list[Diagnostic]:
    """The first syntax error of every declaration, so that a drafter sees all of them: each
    declaration starting at column 1 is parsed on its own (the lines before it blanked, so that
    positions stay those of the file)."""
    from policyrules.syntax import lalr
    from policyrules.syntax.transform import transformer

    tables, instance = lalr.tables(), transformer()(path)
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _DECL_START.match(line)] + [len(lines)]
    found: list[Diagnostic] = []
    for a, b in zip(starts, starts[1:], strict=False):
        chunk = "\n" * a + "\n".join(lines[a:b])
        if lalr.parse(chunk, tables, instance) is not None:
            continue  # it parses (the lean driver says so three times faster than Lark)
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


def _describe(expected: set[str], lang: str | None = None, limit: int = 10) -> str:
    keywords = keyword_terminals()
    names = []
    for t in sorted(expected):
        if t in _TOKEN_NAMES:
            names.append(_TOKEN_NAMES[t])
    names += [f"'{kw}'" for kw in expected_keywords({t for t in expected if t in keywords}, lang)]
    # names and literals first: they are what a drafter most often forgot
    names = sorted(set(names), key=lambda s: (not s.startswith("a"), s))
    if not names:
        return ""
    more = len(names) - limit
    shown = ", ".join(names[:limit])
    return f"expected {shown}" + (f" or {more} more" if more > 0 else "")


def syntax_diagnostic(err: lark.UnexpectedInput, text: str, path: str) -> Diagnostic:
    line, col = err.line, err.column
    lang = keyword_language(text)
    if isinstance(err, lark.UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        if ch == '"':
            return unclosed_string(text, path, line, col)
        return Diagnostic("P001", f"unexpected character {ch!r}", Span(line, col, line, col + 1), path,
                          hint="numbers, names, quoted text and keywords are allowed here; "
                               "separate Chinese keywords from names with a space")
    if isinstance(err, lark.UnexpectedEOF):
        lines = source_lines(text) or [""]
        last = len(lines)
        return Diagnostic("P003", "the declaration ends before it is complete",
                          Span(last, len(lines[-1]) + 1, last, len(lines[-1]) + 2), path,
                          hint=_describe(set(err.expected), lang) or None)
    assert isinstance(err, lark.UnexpectedToken)
    tok = err.token
    expected = _expected(err)
    if tok.type == "$END":
        lines = source_lines(text.rstrip()) or [""]
        end = len(lines[-1]) + 1
        return Diagnostic("P003", "the declaration ends before it is complete",
                          Span(len(lines), end, len(lines), end + 1), path,
                          hint=_describe(expected, lang) or None)
    if "COLON" in expected:
        before = _token_before(text, tok.start_pos or 0)
        if before is not None and before.end_line is not None and before.end_line < (tok.line or 0):
            return missing_colon(text, path, before.end_line, before.end_column or 1)
    glued = _glued_to_keyword(text, tok)
    if glued is not None:  # `citee` read as the keyword `cite` and then `e`: the word as written
        word, start, line, col = glued
        meant = did_you_mean(word, expected, text, start)
        if meant:
            return Diagnostic("P002", f"unexpected {word!r}", Span(line, col, line, col + len(word)), path,
                              hint=f"did you mean `{meant}`?")
    width = max(1, len(str(tok)))
    meant = did_you_mean(str(tok), expected, text, tok.start_pos)
    hint = f"did you mean `{meant}`?" if meant else _describe(expected, lang) or None
    return Diagnostic("P002", f"unexpected {str(tok)!r}", Span(line, col, line, col + width), path, hint=hint)


def _glued_to_keyword(text: str, tok: lark.Token) -> tuple[str, int, int, int] | None:
    """When ``tok`` is a word written right after a keyword, with no space (the lexer reads
    `citee` as `cite` and `e`): the whole word, its offset, line and column."""
    start = tok.start_pos or 0
    if not str(tok).isidentifier() or start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
        return None
    before = _token_before(text, start)
    if before is None or before.end_pos != start or before.type not in keyword_terminals():
        return None
    return str(before) + str(tok), before.start_pos or 0, before.line or 1, before.column or 1


def _expected(err: lark.UnexpectedToken) -> set[str]:
    """Every terminal the parser would have taken: Lark's ``expected`` keeps only upper-case
    names, which leaves out every Chinese keyword."""
    found = set(err.expected)
    ip = getattr(err, "interactive_parser", None)
    if ip is not None:
        terminals = {t.name for t in parser().terminals}
        found |= {k for k in ip.choices() if k in terminals}
    return found


def unclosed_string(text: str, path: str, line: int, col: int) -> Diagnostic:
    """P007: a quoted text whose closing quote is missing, underlined to the end of its line."""
    lines = source_lines(text)
    rest = lines[line - 1] if 0 < line <= len(lines) else ""
    if col >= 3 and rest[col - 3: col] == '"""':  # `"""` read as `""` (empty) then an open `"`
        col -= 2
    triple = rest[col - 1: col + 2] == '"""'
    end = len(rest) + 1 if not triple else col + 3
    return Diagnostic("P007", "this quoted text is not closed" + (" (`\"\"\"` without its closing `\"\"\"`)"
                                                                  if triple else ""),
                      Span(line, col, line, max(end, col + 1)), path,
                      hint='end it with `"` on the same line; text over several lines goes between '
                           '`"""` and `"""`')


def missing_colon(text: str, path: str, line: int, end_column: int) -> Diagnostic:
    """P008: a `:` missing at the end of a line (before the indented lines that follow it)."""
    return Diagnostic("P008", "missing `:` at the end of this line", Span(line, end_column, line, end_column + 1),
                      path, hint="the lines below belong to this one: end it with `:`")


def _token_before(text: str, pos: int) -> lark.Token | None:
    """The last token that ends before ``pos`` (comments skipped), or None."""
    last = None
    try:
        for last in parser().lex(text[:pos]):  # noqa: B007
            pass
    except lark.LarkError:
        return None
    return last

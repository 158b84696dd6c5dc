"""Policy text -> the same text laid out by the house rules: the formatter behind ``policyrules fmt``.

It works on the concrete syntax (:mod:`policyrules.syntax.concrete`): every token is printed
as written (``10000 元``, ``1万元``, ``三千元``, ``\"\"\"…\"\"\"`` stay as they are), every comment
stays on the line or before the line it was written with, and only white space changes,
unless ``lang`` asks for the keywords in one language (:mod:`policyrules.syntax.keywords`).
The layout rules (docs/editor.md states them for drafters):

1. A declaration starts a line at column 0; each of its clauses (``cite``, ``when``,
   ``amount``, a field, a table row, an ``if`` alternative, ``except``, a part, ``extended``,
   a scorecard's parts…) starts a line indented two spaces per level of nesting.
2. The drafter's own line breaks inside a clause are kept.  A continued line is indented:
   inside a bracket left open on an earlier line, one column after the bracket (or two spaces
   in from the bracket's line when the bracket ends it; a closing bracket lines up with its
   opener); a line starting with an operator or keyword of an expression (``and``, ``or``,
   ``else``, ``+``, ``where``…) lines up with the line that expression starts on, or two
   spaces in when the expression starts mid-line; anything else two spaces in from the line
   its enclosing construct starts on.
3. One space between tokens, none inside brackets, before ``,`` ``:`` ``)``, in ``a.b``,
   ``f(x)``, ``t[k]``, ``-x`` and ``city-employment-promotion``; trailing comments two spaces
   after the code.
4. A line wider than 100 columns (CJK characters count two; a trailing comment does not count)
   is broken before ``and``/``or`` (the loosest in the line first, as many words per line as
   fit), then before ``else``.
5. Blank lines are kept where written (a run of them becomes one), none at the start or end.
"""

from __future__ import annotations

import attrs

from policyrules.diagnostics import PolicyError
from policyrules.syntax.concrete import Comment, Concrete, Node, concrete
from policyrules.syntax.keywords import spellings
from policyrules.syntax.printer import width

WIDTH = 100

# Grammar rules whose text starts a line of its own: declarations and clauses.
LINE_STARTS = frozenset({
    "policy_decl", "parameter_decl", "enum_decl", "set_decl", "table_decl", "facts_decl",
    "record_decl", "value_decl", "result_decl", "output_decl", "group_decl", "invariant_decl",
    "scorecard_decl",
    "cite", "text", "valid", "rounding", "condition", "amount", "term", "extension", "alternative",
    "otherwise", "exception", "part", "field_decl", "table_entry", "range_entry", "table_otherwise",
    "dated_value",
    "sc_fields", "sc_records", "sc_indicator", "sc_points", "sc_deduct", "sc_area", "sc_qualify",
    "sc_rank", "sc_award", "sc_list", "sc_actual", "sc_last_year", "sc_advanced",
    "sc_area_when", "sc_order",
})
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_NO_SPACE_BEFORE = {")", "]", "}", ",", ":", "."}
_NO_SPACE_AFTER = {"(", "[", "{", "."}
_LOGIC = {"and_", "or_"}


class FormatError(Exception):
    """The formatted text would mean something else: a bug, reported rather than written."""


def format_text(text: str, path: str = "<policy>", lang: str | None = None) -> str:
    """``text`` laid out by the house rules; with ``lang`` ("en"/"zh") its keywords in that language.

    Bad input raises the parser's PolicyError; the result is checked to parse to the same AST."""
    from policyrules.syntax.keywords import convert
    from policyrules.syntax.parse import parse

    c = concrete(text, path)  # bad input: the parser's own positioned error
    before = c.ast(path)
    if lang is not None:
        c = concrete(convert(c, lang, path), path)
    out = layout(c)
    try:
        same = parse(out, path).decls == before
    except PolicyError as err:
        raise FormatError(f"{path}: the formatted text does not parse:\n{err}") from None
    if not same:
        raise FormatError(f"{path}: the formatted text would mean something else; not formatted")
    return out


def layout(c: Concrete) -> str:
    """The laid-out text of ``c``: rules 1-5 of the module docstring."""
    lay = _Layout(c)
    extra: set[int] = set()
    while True:
        lines = lay.lines(extra)
        more = lay.overflow_break(lines)
        if more is None:
            return lay.text(lines)
        extra.add(more)


@attrs.define
class _Line:
    indent: int
    parts: list[str]
    first: int  # index of its first token, -1 for a comment or blank line
    last: int = -1
    comment: str = ""

    def code(self) -> str:
        return " " * self.indent + "".join(self.parts)


@attrs.define
class _Open:
    token: int
    column: int
    line_indent: int
    ends_line: bool


class _Layout:
    def __init__(self, c: Concrete):
        self.c = c
        toks = c.tokens
        self.tokens = toks
        self.leading: dict[int, list[Comment]] = {}
        self.trailing: dict[int, Comment] = {}
        for cm in c.comments:
            if cm.trailing:
                self.trailing[cm.after] = cm
            else:
                self.leading.setdefault(cm.after + 1, []).append(cm)
        self.decl_of = [t.nodes[1].first if len(t.nodes) > 1 else 0 for t in toks]
        and_words, or_words = spellings("_and"), spellings("_or")
        self.logic = and_words | or_words
        self.else_words = spellings("_else")
        self.source_break = [k == 0 or t.line > toks[k - 1].end_line for k, t in enumerate(toks)]
        self._tops: dict[int, Node | None] = {}
        self.forced = [k == 0 or any(n.first == k and n.rule in LINE_STARTS for n in t.nodes)
                       for k, t in enumerate(toks)]

    def top(self, k: int) -> Node | None:
        """``_chain_top`` of token ``k``, once."""
        if k not in self._tops:
            self._tops[k] = _chain_top(self.tokens[k].nodes)
        return self._tops[k]

    def _prev_end(self, k: int) -> int:
        return self.tokens[k - 1].end if k > 0 else 0

    # ------------------------------------------------------------ lines
    def lines(self, extra: set[int]) -> list[_Line]:
        toks, text = self.tokens, self.c.text
        out: list[_Line] = []
        opened: list[_Open] = []
        line_of: dict[int, _Line] = {}  # token index -> its line
        for k, tok in enumerate(toks):
            if k == 0 or self.forced[k] or self.source_break[k] or k in extra:
                indent = self._indent(k, opened, line_of)
                pos = self._prev_end(k)
                for cm in self.leading.get(k, []):
                    cm_pos = cm.start
                    if out and _has_blank(text, pos, cm_pos):
                        out.append(_Line(0, [], -1))
                    out.append(_Line(self._comment_indent(k, cm, indent), [cm.text], -1))
                    pos = cm_pos + len(cm.text)
                if out and _has_blank(text, pos, tok.start):
                    out.append(_Line(0, [], -1))
                line = _Line(indent, [tok.text], k, k)
                out.append(line)
            else:
                line = out[-1]
                line.parts.append(tok.text if not self._space(k) else " " + tok.text)
                line.last = k
            line_of[k] = line
            if k in self.trailing:
                line.comment = self.trailing[k].text
            if tok.text in _OPENERS:
                col = width(line.code()) - width(tok.text)
                ends = k + 1 == len(toks) or self.source_break[k + 1] or self.forced[k + 1] or (k + 1) in extra
                opened.append(_Open(k, col, line.indent, ends))
            elif tok.text in _OPENERS.values() and opened:
                opened.pop()
        pos = self._prev_end(len(toks))
        for cm in self.leading.get(len(toks), []):
            cm_pos = cm.start
            if out and _has_blank(text, pos, cm_pos):
                out.append(_Line(0, [], -1))
            out.append(_Line(self._comment_indent(len(toks), cm, 0), [cm.text], -1))
            pos = cm_pos + len(cm.text)
        return out

    def _comment_indent(self, k: int, cm: Comment, indent: int) -> int:
        """An own-line comment takes the indentation of the line it precedes, except one written
        indented after a declaration's last line: it stays with that declaration, at two spaces."""
        toks = self.tokens
        if k > 0 and (k == len(toks) or self.decl_of[k] == k) and cm.column > 1:
            return 2
        return indent if k < len(toks) else 0

    def _space(self, k: int) -> bool:
        prev, tok = self.tokens[k - 1], self.tokens[k]
        if tok.text in _NO_SPACE_BEFORE or prev.text in _NO_SPACE_AFTER:
            return False
        if tok.text in ("(", "[") and prev.kind == "NAME":
            return False  # a call or a lookup
        if prev.text == "-":
            node = prev.nodes[-1] if prev.nodes else None
            if node is not None and (node.rule == "policy_name" or (node.rule == "neg" and node.first == k - 1)):
                return False
        return not (tok.text == "-" and tok.nodes and tok.nodes[-1].rule == "policy_name")

    def _indent(self, k: int, opened: list[_Open], line_of: dict[int, _Line]) -> int:
        tok = self.tokens[k]
        if self.forced[k]:
            return max(0, 2 * sum(1 for n in tok.nodes if n.rule in LINE_STARTS) - 2)
        if opened:
            b = opened[-1]
            closes = tok.text == _OPENERS.get(self.tokens[b.token].text)
            if b.ends_line:
                return b.line_indent + (0 if closes else 2)
            return b.column + (0 if closes else 1)
        own = self.top(k)
        if own is not None and own.first < k and own.rule not in LINE_STARTS and own.rule != "start":
            start = line_of[own.first]
            if start.first == own.first:
                return start.indent
            if own.rule in _LOGIC and self.tokens[start.first].nodes[-1].rule == "condition":
                return start.indent + 1  # `when a and b` continued: ` and c`, one column in from `when`
            return start.indent + 2
        enclosing = next((n for n in reversed(tok.nodes) if n.first < k), None)
        if enclosing is None:
            return 0
        return line_of[enclosing.first].indent + 2

    # ------------------------------------------------------------ width
    def overflow_break(self, lines: list[_Line]) -> int | None:
        """A token to break before, in the first line too wide that can be broken; None if none."""
        for line in lines:
            if line.first < 0 or width(line.code()) <= WIDTH:
                continue
            k = self._break_in(line)
            if k is not None:
                return k
        return None

    def _break_in(self, line: _Line) -> int | None:
        toks = self.tokens
        candidates: list[tuple[int, int]] = []  # (level, token)
        for k in range(line.first + 1, line.last + 1):
            tok = toks[k]
            node = tok.nodes[-1] if tok.nodes else None
            if node is None:
                continue
            if (node.rule in _LOGIC and tok.text in self.logic) or (
                    node.rule == "if_expr" and tok.text in self.else_words):
                top = self.top(k)
                assert top is not None
                rank = 0 if node.rule in _LOGIC else 1
                candidates.append((rank * 10_000 + top.depth, k))
        if not candidates:
            return None
        level = min(lv for lv, _ in candidates)
        ks = [k for lv, k in candidates if lv == level]
        wanted = set(ks)
        used, fits = line.indent, None
        for j, part in enumerate(line.parts):
            k = line.first + j
            if k in wanted and used <= WIDTH:
                fits = k
            used += width(part)
        return fits if fits is not None else ks[0]

    # ------------------------------------------------------------ text
    @staticmethod
    def text(lines: list[_Line]) -> str:
        out: list[str] = []
        for line in lines:
            if line.first < 0 and not line.parts:
                out.append("")
                continue
            code = line.code()
            out.append(f"{code}  {line.comment}" if line.comment else code)
        while out and not out[-1]:
            out.pop()
        while out and not out[0]:
            out.pop(0)
        return "\n".join(out) + "\n" if out else ""


def _chain_top(nodes: tuple[Node, ...]) -> Node | None:
    """The node a token belongs to, up through a chain of the same operator
    (``a and b and c``) or of ``else if``: the whole chain breaks and aligns as one."""
    if not nodes:
        return None
    k = len(nodes) - 1
    while k > 0:
        inner, outer = nodes[k], nodes[k - 1]
        if inner.rule == outer.rule and (inner.rule != "if_expr" or inner.last == outer.last):
            k -= 1
        else:
            break
    return nodes[k]


def _has_blank(text: str, start: int, stop: int) -> bool:
    """Whether ``text[start:stop]`` (white space, between two items) holds an empty line."""
    return text.count("\n", start, stop) >= 2


__all__ = ["WIDTH", "FormatError", "format_text", "layout"]

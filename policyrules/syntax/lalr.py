"""A lean LALR driver over Lark's own tables that builds the AST in the same pass.

Lark stays the grammar's compiler and the reference parser: its parse table, its contextual
lexers (one per parser state, as Lark makes them) and the Transformer in ``transform.py`` are
used unchanged. What this module replaces is only the per-token work of Lark's runtime for
an input that parses: no ``lark.Tree`` is made, a token that the tree would filter out
(keywords, punctuation) never becomes a ``Token`` object, a pass-through rule (``?rule`` with
one child) costs one table lookup, and each rule's Transformer method is called as soon as
the rule is reduced, with the same children and the same positions that Lark's
``propagate_positions`` would have given it.

It does not report syntax errors: on any input it cannot take (a character no terminal
matches, a token no action expects) it returns ``None`` and the caller parses with Lark,
which gives the positioned diagnostic. ``tests/syntax/test_lalr_driver.py`` holds it to the
same AST, spans included, as Lark followed by the Transformer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import lark
from lark import Token, Tree
from lark.lexer import UnlessCallback
from lark.parsers.lalr_analysis import Shift

# A stack entry's position: own start and end, the container's start and end (what a parent
# spans: a pass-through rule keeps its child's own position but widens the container to its
# own tokens, such as parentheses), whether the value was a token in Lark's tree, and the
# depth of the nodes under it.
_Pos = tuple[int, int, int, int, int, int, int, int, bool, int]


class _Meta:
    """What a Transformer method reads of Lark's ``Meta``."""

    __slots__ = ("empty", "line", "column", "end_line", "end_column")

    def __init__(self, pos: _Pos | None):
        if pos is None:
            self.empty = True
            return
        self.empty = False
        self.line, self.column, self.end_line, self.end_column = pos[0], pos[1], pos[2], pos[3]


class _Inline:
    """The children of an inlined ``_rule`` and their positions, spliced into its parent."""

    __slots__ = ("children", "poss")

    def __init__(self, children: list[Any], poss: list[_Pos | None]):
        self.children = children
        self.poss = poss


class _Rule:
    """One grammar rule, prepared for the driver."""

    __slots__ = ("size", "origin", "include", "expand1", "inline", "method", "name", "splices", "unit")

    def __init__(self, rule: Any, method: Callable[..., Any] | None):
        self.size = len(rule.expansion)
        self.origin = rule.origin.name
        keep_all = rule.options.keep_all_tokens
        self.include = tuple(
            (i, not sym.is_term and sym.name.startswith("_"))
            for i, sym in enumerate(rule.expansion)
            if keep_all or not (sym.is_term and sym.filter_out))
        self.splices = any(expand for _, expand in self.include)
        self.expand1 = bool(rule.options.expand1 and not rule.alias)
        self.name = rule.alias or rule.options.template_source or rule.origin.name
        self.inline = self.name.startswith("_") and method is None
        self.method = method
        # `?rule: child` with one symbol, kept: the value and its position pass through unchanged
        self.unit = self.expand1 and self.size == 1 and len(self.include) == 1 and not self.splices


class Tables:
    """The parse table with integer actions, the lexers by state, the rules prepared."""

    def __init__(self, lk: lark.Lark, transformer: type[Any]):
        lalr = lk.parser.parser
        table = lalr._parse_table
        rules = list(lk.rules)
        index = {id(r): i for i, r in enumerate(rules)}
        self.rules = [_Rule(r, _method(transformer, r)) for r in rules]
        # action >= 0: shift to that state; action < 0: reduce by rule -action - 1
        self.actions: dict[int, dict[str, int]] = {
            state: {sym: (arg if act is Shift else -index[id(arg)] - 1) for sym, (act, arg) in acts.items()}
            for state, acts in table.states.items()}
        self.kept = frozenset(sym.name for r in rules for sym in r.expansion
                              if sym.is_term and (r.options.keep_all_tokens or not sym.filter_out))  # type: ignore[attr-defined]
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        self.ok = True
        self.lexers: dict[int, tuple[Callable[..., Any], frozenset[str], dict[str, dict[str, str | None]]]] = {}
        shared: dict[int, Any] = {}
        for state, lexer in lk.parser.lexer.lexers.items():
            if id(lexer) not in shared:
                mres = lexer.scanner._mres  # the scanner is built on first use
                keywords: dict[str, dict[str, str | None]] = {}
                for typ, cb in lexer.callback.items():
                    if not isinstance(cb, UnlessCallback):
                        self.ok = False  # a callback this driver does not mirror: Lark parses
                    keywords[typ] = _Keywords(cb.scanner)
                if len(mres) != 1:
                    self.ok = False  # more than 100 terminals in one state: Lark parses
                shared[id(lexer)] = (mres[0].match, frozenset(lexer.ignore_types), keywords)
            self.lexers[state] = shared[id(lexer)]


class _Keywords(dict[str, "str | None"]):
    """A terminal's keyword conversions (``of`` lexed as a NAME is the keyword OF), memoized."""

    def __init__(self, scanner: Any):
        super().__init__()
        self.scanner = scanner

    def __missing__(self, value: str) -> str | None:
        self[value] = kw = self.scanner.fullmatch(value)
        return kw  # type: ignore[no-any-return]


def _method(transformer: type[Any], rule: Any) -> Callable[..., Any] | None:
    name = rule.alias or rule.options.template_source or rule.origin.name
    for klass in transformer.__mro__:
        if name in klass.__dict__:
            f = klass.__dict__[name]
            return getattr(f, "base_func", f)  # the function under @v_args(meta=True)
    return None


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The tables of the policy grammar's parser and the AST Transformer."""
    from policyrules.syntax.grammar import parser
    from policyrules.syntax.transform import transformer

    return Tables(parser(), transformer())


MAX_DEPTH = 200
"""Deeper trees are left to Lark, whose recursive Transformer reports them (P005) as before."""


class _Fallback(Exception):
    """An input this driver does not mirror exactly: Lark parses it."""


def parse(text: str, tb: Tables, instance: Any) -> list[Any] | None:
    """The Transformer's result for ``text``, or ``None`` when the text does not parse here."""
    if not tb.ok:
        return None
    try:
        return _parse(text, tb, instance)
    except Exception:  # noqa: BLE001 - _Fallback, or a Transformer method refusing a node: the
        return None    # reference path reports it, after any syntax error before it, as always


def _parse(text: str, tb: Tables, instance: Any) -> list[Any] | None:
    actions = tb.actions
    rules = tb.rules
    lexers = tb.lexers
    kept = tb.kept
    end_state = tb.end
    states = [tb.start]
    values: list[Any] = []
    poss: list[Any] = []
    pos = 0
    line = 1
    line_start = 0
    end = len(text)
    typ = ""
    while True:
        # ---- the next token, from the lexer of the current state
        if pos < end:
            match, ignore, keywords = lexers[states[-1]]
            m = match(text, pos)
            if m is None:
                return None
            value = m.group()
            typ = m.lastgroup  # type: ignore[assignment]
            if typ in keywords:
                typ = keywords[typ][value] or typ
            tstart = pos
            pos = m.end()
            if "\n" in value:
                tline = line
                tcol = tstart - line_start + 1
                line += value.count("\n")
                line_start = tstart + value.rindex("\n") + 1
            else:
                tline = line
                tcol = tstart - line_start + 1
            if typ in ignore:
                continue
            ecol = pos - line_start + 1
            tpos = (tline, tcol, line, ecol, tline, tcol, line, ecol, True, 0)
            token = Token(typ, value, tstart, tline, tcol, line, ecol, pos) if typ in kept else None
        elif typ == "$END":
            return None
        else:
            typ = "$END"
        # ---- reduce as the token asks, then shift it
        while True:
            act = actions[states[-1]].get(typ)
            if act is None:
                return None
            if act >= 0:
                if typ == "$END":
                    return None
                states.append(act)
                values.append(token)
                poss.append(tpos)
                break
            rule = rules[-act - 1]
            if rule.unit:
                del states[-1]
                goto = actions[states[-1]][rule.origin]
                states.append(goto)
                if typ == "$END" and goto == end_state:
                    return None
                continue
            size = rule.size
            if size:
                kids = values[-size:]
                kpos = poss[-size:]
                del states[-size:]
                del values[-size:]
                del poss[-size:]
            else:
                kids = []
                kpos = []
            result, rpos = _reduce(rule, kids, kpos, instance)
            goto = actions[states[-1]][rule.origin]
            states.append(goto)
            values.append(result)
            poss.append(rpos)
            if typ == "$END" and goto == end_state:
                return result if isinstance(result, list) else None


def _reduce(rule: _Rule, kids: list[Any], kpos: list[Any], instance: Any) -> tuple[Any, Any]:
    first = kpos[0] if kpos else None
    if first is None:
        for first in kpos:
            if first is not None:
                break
    last = kpos[-1] if kpos else None
    if last is None:
        for last in reversed(kpos):
            if last is not None:
                break
    if first is None or last is None:
        span = None
    else:
        depth = max([0 if p is None else p[9] for p in kpos])  # a node's is one more (below)
        span = (first[4], first[5], last[6], last[7], first[4], first[5], last[6], last[7], False, depth)
    if rule.expand1:
        children, cposs = _children_at(rule, kids, kpos)
        if len(children) == 1:
            cpos = cposs[0]
            if cpos is None:
                raise _Fallback  # Lark would give the empty child its parent's position
            if cpos[8] or span is None:
                return children[0], cpos  # a token passes through unchanged
            return children[0], (cpos[0], cpos[1], cpos[2], cpos[3], span[4], span[5], span[6], span[7], False,
                                 cpos[9])
        if rule.inline:
            return _Inline(children, cposs), span
    elif rule.inline:
        children, cposs = _children_at(rule, kids, kpos)
        return _Inline(children, cposs), span
    elif rule.splices:
        children = []
        for i, expand in rule.include:
            if expand:
                children += kids[i].children
            else:
                children.append(kids[i])
    elif len(rule.include) == rule.size:
        children = kids
    else:
        children = [kids[i] for i, _ in rule.include]
    if span is not None:
        if span[9] >= MAX_DEPTH:
            raise _Fallback
        span = span[:9] + (span[9] + 1,)
    if rule.method is None:
        meta = lark.tree.Meta()
        if span is not None:
            meta.line, meta.column, meta.end_line, meta.end_column = span[0], span[1], span[2], span[3]
            meta.empty = False
        return Tree(rule.name, children, meta), span
    return rule.method(instance, _Meta(span), children), span


def _children_at(rule: _Rule, kids: list[Any], kpos: list[Any]) -> tuple[list[Any], list[Any]]:
    """The children a rule keeps, with their positions (an inlined rule's own, spliced)."""
    children: list[Any] = []
    cposs: list[Any] = []
    for i, expand in rule.include:
        if expand:
            children += kids[i].children
            cposs += kids[i].poss
        else:
            children.append(kids[i])
            cposs.append(kpos[i])
    return children, cposs

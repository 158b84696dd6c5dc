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

import re
from collections.abc import Callable
from functools import lru_cache
from operator import itemgetter
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


class _Meta(tuple[int, ...]):
    """What a Transformer method reads of Lark's ``Meta``: a node's position (a tuple, made in C)."""

    __slots__ = ()
    empty = False
    line = property(itemgetter(0))
    column = property(itemgetter(1))
    end_line = property(itemgetter(2))
    end_column = property(itemgetter(3))


class _NoMeta:
    """The ``Meta`` of a node without tokens."""

    empty = True


_NO_META = _NoMeta()


class _Inline:
    """The children of an inlined ``_rule`` and their positions, spliced into its parent."""

    __slots__ = ("children", "poss")

    def __init__(self, children: list[Any], poss: list[_Pos | None]):
        self.children = children
        self.poss = poss


class _Rule:
    """One grammar rule, prepared for the driver."""

    __slots__ = ("size", "origin", "symbols", "include", "expand1", "inline", "method", "name", "splices", "unit",
                 "plain", "keep", "transparent")

    def __init__(self, described: list[Any], transformer: type[Any]):
        size, origin, include, expand1, name = described
        self.size: int = size
        self.origin: str = origin
        self.symbols = {i: symbol for i, _, symbol in include}
        self.expand1: bool = expand1
        self.name: str = name
        self.method = _method(transformer, name)
        self.inline = name.startswith("_") and self.method is None
        self.transparent = False  # see _transparent
        self.prepare(tuple((i, bool(expand)) for i, expand, _ in include))

    def prepare(self, include: tuple[tuple[int, bool], ...]) -> None:
        """The paths this rule's reduction takes, for the children it keeps (``include``)."""
        self.include = include
        self.splices = any(expand for _, expand in include)
        # `?rule: child` with one symbol, kept: the value and its position pass through unchanged
        self.unit = self.transparent or (self.expand1 and self.size == 1 and len(include) == 1 and not self.splices)
        # a node made by a Transformer method from its kept children, as most rules are: one path
        self.plain = self.method is not None and not self.expand1 and not self.splices and self.size > 0
        self.keep = None if len(include) == self.size else tuple(i for i, _ in include)


def _transparent(rules: list[_Rule]) -> None:
    """Pass inlined rules of one symbol through as units: a ``_rule`` whose every alternative is
    one filtered keyword (``_of: "of"``) adds nothing to its parent, which then skips it; one whose
    every alternative is one kept child (``_decl: policy_decl | …``) adds that child, which the
    parent then keeps as its own. Either way Lark's tree is the same (its positions too: a parent
    reads only the container span and the depth of a child, the same for the rule as for what it
    holds), and no list is made and spliced per keyword or declaration."""
    by_origin: dict[str, list[_Rule]] = {}
    for r in rules:
        by_origin.setdefault(r.origin, []).append(r)
    kinds: dict[str, bool] = {}  # origin -> whether it adds its one child (else nothing)
    while True:
        for origin, alternatives in by_origin.items():
            if origin in kinds or not all(r.inline and r.name == origin and not r.expand1 and r.size == 1
                                          for r in alternatives):
                continue
            if all(not r.include for r in alternatives):
                kinds[origin] = False
            elif all(r.include == ((0, False),) for r in alternatives):
                kinds[origin] = True
            else:
                continue
            for r in alternatives:
                r.transparent = r.unit = True
            break
        else:
            return
        for r in rules:  # parents: skip the rule, or keep its child as their own
            if any(r.symbols.get(i) in kinds for i, _ in r.include):
                r.prepare(tuple((i, False if r.symbols[i] in kinds else expand) for i, expand in r.include
                                if kinds.get(r.symbols[i], True)))


def describe(lk: lark.Lark) -> dict[str, Any]:
    """What the driver needs of a Lark LALR parser, as plain JSON data: the actions of each
    state, the rules (size, kept children, pass-through, name), the terminals a tree keeps, and
    each state's lexer as the regular expressions Lark compiled for it."""
    table = lk.parser.parser._parse_table
    rules = list(lk.rules)
    index = {id(r): i for i, r in enumerate(rules)}
    lexers: list[list[Any]] = []
    lexer_of: dict[int, int] = {}
    by_state: dict[str, int] = {}
    for state, lexer in lk.parser.lexer.lexers.items():
        if id(lexer) not in lexer_of:
            scanner = lexer.scanner  # built on first use, with the callbacks
            keywords = {}
            for typ, cb in lexer.callback.items():
                if not isinstance(cb, UnlessCallback):
                    raise TypeError(f"a lexer callback the driver does not mirror: {cb!r}")
                keywords[typ] = [[m.pattern, m.flags] for m in cb.scanner._mres]
            lexer_of[id(lexer)] = len(lexers)
            lexers.append([[[m.pattern, m.flags] for m in scanner._mres], sorted(lexer.ignore_types),
                           keywords])
        by_state[str(state)] = lexer_of[id(lexer)]
    return {
        # action >= 0: shift to that state; action < 0: reduce by rule -action - 1
        "actions": {str(state): {sym: (arg if act is Shift else -index[id(arg)] - 1)
                                 for sym, (act, arg) in acts.items()}
                    for state, acts in table.states.items()},
        "rules": [[len(r.expansion), r.origin.name,
                   [[i, not sym.is_term and sym.name.startswith("_"), sym.name] for i, sym in enumerate(r.expansion)
                    if r.options.keep_all_tokens or not (sym.is_term and sym.filter_out)],  # type: ignore[attr-defined]
                   bool(r.options.expand1 and not r.alias),
                   r.alias or r.options.template_source or r.origin.name] for r in rules],
        "kept": sorted({sym.name for r in rules for sym in r.expansion
                        if sym.is_term and (r.options.keep_all_tokens or not sym.filter_out)}),  # type: ignore[attr-defined]
        "start": table.start_states["start"],
        "end": table.end_states["start"],
        "lexers": lexers,
        "lexer_of": by_state,
        "trailing": _trailing(lk),
    }


def _trailing(lk: lark.Lark) -> list[str]:
    """The patterns of the ignored terminals (whitespace, comments), when each token's match may
    take those after it: they have no groups, start with a few known characters, and no other
    terminal can start with one of those (so the next token is the same); else nothing."""
    from policyrules.syntax.regex_starts import first_chars, may_start_with

    if lk.options.g_regex_flags:
        return []
    ignored = set(lk.lexer_conf.ignore)
    patterns = [t.pattern.to_regexp() for t in lk.terminals if t.name in ignored]
    starts: set[str] = set()
    for p in patterns:
        found = first_chars(p)
        if found is None or re.compile(p).groups:
            return []
        starts |= found
    for t in lk.terminals:
        if t.name not in ignored and any(may_start_with(t.pattern.to_regexp(), ch) for ch in starts):
            return []
    return patterns


class Tables:
    """The driver's tables, from :func:`describe`'s data, with the Transformer's methods."""

    def __init__(self, data: dict[str, Any], transformer: type[Any]):
        self.rules = [_Rule(r, transformer) for r in data["rules"]]
        _transparent(self.rules)
        self.actions: dict[int, dict[str, int]] = {int(k): v for k, v in data["actions"].items()}
        self.kept = frozenset(data["kept"])
        self.start: int = data["start"]
        self.end: int = data["end"]
        self.lexers = _Lexers(data["lexers"], {int(k): v for k, v in data["lexer_of"].items()}, data["trailing"])
        self.units: dict[tuple[int, int, str], int] = {}  # _units, memoized


class _Lexers(dict[int, tuple[Callable[..., Any], frozenset[str], dict[str, "_Keywords"]]]):
    """Each parser state's lexer (Lark's, with its keyword conversions), compiled on first use
    as Lark compiles them: most states are never lexed in."""

    def __init__(self, lexers: list[list[Any]], lexer_of: dict[int, int], trailing: list[str]):
        super().__init__()
        self.described = lexers
        self.lexer_of = lexer_of
        self.made: dict[int, Any] = {}
        # a token's match takes the whitespace and comments after it (see _trailing)
        self.after = f"(?:{'|'.join(trailing)})*" if trailing else ""

    def __missing__(self, state: int) -> Any:
        i = self.lexer_of[state]
        made = self.made.get(i)
        if made is None:
            patterns, ignore, keywords = self.described[i]
            if len(patterns) != 1:
                raise _Fallback  # more than 100 terminals in one state: Lark parses
            pattern, flags = patterns[0]
            made = self.made[i] = (re.compile(f"(?:{pattern}){self.after}", flags).match, frozenset(ignore),
                                   {typ: _Keywords([re.compile(p, f) for p, f in pats])
                                    for typ, pats in keywords.items()})
        self[state] = made
        return made


KEYWORD_MEMO = 50_000
"""Words a terminal's keyword memo keeps (a 1 MB policy has about 13,000 distinct names)."""


class _Keywords(dict[str, "str | None"]):
    """A terminal's keyword conversions (``of`` lexed as a NAME is the keyword OF), memoized for
    the first :data:`KEYWORD_MEMO` words: the tables live as long as the process (a language
    server, the HTTP service), and the names of every policy it parses must not pile up."""

    def __init__(self, patterns: list[re.Pattern[str]]):
        super().__init__()
        self.patterns = patterns

    def __missing__(self, value: str) -> str | None:
        kw = None
        for p in self.patterns:
            m = p.fullmatch(value)
            if m:
                kw = m.lastgroup
                break
        if len(self) < KEYWORD_MEMO:
            self[value] = kw
        return kw


def _method(transformer: type[Any], name: str) -> Callable[..., Any] | None:
    for klass in transformer.__mro__:
        if name in klass.__dict__:
            f = klass.__dict__[name]
            return getattr(f, "base_func", f)  # the function under @v_args(meta=True)
    return None


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The driver's tables for the policy grammar: shipped beside it, or described from Lark's
    parser when the shipped ones do not match the grammar (slower to start, same result)."""
    from policyrules.syntax.grammar import driver_data, parser
    from policyrules.syntax.transform import transformer

    data = driver_data()
    return Tables(data if data is not None else describe(parser()), transformer())


FORMAT = 2
"""The version of :func:`describe`'s data: shipped tables of another are described afresh."""

MAX_DEPTH = 200
"""Deeper trees are left to Lark, whose recursive Transformer reports them (P005) as before."""


class _Fallback(Exception):
    """An input this driver does not mirror exactly: Lark parses it."""


def parse(text: str, tb: Tables, instance: Any) -> list[Any] | None:
    """The Transformer's result for ``text``, or ``None`` when the text does not parse here."""
    try:
        return _parse(text, tb, instance)
    except Exception:  # noqa: BLE001 - _Fallback, or a Transformer method refusing a node: the
        return None    # reference path reports it, after any syntax error before it, as always


def _parse(text: str, tb: Tables, instance: Any) -> list[Any] | None:
    actions = tb.actions
    rules = tb.rules
    lexers = tb.lexers
    kept = tb.kept
    units = tb.units
    end_state = tb.end
    states = [tb.start]
    values: list[Any] = []
    poss: list[Any] = []
    pos = 0
    line = 1
    line_start = 0
    end = len(text)
    typ = ""
    token: Any = None
    tpos: Any = None
    new_str = str.__new__
    while True:
        # ---- the next token, from the lexer of the current state; its match takes the
        # whitespace and comments after it (see _trailing), a loop skips any before it
        if pos < end:
            match, ignore, keywords = lexers[states[-1]]
            m = match(text, pos)
            if m is None:
                return None
            typ = m.lastgroup  # type: ignore[assignment]
            while typ in ignore:
                value = m.group()
                if "\n" in value:  # lines counted as Lark counts them: by "\n" alone
                    line += value.count("\n")
                    line_start = pos + value.rindex("\n") + 1
                pos = m.end()
                if pos >= end:
                    typ = "$END"
                    break
                m = match(text, pos)
                if m is None:
                    return None
                typ = m.lastgroup  # type: ignore[assignment]
        elif typ == "$END":
            return None
        else:
            typ = "$END"
        if typ != "$END":
            group = m.lastindex
            value = m.group(group)
            tstart, tline, tcol = pos, line, pos - line_start + 1
            tend = m.end(group)
            pos = m.end()
            if "\n" in value:
                line += value.count("\n")
                line_start = tstart + value.rindex("\n") + 1
            eline, ecol = line, tend - line_start + 1
            if pos != tend and "\n" in text[tend:pos]:  # the layout after the token
                line += text.count("\n", tend, pos)
                line_start = text.rindex("\n", tend, pos) + 1
            if typ in keywords:
                typ = keywords[typ][value] or typ
            tpos = (tline, tcol, eline, ecol, tline, tcol, eline, ecol, True, 0)
            if typ in kept:  # what Token(typ, value, tstart, ...) makes, without its two Python calls
                token = new_str(Token, value)
                token.type, token.value, token.start_pos, token.end_pos = typ, value, tstart, tend
                token.line, token.column, token.end_line, token.end_column = tline, tcol, eline, ecol
            else:
                token = None
        # ---- reduce as the token asks, then shift it
        while True:
            top = states[-1]
            act = actions[top].get(typ)
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
            if rule.unit:  # a chain of pass-through rules: one memoized step
                key = (states[-2], top, typ)
                goto = units.get(key)
                if goto is None:
                    goto = units[key] = _units(tb, states[-2], top, typ)
                if goto < 0:
                    return None
                states[-1] = goto
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
            if rule.plain and kpos[0] is not None and kpos[-1] is not None:  # most nodes: one path
                first, last = kpos[0], kpos[-1]
                depth = first[9] + 1 if size == 1 else max([0 if p is None else p[9] for p in kpos]) + 1
                if depth > MAX_DEPTH:
                    return None
                rpos = (first[4], first[5], last[6], last[7], first[4], first[5], last[6], last[7], False, depth)
                keep = rule.keep
                result = rule.method(instance, _Meta(rpos),  # type: ignore[misc]  # plain: it has one
                                     kids if keep is None else [kids[i] for i in keep])
            else:
                result, rpos = _reduce(rule, kids, kpos, instance)
            goto = actions[states[-1]][rule.origin]
            states.append(goto)
            values.append(result)
            poss.append(rpos)
            if typ == "$END" and goto == end_state:
                return result if isinstance(result, list) else None


def _units(tb: Tables, below: int, top: int, typ: str) -> int:
    """The state after the pass-through reductions that ``typ`` asks for on top of ``below``
    (their values and positions pass through unchanged), or -1 if they accept the input."""
    while True:
        act = tb.actions[top].get(typ)
        if act is None or act >= 0 or not tb.rules[-act - 1].unit:
            return top
        top = tb.actions[below][tb.rules[-act - 1].origin]
        if typ == "$END" and top == tb.end:
            return -1


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
            if not expand:
                children.append(kids[i])
            elif children:
                children += kids[i].children
            else:
                children = kids[i].children
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
    return rule.method(instance, _NO_META if span is None else _Meta(span), children), span


def _children_at(rule: _Rule, kids: list[Any], kpos: list[Any]) -> tuple[list[Any], list[Any]]:
    """The children a rule keeps, with their positions (an inlined rule's own, spliced)."""
    children: list[Any] = []
    cposs: list[Any] = []
    for i, expand in rule.include:
        if expand:
            if children:
                children += kids[i].children
                cposs += kids[i].poss
            else:  # a left-recursive list (`decl*`) grows in place, as in Lark: no copy per item
                children, cposs = kids[i].children, kids[i].poss
        else:
            children.append(kids[i])
            cposs.append(kpos[i])
    return children, cposs

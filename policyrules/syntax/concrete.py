"""Text -> concrete syntax: every token as written, where it sits in the grammar, and the
comments between tokens.  The formatter (:mod:`policyrules.syntax.fmt`) lays these out again;
nothing here is lost, so numerals, quoted text and comments come out as they went in.

A token's ``path`` is the chain of grammar rules around it, outermost first (``output_decl``,
``condition``, ``and_``, ...): a keyword is known by the rule it belongs to even though the
parse tree drops it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

import attrs
import lark

from policyrules.syntax.grammar import parser
from policyrules.syntax.parse import parse
from policyrules.syntax.transform import transformer


@attrs.frozen
class Node:
    """A grammar rule's extent in the token list: tokens ``first`` up to ``last`` (inclusive)."""

    rule: str
    first: int
    last: int
    depth: int


@attrs.frozen
class Token:
    """A token as written: ``kind`` is the grammar terminal, ``nodes`` the rules around it
    (outermost first), ``line`` its 1-based source line."""

    kind: str
    text: str
    start: int
    end: int
    line: int
    end_line: int
    nodes: tuple[Node, ...]

    @property
    def rule(self) -> str:
        return self.nodes[-1].rule if self.nodes else "start"


@attrs.frozen
class Comment:
    """A ``# ...`` comment: it follows token ``after`` (-1 before the first token); ``trailing``
    when it ends the line of that token, ``column`` its 1-based column in the source."""

    text: str
    after: int
    trailing: bool
    column: int
    line: int
    start: int


@attrs.frozen
class Concrete:
    tokens: tuple[Token, ...]
    comments: tuple[Comment, ...]
    text: str
    tree: lark.Tree = attrs.field(eq=False, repr=False)

    def ast(self, path: str = "<policy>") -> tuple[object, ...]:
        """The declarations of the text (its AST), from the tree already parsed."""
        try:
            return tuple(transformer()(path).transform(self.tree))
        except (RecursionError, lark.exceptions.VisitError):
            return parse(self.text, path).decls  # raises the positioned PolicyError


def concrete(text: str, path: str = "<policy>") -> Concrete:
    """The tokens and comments of ``text``; bad input raises the parser's PolicyError."""
    try:
        ip = parser().parse_interactive(text)
        raw = list(ip.iter_parse())
        tree = ip.feed_eof()
    except lark.UnexpectedInput:
        parse(text, path)  # raises the positioned PolicyError
        raise  # the parser and the formatter disagree: not reachable with one grammar
    starts = [t.start_pos or 0 for t in raw]
    paths: list[tuple[Node, ...]] = [() for _ in raw]
    _assign(tree, (), starts, paths)
    tokens = tuple(Token(str(t.type), str(t), t.start_pos, t.end_pos, t.line, t.end_line, p)  # type: ignore[arg-type]
                   for t, p in zip(raw, paths, strict=True))
    return Concrete(tokens, tuple(_comments(text, tokens)), text, tree)


def _assign(tree: lark.Tree, outer: tuple[Node, ...], starts: list[int],
            paths: list[tuple[Node, ...]]) -> None:
    """Give every token the chain of rules around it, innermost last (iteratively: trees are deep)."""
    stack: list[tuple[lark.Tree, tuple[Node, ...]]] = [(tree, outer)]
    while stack:
        node, above = stack.pop()
        meta = node.meta
        if meta.empty:
            continue
        first = bisect_left(starts, meta.start_pos)
        last = bisect_left(starts, meta.end_pos) - 1
        here = (*above, Node(str(node.data), first, last, len(above)))
        for k in range(first, last + 1):
            paths[k] = here
        stack.extend((c, here) for c in node.children if isinstance(c, lark.Tree))


def _comments(text: str, tokens: tuple[Token, ...]) -> list[Comment]:
    """Comments sit in the gaps between tokens, where there is only white space besides."""
    out: list[Comment] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    bounds = [(-1, 0)] + [(k, t.end) for k, t in enumerate(tokens)]
    for (k, begin), stop in zip(bounds, [t.start for t in tokens] + [len(text)], strict=True):
        gap = text[begin:stop]
        at = gap.find("#")
        while at >= 0:
            end = gap.find("\n", at)
            end = len(gap) if end < 0 else end
            pos = begin + at
            line = bisect_right(line_starts, pos)
            trailing = k >= 0 and "\n" not in gap[:at]
            out.append(Comment(gap[at:end].rstrip(), k, trailing, pos - line_starts[line - 1] + 1, line, pos))
            at = gap.find("#", end)
    return out

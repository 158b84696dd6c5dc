"""Walking the AST: every node, and every Name a node uses, for the passes that follow references."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyrules.source import Span
from policyrules.syntax import nodes as n


def names(node: Any) -> Iterator[n.Name]:
    """Every Name inside ``node`` (a node, or tuples of nodes), in written order."""
    if isinstance(node, n.Name):
        yield node
    elif isinstance(node, tuple | list):
        for x in node:
            yield from names(x)
    elif hasattr(node, "__attrs_attrs__"):
        for f in node.__attrs_attrs__:
            if f.name != "span":
                yield from names(getattr(node, f.name))


def nodes(x: Any) -> Iterator[Any]:
    """Every AST node in ``x`` (a node, or tuples of nodes), parents first."""
    if isinstance(x, tuple | list):
        for y in x:
            yield from nodes(y)
    elif hasattr(x, "__attrs_attrs__") and not isinstance(x, Span):
        yield x
        for f in x.__attrs_attrs__:
            if f.name not in ("span", "member_spans"):
                yield from nodes(getattr(x, f.name))

"""Walking the AST: every Name a node uses, for the passes that follow references."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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

"""Walking the AST: every node, and every Name a node uses, for the passes that follow references."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyrules.source import Span
from policyrules.syntax import nodes as n


def names(node: Any) -> list[n.Name]:
    """Every Name inside ``node`` (a node, or tuples of nodes), in written order."""
    found: list[n.Name] = []
    stack = [node]
    fields = _FIELDS
    while stack:
        x = stack.pop()
        cls = x.__class__
        if isinstance(x, n.Name):
            found.append(x)
        elif cls is tuple or cls is list:
            stack.extend(reversed(x))
        else:
            names_of = fields.get(cls)
            if names_of is None:
                names_of = child_fields(cls)
            for name in names_of:  # reversed: the stack gives them back in written order
                stack.append(getattr(x, name))
    return found


_FIELDS: dict[type, tuple[str, ...]] = {}


# fields declared to hold only plain values (mypy holds the declarations to the truth)
_LEAVES = frozenset({"Span", "str", "str | None", "tuple[str, ...]", "bool", "int", "Decimal", "dt.date",
                     "dt.date | None", "tuple[Span, ...]", "tuple[Cite, ...]"})


def child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST class that can hold other nodes, last first (none for a leaf value
    or a Name)."""
    found = _FIELDS.get(cls)
    if found is None:
        if not hasattr(cls, "__attrs_attrs__") or issubclass(cls, n.Name | Span):
            found = ()
        else:
            found = tuple(f.name for f in reversed(cls.__attrs_attrs__)  # type: ignore[attr-defined]
                          if f.name != "span" and f.type not in _LEAVES)
        _FIELDS[cls] = found
    return found


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

"""The one size rule of the language: an expression may nest at most :data:`MAX_DEPTH` deep and a
number written in a policy is below 10^15 in size (as every fact is, see
:mod:`policyrules.evaluate.forms`).

Every later stage (evaluation, explanation, SQL, batch) walks expressions recursively; the
bound keeps each of them far from Python's recursion limit (they fail at about 100 levels), so
whatever passes ``check`` also evaluates, explains and compiles.  A sum of N terms written
``a + b + c ...`` nests N deep: longer sums are split into named values.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from policyrules.evaluate.forms import MAX_DIGITS
from policyrules.source import Span
from policyrules.syntax import nodes as n
from policyrules.syntax.walk import child_fields

MAX_DEPTH = 48
"""Nodes from a declaration down to its deepest leaf."""
_LIMIT = Decimal(10) ** MAX_DIGITS
_NUMBERS = tuple(getattr(n, c) for c in ("Number", "Money", "Duration") if hasattr(n, c))


def check_limits(policy: n.Policy, error: Callable[[str, str, Span | None, str | None], None]) -> bool:
    """Report (P005) the first node of every declaration nested deeper than MAX_DEPTH, and (P006)
    every number too large, without recursion; True when any was found."""
    found = False
    for decl in policy.decls:
        deepest: Any = None
        stack: list[tuple[Any, int]] = [(decl, 1)]
        while stack:
            node, depth = stack.pop()
            cls = node.__class__
            if cls is tuple or cls is list:
                stack.extend((x, depth) for x in node)
                continue
            fields = child_fields(cls)
            if depth > MAX_DEPTH and deepest is None and hasattr(cls, "__attrs_attrs__"):
                deepest = node
            if cls in _NUMBERS and isinstance(node.value, Decimal) and abs(node.value) >= _LIMIT:
                found = True
                error("P006", f"the number {node.value:f}"[:60] + f" is too large (at most {MAX_DIGITS} digits "
                      "before the decimal point)", getattr(node, "span", None), None)
            for name in fields:
                stack.append((getattr(node, name), depth + 1))
        if deepest is not None:
            found = True
            error("P005", f"an expression is nested too deeply (more than {MAX_DEPTH} levels)",
                  _span_of(deepest, decl), "split it into named values with `value NAME = ...`")
    return found


def _span_of(node: Any, decl: Any) -> Span | None:
    span = getattr(node, "span", None)
    if span is None or span.line == 0:
        span = getattr(decl, "span", None)
    return span if span is not None and span.line else None

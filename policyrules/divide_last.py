"""Dividing last: a product of a quotient, ``a / b × c``, is computed as ``a × c / b``, by the
interpreter and by the compiled query alike (as ``2/3 of x`` is ``2 × x / 3``).

A quotient such as a monthly wage divided by 30 rarely terminates: the interpreter keeps 28
significant digits of it and the compiled query 18 places, so ``124081.15 / 30 × 15`` was
62040.574999… in SQL, 62040.57 at the fen, while the exact amount is 62040.575, 62040.58
(《北京市企业职工生育保险规定》第十五条: 缴费基数除以30再乘以产假天数). Multiplied first, the
product is exact, and the one division gives the exact amount whenever it terminates within
the places kept; one that does not terminate is never exactly half a fen, so both round it
to the same fen.

Which products divide last is decided on the AST, the same for both: a factor that is a
division, or the name of a value defined by one (through other such names); not a division by
a rate (money by a rate is a duration, × 12 for a yearly rate)."""

from __future__ import annotations

from typing import Any

from policyrules.syntax import nodes as n
from policyrules.types import Kind


def quotient_of(cp: Any, e: n.Expr) -> n.Binary | None:
    """The division a factor ``e`` stands for, or None: ``e`` itself (``a / b``), or the
    definition of the value ``e`` names."""
    seen: set[str] = set()
    while True:
        if isinstance(e, n.Binary):
            if e.op != "div":
                return None
            divisor = cp.types.get(id(e.right))
            return e if divisor is not None and divisor.kind is not Kind.RATE else None
        if not isinstance(e, n.Name):
            return None
        ref = cp.refs.get(id(e))
        if ref is None or ref.what != "value" or ref.path or ref.name in seen or ref.name not in cp.values:
            return None
        seen.add(ref.name)
        e = cp.values[ref.name][0].expr


def divided_last(cp: Any, e: n.Binary) -> tuple[n.Binary, n.Expr] | None:
    """For a product ``e``: the division to do last and the other factor, or None (the left
    factor first; a rate times a duration is not such a product)."""
    left, right = cp.types.get(id(e.left)), cp.types.get(id(e.right))
    if left is None or right is None or Kind.RATE in (left.kind, right.kind):
        return None
    q = quotient_of(cp, e.left)
    if q is not None:
        return q, e.right
    q = quotient_of(cp, e.right)
    return (q, e.left) if q is not None else None

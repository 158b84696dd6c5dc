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
division, or the name of a value defined by one (through other such names), or that chooses
one division among values (``min(base / 30, cap)``, a cap, ``if … else``): then the product
divides last on the rows where the factor's value is the quotient's (the interpreter: the
very value; the compiled query: an equal one). Not a division by a rate (money by a rate is a
duration, × 12 for a yearly rate)."""

from __future__ import annotations

from typing import Any

from policyrules.syntax import nodes as n
from policyrules.types import Kind


def quotient_of(cp: Any, e: n.Expr) -> n.Binary | None:
    """The division a factor ``e`` stands for, or None: ``e`` itself (``a / b``), or the
    definition of the value ``e`` names."""
    found = _quotients(cp, e, set(), through_choices=False)
    return found[0] if len(found) == 1 and found[0] is not None else None


def quotient_within(cp: Any, e: n.Expr) -> n.Binary | None:
    """The one division a factor ``e`` may evaluate to: itself, through the names of values,
    and through what chooses among values (``min``, ``max``, a cap or floor, ``if … else``):
    ``min(base / 30, 300 元) × days`` divides last when the quotient is the smaller. None when
    there is no such division or more than one."""
    found = _quotients(cp, e, set(), through_choices=True)
    return found[0] if len(found) == 1 and found[0] is not None else None


def _quotients(cp: Any, e: n.Expr, seen: set[str], through_choices: bool) -> list[n.Binary | None]:
    """The divisions ``e`` may evaluate to; None in the list for a division that cannot divide
    last (by a rate)."""
    if isinstance(e, n.Binary):
        if e.op != "div":
            return []
        divisor = cp.types.get(id(e.right))
        return [e if divisor is not None and divisor.kind is not Kind.RATE else None]
    if isinstance(e, n.Name):
        ref = cp.refs.get(id(e))
        if ref is None or ref.what != "value" or ref.path or ref.name in seen or ref.name not in cp.values:
            return []
        seen.add(ref.name)
        return _quotients(cp, cp.values[ref.name][0].expr, seen, through_choices)
    if not through_choices:
        return []
    if isinstance(e, n.Call) and e.func in ("min", "max"):
        return [q for a in e.args for q in _quotients(cp, a, seen, through_choices)]
    if isinstance(e, n.Bound):
        return _quotients(cp, e.operand, seen, through_choices) + _quotients(cp, e.limit, seen, through_choices)
    if isinstance(e, n.IfExpr):
        return _quotients(cp, e.then, seen, through_choices) + _quotients(cp, e.else_, seen, through_choices)
    return []


def divided_last(cp: Any, e: n.Binary) -> tuple[n.Binary, n.Expr] | None:
    """For a product ``e``: the division to do last and the other factor, or None (the left
    factor first; a rate times a duration is not such a product).  The factor may be the
    division or choose it (:func:`quotient_within`): the product divides last when the
    factor's value is the quotient's."""
    left, right = cp.types.get(id(e.left)), cp.types.get(id(e.right))
    if left is None or right is None or Kind.RATE in (left.kind, right.kind):
        return None
    q = quotient_within(cp, e.left)
    if q is not None:
        return q, e.right
    q = quotient_within(cp, e.right)
    return (q, e.left) if q is not None else None

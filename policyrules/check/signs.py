"""Signs: can an amount go below zero?  A conservative proof over the expression: facts and
parameters are non-negative unless declared ``signed``, sums and products of non-negative
values are non-negative, a floor (``at_least``) of a non-negative limit makes anything
non-negative; a subtraction may go negative.  What cannot be proved is reported with the
sub-expression and the values that make it negative, so the drafter adds ``at_least 0 元``
(or declares the fact ``signed`` where a negative amount is meant)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from policyrules.check.checked import Ref
from policyrules.syntax import nodes as n

Why = str | None  # None: proved non-negative; else how it can be negative


class Signs:
    def __init__(self, refs: dict[int, Ref], source: Callable[[Any], str], lookup: Callable[[Ref], Any],
                 table: Callable[[str], Any], numeric: Callable[[Any], bool]):
        self.numeric = numeric  # False for dates and calendar months, which have no sign
        self.known: frozenset[tuple[str, str]] = frozenset()  # (a, b) with a >= b on this path
        self.refs = refs
        self.source = source
        self.lookup = lookup  # a Ref -> its declaration's expression (value, output) or its type (fact, param)
        self.table = table  # a table name -> its rows' expressions
        self.memo: dict[int, Why] = {}
        self.active: set[int] = set()
        self.uses_signed: dict[int, bool] = {}  # declared(), by node: a named value is used many times
        self.any_signed = True  # False when no fact or parameter is declared signed: declared() is False

    def amount(self, known: frozenset[tuple[str, str]], e: Any) -> Why:
        """How an amount ``e`` can be below zero where ``known`` holds; None also when it uses a
        fact or parameter declared ``signed`` (a negative amount is then meant)."""
        return None if self.declared(e) else self.under(known, e)

    def under(self, known: frozenset[tuple[str, str]], e: Any) -> Why:
        """``negative(e)`` where the comparisons ``known`` hold (a branch's condition)."""
        saved, self.known = self.known, self.known | known
        try:
            return self.negative(e)
        finally:
            self.known = saved

    def facts(self, cond: Any, holds: bool = True) -> frozenset[tuple[str, str]]:
        """The ``a >= b`` that a condition gives when it holds (or, for one comparison, fails)."""
        if isinstance(cond, n.Binary) and cond.op == "and" and holds:
            return self.facts(cond.left) | self.facts(cond.right)
        if isinstance(cond, n.Binary) and cond.op in ("ge", "gt", "le", "lt"):
            a, b = self.source(cond.left), self.source(cond.right)
            if (cond.op in ("ge", "gt")) == holds:
                return frozenset({(a, b)})
            return frozenset({(b, a)})
        return frozenset()

    def negative(self, e: Any) -> Why:  # noqa: C901
        """How ``e`` can be below zero, or None when it cannot."""
        if not self.numeric(e):
            return None
        key = id(e)
        if self.known:
            return self._negative(e)
        if key in self.memo:
            return self.memo[key]
        if key in self.active:
            return None  # a cycle is reported elsewhere
        self.active.add(key)
        try:
            why = self._negative(e)
        finally:
            self.active.discard(key)
        self.memo[key] = why
        return why

    def declared(self, e: Any) -> bool:
        """Does ``e`` use a fact or parameter declared ``signed``?  Then a negative amount is meant."""
        from policyrules.syntax.walk import names

        if not self.any_signed:
            return False
        key = id(e)
        found = self.uses_signed.get(key)
        if found is None:
            found = self.uses_signed[key] = any(
                ref is not None and isinstance(self.lookup(ref), str)
                for ref in (self.refs.get(id(name)) for name in names(e)))
        return found

    def _negative(self, e: Any) -> Why:  # noqa: C901
        if isinstance(e, n.Number | n.Money | n.Percent | n.Duration):
            return f"`{self.source(e)}` is negative" if e.value < 0 else None
        if isinstance(e, n.Name):
            if self.known:
                text = self.source(e)
                if any(a == text and _at_least_zero(self.low_text(b)) for a, b in self.known):
                    return None  # this path knows it is at least zero
            ref = self.refs.get(id(e))
            if ref is None:
                return None
            found = self.lookup(ref)
            if isinstance(found, str):  # a signed fact or parameter
                return found
            if found is not None and not isinstance(found, bool):  # a named value: into its expression
                return None if self.declared(found) else self.negative(found)
            return None
        if isinstance(e, n.Unary):
            return None if e.op == "not" else f"`{self.source(e)}` is negative"
        if isinstance(e, n.Binary):
            if e.op == "sub":
                a = self.negative(e.left)
                if a is None and (self.source(e.left), self.source(e.right)) in self.known:
                    return None
                low, high = self.low(e.left), self.constant(e.right)
                if a is None and low is not None and high is not None and low >= high:
                    return None  # `max(babies, 1) - 1`
                return a or f"`{self.source(e)}` is negative when {self.source(e.right)} > {self.source(e.left)}"
            if e.op in ("add", "mul", "div"):
                return self.negative(e.left) or self.negative(e.right)
            return None  # comparisons and logic are yes/no
        if isinstance(e, n.Of):
            return self.negative(e.rate) or self.negative(e.base)
        if isinstance(e, n.PerPeriod | n.Actual):
            return self.negative(e.operand)
        if isinstance(e, n.Bound):
            if e.kind == "floor":  # max(operand, limit) >= limit
                return self.negative(e.limit) and self.negative(e.operand)
            return self.negative(e.operand) or self.negative(e.limit)
        if isinstance(e, n.IfExpr):
            return (self.under(self.facts(e.cond), e.then)
                    or self.under(self.facts(e.cond, holds=False), e.else_))
        if isinstance(e, n.Call):
            if e.func == "abs" or e.func == "given":
                return None
            if e.func == "max":
                whys = [self.negative(a) for a in e.args]
                return whys[0] if all(whys) else None
            if e.func in ("days_between", "months_between", "years_between", "age_on"):
                return f"`{self.source(e)}` is negative when the second date is before the first"
            for arg in e.args:
                why = self.negative(arg)
                if why:
                    return why
            return None
        if isinstance(e, n.Aggregate):
            return self.negative(e.expr) if e.expr is not None and e.op in ("sum", "min", "max") else None
        if isinstance(e, n.Lookup):
            for row in self.table(e.table):
                why = self.negative(row)
                if why:
                    return why
            return None
        return None


    def low_text(self, text: str) -> Decimal | None:
        import re

        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(元)?", text.strip())
        return Decimal(m.group(1)) if m else None

    def constant(self, e: Any) -> Decimal | None:
        if isinstance(e, n.Number | n.Money | n.Percent):
            return e.value
        return None

    def low(self, e: Any) -> Decimal | None:
        """A lower bound of ``e`` where one is plain to see (literals, ``max``, sums), else None."""
        c = self.constant(e)
        if c is not None:
            return c
        if isinstance(e, n.Call) and e.func == "max":
            lows = [x for x in (self.low(a) for a in e.args) if x is not None]
            return max(lows) if lows else None
        if isinstance(e, n.Binary) and e.op == "add":
            a, b = self.low(e.left), self.low(e.right)
            return a + b if a is not None and b is not None else None
        if self.negative(e) is None:
            return Decimal(0)
        return None


def amount_exprs(body: Any) -> list[tuple[Any, tuple[Any, ...]]]:
    """The expressions an amount body pays, each with the branch conditions that hold for it."""
    if isinstance(body, n.Allocation):  # items below zero are skipped; the quota is what is paid out
        return [(body.quota, ())]
    if isinstance(body, n.Parts):
        return [(p.expr, ()) for p in body.items]
    if isinstance(body, n.Choice):
        out = [(x, (b.cond, *conds)) for b in body.branches for x, conds in amount_exprs(b.value)]
        return out + (amount_exprs(body.default) if body.default is not None else [])
    return [(body, ())]


def _at_least_zero(d: Decimal | None) -> bool:
    return d is not None and d >= 0

"""Typed SQL expressions (sqlglot trees) with exact DECIMAL arithmetic, per dialect.

Every compiled expression is an :class:`Sql`: the sqlglot tree, its kind (``bool``, ``int``,
``dec``, ``date``, ``str``) and, for ``dec``, the number of decimal places DuckDB gives it.
The scale is tracked so that no product ever needs more than :data:`MAX_SCALE` places (DuckDB
refuses DECIMAL scales above 38 rather than losing digits): an operand is rounded to fewer places
only when a product would exceed it, which no amount of money with up to 6 decimal places times
percentages with up to 8 ever needs.  A product of two DECIMAL(38, ·) has the sum of their scales
and DuckDB stops when its value needs more than 38 digits: at most 22 places leaves 16 digits
before the point, so a product below 10^16 (every value within the bounds of the language, below
10^15) never overflows.

Division is where SQL engines differ from Python's ``Decimal``: DuckDB turns DECIMAL / DECIMAL
into a DOUBLE.  For DuckDB the quotient is computed exactly on 128-bit integers and rounded
half-even to :data:`DIV_SCALE` places (Python rounds it to 28 significant digits; both agree to
the fen whenever the exact quotient terminates within those places, and otherwise differ only
beyond the 16th decimal).  Spark and PostgreSQL get native decimal division on widened operands.
Division by zero gives 0, as in the interpreter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import attrs
from sqlglot import exp

MAX_SCALE = 22
DIV_SCALE = 18
BOUND_DIGITS = 16  # values computed exactly are below 10^16 (38 - MAX_SCALE digits; docs/language.md)
DIALECTS = ("duckdb", "spark", "postgres")


@attrs.frozen(slots=True)
class Sql:
    e: exp.Expression
    kind: str  # bool | int | dec | date | str
    scale: int = 0
    deps: frozenset[str] = frozenset()


def _deps(*xs: Sql) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for x in xs:
        out |= x.deps
    return out


def paren(e: exp.Expression) -> exp.Expression:
    if isinstance(e, exp.Connector):  # AND/OR are Funcs to sqlglot, yet need parentheses
        return exp.Paren(this=e)
    if isinstance(e, exp.Column | exp.Literal | exp.Paren | exp.Func | exp.Cast | exp.Boolean | exp.Case):
        return e
    return exp.Paren(this=e)


def dtype(text: str) -> exp.DataType:
    return exp.DataType.build(text)


def cast(e: exp.Expression, text: str) -> exp.Expression:
    return exp.Cast(this=e, to=dtype(text))


def decimal_type(scale: int) -> str:
    return f"DECIMAL(38,{max(0, min(scale, 38))})"


# ---------------------------------------------------------------- literals and columns
def column(name: str, kind: str, scale: int = 0, dep: bool = False, table: str | None = None) -> Sql:
    col = exp.column(name, table=table, quoted=True)
    return Sql(col, kind, scale, frozenset({name}) if dep else frozenset())


def number(value: Decimal | int) -> Sql:
    d = Decimal(value)
    text = format(d, "f")
    neg = text.startswith("-")
    text = text.lstrip("-")
    scale = len(text.partition(".")[2])
    lit: exp.Expression = exp.Literal.number(text)
    if neg:
        lit = exp.Paren(this=exp.Neg(this=lit))
    return Sql(lit, "int" if scale == 0 else "dec", scale)


def boolean(value: bool) -> Sql:
    return Sql(exp.true() if value else exp.false(), "bool")


def string(value: str) -> Sql:
    return Sql(exp.Literal.string(value), "str")


def date(value: object) -> Sql:
    return Sql(cast(exp.Literal.string(str(value)), "DATE"), "date")


ZERO = number(0)


# ---------------------------------------------------------------- logic and comparison
def and_(items: Iterable[Sql]) -> Sql:
    xs = [x for x in items if not (isinstance(x.e, exp.Boolean) and x.e.this is True)]
    if not xs:
        return boolean(True)
    if any(isinstance(x.e, exp.Boolean) and x.e.this is False for x in xs):
        return boolean(False)
    e = paren(xs[0].e)
    for x in xs[1:]:
        e = exp.And(this=e, expression=paren(x.e))
    return Sql(e, "bool", 0, _deps(*xs))


def or_(items: Iterable[Sql]) -> Sql:
    xs = [x for x in items if not (isinstance(x.e, exp.Boolean) and x.e.this is False)]
    if not xs:
        return boolean(False)
    if any(isinstance(x.e, exp.Boolean) and x.e.this is True for x in xs):
        return boolean(True)
    e = paren(xs[0].e)
    for x in xs[1:]:
        e = exp.Or(this=e, expression=paren(x.e))
    return Sql(exp.Paren(this=e) if len(xs) > 1 else e, "bool", 0, _deps(*xs))


def not_(x: Sql) -> Sql:
    if isinstance(x.e, exp.Boolean):
        return boolean(not x.e.this)
    return Sql(exp.Not(this=paren(x.e)), "bool", 0, x.deps)


_COMPARE: dict[str, type[exp.Expression]] = {"ge": exp.GTE, "le": exp.LTE, "gt": exp.GT, "lt": exp.LT, "eq": exp.EQ, "ne": exp.NEQ}


def compare(op: str, a: Sql, b: Sql) -> Sql:
    return Sql(_COMPARE[op](this=paren(a.e), expression=paren(b.e)), "bool", 0, _deps(a, b))


def in_list(x: Sql, members: Sequence[str], negated: bool) -> Sql:
    if not members:
        return boolean(negated)
    e: exp.Expression = exp.In(this=paren(x.e), expressions=[exp.Literal.string(m) for m in members])
    if negated:
        e = exp.Not(this=exp.Paren(this=e))
    return Sql(e, "bool", 0, x.deps)


def in_values(x: Sql, members: Sequence[Sql], negated: bool) -> Sql:
    """``x IN (…)`` over typed constants (a list parameter of plain values)."""
    if not members:
        return boolean(negated)
    e: exp.Expression = exp.In(this=paren(x.e), expressions=[m.e for m in members])
    if negated:
        e = exp.Not(this=exp.Paren(this=e))
    return Sql(e, "bool", 0, x.deps)


def list_contains(items: Sql, x: Sql, negated: bool) -> Sql:
    """Is ``x`` one of a list column's values?"""
    e: exp.Expression = exp.ArrayContains(this=items.e, expression=x.e)
    if negated:
        e = exp.Not(this=exp.Paren(this=e))
    return Sql(e, "bool", 0, x.deps | items.deps)


# ---------------------------------------------------------------- arithmetic
def _join_kind(xs: Sequence[Sql]) -> tuple[str, int]:
    xs = [x for x in xs if not isinstance(x.e, exp.Null)] or list(xs)  # NULL (still needed) takes any type
    kinds = {x.kind for x in xs}
    if kinds <= {"int"}:
        return "int", 0
    if kinds <= {"int", "dec"}:
        return "dec", max(x.scale for x in xs)
    return xs[0].kind, 0


def add(a: Sql, b: Sql, op: str = "add") -> Sql:
    kind, scale = _join_kind([a, b])
    cls = exp.Add if op == "add" else exp.Sub
    return Sql(cls(this=paren(a.e), expression=paren(b.e)), kind, scale, _deps(a, b))


def neg(a: Sql) -> Sql:
    return Sql(exp.Neg(this=paren(a.e)), a.kind, a.scale, a.deps)


def rescale(a: Sql, scale: int) -> Sql:
    """``a`` with exactly ``scale`` decimal places (rounded half away from zero when fewer)."""
    if a.kind == "dec" and a.scale == scale:
        return a
    return Sql(cast(a.e, decimal_type(scale)), "dec", scale, a.deps)


def mul(a: Sql, b: Sql) -> Sql:
    if _is_one(a):
        return b
    if _is_one(b):
        return a
    if a.kind == "int" and b.kind == "int":
        return Sql(exp.Mul(this=paren(a.e), expression=paren(b.e)), "int", 0, _deps(a, b))
    sa = a.scale if a.kind == "dec" else 0
    sb = b.scale if b.kind == "dec" else 0
    if sa + sb > MAX_SCALE:
        if sa >= sb:
            a = rescale(a, max(MAX_SCALE - sb, MAX_SCALE // 2))
            sa = a.scale
        if sa + sb > MAX_SCALE:
            b = rescale(b, MAX_SCALE - sa)
            sb = b.scale
    return Sql(exp.Mul(this=paren(a.e), expression=paren(b.e)), "dec", sa + sb, _deps(a, b))


def _is_one(a: Sql) -> bool:
    return isinstance(a.e, exp.Literal) and not a.e.is_string and Decimal(a.e.this) == 1


def _is_zero(a: Sql) -> bool:
    return isinstance(a.e, exp.Literal) and not a.e.is_string and Decimal(a.e.this) == 0


def _pow10(k: int) -> exp.Expression:
    return exp.Literal.number("1" + "0" * k) if k >= 0 else exp.Literal.number("0." + "0" * (-k - 1) + "1")


def _unscaled(x: Sql, s: int) -> exp.Expression:
    """``x * 10^s`` as a HUGEINT, for ``x`` with at most ``s`` decimal places (no DECIMAL overflow:
    the whole and the fractional part are scaled separately)."""
    big = dtype("HUGEINT")
    if x.kind != "dec" or s == 0:
        whole: exp.Expression = exp.Cast(this=paren(x.e), to=big)
        return exp.Mul(this=whole, expression=_pow10(s)) if s else whole
    xs = cast(x.e, decimal_type(s))
    if 2 * s <= 38 - BOUND_DIGITS:
        # one DECIMAL(38, s) product keeps 38 - s digits before the point: every value below
        # 10^BOUND_DIGITS fits (a larger one stops with DuckDB's overflow error, never a wrong
        # digit), and it is thirty times cheaper than TRUNC on 128 bits
        return exp.Cast(this=exp.Mul(this=xs, expression=_pow10(s)), to=big)
    trunc = exp.Anonymous(this="trunc", expressions=[xs])
    whole = exp.Mul(this=exp.Cast(this=trunc, to=big), expression=_pow10(s))
    frac = exp.Cast(this=exp.Mul(this=exp.Paren(this=exp.Sub(this=xs.copy(), expression=trunc.copy())),
                                 expression=_pow10(s)), to=big)
    return exp.Add(this=whole, expression=frac)


def div(a: Sql, b: Sql, dialect: str, helper: Callable[[Sql], Sql] | None = None) -> Sql:
    """``a / b`` as an exact decimal (``DIV_SCALE`` places, half-even); 0 when ``b`` is 0.

    DuckDB: long division on 128-bit integers, nine digits at a time, in helper columns
    (``helper`` makes an expression a column and returns a reference to it).  Operands with more
    than ``DIV_SCALE`` decimal places are first rounded to that many.
    """
    deps = _deps(a, b)
    if _is_zero(b):
        return Sql(ZERO.e, "int", 0, deps)
    if a.kind == "dec" and a.scale > DIV_SCALE:
        a = rescale(a, DIV_SCALE)
    if b.kind == "dec" and b.scale > DIV_SCALE:
        b = rescale(b, DIV_SCALE)
    sa = a.scale if a.kind == "dec" else 0
    sb = b.scale if b.kind == "dec" else 0
    zero_test = exp.EQ(this=paren(b.e), expression=exp.Literal.number(0))
    if dialect == "duckdb":
        assert helper is not None, "DuckDB division needs helper columns"
        s = max(sa, sb)
        num = helper(Sql(_unscaled(a, s), "big", 0, a.deps))
        den0 = _unscaled(b, s)
        den = helper(Sql(exp.Case(ifs=[exp.If(this=zero_test.copy(), true=exp.Literal.number(1))],
                                  default=exp.Abs(this=den0)), "big", 0, b.deps))
        n_abs = exp.Abs(this=num.e.copy())
        d = den.e
        billion = _pow10(9)
        t1 = helper(Sql(exp.Mul(this=exp.Paren(this=exp.Mod(this=n_abs.copy(), expression=d.copy())),
                                expression=billion.copy()), "big", 0, num.deps | den.deps))
        t2 = helper(Sql(exp.Mul(this=exp.Paren(this=exp.Mod(this=t1.e.copy(), expression=d.copy())),
                                expression=billion.copy()), "big", 0, t1.deps | den.deps))
        whole = exp.IntDiv(this=n_abs.copy(), expression=d.copy())
        q18 = exp.Add(this=exp.Add(this=exp.Mul(this=exp.Paren(this=whole), expression=_pow10(18)),
                                   expression=exp.Mul(this=exp.Paren(this=exp.IntDiv(this=t1.e.copy(),
                                                                                     expression=d.copy())),
                                                      expression=billion.copy())),
                      expression=exp.Paren(this=exp.IntDiv(this=t2.e.copy(), expression=d.copy())))
        rem2 = exp.Mul(this=exp.Literal.number(2), expression=exp.Paren(this=exp.Mod(this=t2.e.copy(),
                                                                                      expression=d.copy())))
        odd = exp.NEQ(this=exp.Paren(this=exp.Mod(this=exp.Paren(this=exp.IntDiv(this=t2.e.copy(),
                                                                                 expression=d.copy())),
                                                  expression=exp.Literal.number(2))),
                      expression=exp.Literal.number(0))
        up = exp.Or(this=exp.GT(this=rem2, expression=d.copy()),
                    expression=exp.Paren(this=exp.And(this=exp.EQ(this=rem2.copy(), expression=d.copy()),
                                                      expression=odd)))
        rounded = exp.Add(this=q18, expression=exp.Case(ifs=[exp.If(this=up, true=exp.Literal.number(1))],
                                                        default=exp.Literal.number(0)))
        # the quotient's sign is the numerator's times the denominator's (the digits use |b|)
        den_sign = helper(Sql(exp.Sign(this=den0.copy()), "big", 0, b.deps))
        signed = exp.Mul(this=exp.Mul(this=exp.Sign(this=num.e.copy()), expression=den_sign.e.copy()),
                         expression=exp.Paren(this=rounded))
        value = exp.Mul(this=exp.Paren(this=cast(signed, "DECIMAL(38,0)")), expression=_pow10(-DIV_SCALE))
        e = exp.Case(ifs=[exp.If(this=zero_test, true=cast(exp.Literal.number(0), decimal_type(DIV_SCALE)))],
                     default=value)
        return Sql(e, "dec", DIV_SCALE, deps | t2.deps | num.deps | den_sign.deps)
    num2 = cast(a.e, "DECIMAL(30,12)")
    den2 = cast(b.e, f"DECIMAL(30,{min(sb, 12)})")
    e = exp.Case(ifs=[exp.If(this=zero_test, true=exp.Literal.number(0))],
                 default=exp.Div(this=num2, expression=den2))
    return Sql(e, "dec", DIV_SCALE, deps)


# ---------------------------------------------------------------- division by a constant (DuckDB)
# A divisor known when the query is compiled (a literal, a parameter) needs no per-row long
# division.  |c| = p/q (reduced) = u·m with m the part of p prime to 10: 1/u = f/10^k terminates,
# so a / c = a·(1/u) / m.  When m is 1 the quotient is that exact product; otherwise, with A the
# numerator's unscaled value (scale sa) and t = sa + k, a / c = A·f / (m·10^t), and A is split
# into 64-bit pieces (A = w·10^sa + fr, each divided by m), the remainder rounded to 18 places
# by one small integer division.  As m is odd no quotient is ever a tie at the 19th place.
# Every form gives the digits of :func:`div` (half-even at DIV_SCALE places) on every input.
INT64 = 2**63 - 1


@attrs.frozen(slots=True)
class Divisor:
    """A constant nonzero divisor ``±p/q`` (reduced) as ``u·m``: ``1/u = f/10^k`` exactly, ``m`` prime to 10."""

    negative: bool
    p: int
    q: int
    f: int
    k: int
    m: int

    @property
    def reciprocal(self) -> Decimal:
        """1/u, exact."""
        return scaled(self.f, self.k)


def scaled(n: int, places: int) -> Decimal:
    """``n / 10^places`` exactly (``scaleb`` would round to the context's 28 digits)."""
    return Decimal(f"{n}E{-places}")


def constant(x: Sql) -> Decimal | None:
    """The value of a numeric literal (``12``, ``960.00``, ``(-3)``), None for anything else."""
    e, negative = x.e, False
    if isinstance(e, exp.Paren) and isinstance(e.this, exp.Neg):
        e, negative = e.this.this, True
    if isinstance(e, exp.Literal) and not e.is_string:
        value = Decimal(e.this)
        return -value if negative else value
    return None


def divisor(c: Decimal) -> Divisor:
    """``c`` (nonzero) as :class:`Divisor`."""
    from fractions import Fraction

    r = Fraction(abs(c))
    p, q = r.numerator, r.denominator
    m, twos, fives = p, 0, 0
    while m % 2 == 0:
        m, twos = m // 2, twos + 1
    while m % 5 == 0:
        m, fives = m // 5, fives + 1
    k = max(twos, fives)
    f = q * 2 ** (k - twos) * 5 ** (k - fives)
    while k > 0 and f % 10 == 0:  # 1/u with no trailing zero: the fewest places
        f, k = f // 10, k - 1
    return Divisor(c < 0, p, q, f, k, m)


def _int_lit(value: int) -> exp.Expression:
    """An integer literal of BIGINT range (larger ones would be typed HUGEINT or DOUBLE)."""
    assert abs(value) <= INT64, value
    return _int(value)


def _dec_lit(value: Decimal) -> exp.Expression:
    return number(value).e


def _to_dec(e: exp.Expression) -> exp.Expression:
    return cast(e, "DECIMAL(38,0)")


def odd_quotient(w: exp.Expression, fr: exp.Expression | None, sa: int, d: Divisor, wide: bool) -> exp.Expression | None:
    """``(w + fr/10^sa) / (u·m)`` half-even to DIV_SCALE places as ``DECIMAL(38,18)``, from the
    numerator's whole part ``w`` and its fraction's unscaled value ``fr`` (None when ``sa`` is 0),
    both integers of one sign (BIGINT; HUGEINT when ``wide``).  None when a constant would not fit.

    With A = w·10^sa + fr = m·(qw·10^sa + qf) + s2 (qw, qf the quotients of w and fr by m, s2
    made of their remainders), A·f/(m·10^t)·10^18 = (qw·10^sa + qf)·f·10^(18-t) + s2·f·10^(18-t)/m,
    an integer plus a fraction whose rounding (to nearest, never a tie: m is odd) is one division."""
    m, t = d.m, sa + d.k
    if t > DIV_SCALE or m >= 10**9:
        return None
    scale = 10 ** (DIV_SCALE - t)
    k2 = 2 * d.f * scale  # T = (2·f·10^(18-t)·s2 ± m) // 2m
    s2_max = (m - 1) * 10**sa + (m - 1)
    if k2 > INT64 or s2_max > INT64:
        return None
    wide = wide or s2_max * k2 + m > INT64

    def mod(e: exp.Expression) -> exp.Expression:
        return exp.Paren(this=exp.Mod(this=e.copy(), expression=_int_lit(m)))

    def quot(e: exp.Expression) -> exp.Expression:
        return exp.Paren(this=exp.IntDiv(this=e.copy(), expression=_int_lit(m)))

    s2: exp.Expression = mod(w)
    if fr is not None:
        s2 = exp.Paren(this=exp.Add(this=exp.Mul(this=s2, expression=_pow10(sa)), expression=mod(fr)))
    if wide:
        s2 = cast(s2, "HUGEINT")
    rounded = exp.IntDiv(
        this=exp.Paren(this=exp.Add(this=exp.Mul(this=s2.copy(), expression=_int_lit(k2)),
                                    expression=exp.Mul(this=exp.Sign(this=s2.copy()), expression=_int_lit(m)))),
        expression=_int_lit(2 * m))
    whole = _to_dec(quot(w))
    total: exp.Expression = whole if d.reciprocal == 1 else exp.Mul(this=whole, expression=_dec_lit(d.reciprocal))
    if fr is not None:
        part = exp.Mul(this=_to_dec(quot(fr)), expression=_dec_lit(scaled(d.f, t)))
        total = exp.Add(this=total, expression=part)
    tail = exp.Mul(this=_to_dec(exp.Paren(this=rounded)), expression=_pow10(-DIV_SCALE))
    return exp.Add(this=total, expression=tail)


def whole_and_fraction(x: exp.Expression, sa: int, big: str) -> tuple[exp.Expression, exp.Expression | None]:
    """A decimal of scale ``sa`` as its whole part and its fraction's unscaled value, integers of
    type ``big`` with the sign of ``x`` (TRUNC and ``% 1`` are exact; on a 64-bit DECIMAL(18, s)
    they are cheap)."""
    if sa == 0:
        return cast(x, big), None
    whole = cast(exp.Anonymous(this="TRUNC", expressions=[x.copy()]), big)
    fraction = cast(exp.Mul(this=exp.Paren(this=exp.Mod(this=x.copy(), expression=exp.Literal.number(1))),
                            expression=_pow10(sa)), big)
    return whole, fraction


def floor_quotient(n: exp.Expression, d: int, up: bool) -> exp.Expression:
    """``floor(n / d)`` (``ceil`` when ``up``) of integers, ``d`` > 0 (DuckDB's ``//`` and ``%``
    truncate toward zero)."""
    q = exp.IntDiv(this=n.copy(), expression=_int_lit(d))
    r = exp.Paren(this=exp.Mod(this=n.copy(), expression=_int_lit(d)))
    test = exp.GT(this=r, expression=exp.Literal.number(0)) if up else exp.LT(this=r, expression=exp.Literal.number(0))
    adjust = exp.Case(ifs=[exp.If(this=test, true=exp.Literal.number(1))], default=exp.Literal.number(0))
    return (exp.Add if up else exp.Sub)(this=q, expression=adjust)


def rounded_quotient(n: exp.Expression, d: int, mode: str) -> exp.Expression | None:
    """``n / d`` made whole by ``mode`` (:mod:`policyrules.rounding`) for a BIGINT ``n`` and a
    constant ``d`` > 0 with ``2·d`` in 64 bits, by one 64-bit ``//`` and ``%`` (they truncate
    toward zero, so the remainder has ``n``'s sign and the step away from zero is its SIGN).
    None for a mode it does not know."""
    if mode not in ("half_up", "half_even", "down", "up") or not 0 < 2 * d <= INT64:
        return None
    q = exp.IntDiv(this=n.copy(), expression=_int_lit(d))
    r = exp.Paren(this=exp.Mod(this=n.copy(), expression=_int_lit(d)))
    if mode == "down":
        return q
    away = exp.Sign(this=r.copy())
    if mode == "up":
        return exp.Add(this=q, expression=away)
    twice = exp.Mul(this=exp.Literal.number(2), expression=exp.Abs(this=r.copy()))
    if mode == "half_up":
        test: exp.Expression = exp.GTE(this=twice, expression=_int_lit(d))
    else:
        odd = exp.NEQ(this=exp.Paren(this=exp.Mod(this=exp.Paren(this=q.copy()), expression=exp.Literal.number(2))),
                      expression=exp.Literal.number(0))
        test = exp.Or(this=exp.GT(this=twice, expression=_int_lit(d)),
                      expression=exp.Paren(this=exp.And(this=exp.EQ(this=twice.copy(), expression=_int_lit(d)),
                                                        expression=odd)))
    step = exp.Case(ifs=[exp.If(this=test, true=away)], default=exp.Literal.number(0))
    return exp.Add(this=q, expression=step)


# ---------------------------------------------------------------- functions
def least(xs: Sequence[Sql]) -> Sql:
    # LEAST/GREATEST as plain calls: values are never NULL, so no dialect's NULL rule matters
    # (sqlglot would otherwise wrap each in a CASE testing every argument for NULL).
    kind, scale = _join_kind(xs)
    return Sql(exp.Anonymous(this="LEAST", expressions=[x.e for x in xs]), kind, scale, _deps(*xs))


def greatest(xs: Sequence[Sql]) -> Sql:
    kind, scale = _join_kind(xs)
    return Sql(exp.Anonymous(this="GREATEST", expressions=[x.e for x in xs]), kind, scale, _deps(*xs))


def floor(x: Sql) -> Sql:
    if x.kind == "int":
        return x
    return Sql(exp.Floor(this=x.e), "dec", 0, x.deps)


def ceil(x: Sql) -> Sql:
    if x.kind == "int":
        return x
    return Sql(exp.Ceil(this=x.e), "dec", 0, x.deps)


def abs_(x: Sql) -> Sql:
    return Sql(exp.Abs(this=x.e), x.kind, x.scale, x.deps)


def magnitude_below(xs: Sequence[Sql], digits: int) -> Sql:
    """Whether ``|x1 × x2 × …| < 10^digits``, compared in DOUBLE: a test that chooses between
    exact forms, never a value (NULL when any is NULL)."""
    e: exp.Expression = exp.Abs(this=cast(xs[0].e.copy(), "DOUBLE"))
    for x in xs[1:]:
        e = exp.Mul(this=e, expression=exp.Abs(this=cast(x.e.copy(), "DOUBLE")))
    return Sql(exp.LT(this=e, expression=exp.Literal.number(f"1e{digits}")), "bool", 0, _deps(*xs))


def case(whens: Sequence[tuple[Sql, Sql]], default: Sql) -> Sql:
    """``CASE WHEN c THEN v ... ELSE default END``, simplified when a condition is constant."""
    kept: list[tuple[Sql, Sql]] = []
    for c, v in whens:
        if isinstance(c.e, exp.Boolean):
            if c.e.this is True:
                default = v
                break
            continue
        kept.append((c, v))
    if not kept:
        return default
    values = [v for _, v in kept] + [default]
    kind, scale = _join_kind(values)
    e = exp.Case(ifs=[exp.If(this=c.e, true=v.e) for c, v in kept], default=default.e)
    return Sql(e, kind, scale, _deps(*values, *(c for c, _ in kept)))


def months_since(d: Sql, on: object) -> Sql:
    """Whole months from date ``d`` to the evaluation date ``on`` (a ``datetime.date``), by the
    rule of :func:`months_between`."""
    return months_between(d, date(on))


def whole_years_in_months(m: Sql) -> Sql:
    """``m - m % 12``: whole years, still counted in months."""
    return Sql(exp.Paren(this=exp.Sub(this=paren(m.e), expression=exp.Paren(
        this=exp.Mod(this=paren(m.e.copy()), expression=exp.Literal.number(12))))), m.kind, m.scale, m.deps)


# ---------------------------------------------------------------- calendar arithmetic
# The rules of policyrules.builtins (《民法典》第二百零一、二百零二条), for every date pair.
def _int(value: int) -> exp.Expression:
    if value >= 0:
        return exp.Literal.number(value)
    return exp.Paren(this=exp.Neg(this=exp.Literal.number(-value)))


def whole_count(x: Sql, dialect: str) -> exp.Expression:
    """A duration as a whole number of its unit, the fraction dropped toward zero (as Python's ``int``)."""
    if x.kind == "int":
        return paren(x.e)
    if dialect == "spark":  # Spark's cast truncates; DuckDB's and PostgreSQL's round
        return cast(x.e, "BIGINT")
    return cast(exp.Anonymous(this="TRUNC", expressions=[x.e]), "BIGINT")


def shift_date(d: Sql, amount: Sql, unit: str, dialect: str) -> Sql:
    """``d`` plus ``amount`` days or months (negative to go back), as a DATE. Every dialect's
    month addition keeps the day of the month or clamps it to the month end (DuckDB ``+ INTERVAL
    n MONTH``, Spark ``ADD_MONTHS``, PostgreSQL ``+ INTERVAL '1 MONTH' * n``)."""
    n = whole_count(amount, dialect)
    e = exp.DateAdd(this=paren(d.e), expression=n, unit=exp.var("DAY" if unit == "day" else "MONTH"))
    return Sql(cast(e, "DATE"), "date", 0, _deps(d, amount))


def part(name: str, d: Sql) -> exp.Expression:
    this = paren(d.e.copy())
    if name == "year":
        return exp.Year(this=this)
    return exp.Month(this=this) if name == "month" else exp.Day(this=this)


def make_date(year: exp.Expression, month: exp.Expression, day: exp.Expression, deps: frozenset[str]) -> Sql:
    # whole numbers: PostgreSQL's EXTRACT (what YEAR and MONTH become there) gives a numeric,
    # and its MAKE_DATE takes only integers
    args = [a if isinstance(a, exp.Literal) else cast(a, "INT") for a in (year, month, day)]
    return Sql(exp.Anonymous(this="MAKE_DATE", expressions=args), "date", 0, deps)


def start_of_month(d: Sql) -> Sql:
    return make_date(part("year", d), part("month", d), exp.Literal.number(1), d.deps)


def end_of_month(d: Sql, dialect: str) -> Sql:
    if dialect == "postgres":
        first = start_of_month(d).e
        nxt = exp.Add(this=first, expression=exp.Interval(this=exp.Literal.string("1"), unit=exp.var("MONTH")))
        last = exp.Sub(this=nxt, expression=exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY")))
        return Sql(cast(last, "DATE"), "date", 0, d.deps)
    return Sql(exp.LastDay(this=paren(d.e)), "date", 0, d.deps)


def month_index(d: Sql) -> exp.Expression:
    """Year × 12 + month: consecutive calendar months are consecutive integers."""
    return exp.Paren(this=exp.Add(this=exp.Mul(this=part("year", d), expression=exp.Literal.number(12)),
                                  expression=part("month", d)))


def days_between(a: Sql, b: Sql, dialect: str) -> Sql:
    """``b - a`` in days."""
    if dialect == "spark":
        e: exp.Expression = exp.Anonymous(this="DATEDIFF", expressions=[paren(b.e), paren(a.e)])
    elif dialect == "postgres":
        e = exp.Paren(this=exp.Sub(this=paren(b.e), expression=paren(a.e)))
    else:
        e = exp.Anonymous(this="DATE_DIFF", expressions=[exp.Literal.string("day"), paren(a.e), paren(b.e)])
    return Sql(e, "int", 0, _deps(a, b))


def _is_month_end(d: Sql) -> exp.Expression:
    nxt = exp.DateAdd(this=paren(d.e.copy()), expression=exp.Literal.number(1), unit=exp.var("DAY"))
    return exp.EQ(this=exp.Day(this=cast(nxt, "DATE")), expression=exp.Literal.number(1))


def months_between(a: Sql, b: Sql) -> Sql:
    """Whole months from ``a`` to ``b``: the largest n with a + n months <= b (month-end rule),
    and -months_between(b, a) when b is before a. ``a`` and ``b`` should be columns or literals
    (each is used several times)."""
    n0 = exp.Sub(this=month_index(b), expression=month_index(a))
    forward = exp.And(this=exp.GTE(this=paren(b.e.copy()), expression=paren(a.e.copy())),
                      expression=exp.And(this=exp.GT(this=part("day", a), expression=part("day", b)),
                                         expression=exp.Not(this=exp.Paren(this=_is_month_end(b)))))
    backward = exp.And(this=exp.LT(this=paren(b.e.copy()), expression=paren(a.e.copy())),
                       expression=exp.And(this=exp.GT(this=part("day", b), expression=part("day", a)),
                                          expression=exp.Not(this=exp.Paren(this=_is_month_end(a)))))
    adjust = exp.Case(ifs=[exp.If(this=forward, true=exp.Literal.number(1)),
                           exp.If(this=backward, true=_int(-1))], default=exp.Literal.number(0))
    return Sql(exp.Paren(this=exp.Sub(this=n0, expression=adjust)), "int", 0, _deps(a, b))


def months_overlap(s1: Sql, e1: Sql, s2: Sql, e2: Sql) -> Sql:
    """Calendar months in both [s1, e1] and [s2, e2] (months of dates), both ends included."""
    lo = exp.Anonymous(this="GREATEST", expressions=[month_index(s1), month_index(s2)])
    hi = exp.Anonymous(this="LEAST", expressions=[month_index(e1), month_index(e2)])
    count = exp.Add(this=exp.Sub(this=hi, expression=lo), expression=exp.Literal.number(1))
    return Sql(exp.Anonymous(this="GREATEST", expressions=[exp.Literal.number(0), count]), "int", 0,
               _deps(s1, e1, s2, e2))


def days_overlap(s1: Sql, e1: Sql, s2: Sql, e2: Sql, dialect: str) -> Sql:
    """Days in both [s1, e1] and [s2, e2], both ends included."""
    lo = Sql(exp.Anonymous(this="GREATEST", expressions=[paren(s1.e), paren(s2.e)]), "date")
    hi = Sql(exp.Anonymous(this="LEAST", expressions=[paren(e1.e), paren(e2.e)]), "date")
    count = exp.Add(this=days_between(lo, hi, dialect).e, expression=exp.Literal.number(1))
    return Sql(exp.Anonymous(this="GREATEST", expressions=[exp.Literal.number(0), count]), "int", 0,
               _deps(s1, e1, s2, e2))


# ---------------------------------------------------------------- rounding
def round_to(x: Sql, digits: int, mode: str, dialect: str) -> Sql:
    """``x`` rounded to ``digits`` decimal places (negative: tens, hundreds...) by ``mode``,
    as ``DECIMAL(38, max(digits, 0))``: half_up (half away from zero), half_even, down (toward
    zero) or up (away from zero), as :mod:`policyrules.rounding` defines them."""
    from policyrules.rounding import TOWARD_ZERO

    out = decimal_type(max(digits, 0))
    if x.kind == "int" and digits >= 0:
        return Sql(cast(x.e, out), "dec", max(digits, 0), x.deps)
    d = exp.Literal.number(digits) if digits >= 0 else exp.Neg(this=exp.Literal.number(-digits))
    if mode == "half_up":
        return Sql(cast(exp.Round(this=x.e, decimals=d), out), "dec", max(digits, 0), x.deps)
    if mode == "half_even" and dialect == "duckdb":
        return Sql(cast(exp.Anonymous(this="round_even", expressions=[x.e, d]), out), "dec", max(digits, 0), x.deps)
    if mode == "half_even" and dialect == "spark":
        return Sql(cast(exp.Anonymous(this="BROUND", expressions=[x.e, d]), out), "dec", max(digits, 0), x.deps)
    y = exp.Paren(this=exp.Mul(this=paren(x.e), expression=_pow10(digits)))
    if mode == "half_even":
        frac = exp.Abs(this=exp.Sub(this=y.copy(), expression=exp.Anonymous(this="TRUNC", expressions=[y.copy()])))
        tie = exp.EQ(this=frac, expression=exp.Literal.number("0.5"))
        evened = exp.Mul(this=exp.Literal.number(2), expression=exp.Round(
            this=exp.Mul(this=y.copy(), expression=exp.Literal.number("0.5")), decimals=exp.Literal.number(0)))
        whole: exp.Expression = exp.Case(ifs=[exp.If(this=tie, true=evened)],
                                         default=exp.Round(this=y.copy(), decimals=exp.Literal.number(0)))
    else:  # a directed mode: FLOOR or CEIL by the sign, toward or away from zero
        toward = TOWARD_ZERO[mode]
        positive = (exp.Floor if toward else exp.Ceil)(this=y.copy())
        negative = (exp.Ceil if toward else exp.Floor)(this=y.copy())
        whole = exp.Case(ifs=[exp.If(this=exp.GTE(this=y.copy(), expression=exp.Literal.number(0)),
                                     true=positive)], default=negative)
    value = exp.Mul(this=exp.Paren(this=whole), expression=_pow10(-digits))
    return Sql(cast(value, out), "dec", max(digits, 0), x.deps)


# ---------------------------------------------------------------- absent values and lists
# An optional fact that was not given, or a value that needs one, is NULL: the interpreter
# reports it as still needed.
def null(kind: str = "str") -> Sql:
    return Sql(exp.Null(), kind)


def is_null(x: Sql) -> Sql:
    return Sql(exp.Is(this=paren(x.e), expression=exp.Null()), "bool", 0, x.deps)


def coalesce(x: Sql, default: Sql) -> Sql:
    return Sql(exp.Coalesce(this=x.e, expressions=[default.e]), x.kind, max(x.scale, default.scale), x.deps)


def field(base: Sql, name: str, kind: str, scale: int = 0) -> Sql:
    """Field ``name`` of a STRUCT value (a lambda variable, a column or any expression)."""
    this = base.e if isinstance(base.e, exp.Column) and not base.e.table else exp.Paren(this=base.e)
    if isinstance(base.e, exp.Column) and base.e.name.startswith("_it"):
        this = base.e
    return Sql(exp.Dot(this=this, expression=exp.to_identifier(name, quoted=True)), kind, scale, base.deps)


def lam(var: str, body: Sql) -> exp.Expression:
    return exp.Lambda(this=body.e, expressions=[exp.to_identifier(var, quoted=True)])


def list_filter(items: Sql, var: str, cond: Sql) -> Sql:
    return Sql(exp.ArrayFilter(this=items.e, expression=lam(var, cond)), "list", 0, _deps(items, cond))


def list_transform(items: Sql, var: str, body: Sql) -> Sql:
    return Sql(exp.Transform(this=items.e, expression=lam(var, body)), "list", 0, _deps(items, body))


def list_len(items: Sql) -> Sql:
    return Sql(exp.ArraySize(this=items.e), "int", 0, items.deps)


def list_fold(fn: str, items: Sql, kind: str, scale: int, dialect: str) -> Sql:
    """``list_sum``/``list_min``/``list_max`` (Spark: ``aggregate``/``array_min``/``array_max``);
    NULL for an empty list."""
    if dialect == "spark":
        if fn == "list_sum":
            acc, x = exp.to_identifier("_acc"), exp.to_identifier("_x")
            total: exp.Expression = exp.Add(this=exp.column(acc), expression=exp.column(x))
            if kind == "dec":
                # Spark adds two DECIMAL(38, s) into DECIMAL(38, s - 1), rounding off a place: the fold
                # adds in DECIMAL(30, s), exact up to 10^(30 - s), beyond which ANSI mode stops the job
                narrow = f"DECIMAL(30,{max(0, min(scale, 30))})"
                total = cast(exp.Add(this=exp.column(acc), expression=cast(exp.column(x), narrow)), narrow)
            add_ = exp.Lambda(this=total, expressions=[acc, x])
            zero = cast(exp.Literal.number(0), f"DECIMAL(30,{max(0, min(scale, 30))})") if kind == "dec" \
                else exp.Literal.number(0)
            e: exp.Expression = exp.Anonymous(this="AGGREGATE", expressions=[items.e, zero, add_])
            empty = exp.EQ(this=exp.ArraySize(this=items.e.copy()), expression=exp.Literal.number(0))
            e = exp.Case(ifs=[exp.If(this=empty, true=exp.Null())], default=e)
        else:
            e = exp.Anonymous(this="ARRAY_MIN" if fn == "list_min" else "ARRAY_MAX", expressions=[items.e])
    else:
        e = exp.Anonymous(this=fn, expressions=[items.e])
    return Sql(e, kind, scale, items.deps)


def element(items: Sql, last: bool, dialect: str) -> Sql:
    """The first or last item of a list; NULL when it is empty."""
    if dialect == "spark":
        e: exp.Expression = exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[items.e, _int(-1 if last else 1)])
    else:
        e = exp.Anonymous(this="list_extract", expressions=[items.e, _int(-1 if last else 1)])
    return Sql(e, "struct", 0, items.deps)


def month_text(d: Sql) -> Sql:
    """A calendar month as ``YYYY-MM`` text (as the interpreter reports a year_month)."""
    return Sql(exp.TimeToStr(this=paren(d.e), format=exp.Literal.string("%Y-%m")), "str", 0, d.deps)

"""A checked policy -> one set-based SELECT over a table of facts (one row per entity).

The query mirrors ``policyrules.evaluate.decide`` step for step: conditions, validity windows
and terms make an output eligible; its amount (a formula, parts, an allocation or a choice)
is converted to the output's period, rounded where the policy says (each part on its own,
then summed), zero when not eligible; exclusive groups then keep one paying member.

Values, outputs and helper results become columns, computed level by level: each level is a
``SELECT *, <new columns> FROM (<previous level>)``, so an expression used many times is
computed once and the SQL stays linear in the size of the policy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from sqlglot import exp

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy, Output
from policyrules.compile import sql as s
from policyrules.compile.sql import Sql
from policyrules.compile.unsupported import Unsupported
from policyrules.divide_last import divided_last, quotient_of
from policyrules.syntax import nodes as n

K = t.Kind
CALENDAR = ("days_between", "months_between", "years_between", "age_on", "year_of", "month_of", "day_of",
            "start_of_month", "end_of_month", "start_of_year", "end_of_year", "days_overlap",
            "months_overlap")
# Decimal places of each fact kind in the facts table (policyrules.batch.io.SQL_TYPES).
FACT_SCALES = {K.NUMBER: 8, K.MONEY: 6, K.RATE: 6, K.PERCENT: 8, K.DURATION: 6}
_AGG_WORDS = {"min": "smallest", "max": "largest", "ids": "list"}


@attrs.frozen(slots=True)
class OutputColumn:
    """One result column: an output's value (``part`` None) or one of its parts."""

    column: str
    output: str
    part: str | None
    monetary: bool
    scale: int  # decimal places of a monetary column
    type: t.Type | None = None  # a typed output's declared type (``output NAME: TYPE = …``)


@attrs.frozen(slots=True)
class Compiled:
    """The compiled query and what its columns mean."""

    select: exp.Select
    dialect: str
    outputs: tuple[OutputColumn, ...]
    kinds: frozenset[str]
    on: dt.date
    params: dict[str, Any]
    eligibility: tuple[str, ...]  # outputs with an ``<output>:eligible`` column
    invariants: tuple[tuple[str, str], ...]  # (column, label) of invariant columns

    def sql(self, pretty: bool = False) -> str:
        return self.select.sql(dialect=self.dialect, pretty=pretty)


def default_columns(cp: CheckedPolicy, kinds: Sequence[str]) -> dict[tuple[str, str], str]:
    """Column of each fact: its bare name, or ``kind.field`` when several present kinds share it."""
    owners: dict[str, list[str]] = {}
    for k in kinds:
        for f in cp.facts[k].fields:
            owners.setdefault(f, []).append(k)
    return {(k, f): (f if len(owners[f]) == 1 else f"{k}.{f}") for k in kinds for f in cp.facts[k].fields}


def sql_kind(ty: t.Type) -> tuple[str, int]:
    k = ty.kind
    if k is K.BOOL:
        return "bool", 0
    if k is K.INTEGER:
        return "int", 0
    if k in FACT_SCALES:
        return "dec", FACT_SCALES[k]
    if k in (K.DATE, K.MONTH):
        return "date", 0
    if k is K.LIST:
        return "list", 0
    if k is K.RECORD:
        return "struct", 0
    return "str", 0


def literal(value: Any, ty: t.Type | None = None) -> Sql:
    if isinstance(value, bool):
        return s.boolean(value)
    if isinstance(value, int | Decimal):
        return s.number(value)
    if isinstance(value, dt.date):
        return s.date(value)
    return s.string(str(value))


def _fraction(e: n.Expr) -> bool:
    """A rate written as a fraction of two numbers (``2/3``), applied numerator first."""
    return isinstance(e, n.Binary) and e.op == "div" and all(isinstance(x, n.Number) for x in (e.left, e.right))


def _digits(quantum: Decimal) -> int:
    exponent = quantum.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 2


class QueryCompiler:
    def __init__(self, cp: CheckedPolicy, on: dt.date, params: Mapping[str, Any], kinds: Sequence[str],
                 columns: Mapping[tuple[str, str], str], dialect: str,
                 digits: Mapping[tuple[str, str], int] | None = None):
        if dialect not in s.DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; use one of {', '.join(s.DIALECTS)}")
        self.cp = cp
        self.on = on
        self.params = dict(params)
        self.kinds = frozenset(kinds)
        self.columns = dict(columns)
        self.dialect = dialect
        # digits of the unscaled values of the facts read from narrow (64-bit) columns
        self.digits = {f"fact:{k}.{f}": d for (k, f), d in (digits or {}).items()}
        self.defs: dict[str, Sql] = {}  # computed column -> its expression
        self.value_cols: dict[str, Sql] = {}
        self.final: dict[str, Sql] = {}  # output -> final value (money) or eligibility (bool)
        self.final_parts: dict[tuple[str, str], Sql] = {}
        self.eligible: dict[str, Sql] = {}
        self.active: list[str] = []
        self.rule = ""
        self._helpers = 0
        self.used_facts: dict[str, str] = {}  # query column -> source column
        self.scope: list[tuple[str, str]] = []  # (record, lambda variable) of the items in scope, innermost last
        self._nullable: dict[Any, bool] = {}
        # id of a quotient by a constant's expression -> (the quotient, its numerator, the divisor)
        self._quotients: dict[int, tuple[Sql, Sql, Decimal]] = {}
        self._pieces_of: dict[tuple[str, str, int], tuple[Sql, Sql | None, Sql | None, Sql] | None] = {}

    # ---------------------------------------------------------------- columns
    def fact_column(self, kind: str, field: str) -> str:
        """The query's own name for a fact: the source column is read once, under a name in a
        namespace (``fact:``) that no column the compiler makes can take, and no other source
        column is read at all (so an input column can never stand in for a computed one)."""
        self.used_facts.setdefault(f"fact:{kind}.{field}", self.columns[(kind, field)])
        return f"fact:{kind}.{field}"

    def define(self, name: str, x: Sql) -> Sql:
        """Make ``x`` a computed column (unless it is trivial) and return a reference to it.
        Inside an aggregate's lambda (items in scope) expressions stay inline."""
        if self.scope:
            return x
        if isinstance(x.e, exp.Literal | exp.Boolean | exp.Column) or (
                isinstance(x.e, exp.Cast) and isinstance(x.e.this, exp.Literal)):
            return x
        self.defs[name] = x
        return s.column(name, x.kind, x.scale, dep=True)

    def mul(self, a: Sql, b: Sql) -> Sql:
        """``a × b``.  DuckDB multiplies two decimals of at most 18 digits in 64 bits and stops
        with an overflow error when the product does not fit (it does not widen, as it does for
        a sum); facts read from narrow typed columns are such decimals (``batch.io.fact_type``).
        So on DuckDB the operands are widened to 38 digits first, unless the size of both is known
        (a literal, a fact with ``digits``) and their product cannot exceed 18 digits."""
        if self.dialect == "duckdb" and "dec" in (a.kind, b.kind):
            da, db = self._unscaled_digits(a), self._unscaled_digits(b)
            if da is None or db is None or da + db > 18:  # the product could overflow 64 bits
                a, b = (_wide(x) for x in (a, b))
        return s.mul(a, b)

    def _unscaled_digits(self, x: Sql) -> int | None:
        """How many digits ``x``'s unscaled value can have, when known: a literal, or a fact read
        from a narrow column (``digits``); None for anything else."""
        if isinstance(x.e, exp.Literal) and not x.e.is_string:
            return len(Decimal(x.e.this).as_tuple().digits)
        if isinstance(x.e, exp.Column):
            return self.digits.get(x.e.name)
        return None

    # ---------------------------------------------------------------- division
    def div(self, a: Sql, b: Sql) -> Sql:
        """``a / b``, exact to ``DIV_SCALE`` places half-even (:func:`sql.div`).  On DuckDB a
        divisor known when the query is compiled (a literal, a parameter) needs no long division
        (:meth:`div_by_constant`); two constants are divided here."""
        c = s.constant(b)
        if c is not None and _places(c) > s.DIV_SCALE:  # sql.div rounds such a divisor first
            c = None
        if self.dialect == "duckdb" and c is not None and c != 0 and a.kind in ("int", "dec"):
            fast = self.div_by_constant(a, c)
            if fast is not None:
                self._quotients[id(fast.e)] = (fast, a, c)  # for round_to
                return fast
        if self.dialect == "duckdb" and c is None and {a.kind, b.kind} <= {"int", "dec"}:
            fast = self.div_64(a, b)
            if fast is not None:
                return fast
        return s.div(a, b, self.dialect, self.helper)

    def div_64(self, a: Sql, b: Sql) -> Sql | None:
        """``a / b`` by the long division of :func:`sql.div` in 64 bits, six digits a step, on
        the rows where both unscaled values (at the common scale) fit a ``DECIMAL(18, s)`` and
        ``|b|``'s is below 9·10^12 (so each step's remainder × 10^6 fits); other rows (and NULLs)
        take the 128-bit one, inline, in a CASE that DuckDB evaluates for those rows only.
        DuckDB's 64-bit ``//`` and ``%`` cost a tenth of the 128-bit ones."""
        if self.scope:  # inside a list's lambda nothing becomes a column: the expression would grow too large
            return None
        a, sa = _numerator(a)
        if b.kind == "dec" and b.scale > s.DIV_SCALE:
            b = s.rescale(b, s.DIV_SCALE)
        sb = b.scale if b.kind == "dec" else 0
        scale = max(sa, sb)
        parts = []
        for x in (a, b):
            x = Sql(s.cast(x.e, "DECIMAL(38,0)"), "dec", 0, x.deps) if x.kind == "int" else x
            pieces = self._pieces(x, scale)
            if pieces is None:
                return None
            w, fr, _narrow, col = pieces
            parts.append((self._unscaled(w, fr, scale), col))
        (num, acol), (den, bcol) = parts
        zero = exp.Literal.number(0)
        ok = exp.And(this=exp.Not(this=exp.Paren(this=exp.Or(
            this=exp.Is(this=num.e.copy(), expression=exp.Null()), expression=exp.Is(this=den.e.copy(), expression=exp.Null())))),
            expression=exp.LT(this=exp.Abs(this=den.e.copy()), expression=s._int_lit(9 * 10**12)))
        n_abs = self.helper(Sql(exp.Case(ifs=[exp.If(this=ok.copy(), true=exp.Abs(this=num.e.copy()))]), "big", 0,
                                num.deps | den.deps))
        d = self.helper(Sql(exp.Case(ifs=[exp.If(this=ok, true=exp.Case(
            ifs=[exp.If(this=exp.EQ(this=den.e.copy(), expression=zero.copy()), true=exp.Literal.number(1))],
            default=exp.Abs(this=den.e.copy())))]), "big", 0, num.deps | den.deps))
        million = s._pow10(6)

        def step(r: exp.Expression) -> exp.Expression:  # (r % d) × 10^6
            return exp.Mul(this=exp.Paren(this=exp.Mod(this=r.copy(), expression=d.e.copy())), expression=million.copy())

        t1 = self.helper(Sql(step(n_abs.e), "big", 0, n_abs.deps | d.deps))
        t2 = self.helper(Sql(step(t1.e), "big", 0, t1.deps | d.deps))
        t3 = self.helper(Sql(step(t2.e), "big", 0, t2.deps | d.deps))

        def digits(t: Sql) -> exp.Expression:
            return exp.Paren(this=exp.IntDiv(this=t.e.copy(), expression=d.e.copy()))

        rem2 = exp.Mul(this=exp.Literal.number(2), expression=exp.Paren(this=exp.Mod(this=t3.e.copy(), expression=d.e.copy())))
        odd = exp.NEQ(this=exp.Paren(this=exp.Mod(this=digits(t3), expression=exp.Literal.number(2))), expression=zero.copy())
        up = exp.Or(this=exp.GT(this=rem2, expression=d.e.copy()),
                    expression=exp.Paren(this=exp.And(this=exp.EQ(this=rem2.copy(), expression=d.e.copy()), expression=odd)))
        fraction = exp.Add(this=exp.Add(this=exp.Add(
            this=exp.Mul(this=digits(t1), expression=s._pow10(12)), expression=exp.Mul(this=digits(t2), expression=million.copy())),
            expression=digits(t3)), expression=exp.Case(ifs=[exp.If(this=up, true=exp.Literal.number(1))], default=zero.copy()))
        value = exp.Add(this=s.cast(exp.IntDiv(this=n_abs.e.copy(), expression=d.e.copy()), "DECIMAL(38,0)"),
                        expression=exp.Mul(this=s.cast(fraction, "DECIMAL(38,0)"), expression=s._pow10(-s.DIV_SCALE)))
        negative = exp.NEQ(this=exp.Paren(this=exp.LT(this=num.e.copy(), expression=zero.copy())),
                           expression=exp.Paren(this=exp.LT(this=den.e.copy(), expression=zero.copy())))
        signed = exp.Case(ifs=[exp.If(this=exp.EQ(this=den.e.copy(), expression=zero.copy()),
                                      true=s.cast(zero.copy(), s.decimal_type(s.DIV_SCALE))),
                               exp.If(this=negative, true=exp.Neg(this=exp.Paren(this=value.copy())))], default=value)
        slow = s.div(acol, bcol, "duckdb", lambda x: x)  # the 128-bit long division, inline
        e = exp.Case(ifs=[exp.If(this=exp.Is(this=n_abs.e.copy(), expression=exp.Null()), true=slow.e)], default=signed)
        return Sql(exp.Paren(this=e), "dec", s.DIV_SCALE, acol.deps | bcol.deps | t3.deps | n_abs.deps | d.deps)

    def div_by_constant(self, a: Sql, c: Decimal) -> Sql | None:
        """``a / c`` for a constant ``c`` ≠ 0, with the digits of :func:`sql.div`: the exact
        product ``a × 1/c`` when ``1/c`` terminates within the places; else the 64-bit form of
        :func:`sql.odd_quotient` (a value too large for 64 bits at its scale: the 128-bit one).
        None when neither applies (the long division then)."""
        d = s.divisor(c)
        a, sa = _numerator(a)
        if sa + d.k > s.DIV_SCALE:
            return None
        known = s.constant(a)
        if known is not None:  # both constant: the quotient, rounded as the query would
            return s.number(_quotient(known, c))
        if d.m == 1:  # exact: sa + k <= DIV_SCALE places (an integer widened: no BIGINT overflow)
            wide = Sql(s.cast(a.e, "DECIMAL(38,0)"), "dec", 0, a.deps) if a.kind == "int" else a
            q = self.mul(wide, s.number(d.reciprocal))
            return s.neg(q) if d.negative else q
        pieces = self._pieces(a, sa)
        if pieces is None:
            return None
        w, fr, narrow, whole = pieces
        fast = s.odd_quotient(w.e, fr.e if fr is not None else None, sa, d, False)
        if fast is None:
            return None
        e = fast
        if narrow is not None:  # beyond 64 bits: the same in 128 bits, for the rows that need it
            w2, fr2 = s.whole_and_fraction(s.cast(whole.e, s.decimal_type(sa)), sa, "HUGEINT")
            slow = s.odd_quotient(w2, fr2, sa, d, True)
            assert slow is not None
            e = exp.Case(ifs=[exp.If(this=exp.Is(this=narrow.e.copy(), expression=exp.Null()), true=slow)],
                         default=fast)
        deps = whole.deps | w.deps | (fr.deps if fr is not None else frozenset()) | (narrow.deps if narrow is not None else frozenset())
        q = Sql(exp.Paren(this=e), "dec", s.DIV_SCALE, deps)
        return s.neg(q) if d.negative else q

    def _pieces(self, a: Sql, sa: int) -> tuple[Sql, Sql | None, Sql | None, Sql] | None:
        """Helper columns of ``a`` (scale ``sa``) for a division: its whole part and its
        fraction's unscaled value as BIGINTs (fraction None for an integer), the 64-bit
        ``DECIMAL(18, sa)`` value they are taken from (NULL when ``a`` does not fit it; None for
        an integer, which always does), and ``a`` itself as a column.  None for more than
        :data:`MAX_CHUNKS` steps (below).

        Every step stays a 64-bit DECIMAL(18, sa) (DuckDB widens ``x % 1`` and ``x × 10^10`` to
        128 bits, whose cast back to an integer is a slow 128-bit division): ``% 1`` by a TINYINT,
        and the fraction's digits taken a few at a time (each ``frac × 10^c`` below 10^(18 - sa)).
        The same value's pieces are computed once (outside a list's lambda)."""
        if self.scope:
            return self._new_pieces(a, sa)
        key = (a.e.sql(), a.kind, sa)
        if key not in self._pieces_of:
            self._pieces_of[key] = self._new_pieces(a, sa)
        return self._pieces_of[key]

    def _new_pieces(self, a: Sql, sa: int) -> tuple[Sql, Sql | None, Sql | None, Sql] | None:
        whole = self.helper(a)
        if a.kind == "int":
            return self.helper(Sql(s.cast(whole.e, "BIGINT"), "big", 0, whole.deps)), None, None, whole
        step = min(9, 18 - sa)
        if sa and (step <= 0 or -(-sa // step) > MAX_CHUNKS):
            return None
        narrow = self.helper(Sql(exp.TryCast(this=whole.e.copy(), to=s.dtype(f"DECIMAL(18,{sa})")), "dec", sa,
                                 whole.deps))
        w = self.helper(Sql(s.cast(exp.Anonymous(this="TRUNC", expressions=[narrow.e.copy()]), "BIGINT"), "big", 0,
                            narrow.deps))
        if sa == 0:
            return w, None, narrow, whole
        one = s.cast(exp.Literal.number(1), "TINYINT")
        frac = self.helper(Sql(exp.Mod(this=narrow.e.copy(), expression=one.copy()), "dec", sa, narrow.deps))
        unscaled: exp.Expression | None = None
        left = sa
        while left:
            c = min(step, left)
            shifted = exp.Mul(this=frac.e.copy(), expression=s._pow10(c))  # below 10^c: 64 bits
            left -= c
            if left:
                digits = s.cast(exp.Anonymous(this="TRUNC", expressions=[shifted.copy()]), "BIGINT")
                frac = self.helper(Sql(exp.Mod(this=exp.Paren(this=shifted), expression=one.copy()), "dec", sa,
                                       frac.deps))
            else:
                digits = s.cast(shifted, "BIGINT")  # a whole number: exact
            unscaled = digits if unscaled is None else exp.Add(
                this=exp.Mul(this=exp.Paren(this=unscaled), expression=s._pow10(c)), expression=digits)
        assert unscaled is not None
        fr = self.helper(Sql(unscaled, "big", 0, frac.deps | narrow.deps))
        return w, fr, narrow, whole

    def round_to(self, x: Sql, digits: int, mode: str) -> Sql:
        """:func:`sql.round_to`, but a quotient by a constant (:meth:`div`) rounded to 0–6 places
        by :meth:`round_of_quotient` when its bound holds."""
        known = self._quotients.get(id(x.e))
        if known is not None and known[0].e is x.e and 0 <= digits <= MAX_ROUND_PLACES:
            fast = self.round_of_quotient(x, known[1], known[2], digits, mode)
            if fast is not None:
                return fast
        return s.round_to(x, digits, mode, self.dialect)

    def round_of_quotient(self, x: Sql, a: Sql, c: Decimal, places: int, mode: str) -> Sql | None:
        """``x`` = ``a / c`` (the 18-place quotient of :meth:`div_by_constant`) rounded to
        ``places`` by ``mode``, as one 64-bit integer division of ``a``'s unscaled value ``A``:
        ``a / c = A·q / (p·10^sa)`` (``|c| = p/q``), so ``x·10^places`` is made whole from
        ``A·q·10^places / (p·10^sa)``, the fraction reduced. None when a bound below fails.

        Why the exact quotient ``y`` rounds as the 18-place ``x`` does (the double rounding):
        ``y = A·f / (m·10^t)`` (``t = sa + k``, ``m`` odd and prime to 10).  When ``m`` is 1,
        ``x = y`` (the exact product, ``t <= 18``).  Otherwise ``y·10^18 = A·f·10^(18-t) / m``
        is an integer over ``m``, so ``|x - y| <= (m-1)/(2m)·10^-18`` (never a tie at the 19th
        place).  Every mode's result is constant between its boundaries ``B`` (multiples of
        ``10^-places`` for ``down``/``up``, their odd halves for ``half_*``); such a ``B`` is a
        multiple of ``1/(2·10^places)``, so ``y ≠ B`` gives ``|y - B| >= 1/(2m·10^M)`` with
        ``M = max(t, places)``.  With ``(m-1)·10^M < 10^18``, ``|x - y| < |y - B|``: ``x`` lies on
        ``y``'s side of every boundary, strictly; and ``y = B`` is a multiple of ``10^-18``
        (``places`` <= 6), which the 18-place rounding keeps, so ``x = y``.  Either way
        ``round(x) = round(y)``, which the integer division computes exactly.  64 bits: ``|A|``
        below ``10^18`` (the ``DECIMAL(18, sa)`` the pieces are taken from, or fewer digits when
        known) times the factor, and ``2 ×`` the divisor, within ``2^63 - 1``; a value beyond
        64 bits (``TRY_CAST`` NULL) takes ``round(x)`` as before, in a CASE."""
        if self.dialect != "duckdb" or s.constant(a) is not None or a.kind not in ("int", "dec"):
            return None
        d = s.divisor(c)
        known = self._unscaled_digits(a) if a.kind == "dec" and a.scale <= s.DIV_SCALE else None
        a, sa = _numerator(a)
        t = sa + d.k
        if t > s.DIV_SCALE or (d.m != 1 and (d.m - 1) * 10 ** max(t, places) >= 10**s.DIV_SCALE):
            return None
        factor, den = d.q * 10 ** max(places - sa, 0), d.p * 10 ** max(sa - places, 0)
        g = math.gcd(factor, den)
        factor, den = factor // g, den // g
        most = s.INT64 if a.kind == "int" else 10**18 - 1
        if known is not None:
            most = min(most, 10**known - 1)
        if most * factor > s.INT64 or 2 * den > s.INT64:
            return None
        pieces = self._pieces(a, sa)
        if pieces is None:
            return None
        w, fr, narrow, _ = pieces
        num = self._unscaled(w, fr, sa, factor, d.negative)
        whole = s.rounded_quotient(num.e, den, mode)
        if whole is None:
            return None
        e: exp.Expression = exp.Mul(this=s.cast(whole, "DECIMAL(18,0)"), expression=s._pow10(-places)) \
            if places else s.cast(whole, "DECIMAL(18,0)")
        e = s.cast(e, s.decimal_type(places))
        if narrow is not None:  # beyond 64 bits: round the 18-place quotient, for those rows only
            slow = s.round_to(Sql(x.e.copy(), x.kind, x.scale, x.deps), places, mode, self.dialect)
            e = exp.Case(ifs=[exp.If(this=exp.Is(this=narrow.e.copy(), expression=exp.Null()), true=slow.e)], default=e)
        return Sql(e, "dec", places, num.deps | (x.deps | narrow.deps if narrow is not None else frozenset()))

    def _unscaled(self, w: Sql, fr: Sql | None, scale: int, factor: int = 1, negative: bool = False) -> Sql:
        """A helper column: the 64-bit unscaled value ``w·10^scale + fr`` of a value's pieces
        (:meth:`_pieces`), times ``factor`` and negated when asked."""
        e: exp.Expression = w.e.copy()
        if fr is not None:
            e = exp.Add(this=exp.Mul(this=e, expression=s._pow10(scale)), expression=fr.e.copy())
        if factor != 1:
            e = exp.Mul(this=exp.Paren(this=e), expression=s._int_lit(factor))
        if negative:
            e = exp.Neg(this=exp.Paren(this=e))
        return self.helper(Sql(e, "big", 0, w.deps | (fr.deps if fr is not None else frozenset())))

    def floor_of_quotient(self, a: Sql, b: Sql, up: bool) -> Sql | None:
        """``floor(a / b)`` (``ceil`` when ``up``) for a constant ``b`` on DuckDB, as an integer
        division of ``a``'s unscaled value: the same as the floor of the quotient rounded to
        ``DIV_SCALE`` places whenever no quotient can lie within 5·10^-19 of a whole number
        without being one (``m·10^t < 2·10^18``: the quotient is a multiple of 1/(m·10^t)).
        None when that or 64 bits do not hold (the floor of :meth:`div` then)."""
        c = s.constant(b)
        if self.dialect != "duckdb" or c is None or c == 0 or _places(c) > s.DIV_SCALE \
                or a.kind not in ("int", "dec") or s.constant(a) is not None:
            return None
        d = s.divisor(c)
        a, sa = _numerator(a)
        t = sa + d.k
        den = d.p * 10**sa  # floor(A·q / (p·10^sa)), A the unscaled numerator
        if t > s.DIV_SCALE or d.m * 10**t >= 2 * 10**s.DIV_SCALE or den > s.INT64 or 10**18 * d.q > s.INT64 \
                or (a.kind == "int" and d.q != 1):  # (an integer is any BIGINT: × q could overflow)
            return None
        pieces = self._pieces(a, sa)
        if pieces is None:
            return None
        w, fr, narrow, whole = pieces
        num = self._unscaled(w, fr, sa, d.q, d.negative)
        digits = 18 if (10**18 * d.q) // den + 1 < 10**18 else 38
        e: exp.Expression = s.cast(s.floor_quotient(num.e, den, up), f"DECIMAL({digits},0)")
        if narrow is not None:
            exact = s.divisor(abs(c))
            wide = s.cast(whole.e, s.decimal_type(sa))
            if d.m == 1:
                q: exp.Expression | None = exp.Mul(this=wide, expression=s.number(exact.reciprocal).e)
            else:
                w2, fr2 = s.whole_and_fraction(wide, sa, "HUGEINT")
                q = s.odd_quotient(w2, fr2, sa, exact, True)
            if q is None:
                return None
            if d.negative:
                q = exp.Neg(this=exp.Paren(this=q))
            rounded = (exp.Ceil if up else exp.Floor)(this=q)
            e = exp.Case(ifs=[exp.If(this=exp.Is(this=narrow.e.copy(), expression=exp.Null()), true=rounded)],
                         default=e)
        return Sql(e, "dec", 0, num.deps | whole.deps | (narrow.deps if narrow is not None else frozenset()))

    def helper(self, x: Sql) -> Sql:
        self._helpers += 1
        return self.define(f"__h{self._helpers}", x)

    def evaluable(self, o: Output) -> bool:
        return o.kinds <= self.kinds

    # ---------------------------------------------------------------- expressions
    def ex(self, e: n.Expr) -> Sql:  # noqa: C901
        if isinstance(e, n.Number | n.Money | n.Percent):
            return s.number(e.value)
        if isinstance(e, n.Duration):
            return s.number(e.value * 12 if e.unit == "year" else e.value)
        if isinstance(e, n.DateLit):
            return s.date(e.value)
        if isinstance(e, n.EvaluationDate):
            return s.date(self.on)
        if isinstance(e, n.Bool):
            return s.boolean(e.value)
        if isinstance(e, n.Text):
            return s.string(e.value)
        if isinstance(e, n.Name):
            return self.name(e)
        if isinstance(e, n.Unary):
            x = self.ex(e.operand)
            return s.not_(x) if e.op == "not" else s.neg(x)
        if isinstance(e, n.Binary):
            return self.binary(e)
        if isinstance(e, n.Of) and _fraction(e.rate):  # 2/3 of x is 2 × x / 3: exact where the amount is
            assert isinstance(e.rate, n.Binary)
            return self.div(self.mul(self.ex(e.rate.left), self.ex(e.base)), self.ex(e.rate.right))
        if isinstance(e, n.Of):
            return self.mul(self.ex(e.rate), self.ex(e.base))
        if isinstance(e, n.PerPeriod | n.Actual):
            return self.ex(e.operand)
        if isinstance(e, n.Bound):
            v, limit = self.ex(e.operand), self.ex(e.limit)
            bound = s.least([v, limit]) if e.kind == "cap" else s.greatest([v, limit])
            return self.strict(bound, [v, limit], [e.operand, e.limit])
        if isinstance(e, n.InSet) and e.set_name is not None and e.set_name not in self.cp.sets \
                and e.source is not None:
            ref = self.cp.refs[id(e.source)]
            if ref.what == "param":
                listed = self.params[ref.name]
                return s.in_values(self.ex(e.operand), [literal(v) for v in listed], e.negated)
            return s.list_contains(self.ex(e.source), self.ex(e.operand), e.negated)
        if isinstance(e, n.InSet):
            members = sorted(self.cp.sets[e.set_name][1]) if e.set_name is not None else list(e.members)
            return s.in_list(self.ex(e.operand), members, e.negated)
        if isinstance(e, n.Call):
            return self.call(e)
        if isinstance(e, n.Lookup):
            return self.lookup(e)
        if isinstance(e, n.IfExpr):
            cond = self.ex(e.cond)
            if self.nullable(e.cond):  # a condition still needed: the value is too (NULL)
                return s.case([(cond, self.ex(e.then)), (s.not_(cond), self.ex(e.else_))], s.null())
            return s.case([(cond, self.ex(e.then))], self.ex(e.else_))
        if isinstance(e, n.Aggregate):
            return self.aggregate(e)
        raise Unsupported(f"the expression {type(e).__name__}", self.rule, span=getattr(e, "span", None))

    def name(self, e: n.Name) -> Sql:
        ref = self.cp.refs[id(e)]
        if ref.path or ref.what in ("item", "each"):
            return self.structured_name(e, ref)
        w = ref.what
        if w == "fact" and self.cp.facts[ref.kind or ""].fields[ref.name].type.kind in (K.LIST, K.RECORD):
            return self.structured_name(e, ref)
        if w == "fact":
            kind = ref.kind or ""
            if kind not in self.kinds:
                raise Unsupported(f"fact `{kind}.{ref.name}`", self.rule, f"facts `{kind}` are not in the input",
                                  e.span)
            ty = self.cp.facts[kind].fields[ref.name].type
            k, scale = sql_kind(ty)
            col = s.column(self.fact_column(kind, ref.name), k, scale)
            default = self.cp.facts[kind].fields[ref.name].default
            if default is not None:
                col = s.coalesce(col, literal(default))
            if ty.kind is K.DURATION and ty.unit == "year":
                return self.mul(col, s.number(12))
            return col
        if w == "param":
            if isinstance(self.params[ref.name], list | tuple):
                return self.list_constant(self.params[ref.name], self.cp.params[ref.name].type)
            if isinstance(self.params[ref.name], dict):
                raise Unsupported(f"the structured parameter `{ref.name}` used as a whole", self.rule,
                                  "only looking up a key of a table parameter compiles", e.span)
            return literal(self.params[ref.name], self.cp.params[ref.name].type)
        if w == "value":
            return self.value(ref.name)
        if w == "output":
            return self.output_ref(ref.name, e)
        if w == "part":
            out = ref.kind or ""
            self.output_ref(out, e)
            return self.final_parts.get((out, ref.name), s.ZERO)
        return s.string(ref.name)

    def value(self, name: str) -> Sql:
        if name in self.value_cols:
            return self.value_cols[name]
        if name in self.active:
            raise Unsupported(f"value `{name}`", self.rule, "it depends on itself")
        decl, _ = self.cp.values[name]
        outer, self.rule = self.rule, name
        scope, self.scope = self.scope, []  # a value never depends on an item: a column of its own
        self.active.append(name)
        try:
            x = self.define(f"__v__{name}", self.ex(decl.expr))
        finally:
            self.active.pop()
            self.rule = outer
            self.scope = scope
        self.value_cols[name] = x
        return x

    def binary(self, e: n.Binary) -> Sql:
        op = e.op
        if op in ("and", "or", "implies"):
            a, b = self.ex(e.left), self.ex(e.right)
            if op == "and":
                both = s.and_([a, b])
            elif op == "or":
                both = s.or_([a, b])
            else:
                both = s.or_([s.not_(a), b])
            if self.nullable(e.left):  # the interpreter reads the left side first: still needed is NULL
                return s.case([(s.is_null(a), s.null("bool"))], both)
            return both
        last = divided_last(self.cp, e) if op == "mul" else None
        if last is not None:  # (x / y) × z as x × z / y, as the interpreter computes it (divide_last)
            return self.product_of_quotient(e, *last)
        a, b = self.ex(e.left), self.ex(e.right)
        if op in ("ge", "le", "gt", "lt", "eq", "ne"):
            return s.compare(op, a, b)
        ta, tb = self.cp.types[id(e.left)], self.cp.types[id(e.right)]
        if op in ("add", "sub") and {ta.kind, tb.kind} & {K.DATE, K.MONTH}:
            d, by, ty = (a, b, tb) if ta.kind in (K.DATE, K.MONTH) else (b, a, ta)
            return s.shift_date(d, s.neg(by) if op == "sub" else by, ty.unit or "month", self.dialect)
        if op in ("add", "sub"):
            return s.add(a, b, op)
        if op == "mul":
            for x, y in ((ta, tb), (tb, ta)):
                if x.kind is K.RATE and y.kind is K.DURATION:
                    product = self.mul(a, b)
                    return self.div(product, s.number(12)) if x.unit == "year" else product
            return self.mul(a, b)
        return self.quotient(e, a, b)

    def quotient(self, e: n.Binary, a: Sql, b: Sql) -> Sql:
        """``a / b`` of the division ``e`` (money by a yearly rate: months, × 12)."""
        q = self.div(a, b)
        if self._by_yearly_rate(e):
            return self.mul(q, s.number(12))
        return q

    def product_of_quotient(self, e: n.Binary, q: n.Binary, other: n.Expr) -> Sql:
        """The product ``e`` of a factor that is (or may choose) the division ``q`` and ``other``:
        divided last where the factor's value is the quotient's (:mod:`policyrules.divide_last`)."""
        factor = e.left if other is e.right else e.right
        x, y, z = self.ex(q.left), self.ex(q.right), self.ex(other)
        if quotient_of(self.cp, factor) is q:
            return self.divided_last(q, x, y, z, other is e.right)
        # the factor chooses among values (min, a cap, if … else): where it chose the quotient
        quotient = self.quotient(q, x, y)
        exact = self.divided_last(q, x, y, z, other is e.right, quotient)
        f = self.ex(factor)
        plain = self.mul(f, z) if other is e.right else self.mul(z, f)
        return s.case([(s.compare("eq", f, quotient), exact)], plain)

    def divided_last(self, q: n.Binary, x: Sql, y: Sql, z: Sql, z_right: bool, quotient: Sql | None = None) -> Sql:
        """``(x / y) × z`` as ``x × z / y`` (:mod:`policyrules.divide_last`).  The product may
        need more digits than the division takes: ``38 - scale`` before the point on DuckDB
        (its long division works on the unscaled value in 128 bits), 18 on Spark and PostgreSQL
        (they divide a DECIMAL(30, 12)).  When the bound of the language (each operand below
        10^16) does not keep it within them, the rows whose ``|x| × |z|`` (in DOUBLE: it only
        chooses) is not below a tenth of that take ``(x / y) × z`` instead, the quotient rounded
        to 18 places first (``quotient``, when the caller has it), and only those rows' operands
        reach the product."""

        def product(a: Sql, b: Sql) -> Sql:
            return self.mul(a, b) if z_right else self.mul(b, a)

        p = product(x, z)
        scale = p.scale if p.kind == "dec" else 0
        if self.dialect == "duckdb" and p.kind == "dec":
            sy = min(y.scale, s.DIV_SCALE) if y.kind == "dec" else 0
            digits = min(38 - scale, 38 - max(min(scale, s.DIV_SCALE), sy))
        else:  # an integer product is a BIGINT; other engines divide a DECIMAL(30, 12)
            digits = 18 if p.kind == "int" else min(18, 38 - scale)
        if digits >= 2 * s.BOUND_DIGITS:
            return self.quotient(q, p, y)
        small = s.magnitude_below([x, z], digits - 1)
        kept = [Sql(exp.Case(ifs=[exp.If(this=small.e.copy(), true=v.e.copy())], default=exp.Literal.number(0)),
                    v.kind, v.scale, v.deps | small.deps) for v in (x, z)]
        former = self.quotient(q, x, y) if quotient is None else attrs.evolve(quotient, e=quotient.e.copy())
        return s.case([(small, self.quotient(q, product(*kept), y))], product(former, z))

    def _by_yearly_rate(self, e: n.Binary) -> bool:
        ta, tb = self.cp.types[id(e.left)], self.cp.types[id(e.right)]
        return ta.kind is K.MONEY and tb.kind is K.RATE and tb.unit == "year"

    def call(self, e: n.Call) -> Sql:
        if e.func == "given":
            return s.not_(s.is_null(self.ex(e.args[0])))
        inner = e.args[0] if e.args else None
        if e.func in ("floor", "ceil") and isinstance(inner, n.Binary) and inner.op == "div":
            a, b = self.ex(inner.left), self.ex(inner.right)
            whole = None if self._by_yearly_rate(inner) else self.floor_of_quotient(a, b, e.func == "ceil")
            if whole is not None:
                return self.strict(whole, [a], [inner])
            q = self.quotient(inner, a, b)
            return self.strict(s.floor(q) if e.func == "floor" else s.ceil(q), [q], [inner])
        args = [self.ex(a) for a in e.args]
        return self.strict(self._call(e, args), args, list(e.args))

    def _call(self, e: n.Call, args: list[Sql]) -> Sql:
        f = e.func
        if f in ("round", "round_down"):
            return self.round_step(e, args[0], args[1])
        if f in ("years_since", "months_since"):
            months = s.months_since(self.helper(args[0]), self.on)
            return s.whole_years_in_months(months) if f == "years_since" else months
        if f in CALENDAR:
            return self.calendar(f, args)
        if f == "min":
            return s.least(args)
        if f == "max":
            return s.greatest(args)
        if f == "floor":
            return s.floor(args[0])
        if f == "ceil":
            return s.ceil(args[0])
        if f == "abs":
            return s.abs_(args[0])
        raise Unsupported(f"the function `{f}`", self.rule, span=e.span)

    def calendar(self, f: str, args: list[Sql]) -> Sql:
        """Calendar functions (policyrules.builtins), with the interpreter's month-end rule."""
        d = self.dialect
        if f == "days_between":
            return s.days_between(args[0], args[1], d)
        if f in ("months_between", "years_between", "age_on"):
            months = s.months_between(self.helper(args[0]), self.helper(args[1]))
            return months if f == "months_between" else s.whole_years_in_months(months)
        if f == "year_of":
            return Sql(s.part("year", args[0]), "int", 0, args[0].deps)
        if f == "day_of":
            return Sql(s.part("day", args[0]), "int", 0, args[0].deps)
        if f in ("month_of", "start_of_month"):
            return s.start_of_month(args[0])
        if f == "end_of_month":
            return s.end_of_month(args[0], d)
        if f in ("start_of_year", "end_of_year"):
            month, day = (1, 1) if f == "start_of_year" else (12, 31)
            return s.make_date(s.part("year", args[0]), exp.Literal.number(month), exp.Literal.number(day),
                               args[0].deps)
        if f == "days_overlap":
            s1, e1, s2, e2 = (self.helper(x) for x in args)
            return s.days_overlap(s1, e1, s2, e2, d)
        assert f == "months_overlap"
        return s.months_overlap(args[0], args[1], args[2], args[3])

    def lookup(self, e: n.Lookup) -> Sql:
        if isinstance(self.params.get(e.table), dict):
            return self.map_lookup(e, self.params[e.table])
        if e.table not in self.cp.tables:
            raise Unsupported(f"the table `{e.table}` given as a parameter or held by a value", self.rule,
                              span=e.span)
        table = self.cp.tables[e.table]
        key = self.ex(e.key)
        if self.nullable(e.key):
            return s.case([(s.is_null(key), s.null())], self._lookup(e, table, key))
        return self._lookup(e, table, key)

    def _lookup(self, e: n.Lookup, table: Any, key: Sql) -> Sql:
        if table.bands:
            return self.range_lookup(e, table, key)
        whens = [(s.compare("eq", key, s.string(k)), self.ex(v)) for k, v in table.entries.items()]
        if table.decl.otherwise is not None:
            default = self.ex(table.decl.otherwise)
        elif whens:
            *whens, (_, default) = whens  # the checker ensures the entries cover every value
        else:
            raise Unsupported(f"the empty table `{e.table}`", self.rule, span=e.span)
        return s.case(whens, default)

    def range_lookup(self, e: n.Lookup, table: Any, key: Sql) -> Sql:
        """A range table: CASE over the rows' bounds, in written order (as the interpreter picks
        the first row that holds the key); a progressive one: the sum over the bands of
        rate × GREATEST(0, LEAST(key, high) - low)."""
        key = self.helper(key)
        if table.decl.progressive:
            total: Sql | None = None
            for band in sorted(table.bands, key=lambda b: b.low or 0):
                low = s.number(band.low or 0)
                top = key if band.high is None else s.least([key, s.number(band.high)])
                part = s.greatest([s.add(top, low, "sub"), s.number(0)])
                share = self.mul(part, self.ex(band.expr))
                total = share if total is None else s.add(total, share)
            return total if total is not None else s.number(0)
        whens = []
        for band in table.bands:
            conds = []
            if band.low is not None:
                conds.append(s.compare("ge" if band.low_inclusive else "gt", key, s.number(band.low)))
            if band.high is not None:
                conds.append(s.compare("le" if band.high_inclusive else "lt", key, s.number(band.high)))
            whens.append((s.and_(conds) if conds else s.boolean(True), self.ex(band.expr)))
        if table.decl.otherwise is not None:
            return s.case(whens, self.ex(table.decl.otherwise))
        raise Unsupported(f"the range table `{e.table}` without an `otherwise` row (a key outside its rows "
                          "is still needed, which a query cannot report)", self.rule, span=e.span)

    # ---------------------------------------------------------------- records, optional facts
    def structured_name(self, e: n.Name, ref: Any) -> Sql:
        """An item's field, a per-item value, a list or record fact, or a field path
        (``housing_loan.first_home``, ``band.rate``)."""
        w = ref.what
        if w == "item":
            var = self.item_var(ref.kind or "", e)
            fty = self.cp.records[ref.kind or ""].fields[ref.name]
            x = self.typed_field(s.column(var, "struct"), ref.name, fty)
        elif w == "each":
            var = self.item_var(ref.kind or "", e)
            decl, _ = self.cp.records[ref.kind or ""].each[ref.name]
            scope, self.scope = self.scope, [(ref.kind or "", var)]  # per item, inlined
            outer, self.rule = self.rule, ref.name
            try:
                x = self.ex(decl.expr)
            finally:
                self.scope, self.rule = scope, outer
        elif w == "fact":
            kind = ref.kind or ""
            if kind not in self.kinds:
                raise Unsupported(f"fact `{kind}.{ref.name}`", self.rule, f"facts `{kind}` are not in the input",
                                  e.span)
            fty = self.cp.facts[kind].fields[ref.name]
            k, scale = sql_kind(fty.type)
            x = s.column(self.fact_column(kind, ref.name), k, scale)
            x = self._field_value(x, fty)
        elif w == "value":
            x = self.value(ref.name)
        else:
            raise Unsupported(f"the field path `{e.dotted}`", self.rule, span=e.span)
        if not ref.path:
            return x
        ty = self._ref_type(ref)
        for f in ref.path:
            assert ty is not None and ty.kind is K.RECORD
            fty = self.cp.records[ty.record or ""].fields[f]
            x = self.typed_field(x, f, fty)
            ty = fty.type
        return x

    def _ref_type(self, ref: Any) -> t.Type | None:
        if ref.what == "item":
            return self.cp.records[ref.kind].fields[ref.name].type
        if ref.what == "fact":
            return self.cp.facts[ref.kind].fields[ref.name].type
        if ref.what == "value":
            return self.cp.values[ref.name][1]
        return None

    def typed_field(self, base: Sql, name: str, fty: Any) -> Sql:
        k, scale = sql_kind(fty.type)
        return self._field_value(s.field(base, name, k, scale), fty)

    def _field_value(self, x: Sql, fty: Any) -> Sql:
        """An absent list is empty, an absent field with a default has it; years in months."""
        if fty.type.kind is K.LIST:
            return s.coalesce(x, Sql(exp.Array(expressions=[]), "list"))
        if fty.default is not None:
            x = s.coalesce(x, literal(fty.default))
        if fty.type.kind is K.DURATION and fty.type.unit == "year":
            return self.mul(x, s.number(12))
        return x

    def item_var(self, record: str, e: Any) -> str:
        for rec, var in reversed(self.scope):
            if rec == record:
                return var
        raise Unsupported(f"a field of `{record}` outside an aggregate over its list", self.rule, span=e.span)

    def aggregate(self, e: n.Aggregate) -> Sql:
        """count/sum/min/max/any/every/ids/first/last over a LIST of STRUCTs, with lambdas."""
        if self.dialect == "postgres":
            raise Unsupported(f"the aggregate `{_AGG_WORDS.get(e.op, e.op)} … over {e.items.dotted}`", self.rule,
                              "PostgreSQL has no list lambdas; compile for duckdb or spark", e.span)
        items = self.ex(e.items)
        ity = self.cp.type_of(e.items)
        record = ity.element.record if ity.element is not None else None
        if record is None and e.op == "count" and e.where is None:
            return s.list_len(items)  # a list of plain values
        if record is None:
            raise Unsupported(f"an aggregate over `{e.items.dotted}`", self.rule, "it is not a list of records",
                              e.span)
        var = f"_it{len(self.scope) + 1}"
        self.scope.append((record, var))
        try:
            where = self.ex(e.where) if e.where is not None else None
            body = self.ex(e.expr) if e.expr is not None else None
        finally:
            self.scope.pop()
        items = self.helper(items) if not self.scope else items
        chosen = s.list_filter(items, var, where) if where is not None else items
        guards: list[Sql] = []  # a condition or a value still needed for some item: the aggregate is too
        if where is not None and self.nullable(e.where):
            guards.append(s.compare("gt", s.list_len(s.list_filter(items, var, s.is_null(where))), s.ZERO))
        if body is not None and self.nullable(e.expr):
            guards.append(s.compare("gt", s.list_len(s.list_filter(chosen, var, s.is_null(body))), s.ZERO))
        op = e.op
        kind, scale = sql_kind(self.cp.type_of(e))
        if op == "count":
            x = s.list_len(chosen)
        elif op == "any":
            x = s.compare("gt", s.list_len(chosen), s.ZERO)
        elif op == "every":
            x = s.compare("eq", s.list_len(chosen), s.list_len(items)) if where is not None else s.boolean(True)
        elif op in ("sum", "min", "max"):
            assert body is not None
            values = s.list_transform(chosen, var, body)
            fn = {"sum": "list_sum", "min": "list_min", "max": "list_max"}[op]
            x = s.list_fold(fn, values, body.kind, body.scale, self.dialect)
            if op == "sum":
                x = s.coalesce(x, s.ZERO)
        elif op == "ids":
            key = self.cp.records[record].key
            x = s.list_transform(chosen, var, s.field(s.column(var, "struct"), key, "str"))
        else:
            x = s.element(chosen, op == "last", self.dialect)
        x = Sql(x.e, kind, max(scale, x.scale) if kind == "dec" else 0, x.deps)
        if guards:
            x = s.case([(s.or_(guards), s.null(kind))], x)
        return x

    def strict(self, x: Sql, args: list[Sql], nodes: list[Any]) -> Sql:
        """``x`` of ``args``, NULL when an argument is (LEAST, GREATEST and CASE skip NULLs)."""
        absent = [s.is_null(a) for a, node in zip(args, nodes, strict=True) if self.nullable(node)]
        if not absent:
            return x
        return s.case([(s.or_(absent), s.null(x.kind))], x)

    def nullable(self, e: Any) -> bool:
        """Whether ``e`` may be still needed (NULL): it reads an optional fact or field, a table
        parameter, or takes the smallest/largest/first/last of a list."""
        key = id(e)
        if key in self._nullable:
            return self._nullable[key]
        self._nullable[key] = False  # cycles are errors of the checker
        found = self._nullable_of(e)
        self._nullable[key] = found
        return found

    def _nullable_of(self, e: Any) -> bool:
        if isinstance(e, n.Name):
            ref = self.cp.refs.get(id(e))
            if ref is None:
                return False
            if ref.path:
                return True
            if ref.what == "fact":
                f = self.cp.facts[ref.kind or ""].fields[ref.name]
                return f.optional and f.default is None
            if ref.what == "item":
                f = self.cp.records[ref.kind or ""].fields[ref.name]
                return f.optional and f.default is None and f.type.kind is not K.LIST or ref.name == "id"
            if ref.what == "each":
                return self.nullable(self.cp.records[ref.kind or ""].each[ref.name][0].expr)
            if ref.what == "value":
                return self.nullable(self.cp.values[ref.name][0].expr)
            if ref.what in ("output", "part"):
                name = ref.name if ref.what == "output" else (ref.kind or "")
                d = self.cp.outputs[name].decl
                return self.nullable(d.conditions) or self.nullable(d.amounts)
            return False
        if isinstance(e, n.Call) and e.func == "given":
            return False
        if isinstance(e, n.Aggregate) and e.op in ("min", "max", "first", "last"):
            return True
        if isinstance(e, n.Lookup) and isinstance(self.params.get(e.table), dict):
            return True
        if isinstance(e, tuple | list):
            return any(self.nullable(x) for x in e)
        if hasattr(e, "__attrs_attrs__"):
            return any(self.nullable(getattr(e, f.name)) for f in e.__attrs_attrs__ if f.name != "span")
        return False

    def round_step(self, e: n.Call, x: Sql, step: Sql) -> Sql:
        """``round(x, step)`` half up / ``round_down(x, step)`` toward zero, exactly."""
        mode = "half_up" if e.func == "round" else "down"
        value = self.cp.type_of(e.args[1])
        q = e.args[1]
        lit = q.value if isinstance(q, n.Number | n.Money | n.Duration) else None
        if lit is not None and isinstance(q, n.Duration) and q.unit == "year":
            lit = lit * 12
        if lit is not None and lit > 0 and lit == Decimal(1).scaleb(lit.adjusted()):
            r = s.round_to(x, -lit.adjusted(), mode, self.dialect)
        else:
            if lit is None and value.kind not in (K.INTEGER, K.NUMBER, K.MONEY, K.DURATION):
                raise Unsupported(f"`{e.func}` to a step of type {value}", self.rule, span=e.span)
            whole = self.round_to(self.div(x, step), 0, mode)
            r = self.mul(whole, step)
        if x.kind == "int":
            return Sql(s.cast(r.e, "BIGINT"), "int", 0, r.deps)
        return r

    def list_constant(self, items: Any, ty: t.Type) -> Sql:
        """A list of records given as a parameter: a constant LIST of STRUCTs of the declared type."""
        import sqlglot

        from policyrules.batch.nested import duck_type

        def text(v: Any, vt: t.Type) -> str:
            if v is None:
                return "NULL"
            if vt.kind is K.LIST:
                assert vt.element is not None
                return "[" + ", ".join(text(x, vt.element) for x in v) + "]"
            if vt.kind is K.RECORD:
                fields = self.cp.records[vt.record or ""].fields
                return "{" + ", ".join(f"'{f}': {text(v.get(f), fld.type)}" for f, fld in fields.items()) + "}"
            if vt.kind is K.DURATION and vt.unit == "year":
                v = v / 12  # carried in months; the field reads as years (x 12 when read)
            return literal(v).e.sql(dialect="duckdb")

        try:
            target = duck_type(self.cp, ty)
        except TypeError as err:
            raise Unsupported("a list of records given as a parameter", self.rule, str(err)) from None
        body = sqlglot.parse_one(text(items, ty), read="duckdb") if items else exp.Array(expressions=[])
        return Sql(s.cast(body, target), "list")  # type: ignore[arg-type]

    def map_lookup(self, e: n.Lookup, table: dict[Any, Any]) -> Sql:
        """A table supplied as a parameter: a CASE over its keys (a key not in it is still needed)."""
        key = self.helper(self.ex(e.key))
        whens = [(s.compare("eq", key, literal(k)), literal(v)) for k, v in table.items()]
        if any(isinstance(v, dict | list | tuple) for v in table.values()):
            raise Unsupported(f"the table parameter `{e.table}` of structured values", self.rule, span=e.span)
        if not whens:
            return s.null()
        kind, scale = s._join_kind([v for _, v in whens])
        return s.case(whens, s.null(kind))

    # ---------------------------------------------------------------- typed outputs
    def typed_output(self, name: str) -> tuple[Sql, int]:
        """A typed output as reported: money (and any output with its own rounding) rounded,
        integers BIGINT, years in years, calendar months ``YYYY-MM``, the rest exact."""
        d, ty = self.cp.results[name]
        x = self.value(name)
        outer, self.rule = self.rule, name
        try:
            if ty.kind in (K.MONEY, K.RATE) or d.rounding:
                mode, quantum = self.cp.rounding_of(d)
                digits = _digits(quantum)
                return _narrow(self.round_to(x, digits, mode), max(digits, 0)), max(digits, 0)
            if ty.kind is K.INTEGER and x.kind != "int":
                return Sql(s.cast(x.e, "BIGINT"), "int", 0, x.deps), 0
            if ty.kind is K.DURATION and ty.unit == "year":
                return self.div(x, s.number(12)), 0
            if ty.kind is K.MONTH:
                return s.month_text(x), 0
            if ty.kind is K.LIST and ty.element is not None and ty.element.kind is K.MONTH and not self.scope:
                return s.list_transform(x, "_m", s.month_text(s.column("_m", "date"))), 0
            return x, 0
        finally:
            self.rule = outer

    # ---------------------------------------------------------------- outputs
    def output_ref(self, name: str, at: Any = None) -> Sql:
        if name not in self.final:
            o = self.cp.outputs[name]
            if not self.evaluable(o):
                missing = ", ".join(sorted(o.kinds - self.kinds))
                raise Unsupported(f"a reference to `{name}`", self.rule,
                                  f"it needs facts {missing}, which the input lacks", getattr(at, "span", None))
            self.compile_output(name)
        return self.final[name]

    def compile_output(self, name: str) -> None:
        if name in self.final:
            return
        if name in self.active:
            raise Unsupported(f"output `{name}`", self.rule, "it depends on itself through an exclusive group")
        o = self.cp.outputs[name]
        if o.group is not None:
            self.compile_group(o.group)
            return
        value, parts = self.prelim(o)
        self.final[name] = value
        for p, x in parts.items():
            self.final_parts[(name, p)] = x

    def prelim(self, o: Output) -> tuple[Sql, dict[str, Sql]]:
        """The output before group exclusion: (value or eligibility, parts)."""
        d = o.decl
        outer, self.rule = self.rule, d.name
        self.active.append(d.name)
        try:
            return self._prelim(o, d)
        finally:
            self.active.pop()
            self.rule = outer

    def _prelim(self, o: Output, d: n.OutputDecl) -> tuple[Sql, dict[str, Sql]]:
        conds = [self.ex(c) for c in d.conditions]
        for v in d.valid:
            if self.on < v.start or (v.end is not None and self.on > v.end):
                conds.append(s.boolean(False))
        term = self.term(d.terms[0]) if d.terms else None
        if term is not None:
            conds.append(term[0])
        eligible = self.define(f"__e__{d.name}", s.and_(conds))
        self.eligible[d.name] = eligible
        if not d.monetary:
            return eligible, {}
        mode, quantum = self.cp.rounding_of(d)
        digits = _digits(quantum)
        zero = s.round_to(s.ZERO, digits, "half_up", self.dialect)
        factor = self.period(o, term)
        tree = self.amount(d.amounts[0])

        def total(node: Any) -> Sql:
            if node[0] == "value":
                return self.round_to(self.scaled(node[1], factor), digits, mode)
            if node[0] == "parts":
                rounded = [self.round_to(self.scaled(x, factor), digits, mode)
                           for x in node[1].values()]
                acc = rounded[0]
                for x in rounded[1:]:
                    acc = s.add(acc, x)
                return acc
            return s.case([(c, total(sub)) for c, sub in node[1]], total(node[2]) if node[2] else zero)

        def part(node: Any, p: str) -> Sql:
            if node[0] == "value":
                return zero
            if node[0] == "parts":
                x = node[1].get(p)
                return zero if x is None else self.round_to(self.scaled(x, factor), digits, mode)
            return s.case([(c, part(sub, p)) for c, sub in node[1]], part(node[2], p) if node[2] else zero)

        paid = s.case([(eligible, total(tree))], zero)
        if self.nullable(d.conditions):  # a condition still needed: so is the amount (NULL)
            paid = s.case([(s.is_null(eligible), s.null("dec"))], paid)
        value = self.define(f"__r__{d.name}", s.rescale(paid, max(digits, 0)))
        parts = {p: self.define(f"__r__{d.name}.{p}",
                                s.rescale(s.case([(eligible, part(tree, p))], zero), max(digits, 0)))
                 for p in o.part_names}
        return value, parts

    def scaled(self, x: Sql, factor: tuple[str, Sql | None]) -> Sql:
        how, f = factor
        if how == "one":
            return x
        if how == "twelfth":
            return self.div(x, s.number(12))
        assert f is not None
        return self.mul(x, f)

    def period(self, o: Output, term: tuple[Sql, Sql | None, Sql] | None) -> tuple[str, Sql | None]:
        at = o.amount_type
        if at is None or at.kind is not K.RATE:
            return "one", None
        period = o.decl.period or "yearly"
        if at.unit == "month":
            if period == "monthly":
                return "one", None
            if term is None:
                return "months", s.number(12)
            _, remaining, unlimited = term
            assert remaining is not None
            months = s.least([s.number(12), s.greatest([s.ZERO, remaining])])
            return "months", self.helper(s.case([(unlimited, s.number(12))], months))
        if period == "monthly":
            return "twelfth", None
        return "one", None

    def term(self, term: n.Term) -> tuple[Sql, Sql | None, Sql]:
        """(eligible, months remaining, unlimited) of a term."""
        limit = self.ex(term.limit)
        used = self.ex(term.counting)
        if self.cp.type_of(term.counting).kind is K.INTEGER:
            lt = self.cp.type_of(term.limit)
            used = self.mul(used, s.number(12 if lt.unit == "year" else 1))
        unlimited: list[Sql] = []
        bonus: Sql = s.ZERO
        for ext in term.extensions:
            cond = self.ex(ext.cond)
            if ext.by is None:
                unlimited.append(cond)
            else:
                by = self.ex(ext.by)
                bonus = s.add(bonus, s.case([(cond, by)], s.ZERO)) if not s._is_zero(bonus) \
                    else s.case([(cond, by)], s.ZERO)
        total = limit if s._is_zero(bonus) else s.add(limit, bonus)
        total = self.helper(total)
        used = self.helper(used)
        free = self.helper(s.or_(unlimited)) if unlimited else s.boolean(False)
        eligible = s.or_([free, s.compare("lt", used, total)])
        remaining = s.greatest([s.ZERO, s.add(total, used, "sub")])
        return eligible, remaining, free

    def amount(self, body: Any) -> Any:
        """The amount as a tree: ("value", Sql) | ("parts", {name: Sql}) | ("choice", [(cond, tree)], tree)."""
        if isinstance(body, n.Parts):
            return ("parts", {p.name: self.ex(p.expr) for p in body.items})
        if isinstance(body, n.Allocation):
            quota = self.helper(self.ex(body.quota))
            takes: dict[str, Sql] = {}
            used: Sql | None = None  # the sum of max(item, 0) so far
            for i, p in enumerate(body.items):
                positive = self.helper(s.greatest([self.ex(p.expr), s.ZERO]))
                remaining = quota if i == 0 else s.greatest([s.add(quota, used, "sub"), s.ZERO])  # type: ignore[arg-type]
                takes[p.name] = s.least([positive, remaining])
                used = positive if used is None else s.add(used, positive)
            return ("parts", takes)
        if isinstance(body, n.Choice):
            branches = [(self.ex(b.cond), self.amount(b.value)) for b in body.branches]
            default = self.amount(body.default) if body.default is not None else None
            return ("choice", branches, default)
        return ("value", self.ex(body))

    def compile_group(self, name: str) -> None:
        g = self.cp.groups[name]
        members = [m for m in g.members if self.evaluable(self.cp.outputs[m])]
        for m in g.members:
            if m in self.active:
                raise Unsupported(f"output `{m}`", self.rule, "it depends on itself through an exclusive group")
        prelim = {m: self.prelim(self.cp.outputs[m]) for m in members}
        paying = {m: self.helper(s.and_([self.eligible[m], s.compare("gt", prelim[m][0], s.ZERO)]))
                  for m in members}
        for i, m in enumerate(members):
            rivals = []
            for j, other in enumerate(members):
                if other == m:
                    continue
                if g.mode == "highest":
                    a, b = prelim[other][0], prelim[m][0]
                    beats = s.compare("gt", a, b) if j > i else s.compare("ge", a, b)
                    rivals.append(s.and_([paying[other], beats]))
                elif j < i:
                    rivals.append(paying[other])
            excluded = self.helper(s.and_([paying[m], s.or_(rivals)]))
            value, parts = prelim[m]
            zero = s.rescale(s.ZERO, value.scale)
            self.final[m] = self.define(f"__o__{m}", s.case([(excluded, zero)], value))
            for p, x in parts.items():
                self.final_parts[(m, p)] = self.define(f"__o__{m}.{p}", s.case([(excluded, zero)], x))
        for m in g.members:
            if m not in self.final:
                self.final[m] = s.ZERO  # not evaluable: never referenced by an evaluable output

    # ---------------------------------------------------------------- the query
    def build(self, source: str, passthrough: Sequence[Any], eligibility: bool,
              invariants: bool) -> Compiled:
        outputs: list[OutputColumn] = []
        selected: list[tuple[str, Sql]] = []
        for name, o in self.cp.outputs.items():
            if not self.evaluable(o):
                continue
            self.compile_output(name)
            digits = max(_digits(self.cp.rounding_of(o.decl)[1]), 0)
            outputs.append(OutputColumn(name, name, None, o.decl.monetary, digits))
            selected.append((name, _narrow(self.final[name], digits) if o.decl.monetary else self.final[name]))
            for p in o.part_names:
                col = f"{name}.{p}"
                outputs.append(OutputColumn(col, name, p, True, digits))
                selected.append((col, _narrow(self.final_parts[(name, p)], digits)))
        for decl in self.cp.ast.decls:  # typed outputs (``output NAME: TYPE = …``)
            if not isinstance(decl, n.ResultDecl) or decl.name not in self.cp.results:
                continue
            if not self.cp.value_kinds.get(decl.name, frozenset()) <= self.kinds:
                continue
            x, digits = self.typed_output(decl.name)
            ty = self.cp.results[decl.name][1]
            outputs.append(OutputColumn(decl.name, decl.name, None, False, digits, ty))
            selected.append((decl.name, x))
        elig: list[str] = []
        if eligibility:
            for name, o in self.cp.outputs.items():
                if self.evaluable(o) and o.decl.monetary:
                    elig.append(name)
                    selected.append((f"{name}:eligible", self.eligible[name]))
        invs: list[tuple[str, str]] = []
        if invariants:
            for i, inv in enumerate(self.cp.invariants, 1):
                if not _expr_kinds(self.cp, inv.expr) <= self.kinds:
                    continue
                self.rule = f"invariant {inv.label or i}"
                col = f"invariant:{i}"
                selected.append((col, self.ex(inv.expr)))
                invs.append((col, inv.label or f"invariant {i}"))
        select = self._levels(source, passthrough, selected)
        return Compiled(select, self.dialect, tuple(outputs), self.kinds, self.on, self.params, tuple(elig),
                        tuple(invs))

    def _levels(self, source: str, passthrough: Sequence[Any], selected: list[tuple[str, Sql]]) -> exp.Select:
        level: dict[str, int] = {}

        def depth(name: str) -> int:
            if name not in level:
                deps = self.defs[name].deps
                level[name] = 1 + max((depth(d) for d in deps if d in self.defs), default=0)
            return level[name]

        needed: list[str] = []
        seen: set[str] = set()

        def need(name: str) -> None:
            if name in seen or name not in self.defs:
                return
            seen.add(name)
            for d in sorted(self.defs[name].deps):
                need(d)
            needed.append(name)

        for _, x in selected:
            for d in sorted(x.deps):
                need(d)
        by_level: dict[int, list[str]] = {}
        for name in needed:
            by_level.setdefault(depth(name), []).append(name)
        src: exp.Expression = exp.Table(this=exp.to_identifier(source, quoted=not source.isidentifier()))
        # level 0 reads the declared facts and the passed-through columns, each under a name of
        # its own namespace (fact:, pass:); everything else in the source is never read
        reads: list[exp.Expression] = [
            exp.alias_(exp.column(src_col, quoted=True), col, quoted=True, copy=False)  # type: ignore[misc]
            for col, src_col in sorted(self.used_facts.items())]
        for i, c in enumerate(passthrough):
            src_col = c[0] if isinstance(c, tuple) else c
            reads.append(exp.alias_(exp.column(src_col, quoted=True), f"pass:{i}", quoted=True, copy=False))  # type: ignore[misc,arg-type]
        if not reads:
            reads.append(exp.alias_(exp.true(), "pass:none", quoted=True, copy=False))  # type: ignore[misc,arg-type]
        current: exp.Expression = exp.Select(expressions=reads).from_(src, copy=False)
        for i, lvl in enumerate(sorted(by_level), 1):
            cols: list[exp.Expression] = [exp.Star()]
            cols += [exp.alias_(self.defs[c].e, c, quoted=True, copy=False) for c in by_level[lvl]]  # type: ignore[misc]
            frm = exp.Subquery(this=current, alias=exp.TableAlias(this=exp.to_identifier(f"l{i}")))
            current = exp.Select(expressions=cols).from_(frm, copy=False)
        final_cols: list[exp.Expression] = [
            exp.alias_(exp.column(f"pass:{i}", quoted=True), c[1] if isinstance(c, tuple) else c, quoted=True,
                       copy=False)  # type: ignore[misc]
            for i, c in enumerate(passthrough)]
        final_cols += [exp.alias_(x.e, c, quoted=True, copy=False) for c, x in selected]  # type: ignore[misc]
        current = exp.Subquery(this=current, alias=exp.TableAlias(this=exp.to_identifier(f"l{len(by_level) + 1}")))
        return exp.Select(expressions=final_cols).from_(current, copy=False)


MAX_ROUND_PLACES = 6  # round_of_quotient: at most this many places
MAX_CHUNKS = 4  # steps to take a 64-bit decimal's fraction apart (scale <= 14)


def _numerator(a: Sql) -> tuple[Sql, int]:
    """A dividend with at most ``DIV_SCALE`` places (as :func:`sql.div` rounds it) and its scale."""
    if a.kind == "dec" and a.scale > s.DIV_SCALE:
        a = s.rescale(a, s.DIV_SCALE)
    return a, a.scale if a.kind == "dec" else 0


def _places(c: Decimal) -> int:
    exponent = c.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _quotient(a: Decimal, c: Decimal) -> Decimal:
    """``a / c`` exactly, half-even to ``DIV_SCALE`` places."""
    from fractions import Fraction

    r = Fraction(a) / Fraction(c)
    whole, rest = divmod(abs(r) * 10**s.DIV_SCALE, 1)
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    return s.scaled(int(whole) * (-1 if r < 0 else 1), s.DIV_SCALE)


def _wide(x: Sql) -> Sql:
    """``x`` as a 38-digit decimal (for a product that must not overflow 64 bits), unless it is a
    constant (a small literal widens nothing)."""
    constant = isinstance(x.e, exp.Literal) or (isinstance(x.e, exp.Cast) and isinstance(x.e.this, exp.Literal))
    if x.kind != "dec" or constant:
        return x
    return Sql(s.cast(x.e, s.decimal_type(x.scale)), "dec", x.scale, x.deps)


def _narrow(x: Sql, digits: int) -> Sql:
    """A rounded amount as DECIMAL(18, digits): 64-bit, so faster to compute with and to write,
    and wide enough for any one person's amount (up to 10^16 yuan; beyond it DuckDB stops with
    an overflow error rather than lose a digit)."""
    if x.kind != "dec" or digits > 6:
        return x
    return Sql(s.cast(x.e, f"DECIMAL(18,{digits})"), "dec", digits, x.deps)


def _expr_kinds(cp: CheckedPolicy, e: Any) -> frozenset[str]:
    from policyrules.evaluate.decide import _expr_kinds as kinds

    return kinds(cp, e)


def compile_query(cp: CheckedPolicy, on: dt.date, params: Mapping[str, Any], *, kinds: Sequence[str] | None = None,
                  columns: Mapping[tuple[str, str], str] | None = None, source: str = "facts",
                  passthrough: Sequence[Any] = (), dialect: str = "duckdb", eligibility: bool = False,
                  invariants: bool = False, digits: Mapping[tuple[str, str], int] | None = None) -> Compiled:
    """Compile ``cp`` for the facts of ``kinds`` (default: all) with resolved ``params``.

    ``columns`` maps (kind, field) to the source column (default :func:`default_columns`).
    Raises :class:`Unsupported` naming the construct and the rule it cannot translate.
    """
    kinds = list(cp.facts) if kinds is None else list(kinds)
    columns = default_columns(cp, kinds) if columns is None else columns
    qc = QueryCompiler(cp, on, params, kinds, columns, dialect, digits)
    return qc.build(source, passthrough, eligibility, invariants)

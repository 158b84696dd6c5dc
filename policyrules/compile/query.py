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
from policyrules.syntax import nodes as n

K = t.Kind
CALENDAR = ("days_between", "months_between", "years_between", "age_on", "year_of", "month_of", "day_of",
            "start_of_month", "end_of_month", "start_of_year", "end_of_year", "days_overlap",
            "months_overlap")
# Decimal places of each fact kind in the facts table (policyrules.batch.io.SQL_TYPES).
FACT_SCALES = {K.NUMBER: 8, K.MONEY: 6, K.RATE: 6, K.PERCENT: 8, K.DURATION: 6}


@attrs.frozen(slots=True)
class OutputColumn:
    """One result column: an output's value (``part`` None) or one of its parts."""

    column: str
    output: str
    part: str | None
    monetary: bool
    scale: int  # decimal places of a monetary column


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
    return "str", 0


def literal(value: Any, ty: t.Type | None = None) -> Sql:
    if isinstance(value, bool):
        return s.boolean(value)
    if isinstance(value, int | Decimal):
        return s.number(value)
    if isinstance(value, dt.date):
        return s.date(value)
    return s.string(str(value))


def _digits(quantum: Decimal) -> int:
    exponent = quantum.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 2


class QueryCompiler:
    def __init__(self, cp: CheckedPolicy, on: dt.date, params: Mapping[str, Any], kinds: Sequence[str],
                 columns: Mapping[tuple[str, str], str], dialect: str):
        if dialect not in s.DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; use one of {', '.join(s.DIALECTS)}")
        self.cp = cp
        self.on = on
        self.params = dict(params)
        self.kinds = frozenset(kinds)
        self.columns = dict(columns)
        self.dialect = dialect
        self.defs: dict[str, Sql] = {}  # computed column -> its expression
        self.value_cols: dict[str, Sql] = {}
        self.final: dict[str, Sql] = {}  # output -> final value (money) or eligibility (bool)
        self.final_parts: dict[tuple[str, str], Sql] = {}
        self.eligible: dict[str, Sql] = {}
        self.active: list[str] = []
        self.rule = ""
        self._helpers = 0
        self.used_facts: dict[str, str] = {}  # query column -> source column

    # ---------------------------------------------------------------- columns
    def fact_column(self, kind: str, field: str) -> str:
        """The query's own name for a fact: the source column is read once, under a name in a
        namespace (``fact:``) that no column the compiler makes can take, and no other source
        column is read at all (so an input column can never stand in for a computed one)."""
        self.used_facts.setdefault(f"fact:{kind}.{field}", self.columns[(kind, field)])
        return f"fact:{kind}.{field}"

    def define(self, name: str, x: Sql) -> Sql:
        """Make ``x`` a computed column (unless it is trivial) and return a reference to it."""
        if isinstance(x.e, exp.Literal | exp.Boolean | exp.Column) or (
                isinstance(x.e, exp.Cast) and isinstance(x.e.this, exp.Literal)):
            return x
        self.defs[name] = x
        return s.column(name, x.kind, x.scale, dep=True)

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
        if isinstance(e, n.Of):
            return s.mul(self.ex(e.rate), self.ex(e.base))
        if isinstance(e, n.PerPeriod | n.Actual):
            return self.ex(e.operand)
        if isinstance(e, n.Bound):
            v, limit = self.ex(e.operand), self.ex(e.limit)
            return s.least([v, limit]) if e.kind == "cap" else s.greatest([v, limit])
        if isinstance(e, n.InSet):
            members = sorted(self.cp.sets[e.set_name][1]) if e.set_name is not None else list(e.members)
            return s.in_list(self.ex(e.operand), members, e.negated)
        if isinstance(e, n.Call):
            return self.call(e)
        if isinstance(e, n.Lookup):
            return self.lookup(e)
        if isinstance(e, n.IfExpr):
            return s.case([(self.ex(e.cond), self.ex(e.then))], self.ex(e.else_))
        raise Unsupported(f"the expression {type(e).__name__}", self.rule, span=getattr(e, "span", None))

    def name(self, e: n.Name) -> Sql:
        ref = self.cp.refs[id(e)]
        w = ref.what
        if w == "fact":
            kind = ref.kind or ""
            if kind not in self.kinds:
                raise Unsupported(f"fact `{kind}.{ref.name}`", self.rule, f"facts `{kind}` are not in the input",
                                  e.span)
            ty = self.cp.facts[kind].fields[ref.name].type
            k, scale = sql_kind(ty)
            col = s.column(self.fact_column(kind, ref.name), k, scale)
            if ty.kind is K.DURATION and ty.unit == "year":
                return s.mul(col, s.number(12))
            return col
        if w == "param":
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
        self.active.append(name)
        try:
            x = self.define(f"__v__{name}", self.ex(decl.expr))
        finally:
            self.active.pop()
            self.rule = outer
        self.value_cols[name] = x
        return x

    def binary(self, e: n.Binary) -> Sql:
        op = e.op
        if op in ("and", "or", "implies"):
            a, b = self.ex(e.left), self.ex(e.right)
            if op == "and":
                return s.and_([a, b])
            if op == "or":
                return s.or_([a, b])
            return s.or_([s.not_(a), b])
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
                    product = s.mul(a, b)
                    return s.div(product, s.number(12), self.dialect, self.helper) if x.unit == "year" else product
            return s.mul(a, b)
        q = s.div(a, b, self.dialect, self.helper)
        if ta.kind is K.MONEY and tb.kind is K.RATE and tb.unit == "year":
            return s.mul(q, s.number(12))
        return q

    def call(self, e: n.Call) -> Sql:
        args = [self.ex(a) for a in e.args]
        f = e.func
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
        if e.table not in self.cp.tables:
            raise Unsupported(f"the table `{e.table}` given as a parameter or held by a value", self.rule,
                              span=e.span)
        table = self.cp.tables[e.table]
        key = self.ex(e.key)
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
                share = s.mul(part, self.ex(band.expr))
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
                return s.round_to(self.scaled(node[1], factor), digits, mode, self.dialect)
            if node[0] == "parts":
                rounded = [s.round_to(self.scaled(x, factor), digits, mode, self.dialect)
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
                return zero if x is None else s.round_to(self.scaled(x, factor), digits, mode, self.dialect)
            return s.case([(c, part(sub, p)) for c, sub in node[1]], part(node[2], p) if node[2] else zero)

        value = self.define(f"__r__{d.name}", s.rescale(s.case([(eligible, total(tree))], zero), max(digits, 0)))
        parts = {p: self.define(f"__r__{d.name}.{p}",
                                s.rescale(s.case([(eligible, part(tree, p))], zero), max(digits, 0)))
                 for p in o.part_names}
        return value, parts

    def scaled(self, x: Sql, factor: tuple[str, Sql | None]) -> Sql:
        how, f = factor
        if how == "one":
            return x
        if how == "twelfth":
            return s.div(x, s.number(12), self.dialect, self.helper)
        assert f is not None
        return s.mul(x, f)

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
            used = s.mul(used, s.number(12 if lt.unit == "year" else 1))
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
                  invariants: bool = False) -> Compiled:
    """Compile ``cp`` for the facts of ``kinds`` (default: all) with resolved ``params``.

    ``columns`` maps (kind, field) to the source column (default :func:`default_columns`).
    Raises :class:`Unsupported` naming the construct and the rule it cannot translate.
    """
    kinds = list(cp.facts) if kinds is None else list(kinds)
    columns = default_columns(cp, kinds) if columns is None else columns
    qc = QueryCompiler(cp, on, params, kinds, columns, dialect)
    return qc.build(source, passthrough, eligibility, invariants)

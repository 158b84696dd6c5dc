"""Types and units of expressions: the rules for what may be added, multiplied,
compared and capped, and the diagnostics when a formula mixes units."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from policyrules import types as t
from policyrules.builtins import BUILTINS
from policyrules.check.checked import Ref
from policyrules.check.scope import Scope
from policyrules.syntax import nodes as n

K = t.Kind
NUMERIC = (K.INTEGER, K.NUMBER)


def numeric(a: t.Type) -> bool:
    return a.kind in NUMERIC


def calendar(a: t.Type) -> bool:
    return a.kind is K.DURATION and a.unit in ("month", "year")


def compatible(a: t.Type, b: t.Type) -> bool:
    """May ``a`` and ``b`` be added, compared or used as cap and amount?"""
    if numeric(a) and numeric(b):
        return True
    if a.kind is K.DURATION and b.kind is K.DURATION:
        return calendar(a) == calendar(b)
    if a.kind is K.ENUM and b.kind is K.ENUM:
        return set(a.values) == set(b.values)
    return a == b


def join(a: t.Type, b: t.Type) -> t.Type:
    if numeric(a) and numeric(b):
        return t.NUMBER if K.NUMBER in (a.kind, b.kind) else t.INTEGER
    if a.kind is K.DURATION and b.kind is K.DURATION and a.unit != b.unit:
        return t.duration("month")
    return a


def _written(e: n.Expr) -> str | None:
    """A name or a percentage as the drafter wrote it, for a hint in the drafter's own words."""
    if isinstance(e, n.Name):
        return e.dotted
    if isinstance(e, n.Percent):
        return format((e.value * 100).normalize(), "f") + "%"
    return None


def describe(a: t.Type) -> str:
    return {
        K.MONEY: "money", K.PERCENT: "a percentage", K.INTEGER: "a whole number", K.NUMBER: "a number",
        K.BOOL: "a yes/no condition", K.DATE: "a date", K.TEXT: "text", K.MONTH: "a calendar month",
    }.get(a.kind, str(a))


class Typer:
    """Infers the type of every expression node and reports unit errors."""

    def __init__(self, scope: Scope, error: Callable[..., None], resolve: Callable[[n.Name], Ref | None]):
        self.scope = scope
        self.error = error
        self.resolve = resolve
        self.types: dict[int, t.Type] = {}
        self._multiplier = False  # inferring the rate of `rate of amount` or a factor of a product

    def infer(self, e: n.Expr, expect: t.Type | None = None) -> t.Type | None:
        ty = self._infer(e, expect)
        if ty is not None:
            self.types[id(e)] = ty
        return ty

    def condition(self, e: n.Expr, what: str = "a condition") -> None:
        ty = self.infer(e)
        if ty is not None and ty.kind is not K.BOOL:
            self.error("T003", f"{what} must be yes/no, but this is {describe(ty)}", e.span)

    # ------------------------------------------------------------------
    def _infer(self, e: n.Expr, expect: t.Type | None) -> t.Type | None:  # noqa: C901
        # the node classes are disjoint: the commonest are tested first
        if isinstance(e, n.Name):
            return self._name(e, expect)
        if isinstance(e, n.Binary):
            return self._binary(e)
        if isinstance(e, n.Number):
            return t.INTEGER if e.value == e.value.to_integral_value() else t.NUMBER
        if isinstance(e, n.Money):
            return t.MONEY
        if isinstance(e, n.Percent):
            # a rate applied to an amount may exceed 100 % (300 % of the day wage for holiday work,
            # 《劳动法》第四十四条), up to 1000 %; a percentage standing alone is a share (of a
            # deduction between parents, of a loan) and lies within 0-100 %
            limit = Decimal(10) if self._multiplier else Decimal(1)
            if not (Decimal(0) <= e.value <= limit):
                where = "a rate applied to an amount" if self._multiplier else "a share"
                pct = format((e.value * 100).normalize(), "f")
                multiple = format((e.value).normalize(), "f")
                self.error("C003", f"{pct}% is outside 0-{int(limit * 100)}% for {where}", e.span,
                           hint=f"a rate above 100 % is written as the rate of an amount (`{pct}% of` the amount); "
                           f"a multiple may be written as a number, e.g. `{multiple} ×` the amount")
            return t.PERCENT
        if isinstance(e, n.Duration):
            return t.duration(e.unit)
        if isinstance(e, n.DateLit | n.EvaluationDate):
            return t.DATE
        if isinstance(e, n.Bool):
            return t.BOOL
        if isinstance(e, n.Text):
            return t.TEXT
        if isinstance(e, n.Unary):
            ty = self.infer(e.operand)
            if ty is None:
                return None
            if e.op == "not":
                if ty.kind is not K.BOOL:
                    self.error("T003", f"`not` needs a yes/no condition, got {describe(ty)}", e.span)
                return t.BOOL
            return ty
        if isinstance(e, n.Of):
            return self._of(e)
        if isinstance(e, n.PerPeriod):
            ty = self.infer(e.operand)
            if ty is None:
                return None
            if ty.kind is not K.MONEY:
                self.error("T001", f"only money can be per {e.period}, got {describe(ty)}", e.span)
                return None
            return t.rate(e.period)
        if isinstance(e, n.Bound):
            return self._bound(e)
        if isinstance(e, n.InSet):
            return self._in_set(e)
        if isinstance(e, n.Call):
            return self._call(e)
        if isinstance(e, n.Lookup):
            return self._lookup(e)
        if isinstance(e, n.IfExpr):
            self.condition(e.cond)
            a, b = self.infer(e.then, expect), self.infer(e.else_, expect)
            if a is None or b is None:
                return a or b
            if not compatible(a, b):
                self.error("T007", f"`then` gives {describe(a)} but `else` gives {describe(b)}", e.span)
                return None
            return join(a, b)
        if isinstance(e, n.Actual):
            return self.infer(e.operand, expect)
        if isinstance(e, n.Aggregate):
            return self._aggregate(e)
        raise AssertionError(f"unknown node {e!r}")

    def _aggregate(self, e: n.Aggregate) -> t.Type | None:
        """``count/sum/smallest/largest/any/every/list/first/last`` over a list of records: the
        item's fields (and per-item values) are names inside ``where`` and the summed expression."""
        coll = self.infer(e.items)
        if coll is None:
            return None
        if e.op == "count" and e.where is None and coll.kind is K.LIST and coll.element is not None:
            return t.INTEGER  # how many values a list holds, whatever they are
        if coll.kind is not K.LIST or coll.element is None or coll.element.record is None:
            self.error("R001", f"`{e.items.dotted}` is {describe(coll)}, not a list of records", e.items.span,
                       hint="aggregates run over a fact or parameter declared `list of RECORD`")
            return None
        record = coll.element.record
        self.scope.items.append(record)
        try:
            if e.where is not None:
                self.condition(e.where, "the condition after `where`")
            ty = self.infer(e.expr) if e.expr is not None else None
        finally:
            self.scope.items.pop()
        op = e.op
        if op == "count":
            return t.INTEGER
        if op in ("any", "every"):
            return t.BOOL
        if op == "ids":
            rec = self.scope.records[record]
            key = rec.fields.get(rec.key)
            if key is None:  # N001 already: the record has no field of its key's name
                return None
            return t.list_of(key.type)
        if op in ("first", "last"):
            return t.record(record)
        if ty is None:
            return None
        if op == "sum" and ty.kind not in (K.INTEGER, K.NUMBER, K.MONEY, K.RATE, K.PERCENT, K.DURATION):
            self.error("R001", f"cannot add up {describe(ty)}", e.expr.span if e.expr else e.span)
            return None
        if op in ("min", "max") and ty.kind in (K.BOOL, K.ENUM, K.TEXT, K.RECORD, K.LIST, K.MAP):
            self.error("R001", f"{describe(ty)} has no smallest or largest", e.expr.span if e.expr else e.span)
            return None
        return ty

    def _name(self, e: n.Name, expect: t.Type | None) -> t.Type | None:
        # `basis.actual`: a value qualified by its category, for a value that is also a keyword
        # (`actual`) or that would otherwise be ambiguous
        if (len(e.parts) == 2 and e.parts[0] in self.scope.enums and self.scope._item_name(e.parts[0]) is None
                and not any(e.parts[0] in k.fields for k in self.scope.facts.values())):
            cat = self.scope.enums[e.parts[0]]
            if e.parts[1] in cat.values:
                self.scope.refs[id(e)] = Ref("enum", e.parts[1])
                return cat
            self.error("N005", f"`{e.parts[1]}` is not a value of {cat}", e.span,
                       hint=self.scope.closest(e.parts[1], cat.values) or f"values: {', '.join(cat.values)}")
            return None
        if len(e.parts) == 1 and expect is not None and expect.kind is K.ENUM:
            word = e.parts[0]
            if word in expect.values and not self.scope.defines(word):
                self.scope.refs[id(e)] = Ref("enum", word)
                return expect
            if not self.scope.defines(word):
                self.error("N005", f"`{word}` is not a value of {expect}", e.span,
                           hint=self.scope.closest(word, expect.values) or f"values: {', '.join(expect.values)}")
                return None
        ref = self.resolve(e)
        if ref is None:
            return None
        return self.scope.type_of_ref(ref)

    def _binary(self, e: n.Binary) -> t.Type | None:
        op = e.op
        if op in ("and", "or", "implies"):
            self.condition(e.left, f"the left side of `{op}`")
            self.condition(e.right, f"the right side of `{op}`")
            return t.BOOL
        if op in ("eq", "ne", "ge", "le", "gt", "lt"):
            return self._compare(e)
        saved, self._multiplier = self._multiplier, op == "mul"
        try:
            a = self.infer(e.left)
            b = self.infer(e.right)
        finally:
            self._multiplier = saved
        if a is None or b is None:
            return None
        sym = {"add": "+", "sub": "-", "mul": "×", "div": "/"}[op]
        if op in ("add", "sub"):
            if K.DATE in (a.kind, b.kind) or K.MONTH in (a.kind, b.kind):
                return self._calendar(e, a, b, sym)
            if compatible(a, b) and a.kind not in (K.BOOL, K.ENUM, K.TEXT, K.DATE):
                return join(a, b)
            return self._unit_error(e, a, b, sym)
        if op == "mul":
            for x, y in ((a, b), (b, a)):
                if numeric(x) and y.kind in (K.MONEY, K.RATE, K.DURATION, K.NUMBER, K.INTEGER, K.PERCENT):
                    return join(x, y) if numeric(y) else y
                if x.kind is K.PERCENT and y.kind in (K.MONEY, K.RATE, K.PERCENT):
                    return y
                if x.kind is K.RATE and y.kind is K.DURATION and calendar(y):
                    return t.MONEY
            return self._unit_error(e, a, b, sym)
        # division
        if numeric(b) or b.kind is K.PERCENT:
            if a.kind in (K.MONEY, K.RATE, K.DURATION, K.PERCENT):
                return a
            if numeric(a):
                return t.NUMBER
        if compatible(a, b) and a.kind in (K.MONEY, K.RATE, K.DURATION):
            return t.NUMBER
        if a.kind is K.MONEY and b.kind is K.RATE:
            return t.duration(b.unit or "month")
        return self._unit_error(e, a, b, sym)

    def _calendar(self, e: n.Binary, a: t.Type, b: t.Type, sym: str) -> t.Type | None:
        """A date (or a calendar month) plus or minus a duration: 《民法典》第二百零二条."""
        moved: t.Type | None = None
        by: t.Type | None = None
        if a.kind in (K.DATE, K.MONTH) and b.kind is K.DURATION:
            moved, by = a, b
        elif e.op == "add" and b.kind in (K.DATE, K.MONTH) and a.kind is K.DURATION:
            moved, by = b, a
        if moved is not None and by is not None:
            if moved.kind is K.MONTH and not calendar(by):
                month = _written(e.left if moved is a else e.right) or "m"
                self.error("T009", f"a calendar month moves by months or years, not by {describe(by)}", e.span,
                           hint=f"to count days, use dates: `start_of_month({month}) + 10 days`")
                return None
            return moved
        hint = None
        if e.op == "sub" and a.kind is b.kind:
            hint = ("the days from one date to another are `days_between(start, end)`; whole months "
                    "`months_between(start, end)`, whole years `years_between(start, end)`")
            if a.kind is K.MONTH:
                hint = "the calendar months from one to another are `months_between(start, end)`"
        elif numeric(a) or numeric(b):
            hint = "write the duration with its unit, e.g. `30 days`, `3 months` or `1 year`"
        else:
            date = _written(e.left if a.kind in (K.DATE, K.MONTH) else e.right) or "a date"
            hint = f"a date moves by a duration: `{date} + 3 months`, `{date} - 30 days`"
        self.error("T009", f"cannot compute {describe(a)} {sym} {describe(b)}", e.span, hint=hint)
        return None

    def _unit_error(self, e: n.Expr, a: t.Type, b: t.Type, sym: str) -> t.Type | None:
        hint = None
        if K.MONEY in (a.kind, b.kind) and K.PERCENT in (a.kind, b.kind) and isinstance(e, n.Binary):
            money, rate = (e.left, e.right) if a.kind is K.MONEY else (e.right, e.left)
            hint = (f"a percentage of an amount is written `{_written(rate) or '10%'} of "
                    f"{_written(money) or 'the amount'}`")
        elif K.MONEY in (a.kind, b.kind) and (numeric(a) or numeric(b)):
            bare = next((x for x in (getattr(e, "left", None), getattr(e, "right", None)) if isinstance(x, n.Number)),
                        None)  # the drafter's own number, with its unit
            hint = f"write amounts with their unit, e.g. `{format(bare.value, 'f') if bare else 500} 元`"
        self.error("T001", f"cannot compute {describe(a)} {sym} {describe(b)}", e.span, hint=hint)
        return None

    def _compare(self, e: n.Binary) -> t.Type:
        left_literal = isinstance(e.left, n.Name) and not self.scope.defines(e.left.parts[0])
        if left_literal and not (isinstance(e.right, n.Name) and not self.scope.defines(e.right.parts[0])):
            b = self.infer(e.right)  # `urban = hukou`: the value is on the left
            a = self.infer(e.left, expect=b)
        else:
            a = self.infer(e.left)
            if a is None and isinstance(e.right, n.Name) and not self.scope.defines(e.right.parts[0]):
                return t.BOOL  # `unknown = some_value`: one error is enough
            b = self.infer(e.right, expect=a)
        if a is None or b is None:
            return t.BOOL
        ok = compatible(a, b) or (
            {a.kind, b.kind} <= {K.PERCENT, K.NUMBER, K.INTEGER} and K.PERCENT in (a.kind, b.kind))
        if ok and e.op not in ("eq", "ne") and a.kind in (K.BOOL, K.ENUM, K.TEXT):
            self.error("T002", f"{describe(a)} can only be compared with = or !=", e.span)
        elif not ok:
            hint = None
            if K.MONEY in (a.kind, b.kind) and (numeric(a) or numeric(b)):
                hint = "write the amount with its unit, e.g. `3000 元`"
            elif K.DURATION in (a.kind, b.kind) and (numeric(a) or numeric(b)):
                hint = "write the duration with its unit, e.g. `12 months` or `1 year`"
            self.error("T002", f"cannot compare {describe(a)} with {describe(b)}", e.span, hint=hint)
        return t.BOOL

    def _of(self, e: n.Of) -> t.Type | None:
        saved, self._multiplier = self._multiplier, True
        try:
            r = self.infer(e.rate)
        finally:
            self._multiplier = saved
        b = self.infer(e.base)
        if r is None or b is None:
            return None
        if r.kind is not K.PERCENT and r.kind is not K.NUMBER:  # 10% of, or a fraction: 2/3 of (的2/3)
            self.error("T001", f"`of` needs a percentage or a fraction on its rate side, got {describe(r)}",
                       e.rate.span, hint="write it as a percentage (`200%`) or a fraction (`2/3`)")
            return None
        if b.kind in (K.MONEY, K.RATE, K.DURATION, K.PERCENT):
            return b
        if numeric(b):
            return t.NUMBER
        self.error("T001", f"cannot take a percentage of {describe(b)}", e.span)
        return None

    def _bound(self, e: n.Bound) -> t.Type | None:
        a = self.infer(e.operand)
        b = self.infer(e.limit)
        if a is None or b is None:
            return a
        word = "cap" if e.kind == "cap" else "floor"
        if not compatible(a, b) or a.kind in (K.BOOL, K.ENUM, K.TEXT):
            hint = None
            if b.kind is K.DURATION and a.kind in (K.MONEY, K.RATE):
                hint = "a limit on how long a benefit runs is a term: `for at_most 3 years counting ...`"
            self.error("T005", f"the {word} is {describe(b)} but the amount is {describe(a)}", e.limit.span,
                       hint=hint)
        return a

    def _in_set(self, e: n.InSet) -> t.Type:
        ty = self.infer(e.operand)
        members = e.members
        if e.set_name is not None and e.set_name not in self.scope.sets and e.source is not None \
                and self.scope.defines(e.set_name):
            return self._in_list(e, ty, e.source)
        if e.set_name is not None:
            found = self.scope.sets.get(e.set_name)
            if found is None:
                self.error("N006", f"no set named `{e.set_name}`", e.span, hint=self.scope.suggest(e.set_name, "set"))
                return t.BOOL
            members = tuple(found.members)
        if ty is not None:
            if ty.kind is not K.ENUM:
                self.error("T002", f"only a category can be tested with `in`, got {describe(ty)}", e.span)
            else:
                where = f" (in set `{e.set_name}`)" if e.set_name else ""
                for m in members:
                    if m not in ty.values:
                        self.error("N005", f"`{m}`{where} is not a value of {ty}", e.span,
                                   hint=self.scope.closest(m, ty.values) or f"values: {', '.join(ty.values)}")
        return t.BOOL

    def _in_list(self, e: n.InSet, ty: t.Type | None, source: n.Name) -> t.Type:
        """``x in NAME`` where NAME is a list of plain values or category values."""
        listed = self.infer(source)
        if listed is None:
            return t.BOOL
        element = listed.element if listed.kind is K.LIST else None
        if element is None or element.kind is K.RECORD:
            self.error("T002", f"`{e.set_name}` is {describe(listed)}: `in` tests a set of category values or "
                               "a list of plain values", e.span,
                       hint="for a list of records, test a field: `any NAME where field = …`")
        elif ty is not None and not compatible(ty, element):
            self.error("T002", f"{describe(ty)} cannot be found in `{e.set_name}`, {describe(listed)}", e.span)
        return t.BOOL

    def _call(self, e: n.Call) -> t.Type | None:
        b = BUILTINS.get(e.func)
        args = [self.infer(a) for a in e.args]
        if b is None:
            self.error("N007", f"no function named `{e.func}`", e.span,
                       hint=self.scope.closest(e.func, tuple(BUILTINS)) or "functions: " + ", ".join(BUILTINS))
            return None
        lo, hi = b.arity
        if not lo <= len(args) <= hi:
            count = f"{lo} argument{'s' if lo != 1 else ''}" if lo == hi else f"{lo} to {hi} arguments"
            self.error("T006", f"`{e.func}` takes {count}, got {len(args)}", e.span)
            return None
        if any(a is None for a in args):
            return None
        res = b.result([a for a in args if a is not None])
        if isinstance(res, str):
            self.error("T006", f"`{e.func}` {res}", e.span)
            return None
        return res

    def _lookup(self, e: n.Lookup) -> t.Type | None:
        mapped = self.scope.params.get(e.table)
        if mapped is not None and mapped[1].kind is K.MAP:  # a table supplied as a parameter
            key_type, value_type = mapped[1].key, mapped[1].element
            kt = self.infer(e.key, expect=key_type)
            if kt is not None and key_type is not None and not compatible(kt, key_type):
                self.error("T002", f"`{e.table}` is looked up by {describe(key_type)}, got {describe(kt)}",
                           e.key.span)
            return value_type
        if e.table not in self.scope.tables and self.scope.defines(e.table):
            # a table held by a value or an output (`rents = standard.rent_by_tier`, then `rents[tier]`)
            ref = self.resolve(n.Name((e.table,), e.span))
            held = self.scope.type_of_ref(ref) if ref is not None else None
            if ref is not None and held is not None and held.kind is K.MAP:
                self.scope.refs[id(e)] = ref
                kt = self.infer(e.key, expect=held.key)
                if kt is not None and held.key is not None and not compatible(kt, held.key):
                    self.error("T002", f"`{e.table}` is looked up by {describe(held.key)}, got {describe(kt)}",
                               e.key.span)
                return held.element
        table = self.scope.tables.get(e.table)
        if table is None:
            self.error("N006", f"no table named `{e.table}`", e.span, hint=self.scope.suggest(e.table, "table"))
            self.infer(e.key)
            return None
        key_type, value_type = self.scope.table_types[e.table]
        kt = self.infer(e.key, expect=key_type)
        if kt is not None and key_type is not None and not compatible(kt, key_type):
            self.error("T002", f"table `{e.table}` is looked up by {key_type}, got {describe(kt)}", e.key.span)
        if table.progressive:  # the sum over the bands of rate × the part of the key in the band
            return key_type
        return value_type

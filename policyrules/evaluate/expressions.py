"""Expressions -> values, exactly (Decimal), with an optional trace of every step.

Calendar durations are carried in months (``3 years`` is 36), days in days; rates
in their own period.  With ``tracing`` off no Step is built."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from policyrules import types as t
from policyrules.builtins import BUILTINS, run_date_builtin, shift
from policyrules.check.checked import CheckedPolicy
from policyrules.divide_last import divided_last
from policyrules.evaluate.records import Needed, Record
from policyrules.evaluate.trace import Step
from policyrules.syntax import nodes as n

K = t.Kind
TWELVE = Decimal(12)
ZERO = Decimal(0)


class Interpreter:
    """Evaluates expressions of one checked policy against one set of inputs."""

    def __init__(self, cp: CheckedPolicy, facts: dict[str, dict[str, Any]], params: dict[str, Any],
                 on: dt.date, tracing: bool, output: Callable[[str], Any], part: Callable[[str, str], Any]):
        self.cp = cp
        self.facts = facts
        self.params = params
        self.on = on
        self.tracing = tracing
        self.output = output
        self.part = part
        self.values: dict[str, Any] = {}
        self.value_steps: dict[str, Step] = {}
        self.items: list[Record] = []  # the current item of each aggregate being evaluated, innermost last
        self.each: dict[tuple[int, str], Any] = {}  # (id of an item, per-item value) -> value
        self.each_steps: dict[tuple[int, str], Step] = {}
        self._frames: list[list[Any]] = [[[], None, None]]
        self._types = cp.types
        self._refs = cp.refs
        self._operands: dict[int, tuple[Any, Any, Any]] = {}  # a division's operands and quotient (divide_last)
        self._last: dict[int, tuple[n.Binary, n.Expr] | None] = {}  # a product -> what it divides last
        self._dispatch: dict[type, Callable[[Any], Any]] = {
            n.Number: self._literal, n.Money: self._literal, n.Percent: self._literal, n.Text: self._literal,
            n.Bool: self._literal, n.DateLit: self._literal, n.Duration: self._duration,
            n.Name: self._name, n.EvaluationDate: lambda e: self.on, n.Unary: self._unary,
            n.Binary: self._binary, n.Of: self._of, n.PerPeriod: lambda e: self.ev(e.operand),
            n.Bound: self._bound, n.InSet: self._in_set, n.Call: self._call, n.Lookup: self._lookup,
            n.IfExpr: self._if, n.Actual: lambda e: self.ev(e.operand), n.Aggregate: self._aggregate,
        }

    # ---------------------------------------------------------------- tracing
    def ev(self, e: n.Expr) -> Any:
        if not self.tracing:
            return self._dispatch[type(e)](e)
        frame: list[Any] = [[], None, None]  # children, note, name
        self._frames.append(frame)
        try:
            value = self._dispatch[type(e)](e)
        finally:
            self._frames.pop()
        self._frames[-1][0].append(Step(e, value, tuple(frame[0]), frame[1], frame[2]))
        return value

    def traced(self, e: n.Expr) -> tuple[Any, Step | None]:
        """Evaluate ``e`` and return its value with its step (None when not tracing)."""
        value = self.ev(e)
        if not self.tracing:
            return value, None
        return value, self._frames[-1][0].pop()

    def note(self, text: str, name: str | None = None) -> None:
        if self.tracing:
            self._frames[-1][1] = text
            if name is not None:
                self._frames[-1][2] = name

    # ---------------------------------------------------------------- nodes
    def _literal(self, e: Any) -> Any:
        return e.value

    def _duration(self, e: n.Duration) -> Decimal:
        return e.value * TWELVE if e.unit == "year" else e.value

    def _name(self, e: n.Name) -> Any:
        ref = self._refs[id(e)]
        if ref.path:
            value = self._base(ref)
            where = ref.name
            for f in ref.path:
                where += "." + f
                if not isinstance(value, Record) or f not in value:
                    raise Needed((self._where(ref, where),))
                value = value[f]
            self.note(ref.what if ref.what != "item" else "field", ".".join((ref.name,) + ref.path))
            return value
        return self._base(ref)

    def _where(self, ref: Any, dotted: str) -> str:
        if ref.what == "fact":
            return f"{ref.kind}.{dotted}"
        if ref.what == "item" and self.items:
            item = self._item(ref.kind)
            return f"{ref.kind} {item.get('id', '?')}: {dotted}"
        return dotted

    def _item(self, record: str | None) -> Record:
        for item in reversed(self.items):
            if item.record == record:
                return item
        raise AssertionError(f"no current {record} item")

    def _base(self, ref: Any) -> Any:
        w = ref.what
        if w == "item":
            item = self._item(ref.kind)
            if ref.name not in item:
                raise Needed((self._where(ref, ref.name),))
            if not ref.path:
                self.note("field", ref.name)
            return item[ref.name]
        if w == "each":
            self.note("value", ref.name)
            return self.item_value(self._item(ref.kind), ref.name)
        if w == "fact":
            row = self.facts[ref.kind]  # type: ignore[index]
            if ref.name not in row:
                raise Needed((f"{ref.kind}.{ref.name}",))
            if not ref.path:
                self.note("fact", ref.name)
            return row[ref.name]
        if w == "param":
            self.note("parameter", ref.name)
            return self.params[ref.name]
        if w == "value":
            self.note("value", ref.name)
            return self.value(ref.name)
        if w == "output":
            self.note("output", ref.name)
            return self.output(ref.name)
        if w == "part":
            self.note("part", f"{ref.kind}.{ref.name}")
            return self.part(ref.kind or "", ref.name)
        return ref.name  # an enum literal

    def item_value(self, item: Record, name: str) -> Any:
        """A per-item value (``value pay for_each overtime_record = …``) of one item, computed once."""
        key = (id(item), name)
        if key in self.each:
            if self.tracing and key in self.each_steps:
                self._frames[-1][0].append(self.each_steps[key])
            return self.each[key]
        decl, _ = self.cp.records[item.record].each[name]
        saved, self.items = self.items, [item]
        try:
            v, step = self.traced(decl.expr)
        finally:
            self.items = saved
        if step is not None:
            self.each_steps[key] = step
            self._frames[-1][0].append(step)
        self.each[key] = v
        return v

    def _aggregate(self, e: n.Aggregate) -> Any:
        items = self.ev(e.items)
        op = e.op
        if op == "count" and e.where is None and self._types[id(e.items)].element.record is None:  # type: ignore[union-attr]
            return len(items)  # a list of plain values
        chosen: list[Record] = []
        values: list[Any] = []
        key = self.cp.records[self._types[id(e.items)].element.record].key  # type: ignore[union-attr,index]
        for number, item in enumerate(items, 1):
            self.items.append(item)
            frame: list[Any] = [[], None, None]
            if self.tracing:
                self._frames.append(frame)
            included = False
            try:
                if e.where is not None and not self.ev(e.where):
                    continue
                included = True
                chosen.append(item)
                if e.expr is not None:
                    values.append(self.ev(e.expr))
            finally:
                self.items.pop()
                if self.tracing:
                    self._frames.pop()
                    ident = item.get(key, item.get("id"))
                    self._frames[-1][0].append(Step(item, included, tuple(frame[0]), "item",
                                                    _show(ident) if ident is not None else f"#{number}"))
        if op == "count":
            return len(chosen)
        if op == "sum":
            return sum(values, ZERO) if values else self._zero(e)
        if op in ("min", "max"):
            if not values:
                raise Needed((f"an item of {e.items.dotted}" + (" that meets the condition" if e.where else ""),))
            return min(values) if op == "min" else max(values)
        if op == "any":
            return bool(chosen)
        if op == "every":
            return len(chosen) == len(items)
        if op == "ids":
            schema = self.cp.records[self._types[id(e.items)].element.record]  # type: ignore[union-attr,index]
            return tuple(item.get(schema.key) for item in chosen)
        if not chosen:  # first, last
            raise Needed((f"an item of {e.items.dotted}" + (" that meets the condition" if e.where else ""),))
        return chosen[0] if op == "first" else chosen[-1]

    def _zero(self, e: n.Aggregate) -> Any:
        ty = self._types.get(id(e))
        return 0 if ty is not None and ty.kind is K.INTEGER else ZERO

    def value(self, name: str) -> Any:
        if name in self.values:
            if self.tracing and name in self.value_steps:
                self._frames[-1][0].append(self.value_steps[name])
            return self.values[name]
        decl, _ = self.cp.values[name]
        try:
            v, step = self.traced(decl.expr)
        except ArithmeticError as err:  # the innermost value is named in the EvaluationError (decide.py)
            if getattr(err, "policy_value", None) is None:
                setattr(err, "policy_value", name)  # noqa: B010
            raise
        if step is not None:
            self.value_steps[name] = step
            self._frames[-1][0].append(step)
        self.values[name] = v
        return v

    def _unary(self, e: n.Unary) -> Any:
        v = self.ev(e.operand)
        return (not v) if e.op == "not" else -v

    def _binary(self, e: n.Binary) -> Any:
        op = e.op
        if self.tracing and op in ("and", "or", "implies"):
            left = bool(self.ev(e.left))
            decided = (not left) if op == "and" else left if op == "or" else not left
            try:
                right = bool(self.ev(e.right))  # both, for the explanation
            except Needed:
                if not decided:
                    raise
                return left if op != "implies" else True
            return (left and right) if op == "and" else (left or right) if op == "or" else (not left or right)
        if op == "and":
            if not self.ev(e.left):
                return False
            return bool(self.ev(e.right))
        if op == "or":
            if self.ev(e.left):
                return True
            return bool(self.ev(e.right))
        if op == "implies":
            if not self.ev(e.left):
                return True
            return bool(self.ev(e.right))
        a = self.ev(e.left)
        b = self.ev(e.right)
        if op == "ge":
            return a >= b
        if op == "le":
            return a <= b
        if op == "gt":
            return a > b
        if op == "lt":
            return a < b
        if op == "eq":
            return a == b
        if op == "ne":
            return a != b
        if op in ("add", "sub") and (isinstance(a, dt.date) or isinstance(b, dt.date)):
            return self._shift(e, a, b)
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "mul":
            return self._mul(e, a, b)
        return self._div(e, a, b)

    def _shift(self, e: n.Binary, a: Any, b: Any) -> dt.date:
        """A date or calendar month plus or minus a duration (《民法典》第二百零二条: the month end
        when the target month has no corresponding day)."""
        if isinstance(a, dt.date):
            d, amount, ty = a, (-b if e.op == "sub" else b), self._types[id(e.right)]
        else:
            d, amount, ty = b, a, self._types[id(e.left)]
        return shift(d, amount, ty.unit)

    def _mul(self, e: n.Binary, a: Any, b: Any) -> Any:
        ta, tb = self._types[id(e.left)], self._types[id(e.right)]
        if ta.kind is K.RATE and tb.kind is K.DURATION:
            return a * b / TWELVE if ta.unit == "year" else a * b
        if tb.kind is K.RATE and ta.kind is K.DURATION:
            return a * b / TWELVE if tb.unit == "year" else a * b
        key = id(e)
        if key not in self._last:
            self._last[key] = divided_last(self.cp, e)
        last = self._last[key]
        operands = self._operands.get(id(last[0])) if last is not None else None
        if last is not None and operands is not None:  # (x / y) × z as x × z / y: see divide_last
            x, y, q = operands
            z, factor = (b, a) if last[1] is e.right else (a, b)
            if factor is q:  # the factor's value is the quotient (not a cap chosen instead)
                if y == 0:
                    return ZERO  # as 0 × z (the division noted it)
                return Decimal(x * z) / Decimal(y)
        return a * b

    def _div(self, e: n.Binary, a: Any, b: Any) -> Any:
        q = self._quotient(e, a, b)
        self._operands[id(e)] = (a, b, q)  # the operands of the quotient `q` (divide_last)
        return q

    def _quotient(self, e: n.Binary, a: Any, b: Any) -> Any:
        if b == 0:
            self.note("division by zero gives 0")
            return ZERO
        ta, tb = self._types[id(e.left)], self._types[id(e.right)]
        if ta.kind is K.MONEY and tb.kind is K.RATE:
            return a / b * TWELVE if tb.unit == "year" else Decimal(a) / b
        return Decimal(a) / Decimal(b)

    def _of(self, e: n.Of) -> Any:
        rate = e.rate
        if isinstance(rate, n.Binary) and rate.op == "div" and isinstance(rate.left, n.Number) \
                and isinstance(rate.right, n.Number):  # 2/3 of x is 2 × x / 3: exact where the amount is
            return self._div(rate, self.ev(rate.left) * self.ev(e.base), self.ev(rate.right))
        return self.ev(rate) * self.ev(e.base)

    def _bound(self, e: n.Bound) -> Any:
        v = self.ev(e.operand)
        limit = self.ev(e.limit)
        if e.kind == "cap":
            if v > limit:
                self.note("cap applied")
                return limit
            return v
        if v < limit:
            self.note("floor applied")
            return limit
        return v

    def _in_set(self, e: n.InSet) -> bool:
        v = self.ev(e.operand)
        if e.set_name is not None and e.set_name not in self.cp.sets and e.source is not None:
            return (v in self.ev(e.source)) != e.negated  # a list of plain values
        members = self.cp.sets[e.set_name][1] if e.set_name is not None else e.members
        return (v in members) != e.negated

    def _call(self, e: n.Call) -> Any:
        if e.func == "given":
            try:
                self.ev(e.args[0])
            except Needed:
                return False
            return True
        args = [self.ev(a) for a in e.args]
        if e.func in ("round", "round_down"):
            from decimal import ROUND_DOWN, ROUND_HALF_UP

            step = Decimal(args[1])
            mode = ROUND_HALF_UP if e.func == "round" else ROUND_DOWN
            q = (Decimal(args[0]) / step).to_integral_value(rounding=mode) * step
            return int(q) if isinstance(args[0], int) else q
        if e.func in ("years_since", "months_since"):
            count = run_date_builtin(e.func, args[0], self.on)
            return count * TWELVE if e.func == "years_since" else count
        run = BUILTINS[e.func].run
        assert run is not None
        return run(*args)

    def _lookup(self, e: n.Lookup) -> Any:
        key = self.ev(e.key)
        if e.table in self.params and isinstance(self.params[e.table], dict):  # a table given as a parameter
            found = self.params[e.table]
            self.note(f"{e.table}[{key}]")
            if key not in found:
                raise Needed((f"parameter {e.table}[{_show(key)}]",))
            return found[key]
        held = self._refs.get(id(e))
        if held is not None:  # a table held by a value or an output
            found = self._base(held)
            self.note(f"{e.table}[{key}]")
            if key not in found:
                raise Needed((f"{e.table}[{_show(key)}]",))
            return found[key]
        table = self.cp.tables[e.table]
        if table.bands:
            return self._range(e, table, key)
        expr = table.entries.get(key, table.decl.otherwise)
        assert expr is not None, "the checker ensures every table is total"
        self.note(f"{e.table}[{key}]")
        return self.ev(expr)

    def _range(self, e: n.Lookup, table: Any, key: Any) -> Any:
        """A row of a range table by the range that holds ``key``; for a progressive table, the
        sum over the bands of each band's rate × the part of ``key`` inside it (超额累进)."""
        if table.decl.progressive:
            total = ZERO
            shares = []
            for i, band in enumerate(sorted(table.bands, key=lambda b: b.low or 0), 1):
                low = band.low or ZERO
                part = min(key, band.high) - low if band.high is not None else key - low
                if part <= 0:
                    continue
                rate = self.ev(band.expr)
                total += part * rate
                shares.append(f"band {i}: {_amount(part)} × {_amount(rate * 100, 0)}% = {_amount(part * rate)}")
            self.note("bands: " + "; ".join(shares))
            return total
        for i, band in enumerate(table.bands, 1):
            if band.holds(key):
                self.note(f"{e.table}[{_show(key)}]: row {i}")
                return self.ev(band.expr)
        if table.decl.otherwise is not None:
            self.note(f"{e.table}[{_show(key)}]: otherwise")
            return self.ev(table.decl.otherwise)
        raise Needed((f"a row of table {e.table} for {_show(key)}",))

    def _if(self, e: n.IfExpr) -> Any:
        return self.ev(e.then) if self.ev(e.cond) else self.ev(e.else_)


def _show(v: Any) -> str:
    return v.strftime("%Y-%m") if isinstance(v, dt.date) and v.day == 1 else str(v)


def _amount(d: Decimal, places: int = 2) -> str:
    """Exact, shown to the fen when that loses nothing (to whole numbers with ``places`` 0)."""
    q = Decimal(1).scaleb(-places)
    d = Decimal(d)
    if d == d.quantize(q):
        return format(d.quantize(q), "f")
    return format(d.normalize(), "f")

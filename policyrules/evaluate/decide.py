"""One case -> a Decision: every output's value, eligibility, parts, term, group
exclusion and trace.  Facts and parameters are validated first; nothing is
evaluated until they are right."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, DecimalException, DivisionByZero, DivisionUndefined, getcontext
from typing import Any

from policyrules import types as t
from policyrules.builtins import OutsideCalendar
from policyrules.check.checked import CheckedPolicy, Output
from policyrules.evaluate.expressions import TWELVE, ZERO, Interpreter
from policyrules.evaluate.inputs import InputError, InputProblem, resolve_parameters, validate_facts
from policyrules.evaluate.records import Needed
from policyrules.evaluate.trace import (
    ConditionCheck,
    Decision,
    InvariantResult,
    OutputResult,
    Step,
    TermCheck,
)
from policyrules.rounding import PYTHON
from policyrules.syntax import nodes as n
from policyrules.syntax.walk import names

K = t.Kind
ROUNDING = PYTHON  # policyrules.rounding: down toward zero (舍去), up away from zero (进一)


_UNCOMPUTABLE = (DecimalException, OutsideCalendar)
"""What stops computing an output: a Decimal trap, a date beyond the calendar (see _arithmetic)."""


class EvaluationError(Exception):
    """The evaluation cannot be done (e.g. a date outside the policy's window)."""


def conjuncts(e: n.Expr) -> list[n.Expr]:
    """``a and b and c`` -> [a, b, c]: each is reported on its own in "why not"."""
    if isinstance(e, n.Binary) and e.op == "and":
        return conjuncts(e.left) + conjuncts(e.right)
    return [e]


class _Run:
    def __init__(self, cp: CheckedPolicy, facts: dict[str, dict[str, Any]], params: dict[str, Any],
                 on: dt.date, tracing: bool):
        self.cp = cp
        self.on = on
        self.tracing = tracing
        self.present = frozenset(facts)
        self.results: dict[str, OutputResult] = {}
        self.raw: dict[str, OutputResult] = {}
        self.active: set[str] = set()
        self.it = Interpreter(cp, facts, params, on, tracing, self.output_value, self.part_value)

    # ---------------------------------------------------------------- outputs
    def evaluable(self, o: Output) -> bool:
        return o.kinds <= self.present

    def output_value(self, name: str) -> Any:
        return self.result(name).value

    def part_value(self, name: str, part: str) -> Any:
        return self.result(name).parts.get(part, ZERO)

    def result(self, name: str) -> OutputResult:
        if name in self.results:
            return self.results[name]
        o = self.cp.outputs[name]
        if o.group is None:
            self.results[name] = self.compute(o)
        else:
            self.resolve_group(o.group)
        return self.results[name]

    def compute(self, o: Output) -> OutputResult:
        if o.name in self.active:
            raise EvaluationError(f"`{o.name}` depends on itself through an exclusive group")
        self.active.add(o.name)
        try:
            return self._compute(o)
        except Needed as err:
            d = o.decl
            return OutputResult(d.name, d.label, d.kind, None, False, "facts needed", {}, (), None, None, None,
                                None, None, None, tuple(c.value for c in d.cites), d.texts, None,
                                needed=err.needed)
        except _UNCOMPUTABLE as err:
            raise _arithmetic(o.name, err, self.it.values) from None
        finally:
            self.active.discard(o.name)

    def typed(self, name: str) -> OutputResult:
        """A typed output (``output NAME: TYPE = …``): its exact value, rounded only as reported."""
        d, ty = self.cp.results[name]
        cites = tuple(c.value for c in d.cites)
        try:
            value = self.it.value(name)
        except Needed as err:
            return OutputResult(d.name, d.label, "output", None, False, "facts needed", {}, (), None, None, None,
                                None, None, None, cites, d.texts, None, type=ty, needed=err.needed)
        except _UNCOMPUTABLE as err:
            raise _arithmetic(name, err, self.it.values) from None
        note = None
        if ty.kind in (K.MONEY, K.RATE) or d.rounding:
            mode, quantum = self.cp.rounding_of(d)
            if d.rounding:
                note = f"{mode} to {quantum}"
            try:
                value = Decimal(value).quantize(quantum, rounding=ROUNDING[mode])
            except _UNCOMPUTABLE as err:
                raise _arithmetic(name, err, self.it.values) from None
        step = self.it.value_steps.get(name)
        return OutputResult(d.name, d.label, "output", value, True, "computed", {}, (), step, None, None, None,
                            None, None, cites, d.texts, note, type=ty)

    def _compute(self, o: Output) -> OutputResult:
        d = o.decl
        it = self.it
        checks: list[ConditionCheck] = []
        eligible = True
        for c in _conjuncts_of(self.cp, d):
            if not eligible and not self.tracing:
                break
            holds, step = it.traced(c)
            checks.append(ConditionCheck(c, bool(holds), step))
            eligible = eligible and bool(holds)
        status = "paid"
        for v in d.valid:
            if self.on < v.start or (v.end is not None and self.on > v.end):
                eligible, status = False, "not in force"
        term = self._term(d.terms[0]) if d.terms else None
        if term is not None and not term.eligible:
            eligible = False
        if not eligible and status == "paid":
            status = "not eligible"
        mode, quantum = self.cp.rounding_of(d)
        rounding_note = None if (mode, quantum) == ("half_up", Decimal("0.01")) else f"{mode} to {quantum}"
        cites = tuple(c.value for c in d.cites)
        if not d.monetary:
            return OutputResult(d.name, d.label, d.kind, eligible, eligible, status if not eligible else "applies",
                                {}, tuple(checks), None, None, None, term, None, None, cites, d.texts, None)
        if not eligible:
            parts = {p: Decimal(0).quantize(quantum) for p in o.part_names}
            return OutputResult(d.name, d.label, d.kind, ZERO.quantize(quantum), False, status, parts,
                                tuple(checks), None, None, None, term, None, None, cites, d.texts, rounding_note)
        body = d.amounts[0]
        value, parts, step, branch = self._amount(body)
        if o.part_names and not parts:  # no alternative applied: every part is zero
            parts = {p: ZERO for p in o.part_names}
        factor, period_note = self._period(o, term)
        rnd = ROUNDING[mode]
        if parts:
            parts = {k: (v * factor).quantize(quantum, rounding=rnd) for k, v in parts.items()}
            total = sum(parts.values(), ZERO)
        else:
            total = (value * factor).quantize(quantum, rounding=rnd)
        status = "paid" if total != 0 else "zero"
        return OutputResult(d.name, d.label, d.kind, total, True, status, parts, tuple(checks), step, total,
                            period_note, term, branch, None, cites, d.texts, rounding_note)

    def _period(self, o: Output, term: TermCheck | None) -> tuple[Decimal, str | None]:
        """How many of the amount's periods one payment covers."""
        at = o.amount_type
        if at is None or at.kind is not K.RATE:
            return Decimal(1), None
        period = o.decl.period or "yearly"
        if at.unit == "month":
            if period == "monthly":
                return Decimal(1), None
            months = TWELVE
            if term is not None and term.remaining_months is not None:
                months = max(ZERO, min(TWELVE, term.remaining_months))
            return months, f"× {_num(months)} months this year"
        if period == "monthly":
            return Decimal(1) / TWELVE, "÷ 12 months"
        return Decimal(1), None

    def _amount(self, body: Any) -> tuple[Decimal, dict[str, Decimal], Step | None, str | None]:
        it = self.it
        if isinstance(body, n.Parts):
            parts: dict[str, Decimal] = {}
            steps = []
            for p in body.items:
                v, s = it.traced(p.expr)
                parts[p.name] = v
                if s is not None:
                    steps.append(s)
            total = sum(parts.values(), ZERO)
            return total, parts, Step(body, total, tuple(steps)) if self.tracing else None, None
        if isinstance(body, n.Allocation):
            quota, qstep = it.traced(body.quota)
            remaining = quota
            parts = {}
            steps = [qstep] if qstep is not None else []
            for p in body.items:
                v, s = it.traced(p.expr)
                take = min(remaining, max(v, ZERO))
                remaining -= take
                parts[p.name] = take
                if s is not None:
                    steps.append(Step(p, take, (s,), f"{_num(remaining + take)}"))
            total = sum(parts.values(), ZERO)
            return total, parts, Step(body, total, tuple(steps)) if self.tracing else None, None
        if isinstance(body, n.Choice):
            for i, b in enumerate(body.branches, 1):
                holds, cstep = it.traced(b.cond)
                if holds:
                    v, parts, s, _ = self._amount(b.value)
                    word = "exception" if body.style == "exceptions" else "alternative"
                    label = f"{word} {i} applies"
                    return v, parts, _wrap(s, cstep, label), label
            if body.default is None:
                return ZERO, {}, None, "no alternative applies"
            v, parts, s, _ = self._amount(body.default)
            label = "the general rule applies" if body.style == "exceptions" else "otherwise"
            return v, parts, _wrap(s, None, label), label
        v, s = it.traced(body)
        return v, {}, s, None

    def _term(self, term: n.Term) -> TermCheck:
        it = self.it
        limit, _ = it.traced(term.limit)
        used, ustep = it.traced(term.counting)
        ut = self.cp.type_of(term.counting)
        if ut.kind is K.INTEGER:
            lt = self.cp.type_of(term.limit)
            used = Decimal(used) * (TWELVE if lt.unit == "year" else 1)
        extended = None
        bonus = ZERO
        unlimited = False
        for ext in term.extensions:
            if it.traced(ext.cond)[0]:
                if ext.by is None:
                    unlimited, extended = True, "without limit"
                    break
                by, _ = it.traced(ext.by)
                bonus += by
                extended = f"by {_num(by)} months"
        total = limit + bonus
        eligible = unlimited or used < total
        remaining = None if unlimited else max(ZERO, total - used)
        unit = self.cp.type_of(term.limit).unit or "month"
        return TermCheck(limit, used, extended, eligible, remaining, ustep, unit)

    def resolve_group(self, name: str) -> None:
        g = self.cp.groups[name]
        members = [m for m in g.members if self.evaluable(self.cp.outputs[m])]
        computed = {m: self.compute(self.cp.outputs[m]) for m in members}
        paying = [m for m in members if computed[m].eligible and computed[m].value > 0]
        winner = None
        if paying:
            winner = max(paying, key=lambda m: computed[m].value) if g.mode == "highest" else paying[0]
        label = g.label or g.name
        for m in members:
            r = computed[m]
            if winner is not None and m != winner and r.eligible and r.value > 0:
                why = (f"{label}: only the highest is paid, and `{winner}` pays {computed[winner].value}"
                       if g.mode == "highest" else f"{label}: `{winner}` comes first and is paid")
                r = _exclude(r, why)
            elif m == winner and len(paying) > 1:
                r = _evolve(r, group_note=f"{label}: paid instead of " + ", ".join(
                    f"`{x}`" for x in paying if x != winner))
            self.results[m] = r


def _arithmetic(output: str, err: DecimalException | OutsideCalendar, values: dict[str, Any]) -> EvaluationError:
    """A Decimal trap (a result beyond the precision, a division by zero) or a date beyond the
    calendar as an EvaluationError naming the output and the named value where it happened, or
    else the named values already too large."""
    where = getattr(err, "policy_value", None)
    if isinstance(err, OutsideCalendar):
        what = f"gives a date outside the calendar (years {dt.MINYEAR} to {dt.MAXYEAR}): {err}"
    elif isinstance(err, DivisionByZero | DivisionUndefined):
        what = "divides by zero"
    else:
        what = f"gives a number too large to compute exactly (more than {getcontext().prec} significant digits)"
    if where is not None and where != output:
        return EvaluationError(f"`{output}` cannot be computed: the value `{where}` {what}")
    large = [f"`{k}` = {v:.6E}" for k, v in values.items()
             if k != output and isinstance(v, Decimal) and v.is_finite() and abs(v) >= _LARGE][:3]
    return EvaluationError(f"`{output}` cannot be computed: it {what}"
                           + (f" (too large: {', '.join(large)})" if large else ""))


_LARGE = Decimal(10) ** 15  # every fact and every number in a policy is below this (forms.py, check/limits.py)


def _wrap(s: Step | None, cond: Step | None, label: str) -> Step | None:
    if s is None:
        return None
    children = (cond, s) if cond is not None else (s,)
    return Step(s.node, s.value, children, label)


def _evolve(r: OutputResult, **changes: Any) -> OutputResult:
    import attrs

    return attrs.evolve(r, **changes)


def _exclude(r: OutputResult, why: str) -> OutputResult:
    zero = Decimal(0).quantize(r.value) if isinstance(r.value, Decimal) else Decimal("0.00")
    return _evolve(r, value=zero, status="excluded", group_note=why,
                   parts={k: Decimal(0).quantize(v) for k, v in r.parts.items()})


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")


def evaluate(cp: CheckedPolicy, facts: Any, on: dt.date, parameters: dict[str, Any] | None = None,
             trace: bool = True) -> Decision:
    """Evaluate every output whose kinds of facts are given; raise InputError when
    facts or parameters are refused, EvaluationError when the date is outside the policy."""
    if cp.valid_from and on < cp.valid_from:
        raise EvaluationError(f"policy {cp.name} is in force from {cp.valid_from}; {on} is before that")
    if cp.valid_until and on > cp.valid_until:
        raise EvaluationError(f"policy {cp.name} ended on {cp.valid_until}; {on} is after that")
    problems: list[InputProblem] = []
    checked: dict[str, dict[str, Any]] = {}
    try:
        checked = validate_facts(cp, facts)
    except InputError as err:
        problems += err.problems
    params: dict[str, Any] = {}
    try:
        params = resolve_parameters(cp, parameters or {}, on, _constant(cp, on))
    except InputError as err:
        problems += err.problems
    if problems:
        raise InputError(problems)
    run = _Run(cp, checked, params, on, trace)
    outputs: dict[str, OutputResult] = {}
    for d in cp.ast.decls:  # in written order, benefits and typed outputs alike
        if isinstance(d, n.OutputDecl) and d.name in cp.outputs and run.evaluable(cp.outputs[d.name]):
            outputs[d.name] = run.result(d.name)
        elif isinstance(d, n.ResultDecl) and d.name in cp.results and cp.value_kinds.get(d.name, frozenset()) <= run.present:
            outputs[d.name] = run.typed(d.name)
    for name in cp.outputs:  # group members resolved along the way
        if name in run.results:
            outputs[name] = run.results[name]
    invariants = []
    for inv, kinds in _invariant_kinds(cp):
        if kinds <= run.present:
            try:
                holds, step = run.it.traced(inv.expr)
            except _UNCOMPUTABLE as err:
                raise _arithmetic(f"invariant {inv.label or inv.expr}", err, run.it.values) from None
            invariants.append(InvariantResult(inv.label, bool(holds), step, inv.expr))
    return Decision(cp.name, on, outputs, checked, params, tuple(invariants), dict(run.it.values))


def _conjuncts_of(cp: CheckedPolicy, d: n.OutputDecl) -> list[n.Expr]:
    """The requirements of an output, computed once per checked policy."""
    cache = cp.extra.setdefault("conjuncts", {})
    found = cache.get(d.name)
    if found is None:
        found = cache[d.name] = [c for cond in d.conditions for c in conjuncts(cond)]
    return found  # type: ignore[no-any-return]


def _invariant_kinds(cp: CheckedPolicy) -> list[tuple[n.InvariantDecl, frozenset[str]]]:
    found = cp.extra.get("invariant_kinds")
    if found is None:
        found = cp.extra["invariant_kinds"] = [(inv, _expr_kinds(cp, inv.expr)) for inv in cp.invariants]
    return found  # type: ignore[no-any-return]


def _constant(cp: CheckedPolicy, on: dt.date) -> Any:
    it = Interpreter(cp, {}, {}, on, False, lambda _: None, lambda *_: None)

    def value(e: n.Expr) -> Any:
        return it.ev(e)

    return value


def _expr_kinds(cp: CheckedPolicy, e: Any) -> frozenset[str]:
    acc: set[str] = set()
    for name in names(e):
        ref = cp.refs.get(id(name))
        if ref is None:
            continue
        if ref.what == "fact" and ref.kind:
            acc.add(ref.kind)
        elif ref.what in ("value", "output"):
            acc.update(cp.value_kinds.get(ref.name, ()))
        elif ref.what == "part" and ref.kind:
            acc.update(cp.value_kinds.get(ref.kind, ()))
    return frozenset(acc)

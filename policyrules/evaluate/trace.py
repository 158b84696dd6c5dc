"""What an evaluation produces: values, the trace of every intermediate step, and
the reasons an output was or was not paid.  Pure data; rendering is in ``explain``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from policyrules.syntax import nodes as n
from policyrules.types import Kind


@attrs.frozen(slots=True)
class Step:
    """One evaluated node: its value and the steps of its operands.

    ``note`` says what happened where it matters to an auditor: ``cap applied``,
    ``floor applied``, ``fact``, ``parameter``, which branch was taken."""

    node: Any
    value: Any
    children: tuple[Step, ...] = ()
    note: str | None = None
    name: str | None = None


@attrs.frozen(slots=True)
class ConditionCheck:
    """One requirement of an output (a conjunct of its `when` clauses)."""

    expr: n.Expr
    holds: bool
    step: Step | None


@attrs.frozen(slots=True)
class TermCheck:
    limit_months: Decimal
    used_months: Decimal
    extended: str | None  # "without limit", "by N months" or None
    eligible: bool
    remaining_months: Decimal | None
    step_used: Step | None
    unit: str = "year"  # the unit the limit is written in


@attrs.frozen(slots=True)
class OutputResult:
    name: str
    label: str | None
    kind: str  # benefit | obligation | exemption | title | outcome | output
    value: Any  # money for benefits, bool for outcomes, any type for outputs; None when facts are needed
    eligible: bool
    status: str  # paid | not eligible | excluded | not in force | zero
    parts: dict[str, Decimal]
    conditions: tuple[ConditionCheck, ...]
    amount: Step | None
    raw_amount: Decimal | None  # the amount computed, before any group exclusion
    period_note: str | None
    term: TermCheck | None
    branch: str | None
    group_note: str | None
    cites: tuple[str, ...]
    texts: tuple[str, ...]
    rounding: str | None
    type: Any = None  # the value type of a typed output (``output NAME: TYPE = …``)
    needed: tuple[str, ...] = ()  # facts still needed to evaluate it (absent optional facts)

    @property
    def failed(self) -> tuple[ConditionCheck, ...]:
        return tuple(c for c in self.conditions if not c.holds)

    def to_dict(self) -> dict[str, Any]:
        from policyrules.explain.data import output_to_dict

        return output_to_dict(self)


@attrs.frozen(slots=True)
class InvariantResult:
    label: str | None
    holds: bool
    step: Step | None
    expr: n.Expr


@attrs.frozen(slots=True)
class Decision:
    """The result of evaluating a policy for one set of facts on one date."""

    policy: str
    on: dt.date
    outputs: dict[str, OutputResult]
    facts: dict[str, dict[str, Any]]
    parameters: dict[str, Any]
    invariants: tuple[InvariantResult, ...]
    values: dict[str, Any] = attrs.field(factory=dict)

    def value(self, name: str) -> Decimal | bool:
        """An output's value in its own unit (a duration in years as years, as ``to_dict`` and
        ``eval`` show it), or a part's as ``output.part``."""
        if name in self.outputs:
            r = self.outputs[name]
            return _in_unit(r.value, r.type)  # type: ignore[no-any-return]
        out, _, part = name.partition(".")
        return self.outputs[out].parts[part]

    def to_dict(self) -> dict[str, Any]:
        from policyrules.explain.data import decision_to_dict

        return decision_to_dict(self)


def _in_unit(value: Any, ty: Any) -> Any:
    """A typed output's value in its declared unit: the interpreter holds years in months."""
    if value is None or ty is None:
        return value
    if ty.kind is Kind.LIST and isinstance(value, list | tuple):
        return type(value)(_in_unit(v, ty.element) for v in value)
    if ty.kind is Kind.DURATION and ty.unit == "year":
        return Decimal(value) / 12
    return value

"""Decision -> plain data (JSON-ready): values as strings exact to the fen, the
trace as nested steps, failed conditions with their source text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from policyrules.check.checked import CheckedPolicy
from policyrules.evaluate.trace import Decision, OutputResult, Step
from policyrules.syntax import nodes as n


def plain(value: Any) -> Any:
    """Decimals as strings, dates as ISO text; everything else as is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def typed_plain(value: Any, ty: Any) -> Any:
    """A value of a typed output as plain data in its own unit: a calendar month ``2024-05``,
    a duration in its unit (years as years), a percentage ``20%``, lists item by item."""
    from policyrules.types import Kind as K

    if value is None or ty is None:
        return plain(value)
    k = ty.kind
    if k is K.LIST:
        return [typed_plain(v, ty.element) for v in value]
    if k is K.MONTH and isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if k is K.DURATION and ty.unit == "year":
        return plain(_norm(Decimal(value) / 12))
    if k is K.PERCENT:
        return format(_norm(Decimal(value) * 100), "f") + "%"
    if k in (K.INTEGER,) or (k is K.DURATION and isinstance(value, Decimal) and value == value.to_integral_value()):
        return int(value)
    if k is K.RECORD and isinstance(value, dict):
        return {f: plain(v) for f, v in value.items()}
    return plain(value)


def _norm(d: Decimal) -> Decimal:
    n = d.normalize()
    return n.quantize(Decimal(1)) if n == n.to_integral_value() else n


def step_to_dict(step: Step, cp: CheckedPolicy | None = None) -> dict[str, Any]:
    node = step.node
    d: dict[str, Any] = {"node": type(node).__name__, "value": plain(step.value)}
    span = getattr(node, "span", None)
    if span is not None and span.line:
        d["at"] = f"{span.line}:{span.column}"
    if cp is not None and span is not None and span.line:
        from policyrules.explain.text import _source

        d["source"] = _source(cp, node)
    if isinstance(node, n.Name):
        d["name"] = node.dotted
    if isinstance(node, n.Binary):
        d["op"] = node.op
    if step.note:
        d["note"] = step.note
    if step.children:
        d["children"] = [step_to_dict(c, cp) for c in step.children]
    return d


def output_to_dict(r: OutputResult, cp: CheckedPolicy | None = None, trace: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": r.name, "label": r.label, "kind": r.kind,
        "value": typed_plain(r.value, r.type) if r.type is not None else plain(r.value), "eligible": r.eligible,
        "status": r.status, "cites": list(r.cites),
    }
    if r.type is not None:
        d["type"] = str(r.type)
    if r.needed:
        d["still_needed"] = list(r.needed)
    if r.parts:
        d["parts"] = plain(r.parts)
    if r.branch:
        d["rule"] = r.branch
    if r.group_note:
        d["group"] = r.group_note
    if r.term is not None:
        d["term"] = {"limit_months": plain(r.term.limit_months), "used_months": plain(r.term.used_months),
                     "extended": r.term.extended, "within_term": r.term.eligible}
    from policyrules.explain.text import _source

    if cp is not None:
        d["failed_conditions"] = [
            {"condition": _source(cp, c.expr),
             **({"trace": step_to_dict(c.step, cp)} if (trace and c.step is not None) else {})}
            for c in r.failed]
    if trace and r.amount is not None:
        d["trace"] = step_to_dict(r.amount, cp)
    return d


def decision_to_dict(decision: Decision, cp: CheckedPolicy | None = None, trace: bool = False) -> dict[str, Any]:
    return {
        "policy": decision.policy,
        "date": decision.on.isoformat(),
        "parameters": plain(decision.parameters),
        "outputs": {k: output_to_dict(r, cp, trace) for k, r in decision.outputs.items()},
        "invariants": [{"label": i.label, "holds": i.holds} for i in decision.invariants],
    }

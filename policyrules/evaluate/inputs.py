"""Facts and parameters in: validated against the policy's declared schemas before
anything is evaluated.  Every missing, unknown or ill-typed value is named at once."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy
from policyrules.evaluate import forms

K = t.Kind
MONTHS_PER = {"month": Decimal(1), "year": Decimal(12), "day": Decimal(1)}


@attrs.frozen(slots=True)
class InputProblem:
    where: str  # "person.age", "parameter min_wage_monthly"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InputError(Exception):
    """Facts or parameters were refused; ``problems`` lists each one."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


SIGNED_KINDS = (K.INTEGER, K.NUMBER, K.MONEY, K.RATE, K.PERCENT, K.DURATION)
"""Kinds that hold numbers: none of them may be negative unless the fact is declared ``signed``."""


def convert(value: Any, ty: t.Type) -> tuple[Any, str | None]:
    """The runtime value for ``value`` of type ``ty``, or an error message."""
    converted, err = _convert(value, ty)
    if err is None and ty.kind in SIGNED_KINDS and not ty.signed and converted < 0:
        return None, f"cannot be negative, got {forms.show(value)} (declare it `signed {ty}` if it can be)"
    return converted, err


def _convert(value: Any, ty: t.Type) -> tuple[Any, str | None]:
    """The accepted forms of every type are those of :mod:`policyrules.evaluate.forms`, shared
    with batch validation; durations are held in months."""
    converted, err = forms.convert_value(value, ty)
    if err is None and ty.kind is K.DURATION:
        converted = converted * MONTHS_PER[ty.unit or "month"]
    return converted, err


def validate_facts(cp: CheckedPolicy, facts: Any) -> dict[str, dict[str, Any]]:
    """Converted facts by kind; raises InputError naming every problem."""
    problems: list[InputProblem] = []
    if not isinstance(facts, dict):
        raise InputError([InputProblem("facts", "expected a mapping of kinds (person, enterprise, ...) to facts")])
    out: dict[str, dict[str, Any]] = {}
    for kind_name, given in facts.items():
        kind = cp.facts.get(kind_name)
        if kind is None:
            close = difflib.get_close_matches(str(kind_name), list(cp.facts), n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; the policy declares {', '.join(cp.facts)}"
            problems.append(InputProblem(str(kind_name), "unknown kind of facts" + hint))
            continue
        if not isinstance(given, dict):
            problems.append(InputProblem(kind_name, "expected a mapping of fact names to values"))
            continue
        from policyrules.evaluate.records import convert_fields

        out[kind_name] = convert_fields(cp, kind.fields, given, str(kind_name),
                                        lambda where, msg: problems.append(InputProblem(where, msg)), convert,
                                        "unknown fact")
    if problems:
        raise InputError(problems)
    return out


def resolve_parameters(cp: CheckedPolicy, supplied: dict[str, Any], on: dt.date,
                       constant: Any) -> dict[str, Any]:
    """The value of every parameter in force on ``on``; ``constant`` evaluates a
    declared value expression.  Raises InputError naming every problem."""
    problems: list[InputProblem] = []
    values: dict[str, Any] = {}
    for name in supplied:
        if name not in cp.params:
            close = difflib.get_close_matches(name, list(cp.params), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(InputProblem(f"parameter {name}", "the policy has no such parameter" + hint))
    for name, p in cp.params.items():
        if name in supplied:
            if not p.supplied and not p.decl.overridable:
                problems.append(InputProblem(f"parameter {name}", "is set by the policy and cannot be supplied"))
                continue
            from policyrules.evaluate.records import convert_field

            before = len(problems)
            value = convert_field(cp, supplied[name], p.type, f"parameter {name}",
                                  lambda where, msg: problems.append(InputProblem(where, msg)), convert)
            if len(problems) == before:
                values[name] = value
        elif p.decl.fixed is not None:
            values[name] = _written(cp, p.decl.fixed, p.type, name, constant, problems)
        elif p.decl.dated:
            in_force = [dv for dv in p.decl.dated if dv.start <= on]
            if not in_force:
                problems.append(InputProblem(
                    f"parameter {name}", f"has no value in force on {on} (first from {p.decl.dated[0].start})"))
            else:
                values[name] = _written(cp, in_force[-1].expr, p.type, name, constant, problems)
        else:
            problems.append(InputProblem(f"parameter {name}",
                                         f"has no value: supply it (e.g. --param {name}=VALUE), type {p.type}"))
    if problems:
        raise InputError(problems)
    return values


def _written(cp: CheckedPolicy, v: Any, ty: t.Type, name: str, constant: Any, problems: list[InputProblem]) -> Any:
    """A parameter's value as the policy writes it: an expression, or a list, record or table."""
    from policyrules.syntax import nodes as n

    if not isinstance(v, n.ListValue | n.EntriesValue):
        return constant(v)
    from policyrules.evaluate.records import written_value

    return written_value(cp, v, ty, f"parameter {name}", lambda where, msg: problems.append(InputProblem(where, msg)),
                         constant)

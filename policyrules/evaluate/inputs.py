"""Facts and parameters in: validated against the policy's declared schemas before
anything is evaluated.  Every missing, unknown or ill-typed value is named at once."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy

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


_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def _decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | Decimal):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        for suffix in ("元", "yuan"):
            s = s.removesuffix(suffix).strip()
        if _DECIMAL.match(s):
            return Decimal(s)
    return None


SIGNED_KINDS = (K.INTEGER, K.NUMBER, K.MONEY, K.RATE, K.PERCENT, K.DURATION)
"""Kinds that hold numbers: none of them may be negative unless the fact is declared ``signed``."""


def convert(value: Any, ty: t.Type) -> tuple[Any, str | None]:
    """The runtime value for ``value`` of type ``ty``, or an error message."""
    converted, err = _convert(value, ty)
    if err is None and ty.kind in SIGNED_KINDS and not ty.signed and converted < 0:
        return None, f"cannot be negative, got {value!r} (declare it `signed {ty}` if it can be)"
    return converted, err


def _convert(value: Any, ty: t.Type) -> tuple[Any, str | None]:
    k = ty.kind
    if k is K.BOOL:
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true", None
        return None, f"expected true or false, got {value!r}"
    if k is K.INTEGER:
        d = _decimal(value)
        if d is None or d != d.to_integral_value():
            return None, f"expected a whole number, got {value!r}"
        return int(d), None
    if k in (K.NUMBER, K.MONEY, K.RATE):
        d = _decimal(value)
        if d is None:
            what = "a number" if k is K.NUMBER else "an amount of money such as \"960.00\""
            return None, f"expected {what}, got {value!r}"
        return d, None
    if k is K.PERCENT:
        if isinstance(value, str) and value.strip().endswith("%"):
            d = _decimal(value.strip()[:-1])
            if d is not None:
                return d / 100, None
        d = _decimal(value) if not isinstance(value, str) else None
        if d is None:
            return None, f"expected a percentage such as \"5.31%\", got {value!r}"
        if not -1 <= d <= 1:
            return None, f"a bare number is read as a fraction (0.97 is 97%); write {value}% as \"{value}%\""
        return d, None
    if k is K.DURATION:
        d = _decimal(value)
        if d is None:
            return None, f"expected a number of {ty.unit}s, got {value!r}"
        return d * MONTHS_PER[ty.unit or "month"], None
    if k is K.DATE:
        if isinstance(value, dt.date):
            return value, None
        try:
            return dt.date.fromisoformat(str(value)), None
        except ValueError:
            return None, f"expected a date such as 2009-07-01, got {value!r}"
    if k is K.ENUM:
        if isinstance(value, str) and value in ty.values:
            return value, None
        if isinstance(value, bool):  # YAML reads unquoted yes/no as booleans
            return None, f"expected one of {', '.join(ty.values)}, got {value!r}"
        close = difflib.get_close_matches(str(value), list(ty.values), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return None, f"unknown value {value!r}{hint}; expected one of {', '.join(ty.values)}"
    if isinstance(value, str):
        return value, None
    return None, f"expected text, got {value!r}"


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
        row: dict[str, Any] = {}
        for name, field in kind.fields.items():
            if name not in given or given[name] is None:
                problems.append(InputProblem(f"{kind_name}.{name}", f"missing (expected {field.type})"))
                continue
            value, err = convert(given[name], field.type)
            if err:
                problems.append(InputProblem(f"{kind_name}.{name}", err))
            else:
                row[name] = value
        for name in given:
            if name not in kind.fields:
                close = difflib.get_close_matches(str(name), list(kind.fields), n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                problems.append(InputProblem(f"{kind_name}.{name}", "unknown fact" + hint))
        out[kind_name] = row
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
            if not p.supplied:
                problems.append(InputProblem(f"parameter {name}", "is set by the policy and cannot be supplied"))
                continue
            value, err = convert(supplied[name], p.type)
            if err:
                problems.append(InputProblem(f"parameter {name}", err))
            else:
                values[name] = value
        elif p.decl.fixed is not None:
            values[name] = constant(p.decl.fixed)
        elif p.decl.dated:
            in_force = [dv for dv in p.decl.dated if dv.start <= on]
            if not in_force:
                problems.append(InputProblem(
                    f"parameter {name}", f"has no value in force on {on} (first from {p.decl.dated[0].start})"))
            else:
                values[name] = constant(in_force[-1].expr)
        else:
            problems.append(InputProblem(f"parameter {name}",
                                         f"has no value: supply it (e.g. --param {name}=VALUE), type {p.type}"))
    if problems:
        raise InputError(problems)
    return values

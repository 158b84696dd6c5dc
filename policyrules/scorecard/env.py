"""A card's expressions evaluated by the language's interpreter, for one unit.

The unit's fields are the facts of kind ``unit``, its records (by kind) the facts of kind
``records``; the indicators' results, ``last_year``, ``met_count`` and ``score`` are named
values the scorecard supplies as it computes them. Everything else (operators, functions,
aggregates, calendar arithmetic, optional fields, tables and ranges, rounding) is the
language's own :class:`~policyrules.evaluate.expressions.Interpreter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, DecimalException
from typing import Any

from policyrules.check.checked import CheckedPolicy, FactKind, Parameter
from policyrules.evaluate.expressions import Interpreter
from policyrules.evaluate.records import Needed, Record
from policyrules.evaluate.trace import Step
from policyrules.scorecard.check import Analysis
from policyrules.scorecard.model import Scorecard, Value
from policyrules.scorecard.scope import RECORDS, UNIT, runtime_type
from policyrules.source import Source
from policyrules.syntax import nodes as n
from policyrules.types import Kind

Records = Mapping[str, tuple[Mapping[str, Value], ...]]


class EvalError(Exception):
    """An expression has no value for this unit (a field still needed, a ratio over a zero target)."""


def card_policy(card: Scorecard, analysis: Analysis) -> CheckedPolicy:
    """The card as the interpreter sees a policy: its tables, sets, parameters, records, and
    the types and references of its expressions."""
    params = {p.name: Parameter(n.ParameterDecl(p.name, p.label, n.TypeExpr("number"), None, (), (), ()),
                                runtime_type(p.type)) for p in card.parameters}
    return CheckedPolicy(
        ast=n.Policy(()), source=Source("<scorecard>", ""), name=card.name, label=card.label,
        valid_from=None, valid_until=None, rounding_mode="half_up", rounding_quantum=Decimal("0.01"),
        enums={}, sets={s.name: (None, frozenset(s.members)) for s in card.sets},
        tables={tb.name: tb for tb in card.tables}, facts={UNIT: FactKind(UNIT, None, analysis.unit_fields)},
        params=params, values={}, outputs={}, groups={}, invariants=(), refs=analysis.refs, types=analysis.types,
        value_kinds={}, records=analysis.records,
    )


class UnitEnv:
    """One unit's values: its fields, records, the card's parameters and the results so far."""

    def __init__(self, cp: CheckedPolicy, unit: Mapping[str, Value], params: Mapping[str, Value],
                 records: Records, on: date | None) -> None:
        self.cp = cp
        self.unit = unit
        self.records = {kind: tuple(r if isinstance(r, Record) else Record(kind, dict(r)) for r in rows)
                        for kind, rows in records.items()}
        facts: dict[str, dict[str, Any]] = {UNIT: dict(unit), RECORDS: dict(self.records)}
        for kind in cp.records:
            facts[RECORDS].setdefault(kind, ())
        self.it = Interpreter(cp, facts, dict(params), on or date.today(), False, _no_output, _no_part)

    def set(self, name: str, value: Value | None) -> None:
        """A value the card computed (``annual.met``, ``score``); ``None`` leaves it unknown."""
        if value is None:
            self.it.values.pop(name, None)
        else:
            self.it.values[name] = value

    def value(self, expr: n.Expr, record: tuple[str, Mapping[str, Value]] | None = None) -> Value:
        """The value of ``expr`` (for one ``record`` of a kind, when given); raises ``EvalError``."""
        item = None
        if record is not None:
            kind, row = record
            item = row if isinstance(row, Record) else Record(kind, dict(row))
            self.it.items.append(item)
        try:
            value = self.it.ev(expr)
        except Needed as err:
            raise EvalError("still needed: " + ", ".join(err.needed)) from None
        except KeyError as err:
            raise EvalError(f"{_known(err.args[0])} is not known here") from None
        except (DecimalException, ArithmeticError) as err:
            raise EvalError(f"cannot be computed ({type(err).__name__})") from None
        finally:
            if item is not None:
                self.it.items.pop()
        if isinstance(value, Decimal) and value == value.to_integral_value():
            ty = self.cp.types.get(id(expr))
            if ty is not None and ty.kind is Kind.INTEGER:
                return int(value)  # a whole number stays one (a sum of counts is 12, not 12.0)
        return value

    def traced(self, expr: n.Expr) -> Step | None:
        """``expr`` evaluated with its trace (for the language's formula renderer); None when it fails."""
        self.it.tracing = True
        try:
            return self.it.traced(expr)[1]
        except (Needed, KeyError, ArithmeticError):
            return None
        finally:
            self.it.tracing = False
            self.it._frames[:] = [[[], None, None]]


def _known(key: object) -> str:
    text = str(key)
    if text.endswith(".ratio"):
        return f"the ratio of {text.removesuffix('.ratio')} (its target is 0)"
    return text


def _no_output(name: str) -> Any:
    raise KeyError(name)


def _no_part(name: str, part: str) -> Any:
    raise KeyError(f"{name}.{part}")

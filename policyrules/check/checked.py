"""The checked policy: the AST plus everything the checker resolved (types, names,
dependencies).  It is what the evaluator, the explainer and the compiler consume."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from policyrules import types as t
from policyrules.source import Source
from policyrules.syntax import nodes as n

if TYPE_CHECKING:
    from policyrules.scorecard.model import Scorecard


@attrs.frozen(slots=True)
class Ref:
    """What a Name resolved to: ``fact`` (kind, field), ``param``, ``value``, ``output``,
    ``part`` (output, part), ``enum`` (a literal value), ``item`` (a field of the current item
    of a list, record in ``kind``) or ``each`` (a per-item value of the current item)."""

    what: str
    name: str
    kind: str | None = None  # the fact kind, the output of a part, the record of an item field
    path: tuple[str, ...] = ()  # fields of a record reached from it: `housing_loan.first_home`


@attrs.frozen(slots=True)
class FactField:
    name: str
    label: str | None
    type: t.Type
    optional: bool = False  # may be absent: what needs it reports it as still needed
    default: Any = None  # the value when absent (already evaluated)


@attrs.frozen(slots=True)
class RecordSchema:
    """A declared record: its fields, the field that identifies an item, its per-item values."""

    name: str
    label: str | None
    key: str
    fields: dict[str, FactField]
    each: dict[str, tuple[n.ValueDecl, t.Type]] = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class FactKind:
    name: str
    label: str | None
    fields: dict[str, FactField]


@attrs.frozen(slots=True)
class Parameter:
    decl: n.ParameterDecl
    type: t.Type

    @property
    def supplied(self) -> bool:
        """True when the policy leaves the value to the caller."""
        return self.decl.fixed is None and not self.decl.dated


@attrs.frozen(slots=True)
class Band:
    """A row of a range table with its bounds as values (None: open)."""

    low: Any
    low_inclusive: bool
    high: Any
    high_inclusive: bool
    expr: n.Expr

    def holds(self, x: Any) -> bool:
        if self.low is not None and (x < self.low if self.low_inclusive else x <= self.low):
            return False
        return self.high is None or (x <= self.high if self.high_inclusive else x < self.high)


@attrs.frozen(slots=True)
class Table:
    decl: n.TableDecl
    key_type: t.Type
    value_type: t.Type
    entries: dict[str, n.Expr]
    bands: tuple[Band, ...] = ()  # a range table's rows, in written order

    @property
    def name(self) -> str:
        return self.decl.name


@attrs.frozen(slots=True)
class Output:
    decl: n.OutputDecl
    type: t.Type  # money for benefits, bool for outcomes
    amount_type: t.Type | None  # money or a rate, before conversion to the output's period
    part_names: tuple[str, ...]
    kinds: frozenset[str]  # fact kinds it needs (transitively)
    group: str | None

    @property
    def name(self) -> str:
        return self.decl.name


@attrs.frozen(slots=True)
class CheckedPolicy:
    ast: n.Policy
    source: Source
    name: str
    label: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    rounding_mode: str
    rounding_quantum: Decimal
    enums: dict[str, t.Type]
    sets: dict[str, tuple[t.Type | None, frozenset[str]]]
    tables: dict[str, Table]
    facts: dict[str, FactKind]
    params: dict[str, Parameter]
    values: dict[str, tuple[n.ValueDecl, t.Type]]
    outputs: dict[str, Output]
    groups: dict[str, n.GroupDecl]
    invariants: tuple[n.InvariantDecl, ...]
    refs: dict[int, Ref]  # id(Name node) -> what it means
    types: dict[int, t.Type]  # id(expr node) -> its type
    value_kinds: dict[str, frozenset[str]]
    extra: dict[str, Any] = attrs.field(factory=dict)
    scorecards: dict[str, Scorecard] = attrs.field(factory=dict)  # name -> checked scorecard
    records: dict[str, RecordSchema] = attrs.field(factory=dict)
    results: dict[str, tuple[n.ResultDecl, t.Type]] = attrs.field(factory=dict)  # typed outputs

    def ref(self, node: n.Name) -> Ref:
        return self.refs[id(node)]

    def type_of(self, node: Any) -> t.Type:
        return self.types[id(node)]

    def rounding_of(self, d: n.OutputDecl | n.ResultDecl) -> tuple[str, Decimal]:
        """An output's rounding (mode, quantum): its own, else the policy's."""
        if d.rounding:
            r = d.rounding[0]
            q = r.quantum.value if isinstance(r.quantum, n.Money | n.Number) else Decimal("0.01")
            return r.mode, q
        return self.rounding_mode, self.rounding_quantum

    def field(self, name: str) -> FactField | None:
        for kind in self.facts.values():
            if name in kind.fields:
                return kind.fields[name]
        return None

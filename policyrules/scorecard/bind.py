"""Scorecard declarations + the rest of the policy -> checked scorecards.

A ``scorecard`` may use what the policy declares around it: parameters (a target or a
weight the caller may supply, with the values the policy states as defaults), categories
(``enum``, as the type of a field), sets and tables (``deadline[item]``, range tables).
``bind_scorecards`` attaches those a card uses, as the policy's checker typed them, then
checks the card (:func:`~policyrules.scorecard.check.scorecard_problems`) and reports every
problem through the checker's ``report(code, message, span)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.check.checked import Table
from policyrules.check.scope import Scope
from policyrules.scorecard.check import scorecard_problems
from policyrules.scorecard.model import FieldDecl, FieldType, Scorecard, Value
from policyrules.scorecard.scope import card_exprs, nodes_in
from policyrules.scorecard.values import BadValue, parse_value
from policyrules.syntax import nodes as n

Report = Callable[..., None]
_RESERVED = ("score", "last_year", "met_count")
_SCALAR = (t.Kind.INTEGER, t.Kind.NUMBER, t.Kind.PERCENT, t.Kind.BOOL, t.Kind.DATE, t.Kind.TEXT, t.Kind.MONEY,
           t.Kind.ENUM)


class _Binder:
    def __init__(self, decls: Iterable[Any], scope: Scope) -> None:
        decls = list(decls)
        self.scope = scope
        self.params = {d.name: d for d in decls if isinstance(d, n.ParameterDecl)}
        self.enums = {d.name: d for d in decls if isinstance(d, n.EnumDecl)}
        self.tables = {d.name: d for d in decls if isinstance(d, n.TableDecl)}
        self.sets = {d.name: d for d in decls if isinstance(d, n.SetDecl)}
        self.problems: list[tuple[str, str, Any]] = []

    def problem(self, code: str, message: str, span: Any) -> None:
        self.problems.append((code, message, span))

    # ---- types and values
    def field_type(self, type_: FieldType, span: Any) -> FieldType:
        if isinstance(type_, t.Type) and type_.kind is t.Kind.ENUM and not type_.values and type_.name:
            decl = self.enums.get(type_.name)
            if decl is None:
                self.problem("S002", f"no category `{type_.name}` is declared "
                             f"(declare it with `enum {type_.name} = ...`)", span)
                return type_
            return t.enum(decl.values, type_.name)
        return type_

    def value(self, x: Any, type_: t.Type, what: str) -> Value | None:
        raw: Any
        if isinstance(x, n.Unary) and x.op == "neg" and isinstance(x.operand, n.Number | n.Money | n.Percent):
            raw = -x.operand.value
        elif isinstance(x, n.Number | n.Money | n.Percent | n.Bool | n.Text | n.DateLit):
            raw = x.value
        else:
            self.problem("S011", f"{what}: a scorecard reads a stated value written as a literal "
                         "(a number, an amount, a percentage, a date, true/false or text)", x.span)
            return None
        if isinstance(raw, Decimal) and type_.kind is t.Kind.INTEGER and raw == raw.to_integral_value():
            raw = int(raw)
        try:
            return parse_value(raw, type_)
        except BadValue as exc:
            self.problem("S003", f"{what}: {exc} (expected {type_})", x.span)
            return None

    # ---- what a card uses
    def parameter(self, name: str) -> FieldDecl | None:
        decl = self.params[name]
        found = self.scope.params.get(name)
        if found is None:  # its type did not check: the policy's checker said why
            return None
        type_ = found[1]
        if type_.kind not in _SCALAR:
            self.problem("S011", f"parameter `{name}`: a scorecard parameter is a number, an amount, a percentage, "
                         "a date, true/false, text or a category", decl.type.span)
            return None
        values: list[tuple[Any, Value]] = []
        if decl.fixed is not None:
            v = self.value(decl.fixed, type_, f"parameter `{name}`")
            if v is not None:
                values.append((None, v))
        for dv in decl.dated:
            v = self.value(dv.expr, type_, f"parameter `{name}`")
            if v is not None:
                values.append((dv.start, v))
        cite = "; ".join(c.value for c in decl.cites) or None
        text = "\n".join(decl.texts) or None
        return FieldDecl(name, type_, decl.label, cite, text, values, span=decl.span)

    def table(self, name: str) -> Table | None:
        key_type, value_type = self.scope.table_types.get(name, (None, None))
        if key_type is None or value_type is None:
            return None
        decl = self.tables[name]
        return Table(decl, key_type, value_type, {e.key: e.expr for e in decl.entries},
                     self.scope.table_bands.get(name, ()))  # type: ignore[arg-type]

    def bind(self, card: Scorecard) -> Scorecard:
        fields = [attrs.evolve(f, type=self.field_type(f.type, f.span)) for f in card.fields]
        records = [
            attrs.evolve(kind, fields=[attrs.evolve(f, type=self.field_type(f.type, f.span)) for f in kind.fields])
            for kind in card.records
        ]
        local = {f.name for f in fields} | {i.name for i in card.indicators} | set(_RESERVED) | {
            f.name for kind in records for f in kind.fields}
        params: dict[str, FieldDecl] = {p.name: p for p in card.parameters}
        tables: dict[str, Table] = {x.name: x for x in card.tables}
        sets: dict[str, n.SetDecl] = {x.name: x for x in card.sets}
        for node in nodes_in(card_exprs(card)):
            used: str | None = None
            if isinstance(node, n.Name) and len(node.parts) == 1 and node.parts[0] not in local:
                used = node.parts[0]
            elif isinstance(node, n.Lookup) and node.table in self.tables and node.table not in tables:
                table = self.table(node.table)
                if table is not None:
                    tables[node.table] = table
            elif isinstance(node, n.Lookup):
                used = node.table
            elif isinstance(node, n.InSet) and node.set_name in self.sets:
                sets[node.set_name] = self.sets[node.set_name]
            if used is not None and used in self.params and used not in params:
                decl = self.parameter(used)
                if decl is not None:
                    params[used] = decl
        order = list(self.params)
        return attrs.evolve(
            card, fields=fields, records=records,
            parameters=sorted(params.values(), key=lambda p: order.index(p.name) if p.name in order else -1),
            tables=list(tables.values()), sets=list(sets.values()),
        )


def bind_scorecards(decls: Iterable[Any], report: Report, scope: Scope) -> dict[str, Scorecard]:
    """Every scorecard of a policy, bound to the parameters, categories, sets and tables the
    policy's checker declared in ``scope``, and checked; each problem goes to
    ``report(code, message, span)``."""
    decls = list(decls)
    binder = _Binder(decls, scope)
    cards: dict[str, Scorecard] = {}
    for card in (d for d in decls if isinstance(d, Scorecard)):
        binder.problems = []
        if card.name in cards:
            binder.problem("S001", f"a second scorecard is named {card.name}", card.span)
        bound = binder.bind(card)
        problems = binder.problems + [(p.code, p.message, p.span) for p in scorecard_problems(bound)]
        for code, message, span in problems:
            report(code, f"scorecard {card.name}: {message}", span)
        cards.setdefault(card.name, bound)
    return cards


__all__ = ["bind_scorecards"]

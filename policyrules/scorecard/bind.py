"""Scorecard declarations + the rest of the policy -> checked scorecards.

A ``scorecard`` may use what the policy declares around it: parameters (a target or a
weight the caller may supply, with the values the policy states as defaults), categories
(``enum``, as the type of a field) and tables (``deadline[item]``). ``bind_scorecards``
attaches them to each card, then runs :func:`~policyrules.scorecard.check.scorecard_problems`
and reports every problem through the checker's ``report(code, message, span)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.scorecard.check import Problem, scorecard_problems
from policyrules.scorecard.expr import Expr, Lookup, ParamRef, Value, walk
from policyrules.scorecard.model import FieldDecl, FieldType, Scorecard, TableDef
from policyrules.scorecard.values import BadValue, parse_value
from policyrules.syntax import nodes as n

Report = Callable[..., None]

_SIMPLE = {"integer": t.INTEGER, "number": t.NUMBER, "percent": t.PERCENT, "bool": t.BOOL, "date": t.DATE,
           "text": t.TEXT, "money": t.MONEY}


def card_exprs(card: Scorecard) -> list[Expr]:
    """Every expression written in ``card`` (targets, actuals, conditions, keys ...)."""
    out: list[Expr] = []
    for ind in card.indicators:
        out += [ind.target, ind.actual_expr] + ([ind.last_year] if ind.last_year is not None else [])
    for item in card.items:
        for attr in ("condition", "missing", "weight"):
            value = getattr(item, attr, None)
            if value is not None and not isinstance(value, Decimal):
                out.append(value)
    for area in card.areas:
        out += ([area.condition] if area.condition is not None else []) + [k.expr for k in area.order]
    if card.qualification is not None:
        out += [c.expr for c in card.qualification.conditions]
    if card.ranking is not None:
        out += [k.expr for k in card.ranking.tie_breaks]
    out += [x.where for x in card.lists if x.where is not None]
    return out


class _Binder:
    def __init__(self, decls: Iterable[Any]) -> None:
        decls = list(decls)
        self.params = {d.name: d for d in decls if isinstance(d, n.ParameterDecl)}
        self.enums = {d.name: d for d in decls if isinstance(d, n.EnumDecl)}
        self.tables = {d.name: d for d in decls if isinstance(d, n.TableDecl)}
        self.problems: list[Problem] = []
        self.unknown: set[str] = set()

    def problem(self, code: str, message: str, span: Any) -> None:
        self.problems.append(Problem(code, message, span))

    # ---- types and values
    def enum(self, name: str, span: Any) -> t.Type | None:
        decl = self.enums.get(name)
        if decl is None:
            self.problem("S002", f"no category `{name}` is declared (declare it with `enum {name} = ...`)", span)
            return None
        return t.enum(decl.values, name)

    def field_type(self, type_: FieldType, span: Any) -> FieldType:
        if isinstance(type_, t.Type) and type_.kind is t.Kind.ENUM and not type_.values and type_.name:
            return self.enum(type_.name, span) or type_
        return type_

    def type_expr(self, te: n.TypeExpr) -> t.Type | None:
        if te.kind in _SIMPLE:
            return _SIMPLE[te.kind]
        if te.kind == "named" and te.ref is not None:
            return self.enum(te.ref, te.span)
        if te.kind == "enum":
            return t.enum(te.values)
        return None

    def value(self, x: n.Expr, type_: t.Type, what: str) -> Value | None:
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

    # ---- parts
    def parameter(self, name: str) -> FieldDecl | None:
        decl = self.params[name]
        type_ = self.type_expr(decl.type)
        if type_ is None:
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

    def table(self, name: str) -> TableDef | None:
        decl = self.tables[name]
        value_type = self.type_expr(decl.value_type)
        key_type = self.enum(decl.key_type, decl.span)
        if value_type is None:
            self.problem("S011", f"table `{name}`: a scorecard reads tables of numbers, amounts, percentages, "
                         "dates, true/false or text", decl.value_type.span)
            return None
        entries = []
        for entry in decl.entries:
            v = self.value(entry.expr, value_type, f"table `{name}`, entry `{entry.key}`")
            if v is not None:
                entries.append((entry.key, v))
        otherwise = None
        if decl.otherwise is not None:
            otherwise = self.value(decl.otherwise, value_type, f"table `{name}`, `otherwise`")
        return TableDef(name, value_type, entries, otherwise, key_type, decl.label, span=decl.span)

    def bind(self, card: Scorecard) -> Scorecard:
        fields = [attrs.evolve(f, type=self.field_type(f.type, f.span)) for f in card.fields]
        records = [
            attrs.evolve(kind, fields=[attrs.evolve(f, type=self.field_type(f.type, f.span)) for f in kind.fields])
            for kind in card.records
        ]
        params: dict[str, FieldDecl] = {p.name: p for p in card.parameters}
        tables: dict[str, TableDef] = {x.name: x for x in card.tables}
        for expr in card_exprs(card):
            for node in walk(expr):
                if isinstance(node, ParamRef) and node.name not in params:
                    if node.name in self.params:
                        decl = self.parameter(node.name)
                        if decl is not None:
                            params[node.name] = decl
                    elif node.name not in self.unknown:
                        self.unknown.add(node.name)
                        self.problem("S002", f"`{node.name}` is not a field, a record field, an indicator or a "
                                     "parameter of the policy", node.span)
                elif isinstance(node, Lookup) and node.table not in tables:
                    if node.table in self.tables:
                        table = self.table(node.table)
                        if table is not None:
                            tables[node.table] = table
                    else:
                        self.problem("S002", f"no table `{node.table}` is declared", node.span)
        order = list(self.params)
        return attrs.evolve(
            card, fields=fields, records=records,
            parameters=sorted(params.values(), key=lambda p: order.index(p.name) if p.name in order else -1),
            tables=list(tables.values()),
        )


def bind_scorecards(decls: Iterable[Any], report: Report) -> dict[str, Scorecard]:
    """Every scorecard of a policy, bound to its parameters, categories and tables and
    checked; each problem goes to ``report(code, message, span)``."""
    decls = list(decls)
    binder = _Binder(decls)
    cards: dict[str, Scorecard] = {}
    for card in (d for d in decls if isinstance(d, Scorecard)):
        binder.problems = []
        binder.unknown = set()
        if card.name in cards:
            binder.problem("S001", f"a second scorecard is named {card.name}", card.span)
        bound = binder.bind(card)
        unknown = {f"no parameter {name} is declared" for name in binder.unknown}
        problems = binder.problems + [p for p in scorecard_problems(bound)
                                      if not any(p.message.endswith(u) for u in unknown)]
        for p in problems:
            report(p.code, f"scorecard {card.name}: {p.message}", p.span)
        cards.setdefault(card.name, bound)
    return cards


__all__ = ["bind_scorecards", "card_exprs"]

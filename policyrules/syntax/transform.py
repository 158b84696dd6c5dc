"""Lark tree -> AST nodes.  Lark stops here: no other module sees a ``lark.Tree``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import attrs
from lark import Token, Transformer, v_args

from policyrules.diagnostics import Diagnostic
from policyrules.source import Span
from policyrules.syntax import nodes as n
from policyrules.syntax.numerals import parse_cn_number


class NodeError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


_PLAIN_ZH = {"文本": "text", "整数": "integer", "数值": "number", "金额": "money", "百分比": "percent",
             "日期": "date", "年月": "year_month"}


def _span(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return n.NO_SPAN
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _tspan(tok: Token) -> Span:
    return Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


_NUM = re.compile(r"\d+(?:\.\d+)?")
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_COMPARE = {"ge", "le", "gt", "lt", "eq", "ne"}
_ARITH = {"add", "sub", "mul", "div"}


def _unquote(tok: str) -> str:
    if tok.startswith('"""'):
        return tok[3:-3]
    body = tok[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


@lru_cache(maxsize=1)
def transformer() -> type[Any]:
    """The Transformer: entitlement nodes here, scorecard nodes from ``scorecard_ast``
    (imported on first parse, so that importing the package stays light)."""
    from policyrules.syntax.scorecard_ast import ScorecardAst

    return type("ToAst", (ScorecardAst, _ToAst), {})


@v_args(meta=True)
class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes; keyword spelling is gone by now."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _err(self, code: str, message: str, span: Span) -> NodeError:
        return NodeError(Diagnostic(code, message, span, self.path))

    # ---- top level
    def start(self, meta: Any, items: list[Any]) -> list[Any]:
        return items

    def label(self, meta: Any, items: list[Token]) -> tuple[str, str]:
        return ("label", _unquote(str(items[0])))

    def cite(self, meta: Any, items: list[Token]) -> tuple[str, n.Cite]:
        return ("cite", n.Cite(_unquote(str(items[0])), _span(meta)))

    def text(self, meta: Any, items: list[Token]) -> tuple[str, str]:
        return ("text", _unquote(str(items[0])))

    def valid(self, meta: Any, items: list[Any]) -> tuple[str, n.Valid]:
        start = items[0].value
        end = items[1].value if len(items) > 1 else None
        return ("valid", n.Valid(start, end, _span(meta)))

    def rounding(self, meta: Any, items: list[Any]) -> tuple[str, n.Rounding]:
        return ("rounding", n.Rounding(items[0], items[1], _span(meta)))

    def half_up(self, meta: Any, items: list[Any]) -> str:
        return "half_up"

    def half_even(self, meta: Any, items: list[Any]) -> str:
        return "half_even"

    def down(self, meta: Any, items: list[Any]) -> str:
        return "down"

    def up(self, meta: Any, items: list[Any]) -> str:
        return "up"

    @staticmethod
    def _split(items: list[Any]) -> tuple[list[Any], dict[str, list[Any]]]:
        """Positional items and tagged clauses (label, cite, text, ...)."""
        plain: list[Any] = []
        tagged: dict[str, list[Any]] = {}
        for it in items:
            if isinstance(it, tuple) and len(it) == 2 and isinstance(it[0], str) and it[0] in _CLAUSES:
                tagged.setdefault(it[0], []).append(it[1])
            else:
                plain.append(it)
        return plain, tagged

    def policy_decl(self, meta: Any, items: list[Any]) -> n.PolicyDecl:
        plain, t = self._split(items)
        return n.PolicyDecl(plain[0], _first(t, "label"), tuple(t.get("cite", ())), tuple(t.get("text", ())),
                            tuple(t.get("valid", ())), tuple(t.get("rounding", ())), _span(meta))

    def policy_name(self, meta: Any, items: list[Token]) -> str:
        return "-".join(str(t) for t in items)

    def parameter_decl(self, meta: Any, items: list[Any]) -> n.ParameterDecl:
        plain, t = self._split(items)
        name, typ = str(plain[0]), plain[1]
        fixed: n.Expr | None = None
        dated: tuple[n.DatedValue, ...] = ()
        if len(plain) > 2:
            kind, val = plain[2]
            if kind in ("fixed", "overridable"):
                fixed = val
            else:
                dated = tuple(val)
        overridable = len(plain) > 2 and plain[2][0] == "overridable"
        return n.ParameterDecl(name, _first(t, "label"), typ, fixed, dated, tuple(t.get("cite", ())),
                               tuple(t.get("text", ())), _span(meta), overridable)

    def param_fixed(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("fixed", items[0])

    def param_default(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("overridable", items[0])

    def param_dated(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("dated", items)

    def list_value(self, meta: Any, items: list[Any]) -> n.ListValue:
        return n.ListValue(tuple(items), _span(meta))

    def entries_value(self, meta: Any, items: list[Any]) -> n.EntriesValue:
        return n.EntriesValue(tuple(items), _span(meta))

    def value_entry(self, meta: Any, items: list[Any]) -> n.Entry:
        (kind, key), value = items
        return n.Entry(key, kind, value, _span(meta))

    def key_name(self, meta: Any, items: list[Token]) -> tuple[str, str]:
        return ("name", str(items[0]))

    def key_number(self, meta: Any, items: list[Token]) -> tuple[str, str]:
        return ("number", str(items[0]))

    def key_text(self, meta: Any, items: list[Token]) -> tuple[str, str]:
        return ("text", _unquote(str(items[0])))

    def dated_value(self, meta: Any, items: list[Any]) -> n.DatedValue:
        return n.DatedValue(items[0].value, items[1], _span(meta))

    def enum_decl(self, meta: Any, items: list[Any]) -> n.EnumDecl:
        plain, t = self._split(items)
        return n.EnumDecl(str(plain[0]), _first(t, "label"), tuple(str(x) for x in plain[1:]),
                          tuple(t.get("cite", ())), tuple(t.get("text", ())), _span(meta))

    def set_decl(self, meta: Any, items: list[Any]) -> n.SetDecl:
        plain, t = self._split(items)
        return n.SetDecl(str(plain[0]), _first(t, "label"), tuple(str(x) for x in plain[1:]),
                         tuple(t.get("cite", ())), tuple(t.get("text", ())), _span(meta))

    def table_decl(self, meta: Any, items: list[Any]) -> n.TableDecl:
        plain, t = self._split(items)
        if isinstance(plain[1], n.TypeExpr):  # a range table
            ranges = tuple(x for x in plain[3:] if isinstance(x, n.RangeEntry))
            other = [x[1] for x in plain[3:] if isinstance(x, tuple) and x[0] == "otherwise"]
            progressive = any(x == ("progressive", True) for x in plain[3:])
            return n.TableDecl(str(plain[0]), _first(t, "label"), "", plain[2], (), other[0] if other else None,
                               tuple(t.get("cite", ())), tuple(t.get("text", ())), _span(meta), ranges, plain[1],
                               progressive)
        name, key_type, value_type = str(plain[0]), str(plain[1]), plain[2]
        entries = tuple(x for x in plain[3:] if isinstance(x, n.TableEntry))
        other = [x[1] for x in plain[3:] if isinstance(x, tuple)]
        return n.TableDecl(name, _first(t, "label"), key_type, value_type, entries, other[0] if other else None,
                           tuple(t.get("cite", ())), tuple(t.get("text", ())), _span(meta))

    def range_entry(self, meta: Any, items: list[Any]) -> n.RangeEntry:
        low = high = None
        low_inc = high_inc = True
        for kind, value in items[:-1]:
            if kind in ("low_incl", "low_excl"):
                low, low_inc = value, kind == "low_incl"
            else:
                high, high_inc = value, kind == "high_incl"
        return n.RangeEntry(low, low_inc, high, high_inc, items[-1], _span(meta))

    def low_incl(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("low_incl", items[0])

    def low_excl(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("low_excl", items[0])

    def high_incl(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("high_incl", items[0])

    def high_excl(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("high_excl", items[0])

    def progressive(self, meta: Any, items: list[Any]) -> tuple[str, bool]:
        return ("progressive", True)

    def table_entry(self, meta: Any, items: list[Any]) -> n.TableEntry:
        return n.TableEntry(str(items[0]), items[1], _span(meta))

    def table_otherwise(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("otherwise", items[0])

    def facts_decl(self, meta: Any, items: list[Any]) -> n.FactsDecl:
        plain, t = self._split(items)
        return n.FactsDecl(str(plain[0]), _first(t, "label"), tuple(plain[1:]), _span(meta))

    def field_decl(self, meta: Any, items: list[Any]) -> n.FieldDecl:
        plain, t = self._split(items)
        optional = bool(t.get("optional"))
        default = _first(t, "default")
        return n.FieldDecl(str(plain[0]), _first(t, "label"), plain[1], optional, default, _span(meta))

    def optional_mark(self, meta: Any, items: list[Any]) -> tuple[str, bool]:
        return ("optional", True)

    def field_default(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("default", items[0])

    def record_decl(self, meta: Any, items: list[Any]) -> n.RecordDecl:
        plain, t = self._split(items)
        return n.RecordDecl(str(plain[0]), _first(t, "label"), _first(t, "key"),
                            tuple(x for x in plain[1:] if isinstance(x, n.FieldDecl)),
                            tuple(t.get("cite", ())), tuple(t.get("text", ())), _span(meta))

    def record_key(self, meta: Any, items: list[Any]) -> tuple[str, str]:
        return ("key", str(items[0]))

    def value_decl(self, meta: Any, items: list[Any]) -> n.ValueDecl:
        plain, t = self._split(items)
        return n.ValueDecl(str(plain[0]), _first(t, "label"), plain[1], tuple(t.get("cite", ())),
                           tuple(t.get("text", ())), _span(meta), _first(t, "each"))

    def item_scope(self, meta: Any, items: list[Any]) -> tuple[str, str]:
        return ("each", str(items[0]))

    def result_decl(self, meta: Any, items: list[Any]) -> n.ResultDecl:
        plain, t = self._split(items)
        name = str(plain[0])
        typ = plain[1] if len(plain) > 2 else None
        return n.ResultDecl(name, _first(t, "label"), typ, plain[-1], tuple(t.get("cite", ())),
                            tuple(t.get("text", ())), tuple(t.get("rounding", ())), _span(meta))

    # ---- aggregates over records
    def _aggregate(self, op: str, meta: Any, items: list[Any], with_expr: bool) -> n.Aggregate:
        if with_expr:
            expr, coll, rest = items[0], items[1], items[2:]
        else:
            expr, coll, rest = None, items[0], items[1:]
        return n.Aggregate(op, coll, expr, rest[0] if rest else None, _span(meta))

    def count_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("count", meta, items, False)

    def sum_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("sum", meta, items, True)

    def min_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("min", meta, items, True)

    def max_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("max", meta, items, True)

    def any_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("any", meta, items, False)

    def every_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("every", meta, items, False)

    def ids_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("ids", meta, items, False)

    def first_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("first", meta, items, False)

    def last_of(self, meta: Any, items: list[Any]) -> n.Aggregate:
        return self._aggregate("last", meta, items, False)

    # ---- outputs
    def output_decl(self, meta: Any, items: list[Any]) -> n.OutputDecl:
        plain, t = self._split(items)
        kind, name = plain[0], str(plain[1])
        return n.OutputDecl(
            kind, name, _first(t, "label"), _first(t, "period"), tuple(t.get("cite", ())),
            tuple(t.get("text", ())), tuple(t.get("condition", ())), tuple(t.get("amount", ())),
            tuple(t.get("term", ())), tuple(t.get("rounding", ())), tuple(t.get("valid", ())), _span(meta))

    def benefit(self, meta: Any, items: list[Any]) -> str:
        return "benefit"

    def obligation(self, meta: Any, items: list[Any]) -> str:
        return "obligation"

    def exemption(self, meta: Any, items: list[Any]) -> str:
        return "exemption"

    def title(self, meta: Any, items: list[Any]) -> str:
        return "title"

    def outcome(self, meta: Any, items: list[Any]) -> str:
        return "outcome"

    def yearly(self, meta: Any, items: list[Any]) -> tuple[str, str]:
        return ("period", "yearly")

    def monthly(self, meta: Any, items: list[Any]) -> tuple[str, str]:
        return ("period", "monthly")

    def once(self, meta: Any, items: list[Any]) -> tuple[str, str]:
        return ("period", "once")

    def condition(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("condition", items[0])

    def amount(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("amount", items[0])

    def exceptions(self, meta: Any, items: list[Any]) -> n.Choice:
        return n.Choice("exceptions", tuple(items[1:]), items[0], _span(meta))

    def exception(self, meta: Any, items: list[Any]) -> n.Branch:
        return n.Branch(items[0], items[1], _span(meta))

    alternative = exception

    def alternatives(self, meta: Any, items: list[Any]) -> n.Choice:
        branches = tuple(x for x in items if isinstance(x, n.Branch))
        default = [x[1] for x in items if isinstance(x, tuple)]
        return n.Choice("alternatives", branches, default[0] if default else None, _span(meta))

    def otherwise(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return ("else", items[0])

    def parts(self, meta: Any, items: list[Any]) -> n.Parts:
        return n.Parts(tuple(items), _span(meta))

    def allocation(self, meta: Any, items: list[Any]) -> n.Allocation:
        return n.Allocation(items[0], tuple(items[1:]), _span(meta))

    def part(self, meta: Any, items: list[Any]) -> n.Part:
        plain, t = self._split(items)
        return n.Part(str(plain[0]), _first(t, "label"), plain[1], _span(meta))

    def term(self, meta: Any, items: list[Any]) -> tuple[str, n.Term]:
        return ("term", n.Term(items[0], items[1], tuple(items[2:]), _span(meta)))

    def extension(self, meta: Any, items: list[Any]) -> n.Extension:
        if len(items) == 2:
            return n.Extension(items[0], items[1], _span(meta))
        return n.Extension(None, items[0], _span(meta))

    def group_decl(self, meta: Any, items: list[Any]) -> n.GroupDecl:
        plain, t = self._split(items)
        members = [x for x in plain[2:] if isinstance(x, Token)]
        return n.GroupDecl(str(plain[0]), _first(t, "label"), plain[1], tuple(str(m) for m in members),
                           tuple(_tspan(m) for m in members), tuple(t.get("cite", ())),
                           tuple(t.get("text", ())), _span(meta))

    def highest(self, meta: Any, items: list[Any]) -> str:
        return "highest"

    def first(self, meta: Any, items: list[Any]) -> str:
        return "first"

    def invariant_decl(self, meta: Any, items: list[Any]) -> n.InvariantDecl:
        plain, t = self._split(items)
        return n.InvariantDecl(_first(t, "label"), plain[0], tuple(t.get("cite", ())),
                               tuple(t.get("text", ())), _span(meta))

    # ---- types
    def signed_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return attrs.evolve(items[0], signed=True, span=_span(meta))

    def money_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        if items:
            return n.TypeExpr("rate", unit=items[0], span=_span(meta))
        return n.TypeExpr("money", span=_span(meta))

    def rate_period(self, meta: Any, items: list[Any]) -> str:
        it = items[0]
        if isinstance(it, Token):
            return "month" if it.type == "PER_MONTH_ZH" else "year"
        return str(it)

    def month(self, meta: Any, items: list[Any]) -> str:
        return "month"

    def year(self, meta: Any, items: list[Any]) -> str:
        return "year"

    def integer_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("integer", span=_span(meta))

    def number_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("number", span=_span(meta))

    def percent_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("percent", span=_span(meta))

    def bool_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("bool", span=_span(meta))

    def date_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("date", span=_span(meta))

    def text_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("text", span=_span(meta))

    def duration_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("duration", unit=items[0], span=_span(meta))

    def days_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("duration", unit="day", span=_span(meta))

    def months_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("duration", unit="month", span=_span(meta))

    def years_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("duration", unit="year", span=_span(meta))

    def list_type(self, meta: Any, items: list[Token]) -> n.TypeExpr:
        element = str(items[-1])  # a record, a category, or a plain type (`列表 文本` is `list of text`)
        return n.TypeExpr("list", element=_PLAIN_ZH.get(element, element), span=_span(meta))

    def map_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("map", key=items[0], value=items[1], span=_span(meta))

    def month_type(self, meta: Any, items: list[Any]) -> n.TypeExpr:
        return n.TypeExpr("month", span=_span(meta))

    def named_type(self, meta: Any, items: list[Token]) -> n.TypeExpr:
        return n.TypeExpr("named", ref=str(items[0]), span=_span(meta))

    def enum_type(self, meta: Any, items: list[Token]) -> n.TypeExpr:
        return n.TypeExpr("enum", values=tuple(str(x) for x in items), span=_span(meta))

    def days(self, meta: Any, items: list[Any]) -> str:
        return "day"

    def months(self, meta: Any, items: list[Any]) -> str:
        return "month"

    def years(self, meta: Any, items: list[Any]) -> str:
        return "year"

    # ---- expressions
    def cap(self, meta: Any, items: list[Any]) -> n.Bound:
        return n.Bound("cap", items[0], items[1], _span(meta))

    def floor(self, meta: Any, items: list[Any]) -> n.Bound:
        return n.Bound("floor", items[0], items[1], _span(meta))

    def if_expr(self, meta: Any, items: list[Any]) -> n.IfExpr:
        return n.IfExpr(items[0], items[1], items[2], _span(meta))

    def implies(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("implies", items[0], items[1], _span(meta))

    def or_(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("or", items[0], items[1], _span(meta))

    def and_(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("and", items[0], items[1], _span(meta))

    def not_(self, meta: Any, items: list[Any]) -> n.Unary:
        return n.Unary("not", items[0], _span(meta))

    def neg(self, meta: Any, items: list[Any]) -> n.Unary:
        return n.Unary("neg", items[0], _span(meta))

    def compare(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary(items[1], items[0], items[2], _span(meta))

    def ge(self, meta: Any, items: list[Any]) -> str:
        return "ge"

    def le(self, meta: Any, items: list[Any]) -> str:
        return "le"

    def gt(self, meta: Any, items: list[Any]) -> str:
        return "gt"

    def lt(self, meta: Any, items: list[Any]) -> str:
        return "lt"

    def eq(self, meta: Any, items: list[Any]) -> str:
        return "eq"

    def ne(self, meta: Any, items: list[Any]) -> str:
        return "ne"

    def in_set(self, meta: Any, items: list[Any]) -> n.InSet:
        name, members, source = items[1]
        return n.InSet(items[0], name, members, False, _span(meta), source)

    def not_in_set(self, meta: Any, items: list[Any]) -> n.InSet:
        name, members, source = items[1]
        return n.InSet(items[0], name, members, True, _span(meta), source)

    def set_name(self, meta: Any, items: list[Token]) -> tuple[str | None, tuple[str, ...], n.Name]:
        return (str(items[0]), (), n.Name((str(items[0]),), _span(meta)))

    def set_literal(self, meta: Any, items: list[Token]) -> tuple[str | None, tuple[str, ...], None]:
        return (None, tuple(str(x) for x in items), None)

    def add(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("add", items[0], items[1], _span(meta))

    def sub(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("sub", items[0], items[1], _span(meta))

    def mul(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("mul", items[0], items[1], _span(meta))

    def div(self, meta: Any, items: list[Any]) -> n.Binary:
        return n.Binary("div", items[0], items[1], _span(meta))

    def of_en(self, meta: Any, items: list[Any]) -> n.Of:
        return n.Of(items[0], items[1], _span(meta))

    def of_zh(self, meta: Any, items: list[Any]) -> n.Of:
        return n.Of(items[1], items[0], _span(meta))

    def per_period(self, meta: Any, items: list[Any]) -> n.PerPeriod:
        return n.PerPeriod(items[0], items[1], _span(meta))

    def call(self, meta: Any, items: list[Any]) -> n.Call:
        from policyrules.builtins import canonical_function

        func = str(items[0])
        return n.Call(canonical_function(func), tuple(x for x in items[1:] if x is not None), _span(meta))

    def lookup(self, meta: Any, items: list[Any]) -> n.Lookup:
        return n.Lookup(str(items[0]), items[1], _span(meta))

    def actual(self, meta: Any, items: list[Any]) -> n.Actual:
        return n.Actual(items[0], _span(meta))

    def evaluation_date(self, meta: Any, items: list[Any]) -> n.EvaluationDate:
        return n.EvaluationDate(_span(meta))

    def name(self, meta: Any, items: list[Token]) -> n.Name:
        return n.Name(tuple(str(t) for t in items), _span(meta))

    # ---- literals
    def number(self, meta: Any, items: list[Token]) -> n.Number:
        return n.Number(Decimal(str(items[0])), _span(meta))

    def money(self, meta: Any, items: list[Token]) -> n.Money:
        return n.Money(Decimal(str(items[0])), _span(meta))

    def money_zh(self, meta: Any, items: list[Token]) -> n.Money:
        return n.Money(Decimal(_NUM.match(str(items[0])).group(0)), _span(meta))  # type: ignore[union-attr]

    def money_wan(self, meta: Any, items: list[Token]) -> n.Money:
        return n.Money(Decimal(str(items[0])) * 10000, _span(meta))

    def money_wan_zh(self, meta: Any, items: list[Token]) -> n.Money:
        return n.Money(Decimal(_NUM.match(str(items[0])).group(0)) * 10000, _span(meta))  # type: ignore[union-attr]

    def cn_money(self, meta: Any, items: list[Token]) -> n.Money:
        return n.Money(parse_cn_number(str(items[0])[:-1]), _span(meta))

    def percent(self, meta: Any, items: list[Token]) -> n.Percent:
        return n.Percent(Decimal(_NUM.match(str(items[0])).group(0)) / 100, _span(meta))  # type: ignore[union-attr]

    def cn_percent(self, meta: Any, items: list[Token]) -> n.Percent:
        return n.Percent(parse_cn_number(str(items[0])[3:]) / 100, _span(meta))

    def duration(self, meta: Any, items: list[Any]) -> n.Duration:
        return n.Duration(Decimal(str(items[0])), items[1], _span(meta))

    def duration_zh(self, meta: Any, items: list[Token]) -> n.Duration:
        s = str(items[0])
        return n.Duration(Decimal(_NUM.match(s).group(0)), _zh_unit(s), _span(meta))  # type: ignore[union-attr]

    def cn_duration(self, meta: Any, items: list[Token]) -> n.Duration:
        s = str(items[0])
        unit = _zh_unit(s)
        digits = s[: -2] if s.endswith("个月") else s[:-1]
        return n.Duration(parse_cn_number(digits), unit, _span(meta))

    def date(self, meta: Any, items: list[Token]) -> n.DateLit:
        s = str(items[0])
        m = _CN_DATE.fullmatch(s)
        try:
            value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else dt.date.fromisoformat(s)
        except ValueError:
            raise self._err("P004", f"not a valid date: {s}", _tspan(items[0])) from None
        return n.DateLit(value, _span(meta))

    def true(self, meta: Any, items: list[Any]) -> n.Bool:
        return n.Bool(True, _span(meta))

    def false(self, meta: Any, items: list[Any]) -> n.Bool:
        return n.Bool(False, _span(meta))

    def string(self, meta: Any, items: list[Token]) -> n.Text:
        return n.Text(_unquote(str(items[0])), _span(meta))


_CLAUSES = {"label", "cite", "text", "valid", "rounding", "period", "condition", "amount", "term", "optional",
            "default", "key", "each"}


def _first(tagged: dict[str, list[Any]], key: str) -> Any:
    vals = tagged.get(key)
    return vals[0] if vals else None


def _zh_unit(s: str) -> str:
    if s.endswith("个月") or s.endswith("月"):
        return "month"
    if s.endswith("年"):
        return "year"
    return "day"

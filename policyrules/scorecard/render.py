"""A card's expressions printed for an explanation: as written, or with the values substituted.

``render(expr, view)`` prints an expression the way a scorecard explanation reads it
(``count of worker where labour_contract and consecutive_months >= 3``; in Chinese with the
fields' labels, ``新招工人数,条件:签订了劳动合同 …``); with ``values=True`` each name shows its
value for the unit. A construct the scorecard wording has no phrase for (a function, ``of``,
``if``, a cap, a range) is printed by the language's own printer, and with its values by the
language's formula renderer (:class:`policyrules.explain.formula.Formula`).
"""

from __future__ import annotations

from typing import Any

import attrs

from policyrules import types as t
from policyrules.explain import formula
from policyrules.scorecard.check import Analysis
from policyrules.scorecard.env import EvalError, UnitEnv
from policyrules.scorecard.model import Part, Scorecard, Value
from policyrules.scorecard.values import fmt_value
from policyrules.syntax import nodes as n
from policyrules.syntax.printer import print_expr
from policyrules.types import Kind

_PLAIN_KINDS = (None, Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.PERCENT, Kind.BOOL, Kind.DATE, Kind.TEXT, Kind.ENUM)


@attrs.define
class View:
    """One unit as an explanation sees it: the card, its checked expressions and the unit's values."""

    card: Scorecard
    analysis: Analysis
    env: UnitEnv
    record_kind: str | None = None  # inside a count or a sum: the records' fields are the names

    def type_of(self, expr: n.Expr) -> t.Type | None:
        return self.analysis.types.get(id(expr))

    def value(self, expr: n.Expr) -> Value:
        return self.env.value(expr)


def show(value: Value | None, type_: t.Type | None, lang: str = "en") -> str:
    """A value in its unit: as the scorecard prints numbers, else as the language does (durations …)."""
    kind = type_.kind if type_ is not None else None
    if kind in _PLAIN_KINDS or value is None:
        return fmt_value(value, kind, lang)
    return formula.fmt_value(value, type_, lang)


def indicator_type(name: str, view: View) -> t.Type | None:
    ind = view.card.indicator(name)
    return ind.type if ind.type is not None else view.type_of(ind.actual_expr)


def indicator_kind(name: str, view: View) -> Kind | None:
    ty = indicator_type(name, view)
    return ty.kind if ty is not None else None


def label_of(name: str, view: View, lang: str) -> str:
    """A field's, parameter's or indicator's name, or its Chinese label for ``zh``."""
    if lang != "zh":
        return name
    card = view.card
    decls: list[Any] = [*card.fields, *card.parameters, *card.indicators]
    if view.record_kind:
        decls = [*card.record_kind(view.record_kind).fields, *decls]
    for decl in decls:
        if decl.name == name and decl.label:
            return decl.label
    return name


def met_operator(direction: str, inclusive: bool, met: bool) -> str:
    """The comparison that held between actual and target, e.g. ``>=`` or ``<``."""
    if direction == "is":
        return "=" if met else "≠"
    if direction == "at least":
        return (">=" if inclusive else ">") if met else ("<" if inclusive else "<=")
    return ("<=" if inclusive else "<") if met else (">" if inclusive else ">=")


_PREC = {"or": 1, "implies": 1, "and": 2, "not": 3, "cmp": 4, "add": 5, "sub": 5, "mul": 6, "div": 6}
_COMPARE = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "==", "ne": "!="}
_WORDS = {
    "en": {"and": " and ", "or": " or ", "implies": " implies ", "not": "not ", "mul": " x ", "last_year": "last_year",
           "today": "evaluation_date", "score": "score", "count": "count of {kind}", "met": "met count {area}",
           "sum": "sum of {value} over {kind}", "where": " where ", "absent": "(not given)"},
    "zh": {"and": " 且 ", "or": " 或 ", "implies": " 则 ", "not": "非 ", "mul": " × ", "last_year": "去年实际",
           "today": "评估日期", "score": "得分", "count": "{kind}数", "met": "{area}达标指标数",
           "sum": "{kind}的{value}合计", "where": ",条件:", "absent": "(未填报)"},
}
_ZH_PARTS = {Part.ACTUAL: "实际", Part.TARGET: "目标", Part.MET: "达标", Part.RATIO: "完成比例",
             Part.LAST_YEAR: "去年实际"}


def _prec(expr: n.Expr) -> int:
    if isinstance(expr, n.Binary):
        return _PREC["cmp"] if expr.op in _COMPARE else _PREC[expr.op]
    if isinstance(expr, n.Unary) and expr.op == "not":
        return _PREC["not"]
    return 10


def render(expr: n.Expr, view: View, lang: str = "en", values: bool = False) -> str:  # noqa: C901
    """``expr`` as written, or with each name replaced by its value when ``values``."""
    words = _WORDS[lang]

    def sub(child: n.Expr, parent: int, right: bool = False) -> str:
        text = render(child, view, lang, values)
        p = _prec(child)
        return f"({text})" if p < parent or (right and p == parent) else text

    def leaf(name: str) -> str:
        if not values:
            return name
        try:
            return show(view.value(expr), view.type_of(expr), lang)
        except EvalError:  # an optional field the unit left out
            return f"{name} {words['absent']}"

    if isinstance(expr, n.Number | n.Money | n.Percent | n.Bool | n.Text | n.DateLit):
        return show(expr.value, view.type_of(expr), lang)
    if isinstance(expr, n.Name):
        return _name(expr, view, lang, values, leaf)
    if isinstance(expr, n.EvaluationDate):
        return leaf(words["today"])
    if isinstance(expr, n.Lookup) and not any(tb.name == expr.table and tb.bands for tb in view.card.tables):
        if values:
            return show(view.value(expr), view.type_of(expr), lang)
        return f"{expr.table}[{render(expr.key, view, lang)}]"
    if isinstance(expr, n.Binary):
        p = _prec(expr)
        if expr.op in _COMPARE:
            return f"{sub(expr.left, p)} {_COMPARE[expr.op]} {sub(expr.right, p, True)}"
        if expr.op in ("and", "or", "implies"):
            return f"{sub(expr.left, p)}{words[expr.op]}{sub(expr.right, p)}"
        op = {"mul": words["mul"], "div": "/", "add": " + ", "sub": " - "}[expr.op]
        return f"{sub(expr.left, p)}{op}{sub(expr.right, p, True)}"
    if isinstance(expr, n.Unary):
        if expr.op == "not":
            return words["not"] + sub(expr.operand, _PREC["not"])
        return "-" + sub(expr.operand, 7)
    if isinstance(expr, n.Aggregate) and values:
        return show(view.value(expr), view.type_of(expr), lang)
    if isinstance(expr, n.Aggregate) and expr.op in ("count", "sum"):
        kind = expr.items.parts[0]
        kind_label = view.card.record_kind(kind).label if lang == "zh" else None
        inner = attrs.evolve(view, record_kind=kind)
        value = render(expr.expr, inner, lang) if expr.expr is not None else ""
        text = words[expr.op].format(kind=kind_label or kind, value=value)
        if expr.where is not None:
            text += words["where"] + render(expr.where, inner, lang)
        return text
    # the rest of the language: its printer, and its formula renderer for the values
    if not values:
        return print_expr(expr, lang)
    step = view.env.traced(expr)
    if step is None:
        return f"{print_expr(expr, lang)} {words['absent']}"
    if isinstance(expr, n.Call) and expr.func == "given" and step.value is False:
        return f"{print_expr(expr, lang)} ✗"  # the field left out has no step to show
    return formula.Formula(view.env.cp, lang).full(step)


def _name(expr: n.Name, view: View, lang: str, values: bool, leaf: Any) -> str:
    words = _WORDS[lang]
    ref = view.analysis.refs.get(id(expr))
    if ref is None or ref.what != "value":
        if ref is not None and ref.what == "enum":
            return ref.name
        return leaf(label_of(expr.parts[-1], view, lang))
    key = ref.name
    if key == "score":
        return leaf(words["score"])
    if key == "last_year":
        return leaf(words["last_year"])
    head, _, part = key.rpartition(".")
    if key == "met_count" or part == "met_count":
        area = next((a for a in view.card.areas if a.name == head), None)
        area_name = "" if area is None else (area.label or area.name) if lang == "zh" else area.name
        return leaf(words["met"].format(area=area_name).strip())
    which = Part(part)
    name = label_of(head, view, lang)
    text = f"{name}.{which.value}" if lang == "en" else f"{name}{_ZH_PARTS[which]}"
    if values and which in (Part.RATIO, Part.MET):
        env = view.env
        actual, target = env.it.values[f"{head}.actual"], env.it.values[f"{head}.target"]
        ty = indicator_type(head, view)
        a, tg = show(actual, ty, lang), show(target, ty, lang)
        if which is Part.RATIO:
            return f"{a}/{tg}"
        ind = view.card.indicator(head)
        met = env.it.values[f"{head}.met"]
        shown = f"{a} {met_operator(ind.direction.value, ind.inclusive, met)} {tg}"
        return fmt_value(met, None, lang) + (f"({shown})" if lang == "zh" else f" ({shown})")
    return leaf(text)

"""A Step -> the formula with values substituted, as an auditor reads it:
``min(10% × annual_rent 36000.00 = 3600.00, cap 2000.00) = 2000.00 (cap applied)``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy
from policyrules.evaluate.trace import Step
from policyrules.syntax import nodes as n

K = t.Kind
WORDS = {
    "en": {"cap": "cap", "floor": "floor", "cap applied": "cap applied", "floor applied": "floor applied",
           "true": "true", "false": "false", "and": "and", "or": "or", "not": "not", "implies": "implies",
           "in": "in", "not in": "not in", "if": "if", "then": "then", "else": "else", "of": "of",
           "month": "month", "months": "months", "year": "year", "years": "years", "day": "day", "days": "days",
           "per month": "/month", "per year": "/year", "actual": "actual", "evaluation date": "evaluation date"},
    "zh": {"cap": "上限", "floor": "下限", "cap applied": "适用上限", "floor applied": "适用下限",
           "true": "是", "false": "否", "and": "且", "or": "或", "not": "非", "implies": "蕴含",
           "in": "属于", "not in": "不属于", "if": "如果", "then": "则", "else": "否则", "of": "的",
           "month": "个月", "months": "个月", "year": "年", "years": "年", "day": "天", "days": "天",
           "per month": "/月", "per year": "/年", "actual": "实际", "evaluation date": "评估日期"},
}
SYMBOLS = {"add": "+", "sub": "-", "mul": "×", "div": "÷", "ge": ">=", "le": "<=", "gt": ">", "lt": "<",
           "eq": "=", "ne": "!="}


def fmt_decimal(d: Decimal, places: int | None = None) -> str:
    if places is not None:
        return format(d.quantize(Decimal(1).scaleb(-places)), "f")
    text = format(d.normalize(), "f")
    return text


def fmt_value(value: Any, ty: t.Type | None, lang: str = "en", records: Any = None) -> str:
    """A runtime value in its unit: money to the fen, percentages, durations; a record's fields
    in theirs when ``records`` (the policy's record schemas) is given."""
    w = WORDS[lang]
    if isinstance(value, bool):
        return w["true"] if value else w["false"]
    if ty is None:
        return str(value)
    k = ty.kind
    if k is K.MONEY:
        return _money(value)
    if k is K.RATE:
        return _money(value) + w["per month" if ty.unit == "month" else "per year"]
    if k is K.PERCENT:
        return fmt_decimal(Decimal(value) * 100) + "%"
    if k is K.DURATION:
        if ty.unit == "year":
            yrs = Decimal(value) / 12
            word = w["year"] if (lang != "en" or yrs == 1) else w["years"]
            return f"{_short(yrs)} {word}".replace(" 年", "年")
        unit = ("days" if value != 1 else "day") if ty.unit == "day" else ("months" if value != 1 else "month")
        text = f"{_short(Decimal(value))} {w[unit]}"
        return text.replace(" 个月", "个月").replace(" 天", "天")
    if k is K.NUMBER and isinstance(value, Decimal):
        return _short(value)
    if k is K.MONTH and isinstance(value, dt.date):
        return f"{value.year}年{value.month}月" if lang == "zh" else f"{value.year:04d}-{value.month:02d}"
    if k is K.LIST and isinstance(value, tuple):
        shown = [fmt_value(v, ty.element, lang, records) for v in value[:8]]
        return "[" + ", ".join(shown) + (f", … {len(value) - 8} more" if len(value) > 8 else "") + "]"
    if k is K.RECORD and isinstance(value, dict):
        ident = value.get("id")
        if ident is not None:
            return f"{ty.record} {ident}"
        schema = records.get(ty.record) if records else None
        fields = []
        for f, v in list(value.items())[:4]:
            fty = schema.fields[f].type if schema is not None and f in schema.fields else None
            fields.append(f"{f} {fmt_value(v, fty, lang, records)}")
        return f"{ty.record} (" + ", ".join(fields) + ")"
    if k is K.MAP and isinstance(value, dict):
        return "{" + ", ".join(f"{kk}: {fmt_value(v, ty.element, lang)}" for kk, v in value.items()) + "}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _money(value: Any) -> str:
    d = Decimal(value)
    if d == d.quantize(Decimal("0.01")):
        return format(d.quantize(Decimal("0.01")), "f")
    return _short(d)


def _short(d: Decimal) -> str:
    """At most four decimals on screen (values stay exact); a long tail shows as …"""
    q = d.quantize(Decimal("0.0001"))
    return fmt_decimal(q) + ("…" if q != d else "")


class Formula:
    """Renders steps of one policy in one language."""

    def __init__(self, cp: CheckedPolicy, lang: str = "en", cite: str | None = None):
        self.cp = cp
        self.lang = lang
        self.w = WORDS[lang]
        self.cite = cite

    def value(self, step: Step) -> str:
        return fmt_value(step.value, self.cp.types.get(id(step.node)), self.lang, self.cp.records)

    @staticmethod
    def atomic(step: Step) -> bool:
        return isinstance(step.node, n.Number | n.Money | n.Percent | n.Duration | n.DateLit | n.Bool | n.Text
                          | n.Name | n.EvaluationDate)

    def full(self, step: Step) -> str:
        """``formula = value``, with ``(cap applied; clause)`` where a bound decided."""
        body = self.body(step)
        if self.atomic(step):
            return body
        if isinstance(step.value, bool):
            return f"{body} {'✓' if step.value else '✗'}"
        tail = ""
        if step.note in ("cap applied", "floor applied"):
            tail = f" ({self.w[step.note]}" + (f"; {self.cite})" if self.cite else ")")
        return f"{body} = {self.value(step)}{tail}"

    def sub(self, step: Step) -> str:
        """An operand of an operator: compound ones in parentheses with their value."""
        return self.body(step) if self.atomic(step) else f"({self.full(step)})"

    def arg(self, step: Step) -> str:
        """An argument of min/max/a function: no parentheses needed."""
        return self.full(step)

    def line(self, step: Step) -> str:
        """A condition on a line of its own (its mark is printed in front)."""
        if self.atomic(step):
            return self.body(step)
        return self.body(step)

    def body(self, step: Step) -> str:  # noqa: C901
        e = step.node
        c = step.children
        w = self.w
        if isinstance(e, n.Name):
            if step.note is None:
                return str(step.value)  # an enum value
            return f"{e.dotted} {self.value(step)}"
        if isinstance(e, n.Money):
            return f"{_money(e.value)}元" if self.lang == "zh" else _money(e.value)
        if isinstance(e, n.Number | n.Percent | n.Duration | n.DateLit | n.Bool | n.Text):
            return self.value(step)
        if isinstance(e, n.EvaluationDate):
            return f"{w['evaluation date']} {self.value(step)}"
        if isinstance(e, n.Of):
            return f"{self.sub(c[0])} × {self.sub(c[1])}"
        if isinstance(e, n.Binary):
            if e.op in ("and", "or", "implies"):
                return f" {w[e.op]} ".join(self._logic_operand(x) for x in c)
            if len(c) == 2:
                return f"{self.sub(c[0])} {SYMBOLS[e.op]} {self.sub(c[1])}"
            return f"{self.sub(c[0])} {SYMBOLS[e.op]} …"
        if isinstance(e, n.Unary):
            return f"{w['not']} {self.sub(c[0])}" if e.op == "not" else f"-{self.sub(c[0])}"
        if isinstance(e, n.Bound):
            fn = "min" if e.kind == "cap" else "max"
            return f"{fn}({self.arg(c[0])}, {w[e.kind]} {self.arg(c[1])})"
        if isinstance(e, n.InSet):
            where = e.set_name or "{" + ", ".join(e.members) + "}"
            word = w["not in"] if e.negated else w["in"]
            return f"{self.sub(c[0])} {word} {where}"
        if isinstance(e, n.Call):
            return f"{e.func}({', '.join(self.arg(x) for x in c)})"
        if isinstance(e, n.Lookup):
            return f"{e.table}[{self.sub(c[0])}]"
        if isinstance(e, n.IfExpr):
            cond = c[0]
            return f"{w['if']} {self._logic_operand(cond)} {w['then' if cond.value else 'else']} {self.sub(c[1])}"
        if isinstance(e, n.Actual):
            return f"{w['actual']} {self.sub(c[0])}"
        if isinstance(e, n.PerPeriod):
            return self.sub(c[0]) + w["per month" if e.period == "month" else "per year"]
        if isinstance(e, n.Aggregate):
            from policyrules.explain.text import _source

            return _source(self.cp, e)
        return self.value(step)

    def _logic_operand(self, step: Step) -> str:
        if self.atomic(step):
            return self.body(step)
        if isinstance(step.node, n.Binary) and step.node.op in ("and", "or", "implies"):
            return f"({self.body(step)})"
        return self.full(step)

    def failed(self, step: Step) -> list[Step]:
        """The comparisons that made a false condition false, followed down through named values
        and `and` (why not)."""
        node = step.node
        if step.value is not False:
            return []
        if isinstance(node, n.Name) and step.children:
            return self.failed(step.children[-1]) or []
        if isinstance(node, n.Binary) and node.op == "and":
            return [f for c in step.children for f in self.failed(c)]
        if isinstance(node, n.Binary) and node.op in ("or", "implies"):
            return [step]
        return [step] if not isinstance(node, n.Name) else []

    def items(self, step: Step, limit: int = 30) -> list[str]:
        """One line per item an aggregate went through: included or not, and why."""
        e = step.node
        assert isinstance(e, n.Aggregate)
        items = [ch for ch in step.children if ch.note == "item"]
        if not any(ch.children for ch in items):
            return []
        out = [f"{self.w.get('items of', 'items of')} {e.items.dotted}:"] if items else []
        for ch in items[:limit]:
            parts = [self.full(x) if not isinstance(x.value, bool) else self.line(x) for x in ch.children]
            mark = "✓" if ch.value else "✗"
            why = [self.line(f) for x in ch.children if x.value is False for f in self.failed(x) if f is not x]
            tail = f" (✗ {'; ✗ '.join(why)})" if why else ""
            out.append(f"  {mark} {ch.name}: " + "; ".join(parts) + tail)
        if len(items) > limit:
            out.append(f"  … {len(items) - limit} more")
        return out

    def definitions(self, step: Step, seen: set[str] | None = None) -> list[str]:
        """``name = formula = value`` for every named value the step used."""
        seen = set() if seen is None else seen
        out: list[str] = []
        if isinstance(step.node, n.Lookup) and step.note and step.note.startswith("bands: "):
            out.append(f"{step.node.table}:")  # a progressive table: one line per band
            out.extend(f"  {line}" for line in step.note.removeprefix("bands: ").split("; "))
        if isinstance(step.node, n.Aggregate) and f"#{id(step.node)}" not in seen:
            seen.add(f"#{id(step.node)}")  # each aggregate's items once
            out.extend(self.items(step))
        for ch in step.children:
            if ch.note == "item":
                continue
            if ch.note == "value" and ch.name and ch.name not in seen:
                seen.add(ch.name)
                inner = ch.children[0] if ch.children else None
                if inner is not None:
                    out.extend(self.definitions(inner, seen))
                    out.append(f"{ch.name} = {self.full(inner)}")
            else:
                out.extend(self.definitions(ch, seen))
        return out


# ---------------------------------------------------------------- line breaking
# Where a card line may break, loosest kind first at a nesting level: before `and`/`or`, before
# `then`/`else`, after a comma, before `+`/`-`, before `×`/`÷`.  The formatter's rule 4 (docs/editor.md).
_BREAKS = [(" and ", 0, True), (" or ", 0, True), (" 且 ", 0, True), (" 或 ", 0, True),
           (" then ", 1, True), (" 则 ", 1, True), (" else ", 1, True), (" 否则 ", 1, True), (", ", 2, False),
           (" + ", 3, True), (" - ", 3, True), (" × ", 4, True), (" ÷ ", 4, True)]
_OPEN, _CLOSE = "([{", ")]}"


def wrap(line: str, limit: int = 100) -> list[str]:
    """``line`` broken by structure into lines of at most ``limit`` columns where it can be:
    at the outermost level of brackets first, the loosest operator there first, as many
    operands a line as fit.  A continued line starts one column after the bracket it is in,
    or two spaces in from the line's own indentation; the operator starts the continued line."""
    from policyrules.syntax.printer import width

    if width(line) <= limit:
        return [line]
    base = len(line) - len(line.lstrip(" "))
    spots = _break_spots(line, base)
    breaks: dict[int, int] = {}  # where a continued line starts -> where the line before it ends
    while True:
        lines = _render(line, base, breaks)
        for text, start, end in lines:
            if width(text) <= limit:
                continue
            inside = [s for s in spots if start < s[0] < end and s[0] not in breaks]
            if not inside:
                continue
            level = min((depth, rank) for _, _, depth, rank in inside)
            here = [s for s in inside if (s[2], s[3]) == level]
            fits = [s for s in here if width(text[: len(text) - (end - s[1])]) <= limit]
            nxt, cut, _, _ = fits[-1] if fits else here[0]
            breaks[nxt] = cut
            break
        else:
            return [text for text, _, _ in lines]


def _break_spots(line: str, base: int) -> list[tuple[int, int, int, int]]:
    """(where a continued line would start, where the line before would end, bracket depth, kind)."""
    spots = []
    depth, quoted, k = 0, False, base
    while k < len(line):
        ch = line[k]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in _OPEN:
            depth += 1
        elif not quoted and ch in _CLOSE:
            depth = max(0, depth - 1)
        elif not quoted:
            for sep, rank, before in _BREAKS:
                if line.startswith(sep, k):
                    if before:
                        spots.append((k + 1, k, depth, rank))
                    else:
                        spots.append((k + len(sep), k + len(sep) - 1, depth, rank))
                    break
        k += 1
    return spots


def _render(line: str, base: int, breaks: dict[int, int]) -> list[tuple[str, int, int]]:
    """The pieces of ``line`` between ``breaks``, indented: (text, start, end) in ``line``."""
    from policyrules.syntax.printer import width

    out: list[tuple[str, int, int]] = []
    opened: list[int] = []  # output columns of the open brackets
    text, start, quoted = line[:base], base, False
    cuts = {cut: nxt for nxt, cut in breaks.items()}
    k = base
    while k < len(line):
        if k in cuts:
            out.append((text, start, k))
            nxt = cuts[k]
            indent = opened[-1] + 1 if opened else base + 2
            text, start, k = " " * indent, nxt, nxt
            continue
        ch = line[k]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in _OPEN:
            opened.append(width(text))
        elif not quoted and ch in _CLOSE and opened:
            opened.pop()
        text += ch
        k += 1
    out.append((text, start, len(line)))
    return out


# A unit of clause text that is not broken: a word or one CJK character, with the opening
# punctuation before it and the closing punctuation after it (no line starts with `,` or `。`).
_OPENING, _CLOSING = "(《「『“‘（【〈[", ",.;:!?)]}、。，；：！？）》」』”’】〉…"
_UNIT = (f"[{re.escape(_OPENING)}]*(?:[^\\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f{re.escape(_OPENING)}]+"
         f"|[^\\s])[{re.escape(_CLOSING)}]*|\\s+")


def wrap_text(text: str, limit: int) -> list[str]:
    """Clause text in lines of at most ``limit`` columns (a CJK character counts two): between
    words, or between any two CJK characters; a word longer than a line is cut."""
    from policyrules.syntax.printer import width

    units = re.findall(_UNIT, text)
    lines: list[str] = []
    line = ""
    for unit in units:
        if unit.isspace():
            line += " " if line else ""
            continue
        while width(unit) > limit:  # a word too long for any line: cut
            if line:
                lines.append(line.rstrip())
                line = ""
            k = max([1] + [k for k in range(1, len(unit)) if width(unit[:k]) <= limit])
            lines.append(unit[:k])
            unit = unit[k:]
        if width(line + unit) > limit and line.strip():
            lines.append(line.rstrip())
            line = ""
        line += unit
    if line.strip():
        lines.append(line.rstrip())
    return lines

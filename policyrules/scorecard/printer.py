"""Scorecard model -> policy text: the ``scorecard`` part of the canonical formatter.

``policyrules.syntax.printer`` calls ``print_scorecard(card, lang)`` for a scorecard
declaration; parsing the text gives back an equal card (spans aside), in English or
Chinese keywords. Parts come in a fixed order (fields, records, indicators, points,
areas, qualification, ranking, awards, lists, rounding), one clause a line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.scorecard.model import (
    ID,
    Area,
    Deduction,
    Direct,
    Direction,
    FieldDecl,
    Indicator,
    OrderKey,
    Part,
    Proportional,
    RecordKind,
    Rounding,
    Scorecard,
    YesNo,
)
from policyrules.syntax import nodes as n
from policyrules.syntax.printer import print_expr

# The Chinese spelling printed for each keyword (any spelling of the grammar parses alike).
ZH = {
    "scorecard": "考核表", "fields": "填报项", "records": "记录", "indicator": "指标", "actual": "实际",
    "count": "计数", "sum": "合计", "over": "遍历", "where": "满足", "last_year": "去年", "points": "计分",
    "proportional": "按比例", "on": "按指标", "given": "按填报", "deduct": "扣分", "per": "每", "missing": "缺",
    "of": "共", "from": "满分", "weight": "权重", "area": "考核方面", "advanced": "单项先进", "first": "前",
    "each": "各", "by": "按", "then": "其次", "qualify": "评先条件", "rank": "排名", "award": "奖励",
    "list": "列出", "ascending": "升序", "descending": "降序", "when": "条件", "cite": "依据", "text": "原文",
    "rounding": "舍入", "to": "到", "and": "且", "or": "或", "not": "非", "true": "是", "false": "否",
    "evaluation_date": "评估日期", "at_least": "不低于", "at_most": "不超过", "above": "超过", "below": "低于",
    "is": "为", "cap": "最高", "floor": "最低", "score": "得分", "met_count": "达标数",
    "half_up": "四舍五入", "half_even": "银行家舍入", "down": "舍去", "up": "进一",
    "integer": "整数", "number": "数值", "percent": "百分比", "bool": "是否", "date": "日期", "text_type": "文本",
    "money": "金额", "optional": "可选",
}
_PARTS_ZH = {p.value: zh for p, zh in ((Part.ACTUAL, "实际"), (Part.TARGET, "目标"), (Part.MET, "达标"),
                                        (Part.RATIO, "完成比例"), (Part.LAST_YEAR, "去年"))}
_NAMES_ZH = {"score": "得分", "last_year": "去年", "met_count": "达标数"}


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def plain(d: Decimal | int) -> str:
    s = format(Decimal(d), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


class _Printer:
    def __init__(self, lang: str) -> None:
        if lang not in ("en", "zh"):
            raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
        self.zh = lang == "zh"
        self.lang = lang
        self.fields: set[str] = set()
        self.indicators: set[str] = set()

    def kw(self, word: str) -> str:
        if self.zh:
            return ZH[word]
        return {"cap": "at_most", "floor": "at_least", "text_type": "text"}.get(word, word)

    def head(self, *words: str, label: str | None = None) -> str:
        text = " ".join(words)
        return f"{text} {quote(label)}" if label is not None else text

    def docs(self, node: Any, indent: str = "    ") -> list[str]:
        out = []
        if getattr(node, "cite", None) is not None:
            out.append(f"{indent}{self.kw('cite')} {quote(node.cite)}")
        if getattr(node, "text", None) is not None:
            out.append(f"{indent}{self.kw('text')} {quote(node.text)}")
        return out

    # ---- expressions: the language's printer, the card's own names in Chinese for ``zh``
    def expr(self, x: n.Expr) -> str:
        return print_expr(self.spelled(x) if self.zh else x, self.lang)

    def spelled(self, x: Any) -> Any:
        if isinstance(x, n.Name):
            parts = x.parts
            if len(parts) == 1 and parts[0] in _NAMES_ZH and parts[0] not in self.fields:
                return n.Name((_NAMES_ZH[parts[0]],), x.span)
            if len(parts) == 2 and parts[0] in self.indicators and parts[1] in _PARTS_ZH:
                return n.Name((parts[0], _PARTS_ZH[parts[1]]), x.span)
            if len(parts) == 2 and parts[1] == "met_count":
                return n.Name((parts[0], _NAMES_ZH["met_count"]), x.span)
            return x
        if isinstance(x, tuple):
            return tuple(self.spelled(v) for v in x)
        if not attrs.has(type(x)):
            return x
        return attrs.evolve(x, **{f.name: self.spelled(getattr(x, f.name)) for f in attrs.fields(type(x))
                                  if f.name != "span" and (isinstance(getattr(x, f.name), tuple)
                                                           or attrs.has(type(getattr(x, f.name))))})

    def type_(self, ty: Any) -> str:
        if ty == ID:
            return "id"
        assert isinstance(ty, t.Type)
        if ty.kind is t.Kind.ENUM:
            return ty.name if ty.name else " | ".join(ty.values)
        if ty.kind is t.Kind.DURATION:
            return {"day": "天数", "month": "月数", "year": "年数"}[ty.unit or "month"] if self.zh else f"{ty.unit}s"
        return self.kw("text_type" if ty.kind is t.Kind.TEXT else ty.kind.value)

    def field(self, f: FieldDecl) -> str:
        optional = f"{self.kw('optional')} " if f.optional else ""
        return f"    {self.head(f.name, label=f.label)}: {optional}{self.type_(f.type)}"

    # ---- parts
    def indicator(self, ind: Indicator) -> list[str]:
        if ind.direction is Direction.IS:
            word = "is"
        elif ind.direction is Direction.AT_LEAST:
            word = "at_least" if ind.inclusive else "above"
        else:
            word = "at_most" if ind.inclusive else "below"
        lines = [f"  {self.head(self.kw('indicator'), ind.name, label=ind.label)} {self.kw(word)} "
                 f"{self.expr(ind.target)}"]
        if ind.actual is not None:
            lines.append(f"    {self.kw('actual')} {self.expr(ind.actual)}")
        if ind.last_year is not None:
            lines.append(f"    {self.kw('last_year')} {self.expr(ind.last_year)}")
        return lines + self.docs(ind)

    def item(self, item: Any) -> list[str]:
        cap = lambda v: f", {self.kw('cap')} {plain(v)}" if v is not None else ""  # noqa: E731
        if isinstance(item, Deduction):
            head = self.head(self.kw("deduct"), item.name, label=item.label)
            if item.missing is not None:
                missing = f"{self.expr(item.missing)} {self.kw('of')} {item.out_of}"
            else:
                missing = "{" + ", ".join(item.items) + "}"
            floor = f", {self.kw('floor')} {plain(item.floor)}" if item.floor != 0 else ""
            line = (f"  {head} {plain(item.per_item)} {self.kw('per')} {self.kw('missing')} {missing} "
                    f"{self.kw('from')} {plain(item.points)}{floor}")
        else:
            head = self.head(self.kw("points"), item.name, label=item.label)
            if isinstance(item, Proportional):
                body = f"{self.kw('proportional')} {plain(item.points)} {self.kw('on')} {item.indicator}{cap(item.cap)}"
            elif isinstance(item, YesNo):
                body = f"{plain(item.points)} {self.kw('when')} {self.expr(item.condition)}"
            else:
                assert isinstance(item, Direct)
                floor = f", {self.kw('floor')} {plain(item.minimum)}" if item.minimum != 0 else ""
                body = f"{self.kw('given')} {item.field}{floor}{cap(item.maximum)}"
            line = f"  {head} {body}"
        lines = [line]
        if not (isinstance(item.weight, Decimal) and item.weight == 1):
            w = plain(item.weight) if isinstance(item.weight, Decimal) else self.expr(item.weight)
            lines.append(f"    {self.kw('weight')} {w}")
        return lines + self.docs(item)

    def keys(self, keys: tuple[OrderKey, ...], first: str | None = None) -> str:
        parts = [first] if first else []
        for k in keys:
            text = self.expr(k.expr)
            if not k.descending:
                text += f" {self.kw('ascending')}"
            if k.label is not None:
                text += f" {quote(k.label)}"
            parts.append(text)
        return f"{self.kw('by')} " + f" {self.kw('then')} ".join(parts)

    def area(self, card: Scorecard, area: Area) -> list[str]:
        members = ", ".join(i.name for i in card.indicators if i.area == area.name)
        lines = [f"  {self.head(self.kw('area'), area.name, label=area.label)}: {members}"]
        if area.advanced is not None or area.amount is not None:
            line = f"    {self.kw('advanced')}"
            if area.advanced is not None:
                line += f" {self.kw('first')} {area.advanced}"
            if area.amount is not None:
                line += f" {self.kw('each')} {plain(area.amount)} 元"
            lines.append(line)
        if area.condition is not None:
            lines.append(f"    {self.kw('when')} {self.expr(area.condition)}")
        if area.order:
            lines.append(f"    {self.keys(area.order)}")
        return lines + self.docs(area)

    def card(self, card: Scorecard) -> list[str]:
        kw = self.kw
        self.fields = {f.name for f in card.fields}
        self.indicators = {i.name for i in card.indicators}
        lines = [self.head(kw("scorecard"), card.name, label=card.label), *self.docs(card, "  ")]
        if card.fields or card.fields_label is not None:
            lines.append(f"  {self.head(kw('fields'), label=card.fields_label)}:")
            lines += [self.field(f) for f in card.fields]
        for kind in card.records:
            lines += self.records(kind)
        for ind in card.indicators:
            lines += self.indicator(ind)
        for item in card.items:
            lines += self.item(item)
        for area in card.areas:
            if any(i.area == area.name for i in card.indicators):
                lines += self.area(card, area)
        q = card.qualification
        if q is not None:
            if q.threshold is not None:
                lines.append(f"  {kw('qualify')} {kw('when')} {kw('score')} >= {plain(q.threshold)}")
                lines += self.docs(q)
            for c in q.conditions:
                label = f" {quote(c.label)}" if c.label is not None else ""
                lines.append(f"  {kw('qualify')} {kw('when')} {self.expr(c.expr)}{label}")
                lines += self.docs(c)
        if card.ranking is not None:
            lines.append(f"  {kw('rank')} {self.keys(card.ranking.tie_breaks, kw('score'))}")
            lines += self.docs(card.ranking)
        for award in card.awards:
            each = f" {kw('each')} {plain(award.amount)} 元" if award.amount else ""
            lines.append(f"  {self.head(kw('award'), award.name, label=award.label)} {kw('first')} {award.count}{each}")
            lines += self.docs(award)
        for listing in card.lists:
            where = f" {kw('where')} {self.expr(listing.where)}" if listing.where is not None else ""
            lines.append(f"  {self.head(kw('list'), listing.name, label=listing.label)} "
                         f"{listing.kind}.{listing.field}{where}")
            lines += self.docs(listing)
        if card.rounding != Rounding():
            mode = card.rounding.mode.name.lower()
            lines.append(f"  {kw('rounding')} {kw(mode)} {kw('to')} {plain(card.rounding.quantum)}")
        return lines

    def records(self, kind: RecordKind) -> list[str]:
        return [f"  {self.head(self.kw('records'), kind.name, label=kind.label)}:", *map(self.field, kind.fields)]


def print_scorecard(card: Scorecard, lang: str = "en") -> str:
    """The text of a ``scorecard`` declaration, in English or Chinese keywords."""
    if not isinstance(card, Scorecard):
        raise TypeError(f"cannot print declaration {type(card).__name__}")
    return "\n".join(_Printer(lang).card(card)) + "\n"

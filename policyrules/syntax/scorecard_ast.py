"""Parse tree -> scorecard model: the transformer methods of ``scorecard`` declarations.

``ScorecardAst`` is a mixin of the policy transformer (``transform._ToAst``): the grammar
rules ``scorecard_decl`` and ``sc_*`` (grammar/policy.lark, section "scorecards") land
here and build :mod:`policyrules.scorecard.model` nodes directly. Every expression of a
card stays the language's own expression node; only the card's own names are made
canonical, as keywords are: 得分 / 去年 / 达标数 are ``score`` / ``last_year`` /
``met_count``, ``annual.达标`` is ``annual.met`` and ``met_count(area)`` is
``area.met_count``. What each name means is resolved when the policy is checked
(:mod:`policyrules.scorecard.check`).

Problems of a card's shape found here raise a positioned diagnostic (S001, S002, S011..S013).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from lark import Token, Transformer, v_args

from policyrules import types as t
from policyrules.scorecard import model as m
from policyrules.source import Span
from policyrules.syntax import nodes as n

SCORE_NAMES = ("score", "得分")
LAST_YEAR_NAMES = ("last_year", "去年")
MET_COUNT_NAMES = ("met_count", "达标数")
_SCORE_PARTS = tuple((s,) for s in SCORE_NAMES)
PARTS = {
    "actual": m.Part.ACTUAL, "实际": m.Part.ACTUAL,
    "target": m.Part.TARGET, "目标": m.Part.TARGET,
    "met": m.Part.MET, "达标": m.Part.MET,
    "ratio": m.Part.RATIO, "完成比例": m.Part.RATIO,
    "last_year": m.Part.LAST_YEAR, "去年": m.Part.LAST_YEAR,
}
_SIMPLE_TYPES = {"integer": t.INTEGER, "number": t.NUMBER, "percent": t.PERCENT, "bool": t.BOOL,
                 "date": t.DATE, "text": t.TEXT, "money": t.MONEY}


def _span(meta: Any) -> Span | None:
    if getattr(meta, "empty", True):
        return None
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _tspan(tok: Token) -> Span:
    return Span(tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)


# ---------------------------------------------------------------- parts, before resolution
@attrs.frozen
class _Tagged:
    """A clause of a part: label, cite, text, actual, last_year, weight, cap, floor ..."""

    tag: str
    value: Any


@attrs.frozen
class _Key:
    expr: n.Expr
    descending: bool
    label: str | None
    span: Span | None


@attrs.frozen
class _Part:
    """A part of a scorecard (indicator, points, area ...) with its tagged clauses."""

    what: str
    name: str | None
    plain: tuple[Any, ...]
    tags: dict[str, list[Any]]
    span: Span | None

    def first(self, tag: str, default: Any = None) -> Any:
        vals = self.tags.get(tag)
        return vals[0] if vals else default

    @property
    def label(self) -> str | None:
        return self.first("label")

    @property
    def cite(self) -> str | None:
        cites = self.tags.get("cite")
        return "; ".join(c.value for c in cites) if cites else None

    @property
    def text(self) -> str | None:
        texts = self.tags.get("text")
        return "\n".join(texts) if texts else None


def _split(items: list[Any]) -> tuple[list[Any], dict[str, list[Any]]]:
    plain: list[Any] = []
    tags: dict[str, list[Any]] = {}
    for it in items:
        if isinstance(it, _Tagged):
            tags.setdefault(it.tag, []).append(it.value)
        elif isinstance(it, tuple) and len(it) == 2 and it[0] in ("label", "cite", "text", "rounding"):
            tags.setdefault(it[0], []).append(it[1])
        else:
            plain.append(it)
    return plain, tags


def _part(what: str, meta: Any, items: list[Any], named: bool = True) -> _Part:
    plain, tags = _split(items)
    name = str(plain.pop(0)) if named else None
    return _Part(what, name, tuple(plain), tags, _span(meta))


def _dec(tok: Any) -> Decimal:
    return Decimal(str(tok))


# ---------------------------------------------------------------- the mixin
@v_args(meta=True)
class ScorecardAst(Transformer[Token, Any]):
    """Transformer methods for the ``scorecard`` section of the grammar."""

    path: str

    def _sc_error(self, code: str, message: str, span: Span | None) -> Exception:
        make = getattr(self, "_err", None)
        if make is None:  # pragma: no cover - used outside transform._ToAst
            return ValueError(message)
        err: Exception = make(code, message, span or n.NO_SPAN)
        return err

    # ---- the parts
    def sc_fields(self, meta: Any, items: list[Any]) -> _Part:
        return _part("fields", meta, items, named=False)

    def sc_records(self, meta: Any, items: list[Any]) -> _Part:
        return _part("records", meta, items)

    def sc_indicator(self, meta: Any, items: list[Any]) -> _Part:
        return _part("indicator", meta, items)

    def sc_at_least(self, meta: Any, items: list[Any]) -> tuple[str, m.Direction, bool]:
        return ("direction", m.Direction.AT_LEAST, True)

    def sc_at_most(self, meta: Any, items: list[Any]) -> tuple[str, m.Direction, bool]:
        return ("direction", m.Direction.AT_MOST, True)

    def sc_above(self, meta: Any, items: list[Any]) -> tuple[str, m.Direction, bool]:
        return ("direction", m.Direction.AT_LEAST, False)

    def sc_below(self, meta: Any, items: list[Any]) -> tuple[str, m.Direction, bool]:
        return ("direction", m.Direction.AT_MOST, False)

    def sc_is(self, meta: Any, items: list[Any]) -> tuple[str, m.Direction, bool]:
        return ("direction", m.Direction.IS, True)

    def sc_actual(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("actual", items[0])

    def sc_last_year(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("last_year", items[0])

    def sc_points(self, meta: Any, items: list[Any]) -> _Part:
        return _part("points", meta, items)

    def sc_proportional(self, meta: Any, items: list[Any]) -> tuple[Any, ...]:
        cap = items[2].value if len(items) > 2 else None
        return ("proportional", _dec(items[0]), str(items[1]), cap)

    def sc_yes_no(self, meta: Any, items: list[Any]) -> tuple[Any, ...]:
        return ("yes_no", _dec(items[0]), items[1])

    def sc_given(self, meta: Any, items: list[Any]) -> tuple[Any, ...]:
        bounds = {b.tag: b.value for b in items[1:]}
        return ("given", str(items[0]), bounds.get("floor"), bounds.get("cap"))

    def sc_cap(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("cap", _dec(items[0]))

    def sc_floor(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("floor", _dec(items[0]))

    def sc_weight(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("weight", items[0])

    def sc_deduct(self, meta: Any, items: list[Any]) -> _Part:
        return _part("deduct", meta, items)

    def sc_missing_count(self, meta: Any, items: list[Any]) -> tuple[Any, ...]:
        return ("missing_count", items[0], int(_dec(items[1])))

    def sc_missing_items(self, meta: Any, items: list[Any]) -> tuple[Any, ...]:
        return ("missing_items", tuple(str(x) for x in items))

    def sc_area(self, meta: Any, items: list[Any]) -> _Part:
        return _part("area", meta, items)

    def sc_advanced(self, meta: Any, items: list[Any]) -> _Tagged:
        count = next((int(_dec(x)) for x in items if isinstance(x, Token)), None)
        amount = next((x for x in items if not isinstance(x, Token)), None)
        return _Tagged("advanced", (count, amount, _span(meta)))

    def sc_area_when(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("when", items[0])

    def sc_order(self, meta: Any, items: list[Any]) -> _Tagged:
        return _Tagged("order", tuple(items))

    def sc_qualify(self, meta: Any, items: list[Any]) -> _Part:
        return _part("qualify", meta, items, named=False)

    def sc_rank(self, meta: Any, items: list[Any]) -> _Part:
        return _part("rank", meta, items, named=False)

    def sc_key(self, meta: Any, items: list[Any]) -> _Key:
        plain, tags = _split(items)
        descending = True
        for x in plain[1:]:
            descending = x[1]
        return _Key(plain[0], descending, (tags.get("label") or [None])[0], _span(meta))

    def sc_ascending(self, meta: Any, items: list[Any]) -> tuple[str, bool]:
        return ("sort", False)

    def sc_descending(self, meta: Any, items: list[Any]) -> tuple[str, bool]:
        return ("sort", True)

    def sc_award(self, meta: Any, items: list[Any]) -> _Part:
        return _part("award", meta, items)

    def sc_list(self, meta: Any, items: list[Any]) -> _Part:
        return _part("list", meta, items)

    # ---- the whole card
    def scorecard_decl(self, meta: Any, items: list[Any]) -> m.Scorecard:
        plain, tags = _split(items)
        name = str(plain[0])
        parts = [p for p in plain[1:] if isinstance(p, _Part)]
        head = _Part("scorecard", name, (), tags, _span(meta))
        return _Builder(self, head, parts, tags.get("rounding", [])).build()


class _Builder:
    """Resolves the names of a card's expressions and builds the model nodes."""

    def __init__(self, owner: ScorecardAst, head: _Part, parts: list[_Part], rounding: list[Any]):
        self.owner = owner
        self.head = head
        self.parts = parts
        self.rounding = rounding
        self.fields: list[m.FieldDecl] = []
        for p in self.of("fields"):
            self.fields += [self.field(f) for f in p.plain]
        self.unit_fields = {f.name for f in self.fields} | {"id"}
        self.records: dict[str, m.RecordKind] = {}
        for p in self.of("records"):
            fields = [self.field(f) for f in p.plain]
            unit = next((f.name for f in fields if f.type == m.ID), "unit")
            self.records[str(p.name)] = m.RecordKind(str(p.name), fields, unit, p.label, span=p.span)
        self.indicators = {str(p.name) for p in self.of("indicator")}
        self.areas = {str(p.name) for p in self.of("area")}

    def of(self, what: str) -> list[_Part]:
        return [p for p in self.parts if p.what == what]

    def error(self, code: str, message: str, span: Span | None) -> Exception:
        return self.owner._sc_error(code, f"scorecard {self.head.name}: {message}", span)

    # ---- declarations
    def type_of(self, te: n.TypeExpr) -> m.FieldType:
        if te.kind in _SIMPLE_TYPES:
            return _SIMPLE_TYPES[te.kind]
        if te.kind == "named" and te.ref == "id":
            return m.ID
        if te.kind == "named" and te.ref is not None:
            return t.Type(t.Kind.ENUM, name=te.ref)  # a policy enum; bound when the policy is checked
        if te.kind == "enum":
            return t.enum(te.values)
        if te.kind == "duration":
            return t.duration(te.unit or "month")
        raise self.error("S011", f"a scorecard field is a number, money, percent, bool, date, days/months/years, "
                         f"text, a category or `id`, not {te.kind}", te.span)

    def field(self, decl: n.FieldDecl) -> m.FieldDecl:
        if decl.default is not None:
            raise self.error("S011", f"field {decl.name}: a unit reports every field, or leaves out an `optional` "
                             "one (`given(field)` tells whether it did); a field has no default", decl.default.span)
        return m.FieldDecl(decl.name, self.type_of(decl.type), decl.label, optional=decl.optional, span=decl.span)

    def build(self) -> m.Scorecard:
        head = self.head
        indicators = self.build_indicators()
        items = [self.item(p) for p in self.parts if p.what in ("points", "deduct")]
        areas = [self.area(p) for p in self.of("area")]
        award_parts = self.of("award")
        rank_parts = self.of("rank")
        for extra in rank_parts[1:]:
            raise self.error("S013", "a scorecard ranks its units once; this is a second `rank`", extra.span)
        rounding = m.Rounding()
        if len(self.rounding) > 1:
            raise self.error("S013", "the scorecard states its rounding twice", self.rounding[1].span)
        if self.rounding:
            r = self.rounding[0]
            if not isinstance(r.quantum, n.Number | n.Money):
                raise self.error("S011", "rounding is to a number such as 0.01", r.quantum.span)
            rounding = m.Rounding(r.quantum.value, m.RoundingMode[r.mode.upper()], span=r.span)
        return m.Scorecard(
            str(head.name),
            self.fields,
            indicators,
            items,
            areas=areas,
            qualification=self.qualification(),
            ranking=self.ranking(rank_parts[0]) if rank_parts else None,
            awards=[self.award(p) for p in award_parts],
            rounding=rounding,
            records=list(self.records.values()),
            label=head.label,
            cite=head.cite,
            text=head.text,
            lists=[self.listing(p) for p in self.of("list")],
            fields_label=next((p.label for p in self.of("fields") if p.label is not None), None),
            span=head.span,
        )

    def build_indicators(self) -> list[m.Indicator]:
        area_of: dict[str, str] = {}
        for p in self.of("area"):
            for member in p.plain:
                if not isinstance(member, Token):
                    continue
                if str(member) not in self.indicators:
                    raise self.error("S002", f"area {p.name} lists `{member}`, which is not an indicator",
                                     _tspan(member))
                if str(member) in area_of:
                    raise self.error("S001", f"indicator {member} is already in area {area_of[str(member)]}",
                                     _tspan(member))
                area_of[str(member)] = str(p.name)
        out = []
        for p in self.of("indicator"):
            _, direction, inclusive = p.plain[0]
            target = p.plain[1]
            actual = p.first("actual")
            last_year = p.first("last_year")
            out.append(m.Indicator(
                str(p.name),
                self.expr(target),
                direction,
                actual=None if actual is None else self.actual(actual),
                inclusive=inclusive,
                last_year=None if last_year is None else self.expr(last_year),
                area=area_of.get(str(p.name)),
                label=p.label, cite=p.cite, text=p.text, span=p.span,
            ))
        return out

    def actual(self, x: Any) -> n.Expr:
        return self.expr(x)

    def item(self, p: _Part) -> m.PointItem:
        common: dict[str, Any] = {"label": p.label, "cite": p.cite, "text": p.text, "span": p.span}
        weight = p.first("weight")
        if weight is not None:
            w = self.expr(weight)
            common["weight"] = w.value if isinstance(w, n.Number) else w
        name = str(p.name)
        if p.what == "deduct":
            per_item, missing, full = p.plain[0], p.plain[1], p.plain[2]
            floor = p.first("floor", Decimal(0))
            if missing[0] == "missing_count":
                return m.Deduction(name, _dec(full), _dec(per_item), missing=self.expr(
                    n.Name((str(missing[1]),), _tspan(missing[1]))), out_of=missing[2], floor=floor, **common)
            return m.Deduction(name, _dec(full), _dec(per_item), items=missing[1], floor=floor, **common)
        body = p.plain[0]
        if body[0] == "proportional":
            return m.Proportional(name, body[1], body[2], cap=body[3], **common)
        if body[0] == "yes_no":
            return m.YesNo(name, body[1], self.expr(body[2]), **common)
        _, field, floor, cap = body
        return m.Direct(name, field, floor if floor is not None else Decimal(0), cap, **common)

    def area(self, p: _Part) -> m.Area:
        advanced = p.first("advanced")
        count, amount = (None, None) if advanced is None else advanced[:2]
        order = p.first("order", ())
        cond = p.first("when")
        return m.Area(
            str(p.name), p.label, advanced=count,
            amount=None if amount is None else self.money(amount),
            condition=None if cond is None else self.expr(cond),
            order=[self.key(k, p) for k in order], cite=p.cite, text=p.text, span=p.span,
        )

    def key(self, k: _Key, owner: _Part) -> m.OrderKey:
        return m.OrderKey(self.expr(k.expr), k.descending, k.label, owner.cite, owner.text, span=k.span)

    def qualification(self) -> m.Qualification | None:
        clauses = self.of("qualify")
        if not clauses:
            return None
        threshold: Decimal | None = None
        threshold_part: _Part | None = None
        conditions: list[m.Condition] = []
        for p in clauses:
            for conj in _conjuncts(p.plain[0]):
                limit = _threshold(conj)
                if limit is not None:
                    if threshold is not None:
                        raise self.error("S013", "the score threshold is stated twice", conj.span)
                    threshold, threshold_part = limit, p
                    continue
                conditions.append(m.Condition(self.expr(conj), p.label, p.cite, p.text, span=conj.span or p.span))
        source = threshold_part or clauses[0]
        return m.Qualification(threshold, conditions, source.cite if threshold_part else None,
                               source.text if threshold_part else None, span=source.span)

    def ranking(self, p: _Part) -> m.Ranking:
        keys = [k for k in p.plain if isinstance(k, _Key)]
        first = keys[0]
        if not (isinstance(first.expr, n.Name) and first.expr.parts in _SCORE_PARTS) \
                or not first.descending:
            raise self.error("S012", "units rank by score first (highest first): write `rank by score then ...`",
                             first.span)
        return m.Ranking([self.key(k, p) for k in keys[1:]], p.cite, p.text, span=p.span)

    def award(self, p: _Part) -> m.Award:
        count = int(_dec(p.plain[0]))
        amount = self.money(p.plain[1]) if len(p.plain) > 1 else Decimal(0)
        return m.Award(str(p.name), count, amount, p.label, p.cite, p.text, span=p.span)

    def listing(self, p: _Part) -> m.Listing:
        what: n.Name = p.plain[0]
        if len(what.parts) != 2 or what.parts[0] not in self.records:
            raise self.error("S002", "a list names a field of declared records, e.g. `project.item`", what.span)
        kind, field = what.parts
        where = p.plain[1] if len(p.plain) > 1 else None
        return m.Listing(str(p.name), kind, field, None if where is None else self.expr(where),
                         p.label, p.cite, p.text, span=p.span)

    def money(self, lit: Any) -> Decimal:
        if isinstance(lit, n.Money | n.Number):
            return lit.value
        raise self.error("S011", "an amount is written like `2000 元`", getattr(lit, "span", None))

    # ---- expressions
    def expr(self, x: Any) -> n.Expr:
        """``x`` with the card's own names in their canonical spelling."""
        if isinstance(x, n.Name):
            return self.name(x)
        if isinstance(x, n.Call) and x.func in MET_COUNT_NAMES and len(x.args) == 1 \
                and isinstance(x.args[0], n.Name) and len(x.args[0].parts) == 1:
            area = x.args[0].parts[0]
            if area not in self.areas:
                raise self.error("S002", f"no area `{area}` is declared", x.args[0].span)
            return n.Name((area, "met_count"), x.span)
        if not attrs.has(type(x)):
            return x  # type: ignore[no-any-return]
        changes: dict[str, Any] = {}
        for f in attrs.fields(type(x)):
            value = getattr(x, f.name)
            if f.name == "span" or not (attrs.has(type(value)) or isinstance(value, tuple)):
                continue
            if isinstance(value, tuple):
                items = tuple(self.expr(v) for v in value)
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changes[f.name] = items
            elif (new := self.expr(value)) is not value:
                changes[f.name] = new
        return attrs.evolve(x, **changes) if changes else x  # type: ignore[no-any-return]

    def name(self, x: n.Name) -> n.Name:
        parts = x.parts
        if len(parts) == 1:
            word = parts[0]
            if word in SCORE_NAMES:
                return n.Name(("score",), x.span)
            if word in LAST_YEAR_NAMES and word not in self.unit_fields:
                return n.Name(("last_year",), x.span)
            if word in MET_COUNT_NAMES and word not in self.unit_fields:
                return n.Name(("met_count",), x.span)
        if len(parts) == 2:
            head, part = parts
            if head in self.indicators and part in PARTS:
                return n.Name((head, PARTS[part].value), x.span)
            if head in self.areas and part in MET_COUNT_NAMES:
                return n.Name((head, "met_count"), x.span)
        return x


def _conjuncts(x: n.Expr) -> list[n.Expr]:
    if isinstance(x, n.Binary) and x.op == "and":
        return _conjuncts(x.left) + _conjuncts(x.right)
    return [x]


def _threshold(x: n.Expr) -> Decimal | None:
    """``score >= 90`` -> 90 (the qualification threshold)."""
    if isinstance(x, n.Binary) and x.op == "ge" and isinstance(x.left, n.Name) \
            and x.left.parts in _SCORE_PARTS and isinstance(x.right, n.Number):
        return x.right.value
    return None


__all__ = ["ScorecardAst"]

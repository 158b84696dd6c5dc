"""The AST printer: AST -> policy text, with English or Chinese keywords, for a policy built
in code.  A policy *file* is formatted by :mod:`policyrules.syntax.fmt` (``policyrules fmt``),
which keeps its comments in place and its numerals and text as written.

``parse(print_policy(p, lang))`` equals ``p`` (spans aside) for either ``lang``.  Comments
are not in the AST, so they are not kept.  Layout: declarations in written order with
a blank line between them, one clause per line indented two spaces, long ``when``
conditions split at top-level ``and``, parentheses only where precedence needs them.
"""

from __future__ import annotations

import importlib
import unicodedata
from decimal import Decimal

import attrs

from policyrules.syntax import nodes as n

WIDTH = 100

# The first Chinese spelling in grammar/policy.lark of every keyword.
ZH_KEYWORDS = {
    "policy": "政策", "valid": "有效期", "from": "自", "until": "至", "rounding": "舍入", "to": "到",
    "cite": "依据", "text": "原文", "parameter": "参数", "enum": "枚举", "set": "集合", "table": "表",
    "otherwise": "其他", "facts": "事实", "value": "定义", "when": "条件", "amount": "金额为",
    "except": "例外", "if": "如果", "then": "则", "else": "否则", "parts": "其中",
    "allocate": "依次减免", "over": "用于", "for": "期限", "at_most": "最高", "at_least": "最低",
    "counting": "已享受", "extended": "延长", "by": "再", "exclusive": "不得重复享受",
    "invariant": "不变式", "implies": "蕴含", "or": "或", "and": "且", "not": "非", "in": "属于",
    "of": "的", "actual": "实际", "evaluation_date": "评估日期", "true": "是", "false": "否",
    "half_up": "四舍五入", "half_even": "银行家舍入", "down": "舍去", "up": "进一",
    "benefit": "待遇", "obligation": "义务", "exemption": "免除", "title": "称号", "outcome": "结果",
    "yearly": "按年", "monthly": "按月", "once": "一次性", "highest": "就高", "first": "优先",
    "signed": "可为负", "money": "金额", "integer": "整数", "number": "数值", "percent": "百分比", "bool": "是否",
    "date": "日期", "text_type": "文本", "days": "天数", "months": "月数", "years": "年数",
    "per month": "每月", "per year": "每年",
    "record": "记录类型", "key": "键", "optional": "可选", "default": "默认", "for_each": "每条",
    "output": "输出", "list_of": "列表", "year_month": "年月", "count": "计数", "sum": "合计",
    "agg_over": "遍历", "where": "满足", "smallest": "最小", "largest": "最大", "any": "存在",
    "every": "每个", "list": "列出", "agg_first": "第一个", "last": "最后一个",
    "range_from": "满", "above": "超过", "below": "不满", "up_to": "至", "progressive": "超额累进",
}
# English spellings that differ from the key of ZH_KEYWORDS.
_EN_KEYWORDS = {"text_type": "text", "list_of": "list of", "agg_over": "over", "agg_first": "first",
                "range_from": "from"}
# Aggregate operators: the keyword, and whether the summed/compared expression is written.
_AGGREGATES = {"count": ("count", False), "sum": ("sum", True), "min": ("smallest", True),
               "max": ("largest", True), "any": ("any", False), "every": ("every", False),
               "ids": ("list", False), "first": ("agg_first", False), "last": ("last", False)}

_OPS = {"add": "+", "sub": "-", "mul": "×", "div": "/", "ge": ">=", "le": "<=", "gt": ">", "lt": "<",
        "eq": "=", "ne": "!="}
_ZH_OPS = {"div": "÷", "ge": "≥", "le": "≤", "ne": "≠"}
_LOGIC = {"and", "or", "implies"}

# Precedence, loosest first: if < bound < implies < or < and < not < comparison < sum
# < product < unary < postfix < atom.  A node is parenthesised when its level is below
# the level its position requires.
IF, BOUND, IMPLIES, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POSTFIX, ATOM = range(12)
_BINARY_PREC = {"implies": IMPLIES, "or": OR, "and": AND, "add": SUM, "sub": SUM, "mul": PRODUCT,
                "div": PRODUCT, "ge": COMPARE, "le": COMPARE, "gt": COMPARE, "lt": COMPARE,
                "eq": COMPARE, "ne": COMPARE}
_NON_ASSOC = {IMPLIES, COMPARE}
_ZH_UNITS = {"day": "天", "month": "个月", "year": "年"}


def print_policy(policy: n.Policy, lang: str = "en", source: str | None = None) -> str:
    """The canonical text of ``policy``; ``lang`` picks the keywords ("en" or "zh").

    Given the ``source`` text it was parsed from, its comments are kept: each is
    printed above the declaration it was written in or above."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    p = _Printer(lang)
    blocks = [p.decl(d) for d in policy.decls]
    if source is not None:
        from policyrules.syntax.comments import attach, comments

        spans = [(d.span.line, d.span.end_line) for d in policy.decls]
        before, tail = attach(spans, comments(source))
        blocks = ["\n".join([*c, b]) for c, b in zip(before, blocks, strict=True)]
        if tail:
            blocks.append("\n".join(tail))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def print_expr(expr: n.Expr, lang: str = "en") -> str:
    """One expression on one line, as it would appear after ``value x =``."""
    return _Printer(lang).expr(expr)


def quote(s: str) -> str:
    """A string literal: ``"`` and ``\\`` escaped, newlines as ``\\n``."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def plain(d: Decimal) -> str:
    """A Decimal exactly, without exponent or trailing fractional zeros."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def width(s: str) -> int:
    """Display width: CJK characters count two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _chain(e: n.Expr, op: str) -> list[n.Expr]:
    """The operands of a left-nested chain of one binary operator."""
    items: list[n.Expr] = []
    while isinstance(e, n.Binary) and e.op == op:
        items.append(e.right)
        e = e.left
    items.append(e)
    return items[::-1]


def _fill(first: str, items: list[str], joiner: str, cont: str) -> list[str]:
    """Greedy fill: ``first`` + items joined by ``joiner``; overflow lines start with ``cont``."""
    lines: list[str] = []
    line = first + items[0]
    for it in items[1:]:
        if width(line + joiner + it) <= WIDTH:
            line += joiner + it
        else:
            lines.append(line)
            line = cont + it
    return [*lines, line]


class _Printer:
    def __init__(self, lang: str):
        self.zh = lang == "zh"

    def kw(self, word: str) -> str:
        if not self.zh:
            return _EN_KEYWORDS.get(word, word)
        return ZH_KEYWORDS[word]

    # ---------------------------------------------------------------- expressions
    def expr(self, e: n.Expr, ctx: int = IF) -> str:
        text, prec = self._expr(e)
        return f"({text})" if prec < ctx else text

    def _expr(self, e: n.Expr) -> tuple[str, int]:
        kw = self.kw
        if isinstance(e, n.Number):
            return plain(e.value), ATOM
        if isinstance(e, n.Money):
            return self.money(e.value), ATOM
        if isinstance(e, n.Percent):
            return plain(e.value.scaleb(2)) + "%", ATOM
        if isinstance(e, n.Duration):
            return self.duration(e.value, e.unit), ATOM
        if isinstance(e, n.DateLit):
            return e.value.isoformat(), ATOM
        if isinstance(e, n.Bool):
            return kw("true" if e.value else "false"), ATOM
        if isinstance(e, n.Text):
            return quote(e.value), ATOM
        if isinstance(e, n.Name):
            return e.dotted, ATOM
        if isinstance(e, n.EvaluationDate):
            return kw("evaluation_date"), ATOM
        if isinstance(e, n.Call):
            return f"{e.func}({', '.join(self.expr(a, SUM) for a in e.args)})", ATOM
        if isinstance(e, n.Lookup):
            return f"{e.table}[{self.expr(e.key)}]", ATOM
        if isinstance(e, n.Actual):
            return f"{kw('actual')} {self.expr(e.operand, ATOM)}", ATOM
        if isinstance(e, n.PerPeriod):
            return f"{self.expr(e.operand, ATOM)} {self.per(e.period)}", POSTFIX
        if isinstance(e, n.Unary):
            if e.op == "neg":
                return f"-{self.expr(e.operand, UNARY)}", UNARY
            if e.op == "not":
                return f"{kw('not')} {self.expr(e.operand, NOT)}", NOT
            raise TypeError(f"unknown unary operator {e.op!r}")
        if isinstance(e, n.Of):
            if self.zh:
                return f"{self.expr(e.base, PRODUCT)} 的 {self.expr(e.rate, UNARY)}", PRODUCT
            return f"{self.expr(e.rate, PRODUCT)} of {self.expr(e.base, UNARY)}", PRODUCT
        if isinstance(e, n.Binary):
            prec = _BINARY_PREC[e.op]
            right_ctx = prec + 1
            left_ctx = prec + 1 if prec in _NON_ASSOC else prec
            left, right = self.expr(e.left, left_ctx), self.expr(e.right, right_ctx)
            if e.op in ("or", "implies"):  # for the reader: (a and b) or c
                left, right = self.logic_operand(e.op, e.left, left), self.logic_operand(e.op, e.right, right)
            return f"{left} {self.op(e.op)} {right}", prec
        if isinstance(e, n.InSet):
            ref = e.set_name if e.set_name is not None else "{" + ", ".join(e.members) + "}"
            neg = f"{kw('not')} " if e.negated else ""
            return f"{self.expr(e.operand, SUM)} {neg}{kw('in')} {ref}", COMPARE
        if isinstance(e, n.Bound):
            word = kw("at_most" if e.kind == "cap" else "at_least")
            return f"{self.expr(e.operand, BOUND)}, {word} {self.expr(e.limit, IMPLIES)}", BOUND
        if isinstance(e, n.IfExpr):
            return (f"{kw('if')} {self.expr(e.cond, BOUND)} {kw('then')} {self.expr(e.then, BOUND)} "
                    f"{kw('else')} {self.expr(e.else_)}"), IF
        if isinstance(e, n.Aggregate):
            return self.aggregate(e), IF
        raise TypeError(f"cannot print expression node {type(e).__name__}")

    def aggregate(self, e: n.Aggregate) -> str:
        """``count X where c``, ``sum e over X where c``, …: the condition runs to the end of the
        expression, so an aggregate anywhere but at the end is parenthesised (its level is IF)."""
        word, with_expr = _AGGREGATES[e.op]
        text = self.kw(word)
        if with_expr:
            if e.expr is None:
                raise TypeError(f"aggregate {e.op!r} needs an expression")
            text += f" {self.expr(e.expr, BOUND)} {self.kw('agg_over')}"
        text += f" {e.items.dotted}"
        if e.where is not None:
            text += f" {self.kw('where')} {self.expr(e.where)}"
        return text

    @staticmethod
    def logic_operand(op: str, child: n.Expr, text: str) -> str:
        """Parenthesise ``and``/``or`` inside a different ``or``/``implies``, though not required."""
        mixed = isinstance(child, n.Binary) and child.op in ("and", "or") and child.op != op
        return f"({text})" if mixed and not text.startswith("(") else text

    def op(self, op: str) -> str:
        if op in _LOGIC:
            return self.kw(op)
        return _ZH_OPS.get(op, _OPS[op]) if self.zh else _OPS[op]

    def per(self, period: str) -> str:
        return ZH_KEYWORDS[f"per {period}"] if self.zh else f"per {period}"

    def money(self, value: Decimal) -> str:
        s = plain(value)
        if s.isdigit() and s.endswith("0000"):
            return s[:-4] + "万元"
        return f"{s} 元"

    def duration(self, value: Decimal, unit: str) -> str:
        s = plain(value)
        if self.zh and s.isdigit():
            return s + _ZH_UNITS[unit]
        return f"{s} {unit}" if s == "1" else f"{s} {unit}s"

    def type_expr(self, t: n.TypeExpr) -> str:
        if t.signed:
            return f"{self.kw('signed')} {self.type_expr(attrs.evolve(t, signed=False))}"
        if t.kind == "rate":
            return f"{self.kw('money')} {self.per(t.unit or 'month')}"
        if t.kind == "duration":
            return self.kw(f"{t.unit}s")
        if t.kind == "named":
            return str(t.ref)
        if t.kind == "enum":
            return " | ".join(t.values)
        if t.kind == "list":
            return f"{self.kw('list_of')} {t.element}"
        if t.kind == "map":
            if t.key is None or t.value is None:
                raise TypeError("a map type needs a key and a value type")
            return f"{self.type_expr(t.key)} -> {self.type_expr(t.value)}"
        if t.kind == "month":
            return self.kw("year_month")
        if t.kind in ("money", "integer", "number", "percent", "bool", "date", "text"):
            return self.kw("text_type" if t.kind == "text" else t.kind)
        raise TypeError(f"unknown type kind {t.kind!r}")

    # ---------------------------------------------------------------- layout helpers
    def head(self, *words: str | None, label: str | None = None) -> str:
        """Keyword(s) and name, then the quoted label if any."""
        text = " ".join(w for w in words if w)
        return f"{text} {quote(label)}" if label is not None else text

    def docs(self, cites: tuple[n.Cite, ...], texts: tuple[str, ...], indent: str = "  ") -> list[str]:
        return ([f"{indent}{self.kw('cite')} {quote(c.value)}" for c in cites]
                + [f"{indent}{self.kw('text')} {quote(t)}" for t in texts])

    def valid(self, v: n.Valid) -> str:
        line = f"  {self.kw('valid')} {self.kw('from')} {v.start.isoformat()}"
        return line + (f" {self.kw('until')} {v.end.isoformat()}" if v.end else "")

    def rounding(self, r: n.Rounding) -> str:
        return f"  {self.kw('rounding')} {self.kw(r.mode)} {self.kw('to')} {self.expr(r.quantum, ATOM)}"

    def body(self, first: str, e: n.Expr, indent: str = "  ") -> list[str]:
        """``first`` followed by an expression: one line if it fits, else broken after ``first``
        with ``if``/``else if`` arms or an ``or``/``and`` chain on their own lines."""
        one = f"{first} {self.expr(e)}"
        if isinstance(e, n.IfExpr):
            lines = [first]
            arm: n.Expr = e
            word = self.kw("if")
            while isinstance(arm, n.IfExpr):
                lines.append(f"{indent}{word} {self.expr(arm.cond, BOUND)} {self.kw('then')} "
                             f"{self.expr(arm.then, BOUND)}")
                word = f"{self.kw('else')} {self.kw('if')}"
                arm = arm.else_
            return [*lines, f"{indent}{self.kw('else')} {self.expr(arm)}"]
        if width(one) <= WIDTH:
            return [one]
        for op, prec in (("or", OR), ("and", AND)):
            items = _chain(e, op)
            if len(items) > 1:
                joiner = f" {self.kw(op)} "
                texts = [self.logic_operand(op, i, self.expr(i, prec + 1)) for i in items]
                return [first, *_fill(indent, texts, joiner, indent + joiner.lstrip())]
        return [first, indent + self.expr(e)]

    def when(self, e: n.Expr) -> list[str]:
        """A condition; a long top-level ``and`` chain continues on `` and ...`` lines."""
        chain = _chain(e, "and")
        items = [self.expr(i, NOT) for i in chain] if len(chain) > 1 else [self.expr(e)]
        joiner = f" {self.kw('and')} "
        return _fill(f"  {self.kw('when')} ", items, joiner, "  " + joiner)

    def parts(self, items: tuple[n.Part, ...], indent: str) -> list[str]:
        return [f"{indent}{self.head(p.name, label=p.label)}: {self.expr(p.expr)}" for p in items]

    def branch_value(self, first: str, v: n.Expr | n.Parts, indent: str) -> list[str]:
        if isinstance(v, n.Parts):
            return [f"{first} {self.kw('parts')}", *self.parts(v.items, indent + "  ")]
        line = f"{first} {self.expr(v, BOUND)}"
        return [line] if width(line) <= WIDTH else [first, f"{indent}  {self.expr(v, BOUND)}"]

    def amount(self, a: n.AmountBody) -> list[str]:
        kw, first = self.kw, f"  {self.kw('amount')}"
        if isinstance(a, n.Parts):
            return [f"{first} {kw('parts')}", *self.parts(a.items, "    ")]
        if isinstance(a, n.Allocation):
            return [f"{first} {kw('allocate')} {self.expr(a.quota, SUM)} {kw('over')}",
                    *self.parts(a.items, "    ")]
        if isinstance(a, n.Choice) and a.style == "alternatives":
            lines = [first]
            for b in a.branches:
                lines += self.branch_value(f"    {kw('if')} {self.expr(b.cond, BOUND)}:", b.value, "    ")
            if a.default is not None:
                lines += self.branch_value(f"    {kw('else')}:", a.default, "    ")
            return lines
        if isinstance(a, n.Choice):
            if a.default is None:
                raise TypeError("an amount with exceptions needs a default value")
            lines = self.branch_value(first, a.default, "  ")
            for b in a.branches:
                lines += self.branch_value(f"    {kw('except')} {self.expr(b.cond, BOUND)}:", b.value, "    ")
            return lines
        return [f"{first} {self.expr(a)}"]

    def term(self, t: n.Term) -> list[str]:
        kw = self.kw
        lines = [f"  {kw('for')} {kw('at_most')} {self.expr(t.limit, ATOM)} "
                 f"{kw('counting')} {self.expr(t.counting, ATOM)}"]
        for x in t.extensions:
            by = f" {kw('by')} {self.expr(x.by, ATOM)}" if x.by is not None else ""
            lines.append(f"    {kw('extended')}{by} {kw('when')} {self.expr(x.cond)}")
        return lines

    # ---------------------------------------------------------------- declarations
    def decl(self, d: object) -> str:
        method = getattr(self, "_" + type(d).__name__, None)
        if method is not None and type(d).__module__ == n.__name__:
            return "\n".join(method(d))
        try:
            scorecard = importlib.import_module("policyrules.scorecard.printer")
        except ModuleNotFoundError as err:
            if err.name not in ("policyrules.scorecard.printer", "policyrules.scorecard"):
                raise
            raise TypeError(f"cannot print declaration {type(d).__name__}") from None
        return str(scorecard.print_scorecard(d, "zh" if self.zh else "en")).rstrip("\n")

    def _PolicyDecl(self, d: n.PolicyDecl) -> list[str]:
        return [self.head(self.kw("policy"), d.name, label=d.label), *self.docs(d.cites, d.texts),
                *(self.valid(v) for v in d.valid), *(self.rounding(r) for r in d.rounding)]

    def _ParameterDecl(self, d: n.ParameterDecl) -> list[str]:
        line = f"{self.head(self.kw('parameter'), d.name, label=d.label)}: {self.type_expr(d.type)}"
        if d.fixed is not None:
            line += f" {self.kw('default')} " if d.overridable else " = "
            line += self.param_value(d.fixed)
        lines = [line]
        lines += [f"  {self.kw('from')} {v.start.isoformat()}: {self.param_value(v.expr, '  ')}" for v in d.dated]
        return lines + self.docs(d.cites, d.texts)

    def param_value(self, v: n.ParamValue, indent: str = "") -> str:
        """A parameter's value; a list, record or table written out goes one item a line when long."""
        if isinstance(v, n.ListValue | n.EntriesValue):
            inner = indent + "  "
            if isinstance(v, n.ListValue):
                items, (open_, close) = [self.param_value(x, inner) for x in v.items], "[]"
            else:
                items = [f"{quote(e.key) if e.key_kind == 'text' else e.key}: {self.param_value(e.value, inner)}"
                         for e in v.entries]
                open_, close = "{}"
            one = open_ + ", ".join(items) + close
            if "\n" not in one and width(indent + one) <= WIDTH - 30:
                return one
            return open_ + "\n" + "".join(f"{inner}{x},\n" for x in items) + indent + close
        return self.expr(v)

    def _EnumDecl(self, d: n.EnumDecl) -> list[str]:
        first = f"{self.head(self.kw('enum'), d.name, label=d.label)} ="
        one = f"{first} {' | '.join(d.values)}"
        lines = [one] if width(one) <= WIDTH else [first, *_fill("  ", list(d.values), " | ", "  | ")]
        return lines + self.docs(d.cites, d.texts)

    def _SetDecl(self, d: n.SetDecl) -> list[str]:
        first = f"{self.head(self.kw('set'), d.name, label=d.label)} = {{"
        one = f"{first}{', '.join(d.members)}}}"
        if width(one) <= WIDTH:
            lines = [one]
        else:
            lines = [first, *_fill("  ", [m + "," for m in d.members], " ", "  "), "}"]
        return lines + self.docs(d.cites, d.texts)

    def _TableDecl(self, d: n.TableDecl) -> list[str]:
        if d.key is not None:
            return self.range_table(d)
        lines = [f"{self.head(self.kw('table'), d.name, label=d.label)}: {d.key_type} -> "
                 f"{self.type_expr(d.value_type)}", *self.docs(d.cites, d.texts)]
        lines += [f"  {e.key}: {self.expr(e.expr)}" for e in d.entries]
        if d.otherwise is not None:
            lines.append(f"  {self.kw('otherwise')}: {self.expr(d.otherwise)}")
        return lines

    def field(self, f: n.FieldDecl) -> str:
        opt = f"{self.kw('optional')} " if f.optional else ""
        line = f"  {self.head(f.name, label=f.label)}: {opt}{self.type_expr(f.type)}"
        return line if f.default is None else f"{line} = {self.expr(f.default)}"

    def range_table(self, d: n.TableDecl) -> list[str]:
        """A table keyed by ranges: ``from 10 years below 20 years: 10 days`` (满 … 不满 …)."""
        assert d.key is not None
        first = (f"{self.head(self.kw('table'), d.name, label=d.label)}: {self.type_expr(d.key)} -> "
                 f"{self.type_expr(d.value_type)}")
        lines = [f"{first} {self.kw('progressive')}" if d.progressive else first, *self.docs(d.cites, d.texts)]
        for r in d.ranges:
            bounds = []
            if r.low is not None:
                bounds.append(f"{self.kw('range_from' if r.low_inclusive else 'above')} {self.expr(r.low, SUM)}")
            if r.high is not None:
                bounds.append(f"{self.kw('up_to' if r.high_inclusive else 'below')} {self.expr(r.high, SUM)}")
            if not bounds:
                raise TypeError(f"a range of table {d.name!r} needs a bound")
            lines.append(f"  {' '.join(bounds)}: {self.expr(r.expr)}")
        if d.otherwise is not None:
            lines.append(f"  {self.kw('otherwise')}: {self.expr(d.otherwise)}")
        return lines

    def _FactsDecl(self, d: n.FactsDecl) -> list[str]:
        return [f"{self.head(self.kw('facts'), d.kind, label=d.label)}:", *(self.field(f) for f in d.fields)]

    def _RecordDecl(self, d: n.RecordDecl) -> list[str]:
        first = self.head(self.kw("record"), d.name, label=d.label)
        if d.key is not None:
            first += f" {self.kw('key')} {d.key}"
        return [f"{first}:", *(self.field(f) for f in d.fields), *self.docs(d.cites, d.texts)]

    def _ValueDecl(self, d: n.ValueDecl) -> list[str]:
        first = self.head(self.kw("value"), d.name, label=d.label)
        first = f"{first} {self.kw('for_each')} {d.each} =" if d.each is not None else f"{first} ="
        return self.body(first, d.expr) + self.docs(d.cites, d.texts)

    def _ResultDecl(self, d: n.ResultDecl) -> list[str]:
        first = self.head(self.kw("output"), d.name, label=d.label)
        if d.type is not None:
            first += f": {self.type_expr(d.type)}"
        return (self.body(f"{first} =", d.expr) + self.docs(d.cites, d.texts)
                + [self.rounding(r) for r in d.rounding])

    def _OutputDecl(self, d: n.OutputDecl) -> list[str]:
        first = self.head(self.kw(d.kind), d.name, label=d.label)
        lines = [f"{first} {self.kw(d.period)}" if d.period else first]
        lines += self.docs(d.cites, d.texts) + [self.valid(v) for v in d.valid]
        for c in d.conditions:
            lines += self.when(c)
        for a in d.amounts:
            lines += self.amount(a)
        for t in d.terms:
            lines += self.term(t)
        return lines + [self.rounding(r) for r in d.rounding]

    def _GroupDecl(self, d: n.GroupDecl) -> list[str]:
        first = f"{self.head(self.kw('exclusive'), d.name, label=d.label)} {self.kw(d.mode)}:"
        one = f"{first} {', '.join(d.members)}"
        if width(one) <= WIDTH:
            lines = [one]
        else:
            items = [m + "," for m in d.members[:-1]] + [d.members[-1]]
            lines = [first, *_fill("  ", items, " ", "  ")]
        return lines + self.docs(d.cites, d.texts)

    def _InvariantDecl(self, d: n.InvariantDecl) -> list[str]:
        first = f"{self.head(self.kw('invariant'), label=d.label)}:"
        return self.body(first, d.expr) + self.docs(d.cites, d.texts)

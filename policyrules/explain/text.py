"""Decision -> calculation cards in English or Chinese: for each output its value,
the rule and clause, the formula with values substituted, which cap or floor bound,
the term, group exclusions, and for an ineligible output which conditions failed."""

from __future__ import annotations

from decimal import Decimal

from policyrules.check.checked import CheckedPolicy
from policyrules.evaluate.trace import Decision, OutputResult
from policyrules.explain.formula import Formula, fmt_decimal, fmt_value, wrap, wrap_text
from policyrules.source import lines_of
from policyrules.syntax import nodes as n

T = {
    "en": {
        "title": "Decision for policy {policy} on {on}", "eligible": "eligible: every condition holds",
        "not eligible": "not eligible: these conditions fail", "amount": "amount", "where": "where",
        "term": "term", "received": "received {used} of {limit}", "extended": "extended {how}",
        "over": "the term is used up", "parts": "parts", "text": "text", "cite": "clause",
        "applies": "applies", "does not apply": "does not apply", "not in force": "not in force on this date",
        "excluded": "excluded", "paid instead": "", "conditions": "conditions", "branch": "rule",
        "invariants": "invariants stated in the policy", "holds": "holds", "violated": "VIOLATED",
        "rounding": "rounded", "total": "total", "months left": "months left this term",
        "no trace": "(evaluated without a trace; evaluate with trace=True to see the calculation)",
        "parameters": "parameters", "needed": "still needed", "value": "value", "items": "items of",
    },
    "zh": {
        "title": "政策 {policy} 于 {on} 的计算结果", "eligible": "符合条件:全部条件满足",
        "not eligible": "不符合条件:以下条件未满足", "amount": "金额", "where": "其中",
        "term": "期限", "received": "已享受 {used},期限 {limit}", "extended": "延长 {how}",
        "over": "期限已满", "parts": "组成", "text": "原文", "cite": "依据",
        "applies": "适用", "does not apply": "不适用", "not in force": "评估日期不在有效期内",
        "excluded": "不予重复享受", "paid instead": "", "conditions": "条件", "branch": "适用规则",
        "invariants": "政策声明的不变式", "holds": "成立", "violated": "不成立",
        "rounding": "舍入", "total": "合计", "months left": "本期剩余月数",
        "no trace": "(未记录计算过程;请以 trace=True 计算)", "parameters": "参数", "needed": "尚需提供",
        "value": "计算", "items": "逐条",
    },
}


def explain(cp: CheckedPolicy, decision: Decision, lang: str = "en", outputs: list[str] | None = None,
            width: int = 100) -> str:
    """The whole decision as text; ``outputs`` limits it to some outputs."""
    if lang not in T:
        raise ValueError(f"unknown language {lang!r}; use en or zh")
    tr = T[lang]
    f = Formula(cp, lang)
    lines = [tr["title"].format(policy=decision.policy, on=decision.on)]
    if decision.parameters:
        shown = ", ".join(f"{k} {fmt_value(v, cp.params[k].type, lang, cp.records)}"
                          for k, v in decision.parameters.items())
        lines.extend(wrap(f"{tr['parameters']}: {shown}", width))
    for name, r in decision.outputs.items():
        if outputs and name not in outputs:
            continue
        lines.append("")
        lines.extend(card(cp, r, f, tr, width))
    if decision.invariants and not outputs:
        lines.append("")
        lines.append(tr["invariants"] + ":")
        for inv in decision.invariants:
            mark = tr["holds"] if inv.holds else tr["violated"]
            lines.append(f"  {'✓' if inv.holds else '✗'} {inv.label or ''} [{mark}]")
    return "\n".join(lines) + "\n"


def headline(r: OutputResult, tr: dict[str, str], lang: str) -> str:
    label = f" {r.label}" if r.label else ""
    if r.needed:
        value = "?"
    elif r.type is not None:
        value = fmt_value(r.value, r.type, lang)
    elif isinstance(r.value, bool):
        value = ("是" if r.value else "否") if lang == "zh" else ("true" if r.value else "false")
    else:
        value = format(r.value, "f")
    cites = f"  [{'; '.join(r.cites)}]" if r.cites else ""
    return f"{r.name}{label} = {value}{cites}"


def card(cp: CheckedPolicy, r: OutputResult, f: Formula, tr: dict[str, str], width: int = 100) -> list[str]:
    """The calculation card of one output."""
    f.cite = r.cites[0] if r.cites else None
    lines = [headline(r, tr, f.lang)]
    ind = "  "
    if r.needed:
        lines.append(f"{ind}{tr['needed']}: {', '.join(r.needed)}")
    if r.kind == "output" and r.amount is not None:
        rounding = f" → {fmt_value(r.value, r.type, f.lang)} ({tr['rounding']} {r.rounding})" if r.rounding else ""
        lines.append(f"{ind}{tr['value']}: {f.full(r.amount)}{rounding}")
        defs = f.definitions(r.amount)
        if defs:
            lines.append(f"{ind}{tr['where']}:")
            lines.extend(ind * 2 + d for d in defs)
    if r.status == "not in force":
        lines.append(ind + tr["not in force"])
    if r.conditions:
        failed = r.failed
        lines.append(ind + (tr["not eligible"] if failed else tr["eligible"]))
        for c in (failed or r.conditions):
            text = f.line(c.step) if c.step is not None else _source(cp, c.expr)
            lines.append(f"{ind * 2}{'✗' if failed else '✓'} {text}")
            if failed and c.step is not None:  # why not: down through named values to the comparison
                lines.extend(f"{ind * 3}✗ {f.line(x)}" for x in f.failed(c.step) if x is not c.step)
        if failed and failed[0].step is None:
            lines.append(ind * 2 + tr["no trace"])
    if r.term is not None:
        lines.append(f"{ind}{tr['term']}: {_term(r, tr, f.lang)}")
    if r.amount is not None and r.eligible and r.kind != "output":
        lines.extend(_amount(r, f, tr, ind))
    elif r.eligible and r.branch:  # eligible, but no alternative applied
        lines.append(f"{ind}{tr['branch']}: {_zh(r.branch) if f.lang == 'zh' else r.branch}")
    if r.group_note:
        prefix = tr["excluded"] + ": " if r.status == "excluded" else ""
        note = _zh(r.group_note) if f.lang == "zh" else r.group_note
        lines.append(f"{ind}{prefix}{note}")
    lines = [piece for line in lines for piece in wrap(line, width)]  # long formulas broken by structure
    for text in r.texts:
        wrapped = wrap_text(text, max(40, width - 10))
        lines.append(f"{ind}{tr['text']}: " + f"\n{ind}      ".join(wrapped))
    return lines


def _term(r: OutputResult, tr: dict[str, str], lang: str) -> str:
    t = r.term
    assert t is not None
    unit = "years" if t.unit == "year" else "months"
    text = tr["received"].format(used=_months(t.used_months, unit, lang), limit=_months(t.limit_months, unit, lang))
    if t.extended:
        text += "; " + tr["extended"].format(how=_zh(t.extended) if lang == "zh" else t.extended)
    elif not t.eligible:
        text += "; " + tr["over"]
    if t.remaining_months is not None and r.eligible and r.period_note:
        text += f"; {tr['months left']} {fmt_decimal(t.remaining_months)}"
    return text


def _amount(r: OutputResult, f: Formula, tr: dict[str, str], ind: str) -> list[str]:
    step = r.amount
    assert step is not None
    lines = []
    if r.branch:
        why = ""
        if len(step.children) == 2:  # the condition that selected the branch
            why = f" ({f.line(step.children[0])})"
        lines.append(f"{ind}{tr['branch']}: {_zh(r.branch) if f.lang == 'zh' else r.branch}{why}")
    inner = step.children[-1] if r.branch and step.children else step
    computed = r.raw_amount if r.raw_amount is not None else r.value
    rounding = f" ({tr['rounding']} {r.rounding})" if r.rounding else ""
    if isinstance(inner.node, n.Parts):
        lines.append(f"{ind}{tr['amount']} = " + " + ".join(format(v, "f") for v in r.parts.values())
                     + f" = {format(computed, 'f')}")
        for pname, ps in zip(r.parts, inner.children, strict=False):
            extra = f" {r.period_note}" if r.period_note else ""
            lines.append(f"{ind * 2}{pname}: {f.full(ps)}{extra} → {format(r.parts[pname], 'f')}")
    elif isinstance(inner.node, n.Allocation):
        quota = inner.children[0]
        lines.append(f"{ind}{tr['amount']}: {f.full(quota)}, " + ("依次减免" if f.lang == "zh" else "used up in order"))
        for ps in inner.children[1:]:
            item = ps.children[0]
            lines.append(f"{ind * 2}{ps.node.name}: min({f.full(item)}, {_money_text(ps.note)}) → {format(ps.value, 'f')}")
        lines.append(f"{ind * 2}{tr['total']} = {format(computed, 'f')}")
    else:
        extra = f" {_zh(r.period_note) if f.lang == 'zh' else r.period_note}" if r.period_note else ""
        lines.append(f"{ind}{tr['amount']}: {f.full(inner)}{extra} → {format(computed, 'f')}{rounding}")
    defs = f.definitions(step)
    if defs:
        lines.append(f"{ind}{tr['where']}:")
        lines.extend(ind * 2 + d for d in defs)
    return lines


_ZH = [
    (r"^the general rule applies$", "适用一般规定"), (r"^otherwise$", "其他情形"),
    (r"^alternative (\d+) applies$", r"适用第\1种情形"), (r"^exception (\d+) applies$", r"适用例外\1"),
    (r"^no alternative applies$", "无适用情形"), (r"^by ([\d.]+) months$", r"\1个月"),
    (r"× ([\d.]+) months this year", r"× 本年 \1 个月"), (r"^without limit$", "不限期"),
    (r": only the highest is paid, and `(\w+)` pays ([\d.]+)$", r":就高不重复,`\1` 金额 \2"),
    (r": `(\w+)` comes first and is paid$", r":`\1` 优先享受"), (r": paid instead of ", ":享受本项,不享受 "),
]


def _zh(text: str) -> str:
    import re

    for pattern, repl in _ZH:
        text = re.sub(pattern, repl, text)
    return text


def _money_text(note: str | None) -> str:
    from policyrules.explain.formula import _money

    return _money(Decimal(note)) if note else ""


def _months(months: object, unit: str, lang: str) -> str:
    m = Decimal(str(months))
    if unit == "years":
        word = ('year' if m == 12 else 'years') if lang == 'en' else '年'
        return f"{fmt_decimal(m / 12)} {word}".replace(" 年", "年")
    return f"{fmt_decimal(m)} {'months' if lang == 'en' else '个月'}".replace(" 个月", "个月")


def _source(cp: CheckedPolicy, expr: object) -> str:
    span = getattr(expr, "span", None)
    if span is None or not span.line:
        return "?"
    lines = lines_of(cp.source.text)[span.line - 1: span.end_line]
    if not lines:
        return "?"
    if len(lines) == 1:
        return lines[0][span.column - 1: span.end_column - 1]
    return " ".join([lines[0][span.column - 1:]] + [x.strip() for x in lines[1:-1]]
                    + [lines[-1][: span.end_column - 1].strip()])

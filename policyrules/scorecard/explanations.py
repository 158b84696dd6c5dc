"""``ScorecardResult`` -> why each unit got its score, qualification, rank and award.

English (``lang="en"``) or Chinese (``lang="zh"``); formulas with the values
substituted, e.g. ``annual: 50 x 120/100 = 60.00``, and the clause each rule cites.
"""

from __future__ import annotations

from decimal import Decimal

from policyrules.scorecard.env import UnitEnv
from policyrules.scorecard.evaluate import CheckedCard
from policyrules.scorecard.model import Deduction, Direct, Proportional, Scorecard, YesNo, weight_is_one
from policyrules.scorecard.render import View, indicator_type, label_of, met_operator, render, show
from policyrules.scorecard.result import ConditionResult, ItemResult, ScorecardResult, UnitResult
from policyrules.scorecard.scope import UNIT
from policyrules.scorecard.values import fmt_number, fmt_value
from policyrules.syntax import nodes as n

T = {
    "en": {
        "head": "{id}: score {score}", "head_checklist": "{id}: {met} of {count} indicators met",
        "sep": ": ", "comma": ", ", "paren": " ({})", "award_head": "award {name} {amount}",
        "qualified": "qualified", "not_qualified": "not qualified",
        "rank": "rank {rank}", "no_rank": "no rank",
        "indicators": "Indicators ({met}/{count}):", "points": "Points:",
        "met": "met", "not_met": "not met",
        "actual": "actual", "target": "target", "last_year": "last year",
        "cap": ", capped at {cap}", "floor": ", floor {floor}",
        "weight": " x weight {w}",
        "allowed": "allowed {lo}..{hi}",
        "absent": " (missing: {names})",
        "total": "score: {terms} = {raw}, rounded {mode} to {q}: {score}",
        "qual_head": "Qualification: {what}",
        "threshold": "score {score} {op} {threshold}",
        "holds": "holds", "fails": "fails",
        "rank_first": "Rank 1: the highest score among qualified units",
        "rank_unranked": "No rank: only qualified units are ranked",
        "rank_none": "Not ranked: this scorecard is a checklist",
        "rank_score": "Rank {rank}: below {above} (rank {arank}) on score: {score} < {ascore}",
        "rank_tie": "Rank {rank}: below {above} (rank {arank}): same score {score}; tie-break {key}: "
                    "{mine} {op} {theirs} ({order} first)",
        "rank_id": "Rank {rank}: below {above} (rank {arank}): same score {score} and tie-breaks; "
                   "the last tie-break is the unit id, ascending",
        "larger": "larger", "smaller": "smaller",
        "award": "Award: {name}, {amount} (ranked {rank}, within the first {n})",
        "no_award_rank": "No award: ranked {rank}, awards go to the first {n}",
        "no_award_unq": "No award: not qualified",
        "areas": "Areas:",
        "area": "{name}: {met} of {count} met",
        "area_adv": ", advanced unit (place {rank} of the candidates){amount}",
        "area_cand": ", candidate (place {rank}), not among the first {n}",
        "area_not": ", not a candidate",
        "totals": "{n} units, {q} qualified; total awards {total}",
        "totals_checklist": "{n} units",
        "lists": "Lists:", "none": "none",
    },
    "zh": {
        "head": "{id}:得分 {score}", "head_checklist": "{id}:{count} 项指标完成 {met} 项",
        "sep": ":", "comma": ",", "paren": "({})", "award_head": "{name},奖金 {amount}",
        "qualified": "符合评先条件", "not_qualified": "不符合评先条件",
        "rank": "排名第{rank}", "no_rank": "不参加排名",
        "indicators": "指标({met}/{count}):", "points": "得分明细:",
        "met": "完成", "not_met": "未完成",
        "actual": "实际", "target": "目标", "last_year": "去年",
        "cap": ",最高 {cap}", "floor": ",最低 {floor}",
        "weight": " × 权重 {w}",
        "allowed": "允许 {lo} 至 {hi}",
        "absent": "(缺:{names})",
        "total": "合计:{terms} = {raw},按{mode}保留到 {q}:{score}",
        "qual_head": "评先认定:{what}",
        "threshold": "得分 {score} {op} {threshold}",
        "holds": "满足", "fails": "不满足",
        "rank_first": "排名第1:符合条件的单位中得分最高",
        "rank_unranked": "不排名:只有符合评先条件的单位参加排名",
        "rank_none": "不排名:本考核只核对指标",
        "rank_score": "排名第{rank}:得分 {score} 低于 {above}(第{arank}名)的 {ascore}",
        "rank_tie": "排名第{rank}:与 {above}(第{arank}名)得分相同({score}),按{key}认定:{mine} {op} {theirs}({order}者在前)",
        "rank_id": "排名第{rank}:与 {above}(第{arank}名)得分和各项认定依据均相同,最后按单位编号升序排列",
        "larger": "大", "smaller": "小",
        "award": "奖励:{name},{amount} 元(排名第{rank},前{n}名)",
        "no_award_rank": "不获奖:排名第{rank},奖励只给前{n}名",
        "no_award_unq": "不获奖:不符合评先条件",
        "areas": "分项:",
        "area": "{name}:{count} 项中完成 {met} 项",
        "area_adv": ",单项先进单位(候选第{rank}位){amount}",
        "area_cand": ",候选第{rank}位,未进入前{n}名",
        "area_not": ",未全部完成,不是候选单位",
        "totals": "共 {n} 个单位,{q} 个符合评先条件;奖金合计 {total}",
        "totals_checklist": "共 {n} 个单位",
        "lists": "清单:", "none": "无",
    },
}
_MODES = {"en": {"HALF_UP": "half-up", "HALF_EVEN": "half-even", "DOWN": "down", "UP": "up"},
          "zh": {"HALF_UP": "四舍五入", "HALF_EVEN": "银行家舍入", "DOWN": "舍去", "UP": "进一"}}


def pts(value: Decimal) -> str:
    """Points to two places, or four with ``~`` when the exact value has more."""
    if value == value.quantize(Decimal("0.01")):
        return fmt_number(value, 2)
    return "~" + fmt_number(value, 4)


def _name(node: object, lang: str) -> str:
    label = getattr(node, "label", None)
    return label if lang == "zh" and label else str(getattr(node, "name", ""))


def _cite(node: object, lang: str) -> str:
    cite, text = getattr(node, "cite", None), getattr(node, "text", None)
    parts = [p for p in (cite, text) if p]
    return f"  [{' '.join(parts)}]" if parts else ""


def scope_for(result: ScorecardResult, unit: UnitResult) -> View:
    """The unit's values as its explanation reads them: inputs, records, results, score."""
    card = result.card
    checked = result.checked if result.checked is not None else CheckedCard(card)
    records = {kind: by_unit.get(unit.id, ()) for kind, by_unit in result.records.items()}
    env = UnitEnv(checked.cp, unit.inputs, result.parameters, records, result.on)
    for ind in unit.indicators:
        for part in ("actual", "target", "met", "ratio", "last_year"):
            env.set(f"{ind.name}.{part}", getattr(ind, part))
    env.set("met_count", unit.met_count)
    for area in unit.areas:
        env.set(f"{area.name}.met_count", area.met_count)
    env.set("score", unit.score)
    return View(card, checked.analysis, env)


def explain_item(card: Scorecard, item_result: ItemResult, scope: View, lang: str = "en") -> str:
    """One item's formula with values, e.g. ``annual: 50 x 120/100 = 60.00``."""
    t = T[lang]
    item = next(i for i in card.items if i.name == item_result.name)
    x = " × " if lang == "zh" else " x "
    values = item_result.values
    if isinstance(item, Proportional):
        ty = indicator_type(item.indicator, scope)
        formula = f"{fmt_number(item.points)}{x}{show(values['actual'], ty)}/{show(values['target'], ty)}"
        formula += f" = {pts(item_result.raw)}"
        if item_result.bound == "cap":
            formula += t["cap"].format(cap=fmt_number(item.cap or 0))
    elif isinstance(item, YesNo):
        shown = render(item.condition, scope, lang, values=True)
        formula = f"{render(item.condition, scope, lang)}{t['sep']}{shown} -> {pts(item_result.raw)}"
    elif isinstance(item, Deduction):
        formula = f"{fmt_number(item.points)} - {fmt_number(item.per_item)}{x}{fmt_value(values['missing'])}"
        if values.get("absent"):
            formula += t["absent"].format(names=values["absent"])
        formula += f" = {pts(item_result.raw)}"
        if item_result.bound == "floor":
            formula += t["floor"].format(floor=fmt_number(item.floor))
    else:
        assert isinstance(item, Direct)
        hi = "" if item.maximum is None else fmt_number(item.maximum)
        allowed = t["allowed"].format(lo=fmt_number(item.minimum), hi=hi)
        field = label_of(item.field, scope, lang)
        formula = f"{field} {fmt_value(values['value'])} ({allowed})"
    weighted = not weight_is_one(item.weight)
    if weighted:
        weight = values.get("weight", item.weight)
        shown = fmt_number(weight) if isinstance(weight, Decimal | int) else str(weight)
        if not isinstance(item.weight, Decimal):
            shown = f"{render(item.weight, scope, lang)} {shown}"
        formula += t["weight"].format(w=shown)
    if item_result.bound is not None or weighted or isinstance(item, Direct):
        formula += f" = {pts(item_result.points)}"
    return f"{_name(item, lang)}{t['sep']}{formula}"


def _indicator_lines(result: ScorecardResult, unit: UnitResult, scope: View, lang: str) -> list[str]:
    t = T[lang]
    lines = []
    for ind, res in zip(result.card.indicators, unit.indicators, strict=True):
        ty = indicator_type(ind.name, scope)
        op = met_operator(ind.direction.value, ind.inclusive, res.met)
        target = render(ind.target, scope, lang)
        actual = show(res.actual, ty, lang)
        if not _plain(ind.actual_expr, scope):
            actual += t["paren"].format(render(ind.actual_expr, scope, lang))
        line = f"{_name(ind, lang)}{t['sep']}{t['actual']} {actual} {op} {t['target']} "
        line += show(res.target, ty, lang)
        if res.last_year is not None:
            line += t["paren"].format(f"{target}{t['comma']}{t['last_year']} {show(res.last_year, ty)}")
        line += f"{t['comma']}{t['met'] if res.met else t['not_met']}{_cite(ind, lang)}"
        lines.append("  " + line)
    return lines


def _plain(expr: n.Expr, view: View) -> bool:
    """A unit field or a literal: the indicator line shows just its value."""
    if isinstance(expr, n.Name):
        ref = view.analysis.refs.get(id(expr))
        return ref is not None and ref.what == "fact" and ref.kind == UNIT
    return isinstance(expr, n.Number | n.Money | n.Percent | n.Bool | n.Text | n.DateLit)


def _condition_line(card: Scorecard, unit: UnitResult, cond: ConditionResult, scope: View, lang: str) -> str:
    t = T[lang]
    status = t["holds"] if cond.holds else t["fails"]
    if cond.condition is None:
        rule = card.qualification
        assert rule is not None and rule.threshold is not None
        op = ">=" if cond.holds else "<"
        text = t["threshold"].format(score=fmt_number(unit.score, 2), op=op, threshold=fmt_number(rule.threshold))
        return f"  {text}{t['sep']}{status}{_cite(rule, lang)}"
    c = cond.condition
    head = c.label if lang == "zh" and c.label else render(c.expr, scope, lang)
    shown = render(c.expr, scope, lang, values=True)
    return f"  {head}{t['sep']}{shown}{t['sep']}{status}{_cite(c, lang)}"


def _rank_line(result: ScorecardResult, unit: UnitResult, scope: View, lang: str) -> str:
    t, card = T[lang], result.card
    if card.ranking is None:
        return t["rank_none"]
    if unit.rank is None:
        return t["rank_unranked"]
    reason = unit.rank_reason
    if reason is None:
        return t["rank_first"] + _cite(card.ranking, lang)
    above = result.unit(reason.above)
    common = {"rank": unit.rank, "above": above.id, "arank": above.rank, "score": fmt_number(unit.score, 2)}
    if reason.key == "score":
        return t["rank_score"].format(ascore=fmt_number(above.score, 2), **common)
    if reason.key == "id":
        return t["rank_id"].format(**common)
    assert reason.index is not None
    key = card.ranking.tie_breaks[reason.index]
    key_name = key.label if lang == "zh" and key.label else render(key.expr, scope, lang)
    above_scope = scope_for(result, above)
    mine = f"{render(key.expr, scope, lang, values=True)}"
    theirs = f"{render(key.expr, above_scope, lang, values=True)}"
    mine_v, theirs_v = unit.tie_values[reason.index], above.tie_values[reason.index]
    if render(key.expr, scope, lang) != key_name or "/" in mine:
        mine += f" = {fmt_value(mine_v)}"
        theirs += f" = {fmt_value(theirs_v)}"
    op = "<" if key.descending else ">"
    order = t["larger"] if key.descending else t["smaller"]
    return t["rank_tie"].format(key=key_name, mine=mine, theirs=theirs, op=op, order=order, **common) + _cite(key, lang)


def _award_line(card: Scorecard, unit: UnitResult, lang: str) -> str | None:
    t = T[lang]
    if not card.awards:
        return None
    n = sum(a.count for a in card.awards)
    if unit.advanced_unit:
        award = next(a for a in card.awards if a.name == unit.award_name)
        return t["award"].format(name=_name(award, lang), amount=fmt_number(unit.award, 2), rank=unit.rank, n=n) + \
            _cite(award, lang)
    if unit.rank is None:
        return t["no_award_unq"]
    return t["no_award_rank"].format(rank=unit.rank, n=n)


def _area_lines(card: Scorecard, unit: UnitResult, lang: str) -> list[str]:
    t = T[lang]
    lines = []
    for area, res in zip(card.areas, unit.areas, strict=True):
        line = t["area"].format(name=_name(area, lang), met=res.met_count, count=res.indicator_count)
        if res.advanced:
            amount = f", {fmt_number(res.award, 2)}" if res.award else ""
            line += t["area_adv"].format(rank=res.rank, amount=amount)
        elif res.candidate:
            line += t["area_cand"].format(rank=res.rank, n=area.advanced)
        else:
            line += t["area_not"]
        lines.append("  " + line)
    return lines


def explain_unit(result: ScorecardResult, unit_id: str, lang: str = "en") -> str:
    """Why this unit got its score (item by item), qualification, rank and award."""
    if lang not in T:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    t, card = T[lang], result.card
    unit = result.unit(unit_id)
    scope = scope_for(result, unit)
    if card.items:
        head = [t["head"].format(id=unit.id, score=fmt_number(unit.score, 2))]
    else:
        head = [t["head_checklist"].format(id=unit.id, met=unit.met_count, count=unit.indicator_count)]
    if card.qualification is not None:
        head.append(t["qualified"] if unit.qualified else t["not_qualified"])
    if card.ranking is not None:
        head.append(t["rank"].format(rank=unit.rank) if unit.rank else t["no_rank"])
    if unit.advanced_unit:
        won = next(a for a in card.awards if a.name == unit.award_name)
        head.append(t["award_head"].format(name=_name(won, lang), amount=fmt_number(unit.award, 2)))
    lines = [t["comma"].join(head)]
    if card.indicators:
        lines.append(t["indicators"].format(met=unit.met_count, count=unit.indicator_count))
        lines += _indicator_lines(result, unit, scope, lang)
    if card.items:
        lines.append(t["points"])
        for item, res in zip(card.items, unit.items, strict=True):
            lines.append("  " + explain_item(card, res, scope, lang) + _cite(item, lang))
        terms = " + ".join(pts(i.points) for i in unit.items).replace("+ -", "- ")
        mode = _MODES[lang][card.rounding.mode.name]
        lines.append("  " + t["total"].format(terms=terms, raw=pts(unit.raw_score), mode=mode,
                                               q=card.rounding.quantum, score=fmt_number(unit.score, 2)))
    if card.qualification is not None:
        lines.append(t["qual_head"].format(what=t["qualified"] if unit.qualified else t["not_qualified"]))
        lines += [_condition_line(card, unit, c, scope, lang) for c in unit.conditions]
    lines.append(_rank_line(result, unit, scope, lang))
    award = _award_line(card, unit, lang)
    if award:
        lines.append(award)
    if card.areas:
        lines += [t["areas"], *_area_lines(card, unit, lang)]
    if card.lists:
        lines.append(t["lists"])
        for listing in card.lists:
            values = unit.listed(listing.name)
            shown = t["comma"].join(fmt_value(v) for v in values) if values else t["none"]
            lines.append(f"  {_name(listing, lang)}{t['sep']}{shown}{_cite(listing, lang)}")
    return "\n".join(lines)


def explain(result: ScorecardResult, lang: str = "en") -> str:
    """Every unit's explanation, in result order, then the totals."""
    blocks = [explain_unit(result, u.id, lang) for u in result.units]
    key = "totals" if result.card.qualification or result.card.awards else "totals_checklist"
    totals = T[lang][key].format(n=len(result.units), q=result.qualified_count,
                                 total=fmt_number(result.total_awards, 2))
    return "\n\n".join([*blocks, totals])

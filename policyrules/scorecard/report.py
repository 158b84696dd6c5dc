"""``ScorecardResult`` -> a plain-text ranked table (CLI) or a self-contained HTML report."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from html import escape

from policyrules.scorecard.explanations import explain_unit, pts
from policyrules.scorecard.result import ScorecardResult, UnitResult
from policyrules.scorecard.values import fmt_number, fmt_value


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


MAX_ITEM_COLUMNS = 10
"""A card with more point items shows only the score in the table (the items are in the
explanations, the JSON and the HTML report's item list)."""


def _item_columns(card: object) -> bool:
    return len(getattr(card, "items", ())) <= MAX_ITEM_COLUMNS


def _row(result: ScorecardResult, unit: UnitResult) -> list[str]:
    card = result.card
    row = [unit.id] if card.ranking is None else [str(unit.rank) if unit.rank is not None else "-", unit.id]
    if card.items:
        row += [pts(i.points) for i in unit.items] if _item_columns(card) else []
        row.append(fmt_number(unit.score, 2))
    if card.indicators:
        row.append(f"{unit.met_count}/{unit.indicator_count}")
    if card.qualification is not None:
        row.append("yes" if unit.qualified else "no")
    if card.awards:
        row.append(fmt_number(unit.award, 2) if unit.advanced_unit else "")
    for _name, values in unit.lists:
        row.append(",".join(fmt_value(v) for v in values) or "-")
    return row


def _header(result: ScorecardResult) -> list[str]:
    card = result.card
    head = ["unit"] if card.ranking is None else ["rank", "unit"]
    if card.items:
        head += [i.name for i in card.items] if _item_columns(card) else []
        head.append("score")
    if card.indicators:
        head.append("met")
    if card.qualification is not None:
        head.append("qualified")
    if card.awards:
        head.append("award")
    head += [listing.name for listing in card.lists]
    return head


def render_table(result: ScorecardResult) -> str:
    """Units in rank order as an aligned text table, with the total awards."""
    rows = [_header(result)] + [_row(result, u) for u in result.units]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    unit_col = rows[0].index("unit")
    first_list = len(rows[0]) - len(result.card.lists)
    lines = []
    for n, row in enumerate(rows):
        cells = [_pad(cell, w, right=i != unit_col and i < first_list)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    title = result.card.name + (f" ({result.card.label})" if result.card.label else "")
    footer = f"{len(result.units)} units"
    if result.card.qualification is not None:
        footer += f", {result.qualified_count} qualified"
    if result.card.awards:
        footer += f", total awards {fmt_number(result.total_awards, 2)}"
    return "\n".join([f"{title}, {result.on.isoformat()}", *lines, footer]) + "\n"


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.unq{color:#888}tr.adv{background:#eef7ee}
details{margin:.4em 0}pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}
.cite{color:#666;font-size:.9em}
"""


def _chart(result: ScorecardResult) -> str:
    """Horizontal bars of the scores (of the indicators met, for a checklist), with the
    qualification threshold as a dashed line."""
    units = result.units
    rule = result.card.qualification
    threshold = rule.threshold if rule is not None else None
    checklist = not result.card.items  # no points: chart the indicators met

    def value(unit: UnitResult) -> Decimal:
        return Decimal(unit.met_count) if checklist else unit.score

    def shown(unit: UnitResult) -> str:
        return f"{unit.met_count}/{unit.indicator_count}" if checklist else fmt_number(unit.score, 2)

    top = max([value(u) for u in units] + [threshold or Decimal(0), Decimal(1)]
              + [Decimal(u.indicator_count) for u in units if checklist])
    label_w, bar_w, row_h = 160, 480, 22
    height = row_h * len(units) + 30

    def x(value: Decimal) -> Decimal:
        return label_w + (max(value, Decimal(0)) * bar_w / top).quantize(Decimal("0.1"))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 70}" height="{height}" '
             f'role="img" aria-label="scores">']
    for i, unit in enumerate(units):
        y = 10 + i * row_h
        colour = "#3a7d44" if unit.advanced_unit else "#5b8def" if unit.qualified else "#bbb"
        width = x(value(unit)) - label_w
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">{escape(unit.id)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{width}" height="{row_h - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + width + 4}" y="{y + 14}" font-size="12">{escape(shown(unit))}</text>')
    if threshold is not None:
        tx = x(threshold)
        parts.append(f'<line x1="{tx}" y1="4" x2="{tx}" y2="{height - 16}" stroke="#c00" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{tx}" y="{height - 4}" text-anchor="middle" font-size="11" fill="#c00">'
                     f'{fmt_number(threshold)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(result: ScorecardResult, lang: str = "zh") -> str:
    """A self-contained HTML page: ranked table, points by item, score chart, explanations."""
    card = result.card
    title = escape(card.label or card.name)
    head = "".join(f"<th>{escape(h)}</th>" for h in _header(result))
    body = []
    for unit in result.units:
        cls = "adv" if unit.advanced_unit else "unq" if not unit.qualified else ""
        unit_col = 0 if card.ranking is None else 1
        cells = "".join(
            f'<td class="{"" if i == unit_col else "n"}">{escape(c)}</td>' for i, c in enumerate(_row(result, unit))
        )
        body.append(f'<tr class="{cls}">{cells}</tr>')
    items = "".join(
        f"<li><b>{escape(i.name)}</b> {escape(i.label or '')} <span class='cite'>{escape(i.cite or '')}</span></li>"
        for i in card.items
    )
    explanations = "".join(
        f"<details><summary>{escape(u.id)}</summary><pre>{escape(explain_unit(result, u.id, lang))}</pre></details>"
        for u in result.units
    )
    total = f"<p>total awards: {fmt_number(result.total_awards, 2)}</p>" if card.awards else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1><p class='cite'>{escape(card.cite or '')} · {result.on.isoformat()}</p>"
        f"{_chart(result)}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{total}"
        f"{'<h2>items</h2><ul>' + items + '</ul>' if items else ''}<h2>explanations</h2>{explanations}"
        f"</body></html>\n"
    )

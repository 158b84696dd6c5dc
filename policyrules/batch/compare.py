"""Reform comparison: two policies over one population, the change in cost per output, who
gains and who loses, the largest changes, and a distribution chart (SVG or HTML)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from policyrules.batch.run import Session, _quote
from policyrules.check.checked import CheckedPolicy


def top_level_benefits(cp: CheckedPolicy, names: Sequence[str]) -> list[str]:
    """Benefits among ``names`` that no other benefit's amount or condition uses (the ones that
    add up to what a person receives: a loan feeding an interest subsidy is not counted)."""
    from policyrules.syntax.walk import names as names_in

    used: set[str] = set()

    def walk(node: Any, seen: set[str]) -> None:
        for name in names_in(node):
            ref = cp.refs.get(id(name))
            if ref is None:
                continue
            if ref.what == "output":
                used.add(ref.name)
            elif ref.what == "part" and ref.kind:
                used.add(ref.kind)
            elif ref.what == "value" and ref.name not in seen:
                seen.add(ref.name)
                walk(cp.values[ref.name][0].expr, seen)

    for name in names:
        d = cp.outputs[name].decl
        if d.monetary:
            walk((d.conditions, d.amounts, d.terms), set())
    return [m for m in names if cp.outputs[m].decl.monetary and m not in used]


def run_compare(old: Any, new: Any, input_path: str, on: dt.date, params: Mapping[str, str] | None = None,
                mapping: Mapping[str, str] | None = None, top: int = 10, bins: int = 30,
                progress: bool | None = None) -> dict[str, Any]:
    """Old and new policy on the same population: cost per output, who gains or loses, the
    largest changes, and a histogram of the change per person."""
    a = Session(old, input_path, on, params, mapping, progress, suffix="_old")
    b = Session(new, input_path, on, params, mapping, con=a.con, suffix="_new")
    ca, cb = a.compiled(row=True), b.compiled(row=True)
    money_a = [o.column for o in ca.outputs if o.part is None and o.monetary]
    money_b = [o.column for o in cb.outputs if o.part is None and o.monetary]
    both = [m for m in money_a if m in money_b]
    total_a = top_level_benefits(a.cp, money_a)
    total_b = top_level_benefits(b.cp, money_b)
    ids = [c for c in a.plan.passthrough if c in b.plan.passthrough][:3]
    con = a.con
    con.execute(f"CREATE TEMP VIEW old_result AS {ca.sql()}")
    con.execute(f"CREATE TEMP VIEW new_result AS {cb.sql()}")

    def ssum(cols: Sequence[str], side: str) -> str:
        return " + ".join(f"{side}.{_quote(c)}" for c in cols) if cols else "0"

    select = ["o.row AS row"] + [f"o.{_quote(i)}" for i in ids]
    select += [f"{ssum(total_a, 'o')} AS old_total", f"{ssum(total_b, 'n')} AS new_total"]
    select += [f"o.{_quote(m)} AS {_quote('old:' + m)}" for m in money_a]
    select += [f"n.{_quote(m)} AS {_quote('new:' + m)}" for m in money_b]
    con.execute(f"CREATE TEMP VIEW joined AS SELECT *, new_total - old_total AS change FROM "
                f"(SELECT {', '.join(select)} FROM old_result o JOIN new_result n "
                "ON o.row = n.row)")
    names = sorted(set(money_a) | set(money_b), key=lambda m: (m not in money_a, (money_a + money_b).index(m)))
    sums = []
    for m in names:
        sums.append(f"sum({_quote('old:' + m)})" if m in money_a else "0")
        sums.append(f"sum({_quote('new:' + m)})" if m in money_b else "0")
    first = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE change > 0), count(*) FILTER (WHERE change < 0), "
        "count(*) FILTER (WHERE change = 0), sum(old_total), sum(new_total), min(change), max(change), "
        f"count(*) FILTER (WHERE change = 0){''.join(', ' + x for x in sums)} FROM joined").fetchone()
    assert first is not None
    n_rows, gain, lose, same, old_sum, new_sum, lo, hi, zeros = first[:9]
    per_output = []
    for k, m in enumerate(names):
        o_total, n_total = first[9 + 2 * k] or Decimal(0), first[10 + 2 * k] or Decimal(0)
        per_output.append({"output": m, "old": o_total, "new": n_total, "change": n_total - o_total,
                           "in": "both" if m in both else ("old" if m in money_a else "new")})
    order = ", ".join(["abs(change) DESC", "row"])
    largest_rows = con.execute(f"SELECT row, {''.join(_quote(i) + ', ' for i in ids)}old_total, new_total, change "
                               f"FROM joined WHERE change <> 0 ORDER BY {order} LIMIT {int(top)}").fetchall()
    largest = [dict(zip(["row", *ids, "old", "new", "change"], r, strict=True)) for r in largest_rows]
    hist = histogram(con, "joined", "change", bins, (lo, hi, zeros))
    rejected_a = con.execute(f"SELECT count(DISTINCT row) FROM {a.rejects}").fetchone()[0]  # type: ignore[index]
    rejected_b = con.execute(f"SELECT count(DISTINCT row) FROM {b.rejects}").fetchone()[0]  # type: ignore[index]
    return {"old": a.cp.name, "new": b.cp.name, "on": on.isoformat(), "rows": n_rows, "gain": gain, "lose": lose,
            "same": same, "old_total": old_sum or Decimal(0), "new_total": new_sum or Decimal(0),
            "counted_old": total_a, "counted_new": total_b, "outputs": per_output, "largest": largest,
            "histogram": hist, "rejected_old": rejected_a, "rejected_new": rejected_b,
            "notes": list(dict.fromkeys(a.plan.notes + b.plan.notes))}


def histogram(con: Any, table: str, column: str, bins: int, stats: tuple[Any, Any, int]) -> dict[str, Any]:
    """Equal-width bins of the non-zero values of ``column`` (counted in DuckDB); ``stats`` is
    (min, max, count of zeros)."""
    lo, hi, zeros = stats
    if lo is None:
        return {"edges": [], "counts": [], "zero": 0}
    lo, hi = float(lo), float(hi)
    if lo == hi:
        return {"edges": [lo, hi], "counts": [0 if lo == 0 else con.execute(
            f"SELECT count(*) FROM {table}").fetchone()[0]], "zero": zeros}
    width = (hi - lo) / bins
    rows = con.execute(f"SELECT least(CAST(floor((CAST({column} AS DOUBLE) - {lo!r}) / {width!r}) AS BIGINT), "
                       f"{bins - 1}) AS b, count(*) FROM {table} WHERE {column} <> 0 GROUP BY b").fetchall()
    counts = [0] * bins
    for b, cnt in rows:
        counts[int(b)] += cnt
    return {"edges": [lo + i * width for i in range(bins + 1)], "counts": counts, "zero": zeros}


def format_compare(r: dict[str, Any]) -> str:
    lines = [f"old {r['old']} vs new {r['new']} on {r['on']}: {r['rows']:,} rows in both"]
    lines.append(f"what a person receives (the benefits no other benefit counts): "
                 f"{' + '.join(r['counted_new']) or 'nothing'}"
                 + ("" if r["counted_new"] == r["counted_old"] else
                    f" (new), {' + '.join(r['counted_old']) or 'nothing'} (old)"))
    lines.append("")
    width = max([len(o["output"]) for o in r["outputs"]] + [6])
    lines.append(f"  {'output':<{width}}  {'old':>16}  {'new':>16}  {'change':>16}")
    for o in r["outputs"]:
        mark = "" if o["in"] == "both" else f"  (only in {o['in']})"
        lines.append(f"  {o['output']:<{width}}  {format(o['old'], 'f'):>16}  {format(o['new'], 'f'):>16}  "
                     f"{_signed(o['change']):>16}{mark}")
    change = r["new_total"] - r["old_total"]
    label = "policy cost"
    width = max(width, len(label))
    lines.append(f"  {label:<{width}}  {format(r['old_total'], 'f'):>16}  {format(r['new_total'], 'f'):>16}  "
                 f"{_signed(change):>16}")
    lines.append("")
    lines.append(f"{r['gain']:,} gain, {r['lose']:,} lose, {r['same']:,} unchanged")
    if r["largest"]:
        lines.append("")
        lines.append("largest changes:")
        for row in r["largest"]:
            ident = ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("old", "new", "change"))
            lines.append(f"  {ident}: {format(row['old'], 'f')} -> {format(row['new'], 'f')} "
                         f"({_signed(row['change'])})")
    if r["rejected_old"] or r["rejected_new"]:
        lines.append("")
        lines.append(f"rows rejected: {r['rejected_old']:,} by the old policy, {r['rejected_new']:,} by the new")
    return "\n".join(lines) + "\n"


def _signed(d: Decimal) -> str:
    return ("+" if d > 0 else "") + format(d, "f")


# ---------------------------------------------------------------- chart
def chart_svg(r: dict[str, Any], width: int = 720, height: int = 360) -> str:
    """The histogram of the change per person as a self-contained SVG (no external assets)."""
    from html import escape

    h = r["histogram"]
    counts, edges, zero = h["counts"], h["edges"], h["zero"]
    left, right, top, bottom = 70, 20, 40, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    bars = list(counts)
    labels = [f"{edges[i]:,.2f}" for i in range(len(edges))] if edges else []
    peak = max(bars + [zero, 1])
    title = f"Change per person, {escape(r['old'])} → {escape(r['new'])} ({r['rows']:,} rows)"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>']
    n = len(bars) + 1  # the last slot is "unchanged"
    slot = plot_w / max(n, 1)
    for i, c in enumerate(bars + [zero]):
        bh = plot_h * c / peak
        x = left + i * slot
        colour = "#999999" if i == len(bars) else ("#c0392b" if edges and edges[i + 1] <= 0 else "#2e86c1")
        what = "unchanged" if i == len(bars) else f"{labels[i]} to {labels[i + 1]}"
        out.append(f'<rect x="{x + 1:.1f}" y="{top + plot_h - bh:.1f}" width="{max(slot - 2, 1):.1f}" '
                   f'height="{bh:.1f}" fill="{colour}"><title>{escape(what)}: {c:,}</title></rect>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>')
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{int(peak * frac):,}</text>')
    if labels:
        for i in (0, len(bars) // 2, len(bars)):
            x = left + i * slot
            out.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{labels[i]}</text>')
        out.append(f'<text x="{left + len(bars) * slot + slot / 2:.1f}" y="{top + plot_h + 16}" '
                   f'text-anchor="middle">0</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 18}" text-anchor="middle">change in yuan '
               f'(blue gain, red lose, grey unchanged); bars count persons</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_chart(r: dict[str, Any], path: str) -> None:
    """Write the chart as SVG, or as an HTML page holding the SVG and the cost table."""
    from html import escape

    svg = chart_svg(r)
    if path.lower().endswith(".svg"):
        text = svg
    else:
        rows = "".join(f"<tr><td>{escape(o['output'])}</td><td>{format(o['old'], 'f')}</td>"
                       f"<td>{format(o['new'], 'f')}</td><td>{_signed(o['change'])}</td></tr>"
                       for o in r["outputs"])
        text = ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>policy comparison</title>"
                "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}"
                "td:first-child{text-align:left}</style></head><body>\n"
                f"<h1>{escape(r['old'])} → {escape(r['new'])} on {escape(r['on'])}</h1>\n"
                f"<p>{r['rows']:,} rows: {r['gain']:,} gain, {r['lose']:,} lose, {r['same']:,} unchanged.</p>\n"
                f"{svg}<table><tr><th>output</th><th>old</th><th>new</th><th>change</th></tr>{rows}</table>\n"
                "</body></html>\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

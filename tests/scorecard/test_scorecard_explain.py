"""Explanations (English and Chinese), the JSON data form, the text table and the HTML
report. Printed texts are golden files; run with UPDATE_GOLDEN=1 to rewrite them."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from scorecard_support import jiangsu_2012, load_case_file, recruitment

from policyrules.scorecard import (
    evaluate_scorecard,
    explain,
    explain_unit,
    render_html,
    render_table,
    to_dict,
)
from policyrules.scorecard.result import ScorecardResult

GOLDEN = Path(__file__).parent / "golden"


def recruitment_result(case: int = 0) -> ScorecardResult:
    data = load_case_file("recruitment-scorecard.yaml")
    return evaluate_scorecard(recruitment(), data["cases"][case]["units"], on=date(2023, 12, 25))


def jiangsu_result() -> ScorecardResult:
    data = load_case_file("jiangsu-2012-targets.yaml")
    return evaluate_scorecard(jiangsu_2012(), data["cases"][0]["units"], on=date(2012, 12, 31))


def golden(name: str, text: str) -> None:
    from golden_support import rewrite

    path = GOLDEN / name
    rewrite(path, text)  # only UPDATE_GOLDEN=1 rewrites, and the test then fails
    assert path.exists(), f"{name} is missing; UPDATE_GOLDEN=1 writes it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; UPDATE_GOLDEN=1 rewrites it"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_golden_explanations(lang: str) -> None:
    golden(f"recruitment.{lang}.txt", explain(recruitment_result(), lang) + "\n")
    golden(f"jiangsu-2012.{lang}.txt", explain(jiangsu_result(), lang) + "\n")


def test_golden_table() -> None:
    golden("recruitment.table.txt", render_table(recruitment_result()))
    golden("jiangsu-2012.table.txt", render_table(jiangsu_result()))


def test_item_formulas_show_the_values() -> None:
    text = explain_unit(recruitment_result(), "town_b")
    assert "annual: 50 x 120/100 = 60.00" in text
    assert "survey: survey_done: no -> 0.00" in text
    assert "summaries: 2 - 0.5 x 1 = 1.50" in text
    assert "other: other_points 5 (allowed 0..10) = 5.00" in text
    assert "score: 60.00 + 30.00 + 2.00 + 0.00 + 3.00 + 1.50 + 5.00 = 101.50" in text
    zh = explain_unit(recruitment_result(), "town_b", "zh")
    assert "完成年度招工任务:50 × 120/100 = 60.00" in zh
    assert "按四舍五入保留到 0.01:101.50" in zh


def test_why_not_qualified() -> None:
    result = recruitment_result()
    assert "annual.met: no (90 < 100): fails" in explain_unit(result, "dept_c")
    assert "score 89.99 < 90: fails" in explain_unit(result, "dept_g")
    assert "得分 89.99 < 90:不满足  [004 篇1 三(二)(1) 年终考评必须达标(90分以上)]" in explain_unit(result, "dept_g", "zh")
    assert "完成年度招工任务:否(90 < 100):不满足" in explain_unit(result, "dept_c", "zh")
    data = to_dict(result)
    dept_c = next(u for u in data["units"] if u["id"] == "dept_c")
    assert dept_c["failures"] == [{"condition": "完成年度招工任务", "cite": "004 篇1 三(二)(2)"}]


def test_why_ranked_below_the_unit_above() -> None:
    result = recruitment_result()
    assert ("Rank 4: below town_e (rank 3): same score 100.00; tie-break special.ratio: "
            "30/30 = 1 < 31/30 = 1.0333 (larger first)") in explain_unit(result, "town_a")
    assert "Rank 6: below town_d (rank 5) on score: 90.00 < 91.00" in explain_unit(result, "dept_f")
    assert "No award: ranked 6, awards go to the first 5" in explain_unit(result, "dept_f")
    assert "按专项招工完成比例认定:30/30 = 1 < 31/30 = 1.0333(大者在前)" in explain_unit(result, "town_a", "zh")


def test_the_last_tie_break_is_the_unit_id() -> None:
    data = load_case_file("recruitment-scorecard.yaml")
    twin = dict(data["cases"][0]["units"][0], id="town_0")
    units = [*data["cases"][0]["units"], twin]
    result = evaluate_scorecard(recruitment(), units, on=date(2023, 12, 25))
    assert result.unit("town_0").rank == 4 and result.unit("town_a").rank == 5
    assert "the last tie-break is the unit id, ascending" in explain_unit(result, "town_a")
    assert "最后按单位编号升序排列" in explain_unit(result, "town_a", "zh")
    assert not result.unit("town_d").advanced_unit


def test_to_dict_is_json_and_exact() -> None:
    data = to_dict(recruitment_result(), "zh")
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text) == data
    town_e = next(u for u in data["units"] if u["id"] == "town_e")
    assert town_e["score"] == "100.00" and town_e["items"]["annual"]["points"] == "52.5"
    assert town_e["rank_reason"] == {"above": "town_b", "key": "score", "index": None}
    assert town_e["explanation"][0].startswith("town_e:得分 100.00")
    assert data["total_awards"] == "10000.00"
    assert data["advanced_units"] == ["town_h", "town_b", "town_e", "town_a", "town_d"]
    js = to_dict(jiangsu_result())["units"][0]["indicators"]
    assert js["registered_unemployment_rate"] == {"actual": "3.1%", "target": "4%", "last_year": None, "met": True,
                                                  "ratio": "0.775"}
    assert js["basic_pension_minimum_monthly"]["actual"] == "70.00"
    with pytest.raises(ValueError, match="lang"):
        to_dict(recruitment_result(), "fr")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_report_is_self_contained() -> None:
    html = render_html(recruitment_result())
    parser = _Collect()
    parser.feed(html)
    assert parser.urls == [] and "<link" not in html and "<script" not in html
    assert parser.tags.count("svg") == 1 and parser.tags.count("rect") == 8
    assert 'stroke-dasharray="4 3"' in html  # the qualification line at 90
    assert parser.tags.count("tr") == 9 and html.index("town_h") < html.index("dept_f") < html.index("dept_g")
    assert "招工服务考核" in html and "50 × 120/100 = 60.00" in html
    golden("recruitment.html", html)
    assert "<line" not in render_html(jiangsu_result(), "en")  # no threshold, no line


def test_table_has_a_row_per_unit_in_rank_order() -> None:
    table = render_table(recruitment_result(1)).splitlines()
    assert table[0] == "recruitment-scorecard (招工服务考核), 2023-12-25"
    assert [line.split()[1] for line in table[3:6]] == ["x", "z", "y"]
    assert table[-1] == "3 units, 2 qualified, total awards 4000.00"

"""Lists of plain values (issue 7, item 6: "a list of place names"): `list of text`, of whole
numbers, amounts, dates or a category, as parameters (written out or supplied) and as facts;
`x in NAME` tests membership and `count NAME` counts them.  Interpreter and compiled SQL agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyrules.api import PolicyError, loads
from policyrules.compile import compile_query, resolve
from policyrules.syntax.parse import parse
from policyrules.syntax.printer import print_policy

PLACES = """
policy places "指定地区"

enum skill "职业资格等级" = junior | senior | technician

parameter designated "指定地区": list of text default ["阜平县", "涞源县"]
parameter grades "补贴的年级": list of integer = [1, 2, 3]
parameter paid_skills "补贴的职业资格": 列表 skill = [senior, technician]

facts person "个人":
  county "户籍所在县": text
  grade "年级": integer
  certificates "持有证书": list of text
  level "职业资格等级": skill

output in_designated: bool = county in designated
output not_designated: bool = county not in designated
output grade_paid: bool = grade in grades
output has_welder: bool = "焊工" in certificates
output skill_paid: bool = level in paid_skills
output certificate_count: integer = count certificates
"""
ON = dt.date(2024, 6, 30)
COUNTIES = ["阜平县", "涞源县", "北京", "易县"]
CERTS = ["焊工", "电工", "育婴员"]


@pytest.fixture(scope="module")
def policy() -> Any:
    return loads(PLACES, "places.policy")


def person(county: str, grade: int, certificates: list[str], level: str) -> dict[str, Any]:
    return {"person": {"county": county, "grade": grade, "certificates": certificates, "level": level}}


def test_membership_and_count(policy: Any) -> None:
    d = policy.evaluate(person("阜平县", 4, ["焊工", "电工"], "senior"), on=ON)
    assert {k: o.value for k, o in d.outputs.items()} == {
        "in_designated": True, "not_designated": False, "grade_paid": False, "has_welder": True,
        "skill_paid": True, "certificate_count": 2}


def test_a_supplied_list_replaces_the_default(policy: Any) -> None:
    d = policy.evaluate(person("北京", 2, [], "junior"), on=ON, parameters={"designated": ["北京"]})
    assert d.outputs["in_designated"].value is True and d.outputs["certificate_count"].value == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COUNTIES), st.integers(0, 6),
                          st.lists(st.sampled_from(CERTS), max_size=3), st.sampled_from(["junior", "senior", "technician"])),
                min_size=1, max_size=8))
def test_compiled_agrees_with_the_interpreter(rows: list[tuple[str, int, list[str], str]]) -> None:
    p = loads(PLACES, "places.policy")
    cp = p.checked
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (county VARCHAR, grade INTEGER, certificates VARCHAR[], level VARCHAR)")
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?)", [list(r) for r in rows])
    c = compile_query(cp, ON, resolve(cp, ON, {}))
    cur = con.execute(c.sql())
    names = [d[0] for d in cur.description]
    for row, got in zip(rows, cur.fetchall(), strict=True):
        d = p.evaluate(person(*row), on=ON)
        assert dict(zip(names, got, strict=True)) == {k: o.value for k, o in d.outputs.items()}


def test_printed_back_it_parses_to_the_same_policy() -> None:
    tree = parse(PLACES, "places.policy")
    for lang in ("en", "zh"):
        assert parse(print_policy(tree, lang=lang), "again.policy") == tree


@pytest.mark.parametrize(("line", "code", "words"), [
    ("output o: bool = grade in designated", "T002", "a whole number cannot be found in `designated`"),
    ("output o: bool = county in nowhere", "N006", "no set named `nowhere`"),
    ("output o: integer = count designated where county = \"x\"", "R001", "not a list of records"),
])
def test_misuse_is_named(line: str, code: str, words: str) -> None:
    with pytest.raises(PolicyError) as err:
        loads(PLACES + line + "\n", "bad.policy")
    assert any(d.code == code and words in d.message for d in err.value.diagnostics), \
        [(d.code, d.message) for d in err.value.diagnostics]


def test_an_unknown_element_type_is_named() -> None:
    with pytest.raises(PolicyError) as err:
        loads(PLACES.replace("list of text default", "list of txt default"), "bad.policy")
    assert any(d.code == "N004" and "no record or type named `txt`" in d.message for d in err.value.diagnostics)


def test_a_list_of_records_is_not_tested_with_in() -> None:
    text = """
policy r "r"
record hire "h":
  name "姓名": text
facts enterprise "e":
  hires "新招用人员": list of hire
  who "谁": text
output o: bool = who in hires
"""
    with pytest.raises(PolicyError) as err:
        loads(text, "bad.policy")
    assert any(d.code == "T002" and "`in` tests" in d.message for d in err.value.diagnostics)


def test_chinese_list_types_and_their_conversion() -> None:
    """`列表 文本` is `list of text`: the same AST, and `fmt --lang` converts the element's name."""
    from policyrules.syntax.keywords import convert

    zh = convert(PLACES, "zh")
    assert "列表 文本" in zh and "列表 整数" in zh
    assert parse(zh, "zh.policy") == parse(PLACES, "places.policy")
    assert parse(convert(zh, "en"), "en.policy") == parse(PLACES, "places.policy")

"""Chinese numerals as drafters write them, alone and inside literals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyrules.syntax import nodes as n
from policyrules.syntax.numerals import parse_cn_number
from policyrules.syntax.parse import parse


@pytest.mark.parametrize(("text", "value"), [
    ("零", "0"), ("〇", "0"), ("一", "1"), ("两", "2"), ("二", "2"), ("九", "9"),
    ("十", "10"), ("十五", "15"), ("二十", "20"), ("二十四", "24"), ("一百", "100"),
    ("一百零五", "105"), ("一千零一", "1001"), ("一千零一十", "1010"), ("两千零五十", "2050"),
    ("三千", "3000"), ("八千", "8000"), ("一万", "10000"), ("一万二千", "12000"),
    ("十万", "100000"), ("十一万", "110000"), ("二十万", "200000"), ("一百万", "1000000"),
    ("两百万", "2000000"), ("一千万", "10000000"), ("三亿", "300000000"),
    ("一亿两千万", "120000000"), ("零点五", "0.5"), ("一点二五", "1.25"), ("十五点五", "15.5"),
    ("三点一四", "3.14"),
])
def test_numeral_values(text: str, value: str) -> None:
    got = parse_cn_number(text)
    assert isinstance(got, Decimal)
    assert got == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "三x", "3千", "点五"])
def test_not_a_numeral(text: str) -> None:
    with pytest.raises(ValueError):
        parse_cn_number(text)


@pytest.mark.parametrize(("text", "value"), [("三千五", "3500"), ("两万五", "25000"), ("一百五", "150")])
def test_elided_last_unit(text: str, value: str) -> None:
    assert parse_cn_number(text) == Decimal(value)


def _literal(text: str) -> n.Expr:
    decl = parse(f"policy t\nvalue v = {text}\n").decls[1]
    assert isinstance(decl, n.ValueDecl)
    return decl.expr


@pytest.mark.parametrize(("text", "node"), [
    ("三千元", n.Money(Decimal(3000))),
    ("一万二千元", n.Money(Decimal(12000))),
    ("零点五元", n.Money(Decimal("0.5"))),
    ("3000元", n.Money(Decimal(3000))),
    ("3000 元", n.Money(Decimal(3000))),
    ("3000 yuan", n.Money(Decimal(3000))),
    ("5万元", n.Money(Decimal(50000))),
    ("1.5万元", n.Money(Decimal(15000))),
    ("5 wan_yuan", n.Money(Decimal(50000))),
    ("百分之十", n.Percent(Decimal("0.1"))),
    ("百分之十五点五", n.Percent(Decimal("0.155"))),
    ("10%", n.Percent(Decimal("0.1"))),
    ("5.31%", n.Percent(Decimal("0.0531"))),
    ("三年", n.Duration(Decimal(3), "year")),
    ("两年", n.Duration(Decimal(2), "year")),
    ("二十四个月", n.Duration(Decimal(24), "month")),
    ("二十天", n.Duration(Decimal(20), "day")),
    ("24个月", n.Duration(Decimal(24), "month")),
    ("3 years", n.Duration(Decimal(3), "year")),
    ("1 year", n.Duration(Decimal(1), "year")),
    ("20 days", n.Duration(Decimal(20), "day")),
])
def test_literals_in_either_spelling(text: str, node: n.Expr) -> None:
    assert _literal(text) == node


def test_percent_values_are_fractions() -> None:
    p = _literal("百分之十一")
    assert isinstance(p, n.Percent) and p.value == Decimal("0.11")
    q = _literal("11%")
    assert isinstance(q, n.Percent) and q.value == Decimal("0.11")

"""Division on DuckDB (policyrules/compile/query.py): by a constant (``div_by_constant``,
``floor_of_quotient``) without a per-row long division, by a value in 64 bits when it fits
(``div_64``); the same digits as the 128-bit long division
(half-even at 18 places) on every input, and the interpreter's amounts under every rounding mode
and under floor and ceil wherever the two engines are documented to agree.

Three references: the query compiled with the fast forms turned off (the long division), an
exact model (``Fraction``, half-even at 18 places), and the interpreter."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cache
from typing import Any
from unittest import mock

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policyrules.api import loads
from policyrules.compile import compile_query, resolve
from policyrules.compile import sql as s
from policyrules.compile.query import QueryCompiler

ON = dt.date(2024, 1, 1)
MODES = ("half_up", "half_even", "down", "up")
# terminating (m = 1), odd parts (12 = 4·3, 960 = 320·3, 0.3 = 3/10, a large prime), negative,
# a denominator (1.5 = 3/2), the 64-bit remainder bound exceeded (the prime), the floor bound
# exceeded (prime·2^12: 18 places), the quotient beyond 18 places (2^13: the long division)
DIVISORS = ("12", "960.00", "3", "7", "0.3", "-12", "8", "0.04", "1.5", "2048", "8192", "999999937",
            "4095999741952")
SCALE = 6  # money facts


def _policy_text() -> str:
    lines = ["policy division", "  rounding half_up to 0.01 元", "", "facts person:",
             "  x: signed money", "  y: signed money", "  n: signed integer", "  z: signed money",
             "", "parameter wage: money", ""]
    for i, c in enumerate(DIVISORS):
        money = f"({c} 元)" if not c.startswith("-") else f"(0 元 - {c[1:]} 元)"
        lines += [f"output qx{i}: number = x / {money}", f"output qy{i}: number = y / {money}",
                  f"output qn{i}: number = n / {c if not c.startswith('-') else '(0 - ' + c[1:] + ')'}",
                  f"output fx{i}: number = floor(x / {money})", f"output cx{i}: number = ceil(x / {money})",
                  f"output fy{i}: number = floor(y / {money})", f"output cy{i}: number = ceil(y / {money})"]
        for m in MODES:
            lines += [f"benefit r{i}_{m} once", f"  amount x / {c}" if not c.startswith("-") else
                      f"  amount x / (0 - {c[1:]})", f"  rounding {m} to 0.01 元"]
    lines += ["output qw: number = x / wage", "output fw: number = floor(x / wage)",
              "output qz: number = x / z", "output qyz: number = y / z", "output qnz: number = n / (z / 1 元)", "output fz: number = floor(y / z)",
              "output kk: number = 2640 / 12", "benefit rz once", "  amount x / z × 1 元", "  rounding half_even to 0.01 元"]
    return "\n".join(lines) + "\n"


POLICY = loads(_policy_text(), "division.policy")
PARAMS = {"wage": "960.00"}


def _agrees_with_interpreter(c: str) -> bool:
    """The interpreter (28 significant digits) and SQL (18 places) give the same floor, ceil and
    fen when no quotient can come within 10^-16·(1/200) of a boundary without being on it."""
    d = s.divisor(Decimal(c))
    return d.m * 10 ** (SCALE + d.k) < 10**16


@cache
def _query(fast: bool) -> str:
    """The policy's query; without the fast forms (``fast`` False): the long division of
    ``sql.div`` for every quotient."""
    cp = POLICY.checked
    with ExitStack() as stack:
        if not fast:
            stack.enter_context(mock.patch.object(QueryCompiler, "div_by_constant", lambda self, a, c: None))
            stack.enter_context(mock.patch.object(QueryCompiler, "floor_of_quotient", lambda self, a, b, up: None))
            stack.enter_context(mock.patch.object(QueryCompiler, "div_64", lambda self, a, b: None))
        return compile_query(cp, ON, resolve(cp, ON, PARAMS), passthrough=["id"],
                             digits={("person", "x"): 18}).sql()


def _compiled(rows: list[tuple[Any, ...]], fast: bool) -> dict[int, dict[str, Any]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE facts (id BIGINT, x DECIMAL(18,6), y DECIMAL(38,6), n BIGINT, z DECIMAL(38,6))")
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?)", [(i, *map(str, r)) for i, r in enumerate(rows)])
    cur = con.execute(_query(fast))
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _model(a: Decimal | int, c: str) -> Decimal:
    """a / c exactly, half-even at 18 places (0 for c = 0)."""
    if Fraction(c) == 0:
        return Decimal(0)
    r = Fraction(Decimal(a)) / Fraction(c)
    whole, rest = divmod(abs(r) * 10**18, 1)
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2):
        whole += 1
    return Decimal(f"{int(whole) * (-1 if r < 0 else 1)}E-18")


def check(rows: list[tuple[Decimal, Decimal, int, Decimal]]) -> None:
    fast, slow = _compiled(rows, True), _compiled(rows, False)
    names = list(POLICY.checked.outputs)
    for i, (x, y, n, z) in enumerate(rows):
        assert fast[i] == slow[i], (rows[i], {k: (fast[i][k], slow[i][k]) for k in fast[i] if fast[i][k] != slow[i][k]})
        got = fast[i]
        d = POLICY.evaluate({"person": {"x": str(x), "y": str(y), "n": n, "z": str(z)}}, on=ON, parameters=PARAMS,
                            trace=False)
        for j, c in enumerate(DIVISORS):
            for col, a in (("qx", x), ("qy", y), ("qn", n)):
                assert got[f"{col}{j}"] == _model(a, c), (col, a, c)
            for col, a, how in (("fx", x, ROUND_FLOOR), ("cx", x, ROUND_CEILING), ("fy", y, ROUND_FLOOR),
                                ("cy", y, ROUND_CEILING)):
                assert got[f"{col}{j}"] == _model(a, c).to_integral_value(rounding=how), (col, a, c)
                if _agrees_with_interpreter(c):
                    assert got[f"{col}{j}"] == d.value(f"{col}{j}"), (col, a, c)
            if _agrees_with_interpreter(c):
                for m in MODES:
                    assert got[f"r{j}_{m}"] == d.value(f"r{j}_{m}"), (m, x, c)
        assert got["qw"] == _model(x, "960.00") and got["fw"] == d.value("fw")
        assert got["qz"] == _model(x, str(z)) and got["kk"] == _model(2640, "12")
        assert got["qyz"] == _model(y, str(z)) and got["qnz"] == _model(n, str(z))
        assert got["rz"] == d.value("rz") and got["fz"] == _model(y, str(z)).to_integral_value(rounding=ROUND_FLOOR)
        assert set(names) <= set(got)


def test_divisor_parts() -> None:
    d = s.divisor(Decimal("960.00"))
    assert (d.negative, d.p, d.q, d.m, d.reciprocal) == (False, 960, 1, 3, Decimal("0.003125"))
    d = s.divisor(Decimal("-0.3"))
    assert (d.negative, d.p, d.q, d.m, d.reciprocal) == (True, 3, 10, 3, Decimal(10))
    assert s.divisor(Decimal("0.04")).reciprocal == 25 and s.divisor(Decimal("0.04")).m == 1
    assert s.divisor(Decimal(12)).reciprocal == Decimal("0.25") and s.divisor(Decimal(7)).m == 7


def test_the_fast_forms_are_used() -> None:
    """No helper column of the 128-bit long division's nine-digit steps is left for a constant
    divisor or a value that fits 64 bits (only the inline fallback of the CASE); a floor of a
    constant quotient is an integer division; a quotient beyond 18 places keeps the long division;
    PostgreSQL's query is unchanged (native division)."""
    cp = loads("policy d\nfacts person:\n  x: money\n  z: money\nparameter wage: money\n"
               "output a: number = x / (12 元)\noutput b: number = floor(x / wage)\noutput c: number = x / z\n"
               "output e: number = x / (8192 元)\n", "d.policy").checked
    sql = compile_query(cp, ON, resolve(cp, ON, PARAMS)).sql()
    assert sql.count(") * 1000000000 AS") == 2  # x / 8192 alone (t1 and t2)
    assert "// 960000000" in sql and "TRY_CAST" in sql
    slow = compile_query(cp, ON, resolve(cp, ON, PARAMS), dialect="postgres").sql()
    assert "TRY_CAST" not in slow and "//" not in slow


FEN = [Decimal("0.005"), Decimal("-0.005"), Decimal("0.015"), Decimal("1234.565"), Decimal("0")]


@pytest.mark.parametrize("c", [c for c in DIVISORS if not c.startswith("-")])
def test_boundaries(c: str) -> None:
    """Numerators that put the quotient on a fen's tie, on a whole number, one unit of the last
    place either side of it, at 64 bits' edge and beyond it (the 128-bit branch)."""
    cd = Decimal(c)
    rows: list[tuple[Decimal, Decimal, int, Decimal]] = []
    unit = Decimal("0.000001")
    for target in [*FEN, Decimal(1), Decimal(-1), Decimal(5), Decimal(123456)]:
        x = (target * cd).quantize(unit)
        for dx in (-unit, Decimal(0), unit):
            v = x + dx
            if abs(v) < Decimal(10) ** 12:
                rows.append((v, v * 1000, int(target), Decimal("0.3")))
    rows += [(Decimal("999999999999.999999"), Decimal("999999999999999.999999"), 10**15 - 1, Decimal("7")),
             (Decimal("-999999999999.999999"), Decimal("-999999999999999.999999"), 1 - 10**15, Decimal("-7")),
             (Decimal("999999999999.999999"), Decimal("1000000000000.000000"), 9, Decimal("0")),
             (Decimal("0.000001"), Decimal("-999999999999.999999"), -1, Decimal("0.000001")),
             (Decimal("0.000001"), Decimal("-0.000003"), 1, Decimal("8192")),  # ties at the 19th place
             (Decimal("-0.000001"), Decimal("0.000005"), -3, Decimal("-8192")),
             (Decimal("123456.789012"), Decimal("9876543210.123456"), 7, Decimal("9000000.000001")),  # |b| beyond 64-bit steps
             (Decimal("-123456.789012"), Decimal("-987654321012.123456"), 7, Decimal("123456789012.34"))]
    check(rows)


money = st.decimals(min_value=-(10**12) + 1, max_value=10**12 - 1, places=6, allow_nan=False, allow_infinity=False)
wide = st.decimals(min_value=-(10**15) + 1, max_value=10**15 - 1, places=6, allow_nan=False, allow_infinity=False)
number = st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False, allow_infinity=False)


@settings(max_examples=8, deadline=None)
@given(rows=st.lists(st.tuples(money, wide, st.integers(1 - 10**15, 10**15 - 1), number), min_size=1, max_size=12))
@example(rows=[(Decimal("2880.000000"), Decimal("-2879.999999"), 36, Decimal("960"))])
def test_every_input(rows: list[tuple[Decimal, Decimal, int, Decimal]]) -> None:
    check(rows)

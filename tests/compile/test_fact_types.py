"""Facts read from typed columns keep 64-bit decimals when every accepted value fits
(policyrules/batch/io.py ``fact_type``): the same verdicts and amounts as the interpreter at the
bounds, out-of-range and negative values rejected as before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from policyrules.api import loads
from policyrules.batch import io, run
from policyrules.types import Kind, Type

POLICY = """policy fact-types "类型"
  rounding half_up to 0.01 元

facts person "个人":
  wage "工资": money
  used "已享受年数": years
  share "比例": percent

benefit pay "补贴" yearly
  when wage > 0 元
  amount share of wage + 10% of wage, at_most 9000000000 元
  for at_most 3 years counting used
"""
ON = dt.date(2024, 1, 1)
ROWS = [  # id, wage DECIMAL(12,2), used BIGINT, share DECIMAL(5,4)
    (1, "9999999999.99", 0, "1.0000"),
    (2, "1234.55", 2, "0.0150"),
    (3, "1234.55", 3, "0.0000"),
    (4, "0.05", 999_999_999_999_999, "0.5000"),  # 15 digits: accepted, term used up
    (5, "100.00", 1_000_000_000_000_000, "0.5000"),  # 16 digits: out of range
    (6, "100.00", -1, "0.5000"),  # negative
    (7, "-0.01", 0, "0.5000"),  # negative money
    (8, "100.00", 0, "1.5000"),  # a percent above 100 %: out of range
]


@pytest.fixture()
def population(tmp_path: Path) -> Path:
    path = tmp_path / "in.parquet"
    values = ", ".join(f"({i}, CAST('{w}' AS DECIMAL(12,2)), CAST({u} AS BIGINT), CAST('{s}' AS DECIMAL(5,4)))"
                       for i, w, u, s in ROWS)
    duckdb.connect().execute(f"COPY (SELECT * FROM (VALUES {values}) t(person_id, wage, used, share)) "
                             f"TO '{path}' (FORMAT parquet)")
    return path


def test_fact_type_choices() -> None:
    money, months, pct = Type(Kind.MONEY), Type(Kind.DURATION, unit="month"), Type(Kind.PERCENT)
    assert io.fact_type(money, "DECIMAL(12,2)") == "DECIMAL(18,6)"
    assert io.fact_type(money, "DECIMAL(20,2)") == "DECIMAL(18,2)"  # 15 digits pass, with 2 places
    assert io.fact_type(money, "DECIMAL(38,6)") == "DECIMAL(38,6)"
    assert io.fact_type(money, "DECIMAL(12,8)") == "DECIMAL(38,6)"  # more places than money: read as text
    assert io.fact_type(months, "BIGINT") == "DECIMAL(18,0)"
    assert io.fact_type(months, "INTEGER") == "DECIMAL(18,6)"
    assert io.fact_type(pct, "DECIMAL(38,4)") == "DECIMAL(18,8)"
    assert io.fact_type(money, "VARCHAR") == io.fact_type(money) == "DECIMAL(38,6)"


def test_narrow_facts_compute_as_the_interpreter(population: Path, tmp_path: Path) -> None:
    policy = loads(POLICY, "fact-types.policy")
    out, rejects = tmp_path / "out.parquet", tmp_path / "rejects.csv"
    result = run.run_batch(policy, str(population), str(out), ON, {}, rejects=str(rejects), progress=False)
    assert (result.computed, result.rejected_rows) == (4, 4)
    con = duckdb.connect()
    got = dict(con.execute(f"SELECT person_id, pay FROM '{out}'").fetchall())
    for i, wage, used, share in ROWS[:4]:
        facts = {"person": {"wage": Decimal(wage), "used": used, "share": Decimal(share)}}
        assert got[i] == policy.evaluate(facts, on=ON).value("pay"), i
    assert got[1] == Decimal("9000000000.00") and got[2] == Decimal("141.97")
    reasons = {row: reason for row, reason in con.execute(
        f"SELECT row, reason FROM read_csv('{rejects}', all_varchar = true)").fetchall()}
    assert set(reasons) == {"5", "6", "7", "8"}
    assert "out of range" in reasons["5"] and "negative" in reasons["6"] and "negative" in reasons["7"]
    assert "out of range" in reasons["8"]


def test_facts_view_types(population: Path) -> None:
    sess = run.Session(loads(POLICY, "fact-types.policy"), str(population), ON, {}, progress=False)
    types = dict(sess.con.execute("SELECT column_name, column_type FROM (DESCRIBE facts)").fetchall())
    assert types[io.IN + "wage"] == "DECIMAL(18,6)"
    assert types[io.IN + "used"] == "DECIMAL(18,0)"
    assert types[io.IN + "share"] == "DECIMAL(18,8)"


def test_products_at_the_fifteen_digit_bound(tmp_path: Path) -> None:
    """Money of 15 digits (``DECIMAL(17,2)``, kept 64-bit as ``DECIMAL(18,2)``) times a rate:
    the product needs more than 18 digits, so it is widened, not stopped by an overflow."""
    path, out = tmp_path / "big.parquet", tmp_path / "out.parquet"
    duckdb.connect().execute(
        "COPY (SELECT 1 AS person_id, CAST('999999999999999.99' AS DECIMAL(17,2)) AS wage, CAST(0 AS BIGINT) AS used, "
        f"CAST('0.0001' AS DECIMAL(5,4)) AS share) TO '{path}' (FORMAT parquet)")
    policy = loads(POLICY.replace("at_most 9000000000 元", "at_most 999999999999999 元"), "fact-types.policy")
    result = run.run_batch(policy, str(path), str(out), ON, {}, progress=False)
    assert result.computed == 1
    (pay,) = duckdb.connect().execute(f"SELECT pay FROM '{out}'").fetchone()  # type: ignore[misc]
    facts = {"person": {"wage": Decimal("999999999999999.99"), "used": 0, "share": Decimal("0.0001")}}
    assert pay == policy.evaluate(facts, on=ON).value("pay") == Decimal("100100000000000.00")

"""A product of a quotient divides last (policyrules/divide_last.py), in the interpreter and the
compiled query alike: ``124081.15 / 30 × 15`` is exactly 62040.575, 62040.58 at the fen, where
the compiled query, multiplying its 18-place quotient, gave 62040.57 (found by a differential
run of random facts over the bundled maternity policy)."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb
from compiled_support import ROOT, read_rows, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules.api import loads
from policyrules.batch.run import run_batch
from policyrules.divide_last import divided_last, quotient_of

POLICY = """\
policy last "后除"
  rounding half_up to 0.01 元

parameter per_month "折算天数": number default 30

facts person "个人":
  base "月工资": money
  days "天数": integer
  months "月数": months

value daily "日额(不舍入)" = base / per_month
value daily_again "日额" = daily

benefit by_value "按定义" once
  amount daily × days

benefit by_name_of_name "按定义的定义" once
  amount days × daily_again

benefit inline "写在一处" once
  amount base / 30 × days

benefit by_rate "按月标准" once
  amount 200 元 per month × months

value daily_capped "日额(封顶)" = base / per_month, at_most 5000 元

benefit capped "封顶" once
  amount daily_capped × days

benefit chosen "取小" once
  amount min(base / 30, 5000 元) × days

output rounded_first "先舍入": money = round(daily, 0.01 元) × days
"""
ON = dt.date(2024, 6, 1)
OUTPUTS = ("by_value", "by_name_of_name", "inline", "by_rate", "rounded_first", "capped", "chosen")


def _both(rows: list[dict[str, object]], params: dict[str, object] | None = None) -> list[tuple[dict, dict]]:
    p = loads(POLICY, "last.policy")
    with TemporaryDirectory() as tmp:
        src = write_csv(Path(tmp) / "in.csv", [{"i": i, **{f"person.{k}": v for k, v in r.items()}}
                                                for i, r in enumerate(rows)])
        out = str(Path(tmp) / "out.parquet")
        result = run_batch(p, src, out, ON, params or {}, progress=False)
        assert result.rejected_rows == 0
        batch = {int(r["i"]): {o: r[o] for o in OUTPUTS} for r in read_rows(duckdb.connect(), out)}
    pairs = []
    for i, r in enumerate(rows):
        d = p.evaluate({"person": r}, on=ON, parameters=params or {}, trace=False)
        pairs.append(({o: d.outputs[o].value for o in OUTPUTS}, batch[i]))
    return pairs


def test_the_exact_amount_at_a_half_fen_in_both() -> None:
    [(interpreted, compiled)] = _both([{"base": "124081.15", "days": 15, "months": 2}])
    for o in ("by_value", "by_name_of_name", "inline", "capped", "chosen"):
        assert interpreted[o] == compiled[o] == Decimal("62040.58"), o
    assert interpreted["rounded_first"] == compiled["rounded_first"] == Decimal("62040.60")  # 4136.04 × 15
    assert interpreted["by_rate"] == compiled["by_rate"] == Decimal("400.00")


def test_a_cap_chosen_instead_of_the_quotient_is_multiplied() -> None:
    """A capped daily rate (《失业保险条例》-style: 月工资 ÷ 30, 最高不超过 …) divides last where the
    quotient is below the cap (62040.57 in batch before), and pays the cap × days where it is not."""
    [(low, low_c), (high, high_c)] = _both([{"base": "124081.15", "days": 15, "months": 0},
                                            {"base": "300000.01", "days": 15, "months": 0}])
    assert low["capped"] == low_c["capped"] == low["chosen"] == low_c["chosen"] == Decimal("62040.58")
    assert high["capped"] == high_c["capped"] == high["chosen"] == high_c["chosen"] == Decimal("75000.00")


def test_a_zero_divisor_pays_zero_in_both() -> None:
    [(interpreted, compiled)] = _both([{"base": "124081.15", "days": 15, "months": 2}], {"per_month": "0"})
    assert interpreted["by_value"] == compiled["by_value"] == Decimal("0.00")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({
    "base": st.decimals(0, 200_000, places=2).map(str),
    "days": st.integers(0, 400),
    "months": st.integers(0, 36)}), min_size=1, max_size=30))
def test_products_of_quotients_agree_to_the_fen(rows: list[dict[str, object]]) -> None:
    for interpreted, compiled in _both(rows):
        assert interpreted == compiled


def test_which_products_divide_last() -> None:
    cp = loads(POLICY, "last.policy").checked
    decls = {getattr(d, "name", None): d for d in cp.ast.decls}
    assert quotient_of(cp, decls["daily"].expr) is decls["daily"].expr
    by_value = decls["by_value"].amounts[0]
    q, other = divided_last(cp, by_value)  # type: ignore[misc]
    assert q is decls["daily"].expr and other is by_value.right
    q, other = divided_last(cp, decls["by_name_of_name"].amounts[0])  # type: ignore[misc]
    assert q is decls["daily"].expr  # through `daily_again` to `daily`
    assert divided_last(cp, decls["by_rate"].amounts[0]) is None  # a rate times a duration
    q, _ = divided_last(cp, decls["capped"].amounts[0])  # type: ignore[misc]
    assert q is decls["daily_capped"].expr.operand and quotient_of(cp, decls["daily_capped"].expr) is None
    q, _ = divided_last(cp, decls["chosen"].amounts[0])  # type: ignore[misc]
    assert q is decls["chosen"].amounts[0].left.args[0]  # min(base / 30, …): through the choice
    assert divided_last(cp, decls["rounded_first"].expr) is None  # a rounded quotient is a call


def test_the_bundled_policy_pays_the_half_fen_up_in_batch() -> None:
    """The maternity allowance of 《北京市企业职工生育保险规定》第十五条, by both: 124081.15 / 30 × 15 days."""
    sys.path.insert(0, str(ROOT / "tests" / "conformance"))
    import conformance as cf

    p = loads((ROOT / "policies" / "maternity-leave-and-allowance.policy").read_text(encoding="utf-8"),
              "maternity-leave-and-allowance.policy")
    facts = {"person": {
        "pregnancy_outcome": "miscarriage", "leave_start_date": "2024-03-01", "dystocia": False, "babies": [],
        "pregnancy_start_date": "2024-01-01", "pregnancy_end_date": "2024-02-20",
        "births_in_accordance_with_regulations": False, "insured_for_maternity": True,
        "employer_average_monthly_wage_last_year": "124081.15", "pre_leave_monthly_wage": "1000"}}
    suite = cf.Suite("maternity", p, ON, {}, (cf.Case("c", facts, {"maternity_allowance": None}),))
    [(_, interpreted)] = cf.run_interpreter(suite)
    [(_, compiled)] = cf.run_compiled(suite, "duckdb", cf.duckdb_runner())
    assert interpreted == {"maternity_allowance": Decimal("62040.58")}
    assert compiled == {"maternity_allowance": Decimal("62040.58")}


WIDE = """\
policy wide "大乘积"
  rounding half_even to 0.01 元

facts person "个人":
  x "甲": money
  y "乙": money
  u "丙": money

benefit wide "乘积很大" once
  amount x / y × u
"""


def test_a_product_beyond_the_division_takes_the_former_form() -> None:
    """``x × u`` has 12 places, so DuckDB's 128-bit division takes it below 10^26 only:
    9·10^14 × 9·10^14 / 10^15 stopped the run with an INT128 overflow before rows so large took
    ``(x / y) × u`` (sql.magnitude_below); the others still divide last."""
    p = loads(WIDE, "wide.policy")
    rows = [{"x": "900000000000000", "y": "999999999999999", "u": "900000000000000"},
            {"x": "999999999999999.999999", "y": "999999999999999.999999", "u": "333333333333333.333333"},
            {"x": "124081.15", "y": "30", "u": "15"},
            {"x": "0.000001", "y": "0.000003", "u": "0.5"}]
    with TemporaryDirectory() as tmp:
        src = write_csv(Path(tmp) / "in.csv", [{"i": i, **{f"person.{k}": v for k, v in r.items()}}
                                                for i, r in enumerate(rows)])
        out = str(Path(tmp) / "out.parquet")
        result = run_batch(p, src, out, ON, {}, progress=False)
        assert result.rejected_rows == 0
        batch = {int(r["i"]): r["wide"] for r in read_rows(duckdb.connect(), out)}
    interpreted = [p.evaluate({"person": r}, on=ON, trace=False).value("wide") for r in rows]
    assert batch[2] == interpreted[2] == Decimal("62040.58")  # divided last
    assert batch[3] == interpreted[3] == Decimal("0.17")  # 0.000001 / 0.000003 / 2 = 1/6
    for i in (0, 1):
        assert abs(batch[i] - interpreted[i]) <= Decimal("0.01"), (i, batch[i], interpreted[i])
    assert batch[1] == interpreted[1] == Decimal("333333333333333.33")

#!/usr/bin/env python3
"""Benchmark B1 (see reference_b1.py) as a hand-written Polars lazy query, exact to the fen.

Polars rounds a Decimal product half-to-even to the larger operand scale, so money is widened
to 4 places first (2 for the amount + 2 for the rate: every product below is then exact) and
each benefit is rounded half away from zero (= half-up, amounts are never negative) by hand.
Usage: b1_polars.py IN.parquet OUT.parquet
"""

import sys
from decimal import Decimal

import polars as pl

MIN_WAGE = Decimal("1310.00")
AVG_WAGE = Decimal("36000.00")
EXCLUDED = ["construction", "entertainment", "real_estate_sales", "land_use_transfer", "advertising",
            "real_estate_agency", "pawn", "sauna", "massage", "internet_cafe", "oxygen_bar"]
CERT = {"junior": 300, "intermediate": 500, "senior": 700, "technician": 1000, "senior_technician": 1200}
WIDE = pl.Decimal(38, 4)
OUT = pl.Decimal(14, 2)


def d(value: object) -> pl.Expr:
    """An exact decimal literal at the working scale."""
    return pl.lit(Decimal(str(value))).cast(WIDE)


def money(name: str) -> pl.Expr:
    return pl.col(name).cast(WIDE)


def rules() -> dict[str, pl.Expr]:
    c = pl.col
    zero = d(0)
    unemployed_or_cert = c("registered_unemployed") | c("holds_reemployment_cert")
    rent = (pl.when(unemployed_or_cert & c("starts_business") & c("first_business")
                    & (c("business_months") >= 12) & (c("years_rent_subsidy_received") < 3))
            .then(pl.when(c("hardship") & c("micro_profit_project"))
                  .then(pl.min_horizontal(money("annual_rent") * d("0.15"), d(3000)))
                  .when(c("venue") == "government_market")
                  .then(pl.min_horizontal(money("annual_rent") * d("0.10"), d(3000)))
                  .otherwise(pl.min_horizontal(money("annual_rent") * d("0.10"), d(2000))))
            .otherwise(zero))
    startup = (pl.when(c("starts_business") & c("receiving_ui"))
               .then(pl.max_horizontal(money("ui_entitlement_total") * d("0.20"), d(500)))
               .when(c("starts_business") & c("registered_unemployed") & (c("hukou") == "urban"))
               .then(d(500))
               .otherwise(zero))
    months = pl.min_horizontal(pl.lit(12), 24 - c("business_months")).cast(WIDE)
    post = (pl.when(c("hardship") & c("starts_business") & c("micro_profit_project") & (c("business_months") < 24))
            .then(d(MIN_WAGE) * d("0.20") * months)
            .otherwise(zero))
    is_4050 = ((c("sex") == "F") & (c("age") >= 40)) | ((c("sex") == "M") & (c("age") >= 50))
    si = (pl.when(c("hardship") & is_4050 & (c("flexible_employed") | c("starts_business"))
                  & (money("monthly_income") >= d(MIN_WAGE)) & c("pays_si")
                  & ((c("years_si_subsidy_received") < 3) | (c("months_to_retirement") <= 24)))
          .then(d(AVG_WAGE) * d("0.11"))
          .otherwise(zero))
    tax = (pl.when(unemployed_or_cert & c("starts_business") & ~c("industry").is_in(EXCLUDED)
                   & (c("years_tax_relief_received") < 3))
           .then(pl.min_horizontal(money("tax_paid"), d(8000)))
           .otherwise(zero))
    cert = c("cert_level").replace_strict(CERT, default=0, return_dtype=pl.Int64).cast(WIDE)
    training = pl.when(c("rural_migrant")).then(cert).otherwise(zero)
    return {"rent_subsidy": rent, "startup_subsidy": startup, "post_subsidy": post,
            "si_subsidy": si, "tax_relief": tax, "training_subsidy": training}


def b1(frame: pl.LazyFrame) -> pl.LazyFrame:
    """person_id and the seven amounts as Decimal(14, 2)."""
    benefits = {name: expr.round(2, mode="half_away_from_zero").cast(OUT) for name, expr in rules().items()}
    total = sum((pl.col(n).cast(WIDE) for n in benefits), d(0)).cast(OUT).alias("total")
    return frame.select(pl.col("person_id"), **benefits).with_columns(total)


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    b1(pl.scan_parquet(src)).sink_parquet(dst)


if __name__ == "__main__":
    main()

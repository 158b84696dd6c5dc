#!/usr/bin/env python3
"""Deterministic synthetic population for benchmark B1 (see B1.md).

Row i depends only on (seed, i): a population of N rows is a prefix of any larger one.
Usage: gen_population.py N OUT.(parquet|csv) [--seed S]
"""
import argparse

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

INDUSTRIES = [
    "retail", "catering", "domestic_service", "repair", "manufacturing", "logistics",
    "software", "agriculture", "education", "health_care",
    "construction", "entertainment", "real_estate_sales", "land_use_transfer",
    "advertising", "real_estate_agency", "pawn", "sauna", "massage",
    "internet_cafe", "oxygen_bar",
]
CERTS = ["none", "junior", "intermediate", "senior", "technician", "senior_technician"]
CHUNK = 65536


def chunk(seed: int, index: int, n: int) -> dict:
    rng = np.random.default_rng([seed, index])
    yuan = lambda a: np.round(a, 2)  # noqa: E731
    starts = rng.random(n) < 0.45
    venue = np.where(starts, rng.choice(["government_market", "other"], n, p=[0.4, 0.6]), "none")
    return {
        "sex": rng.choice(["F", "M"], n),
        "age": rng.integers(16, 66, n),
        "hukou": rng.choice(["urban", "rural"], n, p=[0.6, 0.4]),
        "registered_unemployed": rng.random(n) < 0.5,
        "holds_reemployment_cert": rng.random(n) < 0.3,
        "hardship": rng.random(n) < 0.25,
        "receiving_ui": rng.random(n) < 0.2,
        "ui_entitlement_total": yuan(rng.uniform(0, 30000, n)),
        "starts_business": starts,
        "first_business": rng.random(n) < 0.8,
        "business_months": np.where(starts, rng.integers(0, 60, n), 0),
        "venue": venue,
        "annual_rent": yuan(np.where(starts, rng.uniform(0, 60000, n), 0)),
        "micro_profit_project": rng.random(n) < 0.3,
        "industry": rng.choice(INDUSTRIES, n),
        "years_rent_subsidy_received": rng.integers(0, 5, n),
        "tax_paid": yuan(np.where(starts, rng.uniform(0, 15000, n), 0)),
        "years_tax_relief_received": rng.integers(0, 5, n),
        "flexible_employed": rng.random(n) < 0.3,
        "monthly_income": yuan(rng.uniform(500, 8000, n)),
        "pays_si": rng.random(n) < 0.7,
        "years_si_subsidy_received": rng.integers(0, 5, n),
        "months_to_retirement": rng.integers(0, 480, n),
        "rural_migrant": rng.random(n) < 0.3,
        "cert_level": rng.choice(CERTS, n, p=[0.5, 0.2, 0.12, 0.1, 0.05, 0.03]),
    }


def population(n: int, seed: int = 20091) -> pa.Table:
    parts = []
    for index, start in enumerate(range(0, n, CHUNK)):
        cols = chunk(seed, index, CHUNK)
        m = min(CHUNK, n - start)
        cols = {k: v[:m] for k, v in cols.items()}
        cols = {"person_id": np.arange(start, start + m), **cols}
        parts.append(pa.table(cols))
    table = pa.concat_tables(parts)
    money = ["ui_entitlement_total", "annual_rent", "tax_paid", "monthly_income"]
    return table.cast(pa.schema([
        pa.field(f.name, pa.decimal128(12, 2) if f.name in money else f.type) for f in table.schema
    ]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20091)
    a = ap.parse_args()
    t = population(a.n, a.seed)
    if a.out.endswith(".csv"):
        pacsv.write_csv(t, a.out)
    else:
        pq.write_table(t, a.out)


if __name__ == "__main__":
    main()

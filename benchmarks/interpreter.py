#!/usr/bin/env python3
"""Single-person interpreter speed, and the city-policy population for batch benchmarks.

  interpreter.py evals [--persons 2000] [--policy city|b1]
      evaluations per second of Policy.evaluate, one person at a time, with and without trace
      (and with trace plus the text explanation)
  interpreter.py population N OUT.parquet
      a deterministic population of N persons with every person fact of the city policy
      (row i depends only on the seed and i, like gen_population.py)

Parameters of the city policy for both: min_wage_monthly 960.00, avg_wage_last_year 24000.00,
employer_min_si_monthly 300.00, evaluated on 2009-07-01 (as the acceptance cases).
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "policies" / "city-employment-promotion.policy"
B1 = ROOT / "policies" / "b1.policy"
CITY_PARAMS = {"min_wage_monthly": "960.00", "avg_wage_last_year": "24000.00", "employer_min_si_monthly": "300.00"}
CITY_ON = "2009-07-01"
CHUNK = 65536
INDUSTRIES = [
    "retail", "catering", "domestic_service", "repair", "logistics", "it_services", "education", "health_care",
    "advertising", "real_estate_agency", "pawn", "sauna", "massage", "internet_cafe", "oxygen_bar",
    "manufacturing", "construction", "agriculture", "entertainment", "real_estate_sales", "land_use_transfer",
]
CERTS = ["none", "junior", "intermediate", "senior", "technician", "senior_technician"]
MONEY = ["ui_entitlement_total", "annual_rent", "business_tax_paid", "city_maintenance_tax_paid",
         "education_surcharge_paid", "income_tax_paid", "monthly_income", "annual_processing_income",
         "loan_requested", "skill_training_cost"]


def city_chunk(seed: int, index: int, n: int) -> dict[str, np.ndarray]:
    """Person facts of the city policy for ``n`` persons (chunk ``index``)."""
    rng = np.random.default_rng([seed, index])

    def yes(p: float) -> np.ndarray:
        return rng.random(n) < p

    def yuan(lo: float, hi: float) -> np.ndarray:
        return np.round(rng.uniform(lo, hi, n), 2)

    starts = yes(0.45)
    return {
        "sex": rng.choice(["F", "M"], n), "age": rng.integers(16, 66, n),
        "hukou": rng.choice(["urban", "rural"], n, p=[0.6, 0.4]), "disabled": yes(0.05),
        "registered_unemployed": yes(0.5), "holds_reemployment_cert": yes(0.3),
        "employment_to_unemployed": yes(0.3), "demobilized_soldier": yes(0.05), "hardship": yes(0.25),
        "college_graduate": yes(0.2), "months_unemployed_after_graduation": rng.integers(0, 36, n),
        "receiving_ui": yes(0.2), "ui_entitlement_total": yuan(0, 30000), "ui_ended": yes(0.2),
        "months_since_ui_ended": rng.integers(0, 40, n), "reemployed": yes(0.3), "starts_business": starts,
        "first_business": yes(0.8), "business_months": np.where(starts, rng.integers(0, 60, n), 0),
        "venue": np.where(starts, rng.choice(["government_market", "other"], n, p=[0.4, 0.6]), "none"),
        "annual_rent": np.where(starts, yuan(0, 60000), 0), "micro_profit_project": yes(0.3),
        "industry": rng.choice(INDUSTRIES, n), "years_rent_subsidy_received": rng.integers(0, 5, n),
        "years_fee_exemption_received": rng.integers(0, 5, n), "business_tax_paid": yuan(0, 6000),
        "city_maintenance_tax_paid": yuan(0, 3000), "education_surcharge_paid": yuan(0, 2000),
        "income_tax_paid": yuan(0, 4000), "years_tax_relief_received": rng.integers(0, 5, n),
        "flexible_employed": yes(0.3), "monthly_income": yuan(300, 8000), "pays_si": yes(0.7),
        "years_si_subsidy_received": rng.integers(0, 5, n), "si_term_ended_in_2009": yes(0.1),
        "family_difficulty": yes(0.1), "economic_difficulty": yes(0.2),
        "months_to_retirement": rng.integers(0, 480, n), "processing_worker": yes(0.1),
        "annual_processing_income": yuan(0, 20000), "loan_requested": yuan(0, 120000),
        "loan_collateral": yes(0.2), "partners": rng.integers(1, 5, n),
        "loan_rate": np.round(rng.uniform(0.03, 0.07, n), 4), "loan_in_extension": yes(0.1),
        "startup_training_certificate": yes(0.2), "startup_training_days": rng.integers(0, 40, n),
        "skill_training_cost": yuan(0, 1500), "training_certificate": yes(0.3), "land_lost_farmer": yes(0.1),
        "rural_migrant": yes(0.3), "cert_level": rng.choice(CERTS, n, p=[0.5, 0.2, 0.12, 0.1, 0.05, 0.03]),
        "completion_certificate": yes(0.3),
    }


def city_table(start: int, cols: dict[str, np.ndarray]):  # -> pa.Table
    import pyarrow as pa

    n = len(cols["age"])
    table = pa.table({"person_id": np.arange(start, start + n), **cols})
    types = {m: pa.decimal128(12, 2) for m in MONEY} | {"loan_rate": pa.decimal128(8, 4)}
    return table.cast(pa.schema([pa.field(f.name, types.get(f.name, f.type)) for f in table.schema]))


def write_population(n: int, out: str, seed: int = 2009) -> None:
    import pyarrow.parquet as pq

    writer = None
    for index, start in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - start)
        cols = {k: v[:m] for k, v in city_chunk(seed, index, CHUNK).items()}
        table = city_table(start, cols)
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def persons(n: int, which: str) -> list[dict]:
    """``n`` fact sets for the interpreter, as Python values."""
    if which == "b1":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from gen_population import population

        rows = population(n).to_pylist()
        return [{"person": {k: v for k, v in r.items() if k != "person_id"}} for r in rows]
    rows = city_table(0, {k: v[:n] for k, v in city_chunk(2009, 0, CHUNK).items()}).to_pylist()  # n <= CHUNK
    out = []
    for r in rows:
        r.pop("person_id")
        r["loan_rate"] = Decimal(r["loan_rate"])
        out.append({"person": r})
    return out


def evals(n: int, which: str) -> None:
    from policyrules.api import load

    policy = load(CITY if which == "city" else B1)
    params = CITY_PARAMS if which == "city" else {}
    on = CITY_ON if which == "city" else "2024-01-01"
    people = persons(n, which)
    for p in people[:50]:  # warm up
        policy.evaluate(p, on=on, parameters=params, trace=True)
    print(f"policy {policy.name}: {len(people):,} persons, one at a time (Policy.evaluate)\n")
    print("| mode | evaluations/s | µs per evaluation |")
    print("|---|---:|---:|")
    for label, trace, explain in (("without trace", False, False), ("with trace", True, False),
                                  ("with trace and text explanation", True, True)):
        start = time.perf_counter()
        for p in people:
            d = policy.evaluate(p, on=on, parameters=params, trace=trace)
            if explain:
                policy.explain(d)
        seconds = time.perf_counter() - start
        print(f"| {label} | {len(people) / seconds:,.0f} | {seconds / len(people) * 1e6:,.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("evals")
    s.add_argument("--persons", type=int, default=2000)
    s.add_argument("--policy", choices=["city", "b1"], default="city")
    s = sub.add_parser("population")
    s.add_argument("n", type=int)
    s.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "evals":
        evals(a.persons, a.policy)
    else:
        write_population(a.n, a.out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The city policy (policies/city-employment-promotion.policy) for a population of persons, as one
hand-written DuckDB query: exact DECIMAL, half-up to the fen, the outputs of ``policyrules batch``.

The population is benchmarks/interpreter.py's (``population N OUT``), evaluated on 2009-07-01 with
min_wage_monthly 960.00 and avg_wage_last_year 24000.00 (interpreter.CITY_PARAMS): the parameters
are written into the query, as a data engineer would.

Usage: city_duckdb.py IN.parquet OUT.parquet [--threads N]
       city_duckdb.py --check 100000     the baseline against `policyrules batch` on N persons, to the fen
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
POLICY = ROOT / "policies" / "city-employment-promotion.policy"
ON = "2009-07-01"
MIN_WAGE = Decimal("960.00")
AVG_WAGE = Decimal("24000.00")
SI_YEAR = AVG_WAGE * Decimal("0.11")  # 灵活就业社会保险补贴标准, 11% of last year's average wage
SI_MONTH = SI_YEAR / 12  # 220.0000 for these parameters: whole fen, so its products below are exact
EXCLUDED = ("construction", "entertainment", "real_estate_sales", "land_use_transfer", "advertising",
            "real_estate_agency", "pawn", "sauna", "massage", "internet_cafe", "oxygen_bar")
SERVICE = ("retail", "catering", "domestic_service", "repair", "logistics", "it_services", "education",
           "health_care")  # 服务业 less those excluded from the interest subsidy


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Eligibility and amounts before the exclusive social-insurance group.  Money columns are
# DECIMAL(12,2), months and years BIGINT, so every product below is exact DECIMAL.
INNER = f"""
SELECT person_id,
  hardship OR (college_graduate AND months_unemployed_after_graduation >= 12 AND registered_unemployed)
    AS startup_hardship,
  (sex = 'F' AND age >= 40) OR (sex = 'M' AND age >= 50) AS is_4050,
  months_to_retirement < 24 AS near_retirement,
  starts_business AND industry NOT IN {_in(EXCLUDED)} AS business_not_restricted,  -- 限制行业 excluded
  CASE WHEN registered_unemployed AND starts_business AND loan_requested >= 10000 THEN
    least(loan_requested, CASE WHEN partners > 1 THEN least(30000 * partners, 100000)
                               WHEN loan_collateral THEN 100000 ELSE 50000 END)
  ELSE 0 END AS guaranteed_loan,
  CASE WHEN guaranteed_loan > 0 AND registered_unemployed AND industry IN {_in(SERVICE)}
            AND NOT loan_in_extension THEN
    CASE WHEN employment_to_unemployed OR holds_reemployment_cert OR (demobilized_soldier AND hukou = 'urban')
         THEN round(loan_rate * least(guaranteed_loan, 50000), 2)
         ELSE round(loan_rate * least(guaranteed_loan, 50000) * 0.5, 2) END
  ELSE 0 END AS loan_interest_subsidy,
  CASE WHEN (registered_unemployed OR holds_reemployment_cert) AND starts_business AND first_business
            AND business_months >= 12 AND years_rent_subsidy_received < 3 THEN
    CASE WHEN startup_hardship AND micro_profit_project THEN round(least(annual_rent * 0.15, 3000), 2)
         WHEN venue = 'government_market' THEN round(least(annual_rent * 0.10, 3000), 2)
         ELSE round(least(annual_rent * 0.10, 2000), 2) END
  ELSE 0 END AS rent_subsidy,
  CASE WHEN starts_business AND receiving_ui THEN round(greatest(ui_entitlement_total * 0.20, 500), 2)
       WHEN starts_business AND registered_unemployed AND hukou = 'urban' THEN 500
       ELSE 0 END AS startup_subsidy,
  CASE WHEN startup_hardship AND starts_business AND micro_profit_project AND business_months < 24
       THEN {MIN_WAGE * Decimal("0.20")} * least(12, 24 - business_months) ELSE 0 END AS post_subsidy,
  (registered_unemployed OR disabled) AND business_not_restricted AND years_fee_exemption_received < 3 AS fee_exemption,
  (registered_unemployed OR holds_reemployment_cert) AND business_not_restricted AND years_tax_relief_received < 3
    AS tax_relief_eligible,
  CASE WHEN tax_relief_eligible THEN least(business_tax_paid, 8000) ELSE 0 END AS business_tax,
  CASE WHEN tax_relief_eligible THEN least(city_maintenance_tax_paid, 8000 - business_tax) ELSE 0 END
    AS city_maintenance_tax,
  CASE WHEN tax_relief_eligible THEN least(education_surcharge_paid, 8000 - business_tax - city_maintenance_tax)
       ELSE 0 END AS education_surcharge,
  CASE WHEN tax_relief_eligible
       THEN least(income_tax_paid, 8000 - business_tax - city_maintenance_tax - education_surcharge)
       ELSE 0 END AS income_tax,
  hardship AND starts_business OR hardship AND is_4050 AND flexible_employed AS si_subsidy_group,
  si_subsidy_group AND monthly_income >= {MIN_WAGE} AND pays_si
    AND (near_retirement
         OR years_si_subsidy_received < CASE WHEN si_term_ended_in_2009 AND family_difficulty THEN 4 ELSE 3 END)
    AS si_subsidy_eligible,
  CASE WHEN registered_unemployed AND ui_ended AND NOT reemployed
            AND (is_4050 AND months_since_ui_ended >= 12 AND economic_difficulty OR near_retirement) THEN
    CASE WHEN near_retirement THEN {SI_MONTH} * least(months_to_retirement, 12) ELSE {SI_YEAR * Decimal("0.8")} END
  ELSE 0 END AS urban_assistance,
  CASE WHEN hukou = 'rural' THEN round(urban_assistance * 0.6, 2) ELSE urban_assistance END
    AS employment_assistance,
  CASE WHEN registered_unemployed AND processing_worker AND pays_si
       THEN {SI_MONTH} * least(CAST(annual_processing_income * 100 AS BIGINT) // {int(MIN_WAGE * 100)}, 12)
       ELSE 0 END AS processing_si,
  CASE WHEN si_subsidy_eligible THEN {SI_YEAR} ELSE 0 END AS si,
  CASE WHEN startup_training_certificate AND startup_training_days >= 20 THEN 1500 ELSE 0 END
    AS startup_training_subsidy,
  CASE WHEN training_certificate AND (holds_reemployment_cert OR hardship) THEN least(skill_training_cost, 800)
       WHEN training_certificate AND (land_lost_farmer OR registered_unemployed) THEN least(skill_training_cost, 600)
       ELSE 0 END AS skill_training_subsidy,
  CASE WHEN rural_migrant THEN CASE cert_level WHEN 'junior' THEN 300 WHEN 'intermediate' THEN 500
       WHEN 'senior' THEN 700 WHEN 'technician' THEN 1000 WHEN 'senior_technician' THEN 1200 ELSE 0 END
  ELSE 0 END AS skill_certificate_subsidy,
  CASE WHEN completion_certificate THEN 80 ELSE 0 END AS completion_subsidy
FROM {{source}}"""

# 社会保险补贴不重复享受, the highest paid; on a tie the first of si, processing, assistance.
OUTPUTS = {
    "guaranteed_loan": "guaranteed_loan",
    "loan_interest_subsidy": "loan_interest_subsidy",
    "rent_subsidy": "rent_subsidy",
    "startup_subsidy": "startup_subsidy",
    "post_subsidy": "post_subsidy",
    "fee_exemption": None,
    "tax_relief": "business_tax + city_maintenance_tax + education_surcharge + income_tax",
    "tax_relief.business_tax": "business_tax",
    "tax_relief.city_maintenance_tax": "city_maintenance_tax",
    "tax_relief.education_surcharge": "education_surcharge",
    "tax_relief.income_tax": "income_tax",
    "si_subsidy": "CASE WHEN processing_si > si OR employment_assistance > si THEN 0 ELSE si END",
    "si_subsidy.pension": f"CASE WHEN processing_si > si OR employment_assistance > si OR si = 0 THEN 0 "
                          f"ELSE {AVG_WAGE * Decimal('0.06')} END",
    "si_subsidy.medical": f"CASE WHEN processing_si > si OR employment_assistance > si OR si = 0 THEN 0 "
                          f"ELSE {AVG_WAGE * Decimal('0.05')} END",
    "employment_assistance_subsidy": "CASE WHEN si >= employment_assistance OR processing_si >= employment_assistance "
                                     "THEN 0 ELSE employment_assistance END",
    "processing_si_subsidy": "CASE WHEN si >= processing_si OR employment_assistance > processing_si "
                             "THEN 0 ELSE processing_si END",
    "startup_training_subsidy": "startup_training_subsidy",
    "skill_training_subsidy": "skill_training_subsidy",
    "skill_certificate_subsidy": "skill_certificate_subsidy",
    "completion_subsidy": "completion_subsidy",
}


def city_sql(source: str) -> str:
    """SELECT person_id and the city policy's person outputs (DECIMAL(18,2), fee_exemption BOOLEAN)."""
    cols = ",\n  ".join(f'fee_exemption AS "{name}"' if expr is None else f'CAST({expr} AS DECIMAL(18,2)) AS "{name}"'
                        for name, expr in OUTPUTS.items())
    return f"SELECT person_id,\n  {cols}\nFROM ({INNER.format(source=source)})"


def run(src: str, dst: str, threads: int | None = None) -> None:
    """Parquet ``src`` -> Parquet ``dst``, one COPY."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    source = "read_parquet('" + src.replace("'", "''") + "')"
    con.execute(f"COPY ({city_sql(source)}) TO '{dst.replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")


def mismatches(expected: str, actual: str) -> dict[str, int]:
    """Rows of two result files (joined on person_id) that differ, by output; '(rows)' counts
    persons present in only one of them."""
    con = duckdb.connect()
    a = f"read_parquet('{expected}')"
    b = f"read_parquet('{actual}')"
    counts = ", ".join(f'count(*) FILTER (a."{n}" IS DISTINCT FROM b."{n}")' for n in OUTPUTS)
    row = con.execute(f"SELECT count(*) FILTER (a.person_id IS NULL OR b.person_id IS NULL), {counts} "
                      f"FROM {a} AS a FULL JOIN {b} AS b USING (person_id)").fetchone()
    assert row is not None
    return dict(zip(["(rows)", *OUTPUTS], row, strict=True))


def check(rows: int) -> int:
    """Run `policyrules batch` and the baseline on ``rows`` persons; print the mismatches; exit status."""
    sys.path.insert(0, str(BENCH))
    from interpreter import CITY_PARAMS, write_population

    with tempfile.TemporaryDirectory() as tmp:
        src, ours, base = (str(Path(tmp) / f) for f in ("city.parquet", "batch.parquet", "baseline.parquet"))
        write_population(rows, src)
        params = [x for k, v in CITY_PARAMS.items() for x in ("--param", f"{k}={v}")]
        subprocess.run([sys.executable, "-m", "policyrules", "batch", str(POLICY), src, "-o", ours, "--on", ON,
                        *params, "--no-progress"], check=True, cwd=ROOT)
        run(src, base)
        bad = {k: v for k, v in mismatches(ours, base).items() if v}
    print(f"{rows:,} persons: " + (f"mismatches {bad}" if bad else "baseline equals `policyrules batch` to the fen"))
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", nargs="?")
    ap.add_argument("dst", nargs="?")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--check", type=int, metavar="ROWS", help="compare with `policyrules batch` on ROWS persons")
    a = ap.parse_args()
    if a.check:
        sys.exit(check(a.check))
    if not (a.src and a.dst):
        ap.error("give IN.parquet and OUT.parquet, or --check ROWS")
    run(a.src, a.dst, a.threads)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark B1 (see reference_b1.py) as hand-written DuckDB SQL: exact DECIMAL, half-up to the fen.

With --validate the input goes through policyrules.batch.io first (any of CSV/Parquet/JSON lines,
typed and checked into view ``facts``), as a compiled policy will: this measures that overhead.
Usage: b1_duckdb.py IN OUT.parquet [--threads N] [--validate [--rejects REJECTS.csv]]
"""

import argparse

import duckdb

MIN_WAGE = "1310.00"
AVG_WAGE = "36000.00"
EXCLUDED = ("construction", "entertainment", "real_estate_sales", "land_use_transfer", "advertising",
            "real_estate_agency", "pawn", "sauna", "massage", "internet_cafe", "oxygen_bar")
BENEFITS = ("rent_subsidy", "startup_subsidy", "post_subsidy", "si_subsidy", "tax_relief", "training_subsidy")

# Each benefit is exact DECIMAL arithmetic; ROUND on DECIMAL is half away from zero (= half-up here).
RULES = {
    "rent_subsidy": """
        CASE WHEN (registered_unemployed OR holds_reemployment_cert) AND starts_business AND first_business
                  AND business_months >= 12 AND years_rent_subsidy_received < 3 THEN
            CASE WHEN hardship AND micro_profit_project THEN least(annual_rent * 0.15, 3000)
                 WHEN venue = 'government_market' THEN least(annual_rent * 0.10, 3000)
                 ELSE least(annual_rent * 0.10, 2000) END
        ELSE 0 END""",
    "startup_subsidy": """
        CASE WHEN starts_business AND receiving_ui THEN greatest(ui_entitlement_total * 0.20, 500)
             WHEN starts_business AND registered_unemployed AND hukou = 'urban' THEN 500
             ELSE 0 END""",
    "post_subsidy": f"""
        CASE WHEN hardship AND starts_business AND micro_profit_project AND business_months < 24
             THEN {MIN_WAGE} * 0.20 * least(12, 24 - business_months) ELSE 0 END""",
    "si_subsidy": f"""
        CASE WHEN hardship AND ((sex = 'F' AND age >= 40) OR (sex = 'M' AND age >= 50))
                  AND (flexible_employed OR starts_business) AND monthly_income >= {MIN_WAGE} AND pays_si
                  AND (years_si_subsidy_received < 3 OR months_to_retirement <= 24)
             THEN {AVG_WAGE} * 0.11 ELSE 0 END""",
    "tax_relief": f"""
        CASE WHEN (registered_unemployed OR holds_reemployment_cert) AND starts_business
                  AND industry NOT IN ({', '.join(f"'{i}'" for i in EXCLUDED)})
                  AND years_tax_relief_received < 3
             THEN least(tax_paid, 8000) ELSE 0 END""",
    "training_subsidy": """
        CASE WHEN rural_migrant THEN CASE cert_level WHEN 'junior' THEN 300 WHEN 'intermediate' THEN 500
             WHEN 'senior' THEN 700 WHEN 'technician' THEN 1000 WHEN 'senior_technician' THEN 1200 ELSE 0 END
        ELSE 0 END""",
}


def schema() -> dict:
    """The B1 person columns as policy fact types (for --validate)."""
    from policyrules import types as T

    kinds = {"bool": T.BOOL, "int": T.INTEGER, "yuan": T.MONEY, "text": T.TEXT}
    columns = {
        "sex": T.enum(("F", "M")), "age": "int", "hukou": T.enum(("urban", "rural")),
        "registered_unemployed": "bool", "holds_reemployment_cert": "bool", "hardship": "bool",
        "receiving_ui": "bool", "ui_entitlement_total": "yuan", "starts_business": "bool",
        "first_business": "bool", "business_months": "int", "venue": T.enum(("government_market", "other", "none")),
        "annual_rent": "yuan", "micro_profit_project": "bool", "industry": "text",
        "years_rent_subsidy_received": "int", "tax_paid": "yuan", "years_tax_relief_received": "int",
        "flexible_employed": "bool", "monthly_income": "yuan", "pays_si": "bool",
        "years_si_subsidy_received": "int", "months_to_retirement": "int", "rural_migrant": "bool",
        "cert_level": T.enum(("none", "junior", "intermediate", "senior", "technician", "senior_technician")),
    }
    return {"person_id": T.INTEGER} | {k: kinds[v] if isinstance(v, str) else v for k, v in columns.items()}


def b1_sql(source: str) -> str:
    """SELECT person_id and the seven amounts (DECIMAL(14,2)) from ``source``."""
    rounded = ",\n".join(f"CAST(round({expr}, 2) AS DECIMAL(14,2)) AS {name}" for name, expr in RULES.items())
    total = " + ".join(BENEFITS)
    return (f"SELECT *, CAST({total} AS DECIMAL(14,2)) AS total "
            f"FROM (SELECT person_id, {rounded} FROM {source})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--validate", action="store_true")
    ap.add_argument("--rejects")
    a = ap.parse_args()
    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    if a.validate:
        from policyrules.batch import io

        io.open_input(con, a.src)
        io.prepare_facts(con, schema())
        facts = ", ".join(f"{io.column(c)} AS {c}" for c in schema())  # facts keep input columns as in:NAME
        io.write_output(con, b1_sql(f"(SELECT {facts} FROM facts)"), a.dst)
        if a.rejects:
            io.write_rejects(con, a.rejects)
        return
    src = "read_parquet('" + a.src.replace("'", "''") + "')"
    dst = a.dst.replace("'", "''")
    con.execute(f"COPY ({b1_sql(src)}) TO '{dst}' (FORMAT parquet)")


if __name__ == "__main__":
    main()

"""Differential tests: the compiled SQL path and the interpreter agree on every output and
part, to the fen, for random schema-valid facts, parameters and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb
from compiled_support import B1, CITY, flatten, policy, read_rows, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import types as T
from policyrules.batch.run import run_batch

K = T.Kind


def money(max_value: int = 120000) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        st.decimals(min_value=0, max_value=max_value, places=2),
        st.decimals(min_value=0, max_value=max_value, places=6),
        st.sampled_from([Decimal(0), Decimal("0.005"), Decimal("0.015"), Decimal("1000"), Decimal("25000.05")]),
    )


def value_for(ty: T.Type) -> st.SearchStrategy:
    k = ty.kind
    if k is K.BOOL:
        return st.booleans()
    if k is K.INTEGER:
        return st.one_of(st.integers(0, 120), st.sampled_from([0, 1, 3, 20, 100]))
    if k in (K.MONEY, K.RATE, K.NUMBER):
        return money()
    if k is K.PERCENT:
        return st.one_of(st.decimals(min_value=0, max_value=1, places=4), st.sampled_from([Decimal("0.96")]))
    if k is K.DURATION:
        return st.one_of(st.integers(0, 60).map(Decimal), st.decimals(min_value=0, max_value=60, places=1))
    if k is K.DATE:
        return st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31))
    if k is K.ENUM:
        return st.sampled_from(ty.values)
    return st.text(alphabet="abc", min_size=1, max_size=3)  # an empty CSV cell is a missing value


def facts_strategy(cp, kinds) -> st.SearchStrategy:
    return st.fixed_dictionaries({
        k: st.fixed_dictionaries({f: value_for(field.type) for f, field in cp.facts[k].fields.items()})
        for k in kinds})


def check_agree(p, rows, on, params) -> None:
    cp = p.checked
    with TemporaryDirectory() as tmp:
        src = write_csv(Path(tmp) / "in.csv", [{"i": i, **flatten(cp, f)} for i, f in enumerate(rows)])
        out = str(Path(tmp) / "out.parquet")
        result = run_batch(p, src, out, on, params, progress=False)
        assert result.rejected_rows == 0, result
        got = {int(r["i"]): r for r in read_rows(duckdb.connect(), out)}
    for i, facts in enumerate(rows):
        d = p.evaluate(facts, on=on, parameters=params, trace=False)
        for name, r in d.outputs.items():
            assert got[i][name] == r.value, (name, facts, r.value, got[i][name])
            for part, v in r.parts.items():
                assert got[i][f"{name}.{part}"] == v, (f"{name}.{part}", facts, v)


CITY_KIND_SETS = [("person", "enterprise", "agency", "community"), ("person",), ("enterprise", "agency")]


@st.composite
def city_case(draw):
    cp = policy(CITY).checked
    kinds = draw(st.sampled_from(CITY_KIND_SETS))
    rows = draw(st.lists(facts_strategy(cp, kinds), min_size=1, max_size=25))
    on = draw(st.dates(dt.date(2009, 1, 1), dt.date(2011, 12, 31)))
    params = {
        "min_wage_monthly": str(draw(st.one_of(st.sampled_from([Decimal("960.00"), Decimal(0)]), money(3000)))),
        "avg_wage_last_year": str(draw(st.one_of(st.just(Decimal("24000.00")), money(90000)))),
        "employer_min_si_monthly": str(draw(money(1000))),
    }
    return rows, on, params


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(city_case())
def test_city_policy_compiled_equals_interpreter(case):
    rows, on, params = case
    check_agree(policy(CITY), rows, on, params)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(facts_strategy(policy(B1).checked, ["person"]), min_size=1, max_size=40),
       st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_b1_compiled_equals_interpreter(rows, on):
    check_agree(policy(B1), rows, on, {})


def test_targeted_city_rows_agree(tmp_path):
    """Rows built to reach the deep branches: groups, terms with extensions, allocation, division by 0."""
    p = policy(CITY)
    base = {f: (False if fl.type.kind is K.BOOL else None) for f, fl in p.checked.facts["person"].fields.items()}
    base.update(sex="F", age=45, hukou="urban", months_unemployed_after_graduation=0, ui_entitlement_total=0,
                months_since_ui_ended=0, business_months=30, venue="other", annual_rent=Decimal("30000"),
                industry="retail", years_rent_subsidy_received=0, years_fee_exemption_received=0,
                business_tax_paid=Decimal("5000"), city_maintenance_tax_paid=Decimal("2500.50"),
                education_surcharge_paid=Decimal("1000.255"), income_tax_paid=Decimal("700"),
                years_tax_relief_received=1, monthly_income=Decimal("1000"), years_si_subsidy_received=3,
                months_to_retirement=30, annual_processing_income=Decimal("7000"), loan_requested=Decimal("60000"),
                partners=3, loan_rate=Decimal("0.0531"), startup_training_days=25, skill_training_cost=Decimal("900"),
                cert_level="senior")
    rows = []
    for flags in [dict(hardship=True, starts_business=True, pays_si=True, flexible_employed=True),
                  dict(hardship=True, starts_business=True, pays_si=True, si_term_ended_in_2009=True,
                       family_difficulty=True),
                  dict(hardship=True, starts_business=True, pays_si=True, registered_unemployed=True,
                       processing_worker=True, months_to_retirement=10),
                  dict(registered_unemployed=True, ui_ended=True, hukou="rural", months_to_retirement=7,
                       processing_worker=True, pays_si=True),
                  dict(registered_unemployed=True, starts_business=True, holds_reemployment_cert=True,
                       first_business=True, micro_profit_project=True, hardship=True, business_months=13)]:
        rows.append({"person": {**base, **flags}})
    for on in (dt.date(2009, 7, 1), dt.date(2010, 7, 1)):
        for wage in ("960.00", "0", "1234.57"):
            check_agree(p, rows, on, {"min_wage_monthly": wage, "avg_wage_last_year": "24000.03",
                                      "employer_min_si_monthly": "300.00"})

"""``policyrules sql``: key columns with ``--keep``, and a clear refusal when nothing compiles."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from policyrules.interfaces.cli import main

ROOT = Path(__file__).resolve().parents[2]
B1 = ROOT / "policies" / "b1.policy"
SCORECARD = ROOT / "policies" / "recruitment-scorecard.policy"


def _sql(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["sql", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_keep_puts_key_columns_first_and_they_join_back(capsys: pytest.CaptureFixture[str]) -> None:
    rc, sql, _ = _sql(capsys, str(B1), "--on", "2024-01-01", "--keep", "person_id, region", "--table", "pop")
    assert rc == 0
    con = duckdb.connect()
    con.execute("""CREATE TABLE pop AS SELECT 'p' || i AS person_id, 'r' || (i % 2) AS region,
        'F' AS sex, 30 AS age, 'urban' AS hukou, true AS registered_unemployed, false AS holds_reemployment_cert,
        false AS hardship, false AS receiving_ui, 0.00::DECIMAL(38,6) AS ui_entitlement_total,
        true AS starts_business, true AS first_business, 14 AS business_months, 'other' AS venue,
        (1000 * i)::DECIMAL(38,6) AS annual_rent, false AS micro_profit_project, 'retail' AS industry,
        0 AS years_rent_subsidy_received, 0.00::DECIMAL(38,6) AS tax_paid, 0 AS years_tax_relief_received,
        false AS flexible_employed, 0.00::DECIMAL(38,6) AS monthly_income, false AS pays_si,
        0 AS years_si_subsidy_received, 100 AS months_to_retirement, false AS rural_migrant,
        'none' AS cert_level FROM range(1, 4) t(i)""")
    cur = con.execute(sql.rstrip().rstrip(";"))
    names = [d[0] for d in cur.description]
    assert names[:3] == ["person_id", "region", "rent_subsidy"]
    rows = {r[0]: r[2] for r in cur.fetchall()}
    assert {k: str(v) for k, v in rows.items()} == {"p1": "100.00", "p2": "200.00", "p3": "300.00"}


@pytest.mark.parametrize("keep, message", [
    (",", "expected column names"),
    ("person_id,person_id", "named more than once"),
    ("rent_subsidy", "also a result column"),
])
def test_keep_refuses_bad_lists(capsys: pytest.CaptureFixture[str], keep: str, message: str) -> None:
    rc, out, err = _sql(capsys, str(B1), "--on", "2024-01-01", "--keep", keep)
    assert (rc, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_scorecard_only_policy_has_nothing_to_compile(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _sql(capsys, str(SCORECARD), "--on", "2023-12-25")
    assert (rc, out) == (2, "")
    assert "nothing to compile" in err and "policyrules score" in err


def test_batch_input_may_follow_the_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """INPUT is optional (PostgreSQL runs have none) and still found after options."""
    from engine_support import b1_parquet

    src = b1_parquet(tmp_path / "b1.parquet", 5)
    assert main(["batch", str(B1), "--on", "2024-01-01", src, "-o", str(tmp_path / "o.parquet")]) == 0
    assert "5 rows: 5 computed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["batch", str(B1), "--on", "2024-01-01", src, "extra", "-o", str(tmp_path / "p.parquet")])
    assert main(["batch", str(B1), "--on", "2024-01-01", "-o", str(tmp_path / "p.parquet")]) == 2
    assert "give the INPUT file" in capsys.readouterr().err

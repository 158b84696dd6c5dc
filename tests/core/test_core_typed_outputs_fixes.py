"""Regressions found while encoding the labour-law policies: an output declared with a
category type names that category's values; a table parameter may be given inline as JSON text
(`--param rates={"workday": "1.5"}`)."""

from __future__ import annotations

from decimal import Decimal

from policyrules.api import loads

BASIS = """
policy basis "月工资基数"
enum basis = normal | capped | raised
parameter averages: integer -> money
facts person:
  wage: money
output cap: money = 3 × averages[2023]
output wage_basis "基数": basis =
  if wage > cap then capped
  else if wage < 2420 元 then raised
  else normal
"""


def test_a_category_output_names_its_values() -> None:
    p = loads(BASIS)
    d = p.evaluate({"person": {"wage": "30000.01"}}, on="2024-06-30",
                   parameters={"averages": {"2023": "10000.00"}})
    assert d.value("wage_basis") == "capped"
    d = p.evaluate({"person": {"wage": "2300.00"}}, on="2024-06-30",
                   parameters={"averages": {"2023": "10000.00"}})
    assert d.value("wage_basis") == "raised"


def test_a_table_parameter_given_as_json_text() -> None:
    p = loads(BASIS)
    d = p.evaluate({"person": {"wage": "30000.00"}}, on="2024-06-30",
                   parameters={"averages": '{"2023": "10000.00"}'})
    assert d.value("cap") == Decimal("30000.00") and d.value("wage_basis") == "normal"


def test_a_whole_number_output_says_how_it_is_made_whole() -> None:
    """`output x: integer = n * 1.5` gave 7 in eval (truncated), 7.5 in explain and 8 in batch: now
    it is refused unless the policy says how to make it whole, and then every path rounds alike."""
    import datetime as dt
    from decimal import Decimal

    import duckdb

    from policyrules.api import PolicyError, loads
    from policyrules.compile import compile_query, resolve

    text = 'policy w "w"\nfacts person:\n  n: integer\noutput x: integer = n * 1.5\n'
    try:
        loads(text, "w.policy")
        raise AssertionError("a fractional integer output was accepted")
    except PolicyError as err:
        assert [d.code for d in err.diagnostics] == ["T004"] and "whole number" in err.diagnostics[0].message
    on = dt.date(2024, 1, 1)
    for clause, want in (("  rounding half_up to 1\n", 8), ("  rounding down to 1\n", 7)):
        p = loads(text + clause, "w.policy")
        got = p.evaluate({"person": {"n": 5}}, on=on).outputs["x"].value
        con = duckdb.connect()
        con.execute("CREATE TABLE facts AS SELECT 5 AS n")
        sql = compile_query(p.checked, on, resolve(p.checked, on, {})).sql()
        assert Decimal(got) == want == con.execute(sql).fetchone()[0]
    floored = loads(text.replace("n * 1.5", "floor(n * 1.5)"), "w.policy")
    assert floored.evaluate({"person": {"n": 5}}, on=on).outputs["x"].value == 7


ROUNDED = """
policy rounded "舍入"
enum band = low | high
facts person:
  a: money
  s: date
output x: {typ} = {expr}
  rounding half_up to 0.01
"""


def test_only_a_number_an_amount_or_a_duration_is_rounded() -> None:
    """A `rounding` clause on a yes/no, date, text or category output passed `check`; eval then
    returned 1.00 for `true` (or a traceback for a date) and the compiled query stopped on
    `round(BOOLEAN, …)` (found by the mutated-policies fuzz target)."""
    import pytest

    from policyrules.api import PolicyError

    for typ, expr, what in (("bool", "a > 1 元", "a yes/no condition"), ("date", "s", "a date"),
                            ("text", '"x"', "text"), ("band", "if a > 1 元 then high else low", "band")):
        with pytest.raises(PolicyError) as err:
            loads(ROUNDED.format(typ=typ, expr=expr))
        [d] = err.value.diagnostics
        assert d.code == "T004" and (d.span.line, d.span.column) == (8, 3), d
        assert f"output `x` is {what}" in d.message and "is rounded" in d.message, d.message
    for typ, expr in (("money", "a / 3"), ("number", "a / 3 元"), ("percent", "a / 3 元 × 1%"),
                      ("months", "months_between(s, 2024-06-01)"), ("integer", "year_of(s)")):
        loads(ROUNDED.format(typ=typ, expr=expr))

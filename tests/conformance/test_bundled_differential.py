"""Every bundled policy, interpreter against the compiled query on DuckDB, on random facts valid
for its schema (lists of records, optional fields left out, category values, months, dates):
every output the interpreter computes must be the compiled query's, to the fen (issue 8's
"random facts through eval and batch").  Such a run found the maternity allowance paid one fen
less by batch at a half fen (tests/compile/test_divide_last.py).

Parameters come from the policy's case file (``tests/cases``, ``tests/acceptance``), else from
``../shared/acceptance`` when it is there; a policy needing parameters neither gives is skipped.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import conformance as cf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import types as T
from policyrules.api import loads
from policyrules.compile import Unsupported, resolve
from policyrules.evaluate.inputs import InputError
from policyrules.interfaces.cases import as_date, load_case_file

K = T.Kind
ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "policies").glob("*.policy"))


def _setting(path: Path) -> tuple[dt.date, dict[str, Any]] | None:
    """The date and parameters of the policy's case file (here, or in ../shared), if any."""
    for f in (ROOT / "tests" / "cases" / f"{path.stem}.yaml", ROOT / "tests" / "acceptance" / f"{path.stem}.yaml",
              ROOT.parent / "shared" / "acceptance" / f"{path.stem}.yaml"):
        if f.is_file():
            data = load_case_file(f)
            case = (data.get("cases") or [{}])[0]
            on = as_date(case.get("date", data.get("date")))
            return on, {**(data.get("parameters") or {}), **(case.get("parameters") or {})}
    return None


def _value(cp: Any, ty: T.Type, key: str | None = None) -> st.SearchStrategy[Any]:
    k = ty.kind
    if k is K.BOOL:
        return st.booleans()
    if k is K.INTEGER:
        return st.one_of(st.integers(0, 120), st.sampled_from([0, 1, 3, 12, 36]))
    if k in (K.MONEY, K.RATE, K.NUMBER):
        return st.one_of(st.decimals(0, 200_000, places=2), st.sampled_from(
            [Decimal(0), Decimal("0.005"), Decimal("2999.995"), Decimal(3000), Decimal("124081.15")])).map(str)
    if k is K.PERCENT:
        return st.decimals(0, 1, places=4).map(str)
    if k is K.DURATION:
        return st.one_of(st.integers(0, 400), st.sampled_from([0, 1, 6, 12, 13, 24, 60]))
    if k is K.DATE:
        return st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if k is K.MONTH:
        return st.dates(dt.date(2015, 1, 1), dt.date(2026, 12, 1)).map(lambda d: f"{d.year}-{d.month:02d}")
    if k is K.ENUM:
        return st.sampled_from(sorted(ty.values))
    if k is K.LIST:
        assert ty.element is not None
        if ty.element.kind is K.RECORD:
            schema = cp.records[ty.element.record]
            key_type = schema.fields[schema.key].type
            return st.lists(_value(cp, ty.element), max_size=4, unique_by=lambda r: r.get(schema.key)).filter(
                lambda rows: key_type.kind is K.TEXT or len({r[schema.key] for r in rows}) == len(rows))
        return st.lists(_value(cp, ty.element), max_size=4)
    if k is K.RECORD:
        schema = cp.records[ty.record]
        required = {f: (st.text("abcxyz", min_size=1, max_size=6) if f == schema.key and fld.type.kind is K.TEXT
                        else _value(cp, fld.type)) for f, fld in schema.fields.items() if not fld.optional}
        optional = {f: _value(cp, fld.type) for f, fld in schema.fields.items() if fld.optional}
        return st.fixed_dictionaries(required, optional=optional)
    return st.text("abc", min_size=1, max_size=3)


def _facts(cp: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        kind: st.fixed_dictionaries({f: _value(cp, fld.type) for f, fld in fk.fields.items() if not fld.optional},
                                    optional={f: _value(cp, fld.type) for f, fld in fk.fields.items() if fld.optional})
        for kind, fk in cp.facts.items()})


CASES = []
for _path in POLICIES:
    _p = loads(_path.read_text(encoding="utf-8"), _path.name)
    if _p.checked.facts and (_p.checked.outputs or _p.checked.results):
        CASES.append(pytest.param(_path, id=_path.stem))


@pytest.mark.parametrize("path", CASES)
def test_random_facts_agree_with_the_interpreter(path: Path) -> None:
    p = loads(path.read_text(encoding="utf-8"), path.name)
    cp = p.checked
    setting = _setting(path)
    on, params = setting if setting is not None else (dt.date(2024, 6, 30), {})
    if cp.valid_from and on < cp.valid_from:
        on = cp.valid_from
    try:
        resolve(cp, on, params)
    except InputError:
        pytest.skip("its parameters are in ../shared/acceptance, which is not here")
    outputs = [*cp.outputs, *cp.results]

    @settings(max_examples=8, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(_facts(cp), min_size=4, max_size=10))
    def check(rows: list[dict[str, Any]]) -> None:
        cases = tuple(cf.Case(f"c{i}", facts, dict.fromkeys(outputs)) for i, facts in enumerate(rows))
        suite = cf.Suite(path.stem, p, on, dict(params), cases)
        interpreted = {c.id: r for c, r in cf.run_interpreter(suite)}
        computed = [c for c in cases if not isinstance(interpreted[c.id], str)]
        if not computed:
            return
        try:
            compiled = {c.id: r for c, r in cf.run_compiled(
                cf.Suite(path.stem, p, on, dict(params), tuple(computed)), "duckdb", cf.duckdb_runner())}
        except Unsupported:
            return
        for c in computed:
            got = compiled[c.id]
            if isinstance(got, str) and got.startswith("Unsupported"):
                return  # the policy does not compile (docs/engines.md lists what does not)
            assert not isinstance(got, str), (c.facts, got)
            for o in outputs:
                assert cf.same(_month(interpreted[c.id][o]), _month(got[o])), (o, c.facts, interpreted[c.id][o], got[o])

    check()


def _month(v: Any) -> Any:
    """A calendar month as its first day, however an engine gives it (a date, or YYYY-MM text),
    in a list too."""
    if isinstance(v, tuple | list):
        return [_month(x) for x in v]
    if isinstance(v, str) and len(v) == 7 and v[4] == "-":
        return dt.date(int(v[:4]), int(v[5:]), 1)
    return v

"""The 107 acceptance cases of the city policy, run through the compiled SQL path."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb
import pytest
from compiled_support import CITY, ROOT, flatten, policy, read_rows, write_csv

from policyrules.batch.run import run_batch
from policyrules.interfaces.cases import as_date, load_case_file, merge_facts, same


def test_acceptance_cases_compiled(tmp_path):
    data = load_case_file(ROOT / "tests" / "acceptance" / "city-employment-promotion.yaml")
    p = policy(CITY)
    groups: dict[tuple, list[tuple[int, dict, dict]]] = defaultdict(list)
    for i, case in enumerate(data["cases"]):
        on = as_date(case.get("date", data.get("date")))
        params = {**(data.get("parameters") or {}), **(case.get("parameters") or {})}
        facts = merge_facts(data.get("base"), case.get("facts"))
        key = (on, tuple(sorted((k, str(v)) for k, v in params.items())), tuple(sorted(facts)))
        groups[key].append((i, facts, case))
    checked = 0
    failures = []
    for n, ((on, params, _kinds), cases) in enumerate(groups.items()):
        rows = [{"case": i, **flatten(p.checked, facts)} for i, facts, _ in cases]
        src = write_csv(tmp_path / f"in{n}.csv", rows)
        out = str(tmp_path / f"out{n}.parquet")
        result = run_batch(p, src, out, on, dict(params), progress=False)
        assert result.rejected_rows == 0
        got = {int(r["case"]): r for r in read_rows(duckdb.connect(), out)}
        for i, _, case in cases:
            for key, expected in (case.get("expect") or {}).items():
                checked += 1
                actual = got[i].get(key)
                if not same(expected, actual):
                    failures.append(f"{case['name']}: {key} expected {expected}, got {actual}")
    assert not failures, "\n".join(failures)
    assert len(data["cases"]) == 107 and checked >= 107


@pytest.mark.parametrize("on", [dt.date(2009, 7, 1), dt.date(2010, 2, 1)])
def test_acceptance_cases_agree_with_interpreter_on_every_output(tmp_path, on):
    """Not only the expected outputs: every output and part equals the interpreter's."""
    data = load_case_file(ROOT / "tests" / "acceptance" / "city-employment-promotion.yaml")
    p = policy(CITY)
    params = data["parameters"]
    rows, decisions = [], []
    for i, case in enumerate(data["cases"]):
        facts = merge_facts(data.get("base"), case.get("facts"))
        facts = {k: facts[k] for k in ("person", "enterprise") if k in facts}
        decisions.append(p.evaluate(facts, on=on, parameters=params, trace=False))
        rows.append({"case": i, **flatten(p.checked, facts)})
    src = write_csv(tmp_path / "in.csv", rows)
    out = str(tmp_path / "out.parquet")
    run_batch(p, src, out, on, params, progress=False)
    got = {int(r["case"]): r for r in read_rows(duckdb.connect(), out)}
    bad = []
    for i, d in enumerate(decisions):
        for name, r in d.outputs.items():
            if got[i][name] != r.value:
                bad.append((data["cases"][i]["name"], name, r.value, got[i][name]))
            for part, v in r.parts.items():
                if got[i][f"{name}.{part}"] != v:
                    bad.append((data["cases"][i]["name"], f"{name}.{part}", v, got[i][f"{name}.{part}"]))
    assert not bad

"""Nested leaves typed or as text: a batch run over a list of records accepts and refuses the same
records as the interpreter, and computes the same outputs, whether each leaf comes as a typed
Parquet value (DATE, BOOLEAN, integers, DECIMAL(p, s): read by a cast, batch/nested.py
``is_typed``) or as text (read by the forms of policyrules/evaluate/forms.py), at the bounds
(10^15, a percent beyond 1, more decimal places than the kind holds, years before 1000)."""

from __future__ import annotations

import datetime as dt
from decimal import Context, Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from compiled_support import ROOT, policy, read_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyrules import types as T
from policyrules.batch import nested
from policyrules.batch.run import run_batch
from policyrules.evaluate.inputs import InputError

K = T.Kind
LEAVES = ROOT / "tests" / "compile" / "data" / "nested-leaves.policy"
ON = dt.date(2024, 6, 30)
BIG = 10 ** 15
WIDE = Context(prec=60)
FIELDS = ("day", "flag", "qty", "wage", "share", "hours", "note", "grade", "ym", "bonus", "delta")

# ---------------------------------------------------------------- the input's leaf types
TYPED = {  # as a data engineer writes them: the fact's own types
    "day": pa.date32(), "flag": pa.bool_(), "qty": pa.int64(), "wage": pa.decimal128(38, 6),
    "share": pa.decimal128(38, 8), "hours": pa.decimal128(38, 8), "note": pa.string(), "grade": pa.string(),
    "ym": pa.date32(), "bonus": pa.decimal128(18, 2), "delta": pa.decimal128(38, 8)}
NARROW = {  # narrower, or with more places than the kind holds (those read as text)
    **TYPED, "qty": pa.int32(), "wage": pa.int64(), "share": pa.decimal128(10, 4), "hours": pa.decimal128(38, 10),
    "bonus": pa.decimal128(38, 9), "delta": pa.int16()}
TEXT = {f: pa.string() for f in FIELDS}


def typed_value(ty: pa.DataType) -> st.SearchStrategy[Any]:
    """Values of an Arrow leaf type, with the bounds of the forms among them."""
    if pa.types.is_date(ty):
        return st.one_of(st.dates(), st.sampled_from([dt.date(999, 12, 31), dt.date(1000, 1, 1), dt.date(2024, 1, 1)]))
    if pa.types.is_boolean(ty):
        return st.booleans()
    if pa.types.is_integer(ty):
        lo, hi = -(2 ** (ty.bit_width - 1)), 2 ** (ty.bit_width - 1) - 1
        edges = [x for x in (0, 1, -1, BIG - 1, BIG, -BIG + 1, -BIG, lo, hi) if lo <= x <= hi]
        return st.one_of(st.integers(lo, hi), st.integers(-3, 100), st.sampled_from(edges))
    assert pa.types.is_decimal(ty), ty
    unit = Decimal(1).scaleb(-ty.scale)
    top = min(WIDE.subtract(WIDE.power(10, ty.precision - ty.scale), unit), Decimal(100 * BIG))
    edges = [x for x in (Decimal(BIG), Decimal(BIG) - unit, -Decimal(BIG), Decimal(1), Decimal("1.5"),
                         Decimal("-0.5"), Decimal("0.123456789"), top, -top) if abs(x) <= top]
    return st.one_of(st.decimals(-top, top, places=ty.scale), st.decimals(-2, 3, places=ty.scale),
                     st.sampled_from(edges)).map(lambda d: d.quantize(unit, context=WIDE))


NUMBERS = st.decimals(-2 * BIG, 2 * BIG, places=2) | st.decimals(-2, 2, places=9)
TEXTS: dict[str, st.SearchStrategy[str]] = {
    "day": st.dates().map(dt.date.isoformat) | st.sampled_from(
        ["2024-02-01", " 2024-02-01\t", "2024-2-1", "0999-01-01", "10000-01-01", "2024-02-30", "2024-02-29",
         "2023-02-29", "1000-01-01", "9999-12-31", "x", ""]),
    "flag": st.sampled_from(["true", "false", "TRUE", "Yes", "no", "1", "0", "是", "否", " true ", "t", "", "2"]),
    "qty": st.integers(-10 * BIG, 10 * BIG).map(str) | st.sampled_from(
        ["12.00", "-0", "007", "1e3", " 12 ", "12.5", "+1", "1,000", str(BIG - 1), str(BIG), str(-BIG + 1),
         "-9223372036854775808", "9223372036854775807"]),
    "wage": NUMBERS.map(lambda d: format(d, "f")) | st.sampled_from(
        ["1,234.50", "960 元", "960元", "12.50 yuan", "1,23.4", "12.", ".5", " 12.50 ", "1000000000000000.00",
         "999999999999999.99", "-0.00", "12.1234567", "12.1234560", "１２"]),
    "share": NUMBERS.map(lambda d: format(d, "f")) | st.sampled_from(
        ["5%", "5.5 %", "0.05", "1", "2", "-1", "-0.5", "150%", "5.123456%", "5.1234567%", "0.123456789", "５%"]),
    "hours": NUMBERS.map(lambda d: format(d, "f")) | st.sampled_from(["1.5", "1.123456789", "1.123456780", "1,000"]),
    "note": st.text(alphabet=" ab\t元", max_size=4),
    "grade": st.sampled_from(["low", "high", " low", "mid", "HIGH", ""]),
    "ym": st.sampled_from(["2024-05", "2023-12", "2024-13"]),  # calendar months are not of the forms
    "bonus": NUMBERS.map(lambda d: format(d, "f")) | st.sampled_from(["960 元", "1,234.5", "-1"]),
    "delta": NUMBERS.map(lambda d: format(d, "f")) | st.sampled_from(["-1", "-1,000", "1.000000001"]),
}


def items(types: dict[str, pa.DataType]) -> st.SearchStrategy[list[dict[str, Any]]]:
    def leaf(f: str) -> st.SearchStrategy[Any]:
        return TEXTS[f] if pa.types.is_string(types[f]) else typed_value(types[f])

    item = st.fixed_dictionaries({f: leaf(f) for f in FIELDS if f != "bonus"}, optional={"bonus": leaf("bonus")})
    return st.lists(item, max_size=3)


# ---------------------------------------------------------------- running both
def norm(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    return Decimal(v).normalize()


def interpreted(p: Any, rows: list[list[dict[str, Any]]]) -> list[dict[str, Any] | None]:
    """Each row's outputs by the interpreter (months as YYYY-MM), None when it refuses the facts."""
    out: list[dict[str, Any] | None] = []
    for hires in rows:
        try:
            d = p.evaluate({"case": {"items": hires}}, on=ON, trace=False)
        except InputError:
            out.append(None)
            continue
        got = {}
        for name, r in d.outputs.items():
            v = r.value
            if v is not None and r.type is not None and r.type.kind is K.MONTH:
                v = f"{v.year:04d}-{v.month:02d}"
            got[name] = norm(v)
        out.append(got)
    return out


def batched(p: Any, rows: list[list[dict[str, Any]]], types: dict[str, pa.DataType],
            tmp: str) -> list[dict[str, Any] | None]:
    """Each row's outputs by a batch run over Parquet, None when it is rejected."""
    record = pa.struct([(f, types[f]) for f in FIELDS])
    table = pa.table({"items": pa.array(rows, type=pa.list_(record))})
    src, out = str(Path(tmp) / "in.parquet"), str(Path(tmp) / "out.parquet")
    pq.write_table(table, src)
    result = run_batch(p, src, out, ON, progress=False, row_numbers=True)
    got: list[dict[str, Any] | None] = [None] * len(rows)
    for r in read_rows(duckdb.connect(), out):
        got[int(r.pop("row")) - 1] = {k: norm(v) for k, v in r.items()}
    assert result.computed + result.rejected_rows == len(rows)
    return got


@pytest.mark.parametrize("types", [TYPED, NARROW, TEXT], ids=["typed", "narrow", "text"])
def test_nested_leaves_agree_with_the_interpreter(types: dict[str, pa.DataType]) -> None:
    p = policy(LEAVES)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(items(types), min_size=1, max_size=8))
    def check(rows: list[list[dict[str, Any]]]) -> None:
        want = interpreted(p, rows)
        with TemporaryDirectory() as tmp:
            got = batched(p, rows, types, tmp)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            where = f"row {i + 1}: {rows[i]}"
            assert (g is None) == (w is None), f"{where}: batch {'rejects' if g is None else 'accepts'}, eval not"
            if g is None or w is None:
                continue
            for name, value in w.items():
                assert g[name] == value, f"{where}: {name}: batch {g[name]!r}, eval {value!r}"

    check()


@pytest.mark.parametrize(("leaf", "value", "valid"), [
    ("day", dt.date(999, 1, 1), True), ("day", "0999-01-01", False), ("day", "10000-01-01", False),
    ("wage", Decimal(BIG), False), ("wage", "1000000000000000.00", False), ("wage", Decimal(BIG - 1), True),
    ("qty", "-9223372036854775808", False), ("qty", -(2 ** 63), False), ("share", Decimal("1.5"), False),
    ("share", "150%", True), ("wage", Decimal("-0.01"), False), ("delta", Decimal("-0.01"), True),
    ("grade", " low", True), ("grade", "high\t", True), ("grade", " mid ", False)])
def test_bounds_typed_and_as_text(leaf: str, value: Any, valid: bool) -> None:
    """The fast paths keep the forms' bounds: a year before 1000 written as text, 10^15, the most
    negative BIGINT (whose abs() overflows), a bare percent beyond 1, a negative unsigned amount;
    and a category value is a member once trimmed (" low" was rejected by batch, taken by eval)."""
    p = policy(LEAVES)
    good: dict[str, Any] = {"day": dt.date(2024, 2, 1), "flag": True, "qty": 1, "wage": Decimal(1),
                            "share": Decimal("0.5"), "hours": Decimal(1), "note": "a", "grade": "low",
                            "ym": dt.date(2024, 5, 1), "delta": Decimal(0)}
    types = {**TYPED, leaf: pa.string() if isinstance(value, str) else TYPED[leaf]}
    if leaf == "qty" and not isinstance(value, str):
        types["qty"] = pa.int64()
    if isinstance(value, str):  # the column as text: the good row's value as its text
        good[leaf] = good[leaf].isoformat() if isinstance(good[leaf], dt.date) else str(good[leaf])
    rows = [[good], [{**good, leaf: value}]]
    assert (interpreted(p, rows)[1] is not None) == valid
    with TemporaryDirectory() as tmp:
        got = batched(p, rows, types, tmp)
    assert got[0] is not None and (got[1] is not None) == valid


def test_typed_leaves_are_read_by_a_cast_not_the_forms() -> None:
    """What makes a batch over typed Parquet fast: the typed leaves are not turned into text."""
    cp = policy(LEAVES).checked
    field = cp.facts["case"].fields["items"]
    typed = nested.parse_source(
        "STRUCT(day DATE, flag BOOLEAN, qty BIGINT, wage DECIMAL(38,6), share DECIMAL(10,4), hours DECIMAL(38,10), "
        'note VARCHAR, grade VARCHAR, ym DATE, bonus DECIMAL(18,2), "Delta" SMALLINT, extra INTEGER[3])[]')
    read = nested.read_type(cp, field.type, typed)
    assert read == ('STRUCT("day" DATE, "flag" BOOLEAN, "qty" BIGINT, "wage" DECIMAL(38,6), "share" DECIMAL(10,4), '
                    '"hours" VARCHAR, "note" VARCHAR, "grade" VARCHAR, "ym" DATE, "bonus" DECIMAL(18,2), '
                    '"delta" SMALLINT, "id" VARCHAR)[]')
    assert "regexp" in nested.invalid(cp, "x", field, 0, typed)  # hours: 10 places, read as text
    all_typed = nested.parse_source(read.replace('"hours" VARCHAR', '"hours" DECIMAL(38,8)'))
    assert "regexp" not in nested.invalid(cp, "x", field, 0, all_typed)
    assert "regexp" not in nested.typed_value(cp, "x", field.type, 0, all_typed)
    assert nested.read_type(cp, field.type, None) == nested.text_type(cp, field.type)


def test_rejects_of_typed_leaves_name_the_field_and_reason() -> None:
    """A typed leaf's problems are reported as a text leaf's are: the path and the reason."""
    p = policy(LEAVES)
    good: dict[str, Any] = {"day": dt.date(2024, 2, 1), "flag": True, "qty": 1, "wage": Decimal(1),
                            "share": Decimal("0.5"), "hours": Decimal(1), "note": "a", "grade": "low",
                            "ym": dt.date(2024, 5, 1), "delta": Decimal(0)}
    rows = [[good], [{**good, "wage": Decimal(-1)}], [{**good, "qty": BIG}], [{**good, "grade": "mid"}],
            [{**good, "flag": None}], [good, None]]
    record = pa.struct([(f, TYPED[f]) for f in FIELDS])
    with TemporaryDirectory() as tmp:
        src, out = str(Path(tmp) / "in.parquet"), str(Path(tmp) / "out.parquet")
        pq.write_table(pa.table({"items": pa.array(rows, type=pa.list_(record))}), src)
        result = run_batch(p, src, out, ON, progress=False)
        assert result.computed == 1 and result.rejected_rows == 5
        assert result.rejects_path is not None
        got = {(int(r["row"]), r["field"], r["reason"]) for r in read_rows(duckdb.connect(), result.rejects_path)}
    assert got == {(2, "items[].wage", "cannot be negative (declare it `signed money` if it can be)"),
                   (3, "items[].qty", "not a whole number"), (4, "items[].grade", "not grade"),
                   (4, "items[].grade", "not one of low, high"),
                   (5, "items[].flag", "missing value"), (6, "items[]", "missing value")}

"""Structured facts in batch runs: lists of records, records and optional facts, read from
nested Parquet columns or JSON lines (arrays of objects).  CSV has no nested values: policies
with such facts are refused for CSV input (:func:`refuse_csv`).

A nested column is validated structurally: it is cast (``TRY_CAST``) to the DuckDB type of its
declared type (a list of records is ``STRUCT(...)[]``, see :func:`duck_type`), fields by name
(an unknown field is ignored, an absent one is NULL).  To name each problem, the column is also
read with every leaf as text (:func:`text_type`) and each field checked: missing (required and
absent), not of its type, negative (unless ``signed``), not a value of its category.  A row with
any problem goes to the rejects (``field`` is the path, e.g. ``hires[].hire_date``); valid rows
keep the typed column.  Optional facts (and facts with a default) may be NULL or absent from
the input; what needs an absent one is NULL in the output (the interpreter: "still needed").

Calendar months (``year_month``) in records are read as dates (a Parquet DATE or ``2024-05-01``
text), taken as their month.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from policyrules.batch import io
from policyrules.check.checked import CheckedPolicy, FactField
from policyrules.types import Kind, Type

NUMERIC = (Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.RATE, Kind.PERCENT, Kind.DURATION)


def is_structured(field: FactField) -> bool:
    """A fact the flat CSV validation cannot take: a list, a record, a calendar month, optional
    or with a default (absent allowed)."""
    return (field.type.kind in (Kind.LIST, Kind.RECORD, Kind.MAP, Kind.MONTH) or field.optional
            or field.default is not None)


def structured_fields(cp: CheckedPolicy) -> list[tuple[str, str]]:
    return [(k, f) for k, kind in cp.facts.items() for f, field in kind.fields.items() if is_structured(field)]


def refuse_csv(cp: CheckedPolicy, fmt: str | None) -> str | None:
    """The message refusing a policy with structured facts for CSV input (None when fine)."""
    found = structured_fields(cp)
    maps = [f"{k}.{f}" for k, f in found if cp.facts[k].fields[f].type.kind is Kind.MAP]
    if maps:
        return f"policy {cp.name} has facts that are tables (maps), which batch runs do not read: {', '.join(maps)}"
    if not found or fmt in ("parquet", "json"):
        return None
    names = [f"{k}.{f}" for k, f in found]
    return (f"policy {cp.name} has structured or optional facts ({', '.join(names[:6])}"
            f"{' …' if len(names) > 6 else ''}), which CSV cannot hold: give the input as Parquet (nested "
            f"columns) or JSON lines (arrays of objects), or evaluate such cases with `policyrules eval`")


def _nested_type(cp: CheckedPolicy, ty: Type, leaf: Callable[[Type], str]) -> str:
    """``ty`` as a DuckDB type: lists as ``[]``, records as ``STRUCT``, each leaf by ``leaf``."""
    if ty.kind is Kind.LIST:
        assert ty.element is not None
        return _nested_type(cp, ty.element, leaf) + "[]"
    if ty.kind is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        return "STRUCT(" + ", ".join(f"{_q(f)} {_nested_type(cp, fld.type, leaf)}"
                                     for f, fld in schema.fields.items()) + ")"
    return leaf(ty)


def _leaf_type(ty: Type) -> str:
    if ty.kind is Kind.MONTH:
        return "DATE"
    if ty.kind not in io.SQL_TYPES:
        raise TypeError(f"a {ty} has no column type (tables inside records are not read)")
    return io.SQL_TYPES[ty.kind]


def duck_type(cp: CheckedPolicy, ty: Type) -> str:
    """The DuckDB type of a fact or field of type ``ty`` in view ``facts``."""
    return _nested_type(cp, ty, _leaf_type)


def text_type(cp: CheckedPolicy, ty: Type) -> str:
    """``ty`` with every leaf as VARCHAR: how the input is read to name what is wrong in it."""
    return _nested_type(cp, ty, lambda _: "VARCHAR")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def checks(cp: CheckedPolicy, value: str, field: FactField, path: str, depth: int = 0) -> list[tuple[str, str, str]]:
    """(path, reason, SQL true when the problem is present) of one value read as text."""
    ty = field.type
    k = ty.kind
    out: list[tuple[str, str, str]] = []
    required = not field.optional and field.default is None and k is not Kind.LIST
    if required:
        out.append((path, "missing value", f"{value} IS NULL"))
    if k is Kind.LIST:
        assert ty.element is not None
        var = f"_v{depth}"
        for p, reason, bad in checks(cp, var, FactField(path, None, ty.element), path + "[]", depth + 1):
            out.append((p, reason, f"coalesce(len(list_filter({value}, lambda {var}: coalesce({bad}, false))) > 0, false)"))
        return out
    if k is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        for f, fld in schema.fields.items():
            for p, reason, bad in checks(cp, f"{value}.{_q(f)}", fld, f"{path}.{f}", depth + 1):
                out.append((p, reason, f"({value} IS NOT NULL AND {bad})"))
        return out
    typed = _leaf(cp, value, ty)
    out.append((path, f"not {_describe(ty)}", f"({value} IS NOT NULL AND {typed} IS NULL)"))
    if k in NUMERIC and not ty.signed:
        out.append((path, f"cannot be negative (declare it `signed {ty}` if it can be)", f"({typed} < 0)"))
    if k is Kind.ENUM:
        members = ", ".join(_lit(v) for v in ty.values)
        out.append((path, f"not one of {', '.join(ty.values)}", f"({value} NOT IN ({members}))"))
    return out


def _leaf(cp: CheckedPolicy, value: str, ty: Type) -> str:
    if ty.kind is Kind.MONTH:  # a calendar month: 2024-05 (or a date, taken as its month)
        return (f"CAST(date_trunc('month', coalesce(TRY_CAST({value} AS DATE), "
                f"TRY_CAST({value} || '-01' AS DATE))) AS DATE)")
    if ty.kind in _FORMS:  # read by the interpreter's forms (960 元, 1,234.50, 是/否), as flat facts are
        from policyrules.evaluate import forms

        sql = duck_type(cp, ty)
        raw = f"CAST({value} AS VARCHAR)"
        full = forms.sql_value(forms.sql_trim(raw), ty, sql)
        # the commonest spellings as they are, which the forms read alike (as batch/io.py's fast paths)
        k = ty.kind
        if k is Kind.BOOL:
            return f"CASE {raw} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE {full} END"
        if k is Kind.INTEGER:
            fast = f"TRY_CAST({raw} AS BIGINT)"
            return f"CASE WHEN CAST({fast} AS VARCHAR) = {raw} AND abs({fast}) < {10 ** forms.MAX_DIGITS} " \
                   f"THEN {fast} ELSE {full} END"
        if k in (Kind.MONEY, Kind.RATE, Kind.NUMBER, Kind.DURATION):
            fast = f"TRY_CAST({raw} AS DECIMAL(18,2))"
            return f"CASE WHEN CAST({fast} AS VARCHAR) = {raw} THEN CAST({fast} AS {sql}) ELSE {full} END"
        if k is Kind.DATE:
            fast = f"TRY_CAST({raw} AS DATE)"
            return f"CASE WHEN CAST({fast} AS VARCHAR) = {raw} THEN {fast} ELSE {full} END"
        return full
    return f"TRY_CAST({value} AS {duck_type(cp, ty)})"


_FORMS = (Kind.BOOL, Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.RATE, Kind.PERCENT, Kind.DURATION, Kind.DATE,
          Kind.ENUM, Kind.TEXT)


def has_month(cp: CheckedPolicy, ty: Type, seen: frozenset[str] = frozenset()) -> bool:
    if ty.kind is Kind.MONTH:
        return True
    if ty.kind is Kind.LIST and ty.element is not None:
        return has_month(cp, ty.element, seen)
    if ty.kind is Kind.RECORD and ty.record not in seen:
        return any(has_month(cp, f.type, seen | {ty.record or ""}) for f in cp.records[ty.record or ""].fields.values())
    return False


def typed_from_text(cp: CheckedPolicy, value: str, ty: Type, depth: int = 0) -> str:
    """The typed value built from the value read as text, leaf by leaf (calendar months need it:
    ``2024-05`` is no DATE to a cast)."""
    k = ty.kind
    if k is Kind.LIST:
        assert ty.element is not None
        var = f"_t{depth}"
        return f"list_transform({value}, lambda {var}: {typed_from_text(cp, var, ty.element, depth + 1)})"
    if k is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        fields = ", ".join(f"{_q(f)} := {typed_from_text(cp, f'{value}.{_q(f)}', fld.type, depth + 1)}"
                           for f, fld in schema.fields.items())
        return f"CASE WHEN {value} IS NOT NULL THEN struct_pack({fields}) END"
    return _leaf(cp, value, ty)


def _describe(ty: Type) -> str:
    from policyrules.evaluate import forms

    try:
        return str(forms.describe(ty))
    except Exception:  # noqa: BLE001 - a description only
        return f"a {ty}"


def views_sql(cp: CheckedPolicy, nested: Mapping[str, tuple[str, str]], absent: Sequence[str],
              flat_facts: str, flat_rejects: str) -> tuple[str, str]:
    """SQL creating views ``facts`` and ``rejects`` over the flat ones (``flat_facts`` with the
    scalar facts validated, ``flat_rejects`` their problems): nested columns cast and checked,
    absent optional columns NULL.  ``nested`` maps a column to its (kind, field)."""
    casts, problems, bad_any = [], [], []
    for col, (k, f) in nested.items():
        field = cp.facts[k].fields[f]
        c = io.column(col)
        if col in absent:
            casts.append(f"CAST(NULL AS {duck_type(cp, field.type)}) AS {c}")
            if not field.optional and field.default is None and field.type.kind is not Kind.LIST:
                problems.append(f"{{'field': {_lit(col)}, 'value': NULL, 'reason': 'missing value'}}")
                bad_any.append("true")
            continue
        text = f"TRY_CAST({c} AS {text_type(cp, field.type)})"
        # leaf by leaf, by the same forms the checks accept (and calendar months, which no cast reads)
        casts.append(f"CAST({typed_from_text(cp, text, field.type)} AS {duck_type(cp, field.type)}) AS {c}")
        for path, reason, bad in checks(cp, text, field, col):
            problems.append(f"{{'field': {_lit(path)}, 'value': CASE WHEN {bad} THEN CAST({c} AS VARCHAR) END, "
                            f"'reason': CASE WHEN {bad} THEN {_lit(reason)} END}}")
            bad_any.append(f"coalesce({bad}, false)")
    added = [x for x in casts if any(x.endswith(io.column(a)) for a in absent)]
    replaced = [x for x in casts if x not in added]
    star = "*" + (f" REPLACE ({', '.join(replaced)})" if replaced else "")
    select = ", ".join([star] + added)
    ok = " OR ".join(bad_any) or "false"
    facts = f"CREATE OR REPLACE TEMP VIEW facts AS SELECT {select} FROM {flat_facts} WHERE NOT ({ok})"
    listed = f"list_filter([{', '.join(problems)}], lambda p: p.reason IS NOT NULL)" if problems else "[]"
    rejects = (f"CREATE OR REPLACE TEMP VIEW rejects AS SELECT * FROM {flat_rejects} UNION ALL "
               f"SELECT row, p.field AS field, p.value AS value, p.reason AS reason FROM "
               f"(SELECT {io.ROW} AS row, UNNEST({listed}) AS p FROM {io.RAW} WHERE {ok})")
    return facts, rejects

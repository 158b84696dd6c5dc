"""Structured facts in batch runs: lists of records, records and optional facts, read from
nested Parquet columns or JSON lines (arrays of objects).  CSV has no nested values: policies
with such facts are refused for CSV input (:func:`refuse_csv`).

A nested column is validated structurally: it is cast (``TRY_CAST``) to its declared type's
structure (a list of records is ``STRUCT(...)[]``, see :func:`duck_type`), fields by name (an
unknown field is ignored, an absent one is NULL).  Each leaf is read as the input has it when that
type already holds the fact's values (:func:`is_typed`: a Parquet DATE for a date, BOOLEAN for a
bool, an integer or a DECIMAL with no more places than the kind holds for a number), by a cast and
the forms' bounds; any other leaf (JSON strings, DOUBLE, more decimal places) is read as text by
the interpreter's forms (:mod:`policyrules.evaluate.forms`): the same verdict and value either
way (tests/compile/test_nested_typed_leaves.py).  Each field is checked: missing (required and
absent), not of its type, negative (unless ``signed``), not a value of its category.  Which rows
are valid is decided by one pass over each list (:func:`invalid`); a row with any problem goes to
the rejects, one line per problem (:func:`checks`; ``field`` is the path, e.g.
``hires[].hire_date``); valid rows keep the typed column.  Optional facts (and facts with a
default) may be NULL or absent from the input; what needs an absent one is NULL in the output (the
interpreter: "still needed").

Calendar months (``year_month``) in records are read as dates (a Parquet DATE or ``2024-05-01``
text), taken as their month.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Union

import attrs

from policyrules.batch import io
from policyrules.check.checked import CheckedPolicy, FactField
from policyrules.evaluate import forms
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


# ---------------------------------------------------------------- the input's own types
Source = Union[str, "SourceList", "SourceStruct", None]
"""A parsed DuckDB type of the input: a leaf's type name (upper case, e.g. ``DECIMAL(38,6)``), a
list, a struct, or None (unknown: read as text)."""


@attrs.frozen(slots=True)
class SourceList:
    element: Source


@attrs.frozen(slots=True)
class SourceStruct:
    fields: tuple[tuple[str, Source], ...]

    def field(self, name: str) -> Source:
        """The field DuckDB's cast takes for ``name`` (by name, any letter case); None when unclear."""
        found = [t for n, t in self.fields if n.lower() == name.lower()]
        return found[0] if len(found) == 1 else None


def parse_source(text: str | None) -> Source:
    """The DuckDB type ``text`` (as DESCRIBE shows it) parsed; None when it cannot be read."""
    if not text:
        return None
    try:
        ty, rest = _parse(text.strip())
    except (ValueError, IndexError):
        return None
    return ty if not rest.strip() else None


def _name(text: str) -> tuple[str, str]:
    text = text.lstrip()
    if text.startswith('"'):
        i, out = 1, []
        while True:
            if text[i] == '"':
                if text[i + 1:i + 2] == '"':
                    out.append('"')
                    i += 2
                    continue
                return "".join(out), text[i + 1:]
            out.append(text[i])
            i += 1
    m = re.match(r"[^\s(),\[\]\"']+", text)
    if not m:
        raise ValueError(text)
    return m.group(0), text[m.end():]


def _balanced(text: str) -> int:
    """The length of the parenthesised part that ``text`` starts with (quotes respected)."""
    depth, i, quote = 0, 0, ""
    while True:
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def _parse(text: str) -> tuple[Source, str]:
    text = text.lstrip()
    ty: Source
    if text[:7].upper() == "STRUCT(":
        rest, fields = text[7:], []
        while True:
            name, rest = _name(rest)
            child, rest = _parse(rest)
            fields.append((name, child))
            rest = rest.lstrip()
            if rest[0] == ",":
                rest = rest[1:]
                continue
            if rest[0] != ")":
                raise ValueError(rest)
            ty, text = SourceStruct(tuple(fields)), rest[1:]
            break
    else:
        m = re.match(r"[A-Za-z_][A-Za-z0-9_ ]*?(?=[(),\[\]]|$)", text)
        if not m:
            raise ValueError(text)
        leaf, text = m.group(0).strip().upper(), text[m.end():]
        if text.startswith("("):
            n = _balanced(text)
            leaf, text = leaf + re.sub(r"\s+", "", text[:n]), text[n:]
        ty = leaf
    while text.startswith("["):
        close = text.index("]")
        ty = SourceList(ty) if close == 1 else None  # an ARRAY (fixed size): read as text
        text = text[close + 1:]
    return ty, text


def _source_decimal(src: Source) -> tuple[int, int] | None:
    """(digits before the point, places) of an integer or DECIMAL input leaf; None for others."""
    if not isinstance(src, str):
        return None
    if src in io._INT_DIGITS:
        return io._INT_DIGITS[src], 0
    m = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", src)
    return (int(m.group(1)) - int(m.group(2)), int(m.group(2))) if m else None


def is_typed(ty: Type, src: Source) -> bool:
    """An input leaf of type ``src`` that holds values of ``ty`` as they are (a DATE for a date or a
    calendar month, a BOOLEAN for a bool, an integer column or a DECIMAL with no more places than
    the kind holds for a number): read by a cast, not by the text forms, with the same verdict and
    value as its text would have (the forms accept every such value within the bounds)."""
    k = ty.kind
    if k in (Kind.DATE, Kind.MONTH):
        return src == "DATE"
    if k is Kind.BOOL:
        return src == "BOOLEAN"
    dec = _source_decimal(src)
    if dec is None:
        return False
    if k is Kind.INTEGER:
        return dec[1] == 0
    return k in forms.SCALES and dec[1] <= forms.SCALES[k]


def _within(x: str, ty: Type, src: Source) -> str:
    """SQL: typed number ``x`` is within the bounds of the forms (``true`` when its type cannot
    exceed them): below 10^15 in size, a bare percent within -1..1."""
    if ty.kind is Kind.PERCENT:
        return f"({x} BETWEEN -1 AND 1)"
    dec = _source_decimal(src)
    if dec is not None and dec[0] <= forms.MAX_DIGITS:
        return "true"
    limit = 10 ** forms.MAX_DIGITS
    return f"({x} > -{limit} AND {x} < {limit})"


def read_type(cp: CheckedPolicy, ty: Type, src: Source) -> str:
    """How a nested column of type ``src`` is read to be checked: ``ty``'s structure, each leaf as
    the input has it when :func:`is_typed`, else as text (VARCHAR)."""
    if ty.kind is Kind.LIST:
        assert ty.element is not None
        return read_type(cp, ty.element, src.element if isinstance(src, SourceList) else None) + "[]"
    if ty.kind is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        return "STRUCT(" + ", ".join(
            f"{_q(f)} {read_type(cp, fld.type, src.field(f) if isinstance(src, SourceStruct) else None)}"
            for f, fld in schema.fields.items()) + ")"
    return src if isinstance(src, str) and is_typed(ty, src) else "VARCHAR"


def _children(cp: CheckedPolicy, ty: Type, src: Source) -> dict[str, Source]:
    schema = cp.records[ty.record or ""]
    return {f: src.field(f) if isinstance(src, SourceStruct) else None for f in schema.fields}


# ---------------------------------------------------------------- checks and values
def checks(cp: CheckedPolicy, value: str, field: FactField, path: str, depth: int = 0,
           src: Source = None) -> list[tuple[str, str, str]]:
    """(path, reason, SQL true when the problem is present) of one value read by :func:`read_type`
    (``src`` the input's type; None: every leaf as text)."""
    ty = field.type
    k = ty.kind
    out: list[tuple[str, str, str]] = []
    if _required(field):
        out.append((path, "missing value", f"{value} IS NULL"))
    if k is Kind.LIST:
        assert ty.element is not None
        var = f"_v{depth}"
        element = src.element if isinstance(src, SourceList) else None
        for p, reason, bad in checks(cp, var, FactField(path, None, ty.element), path + "[]", depth + 1, element):
            out.append((p, reason, f"coalesce(len(list_filter({value}, lambda {var}: coalesce({bad}, false))) > 0, false)"))
        return out
    if k is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        children = _children(cp, ty, src)
        for f, fld in schema.fields.items():
            for p, reason, bad in checks(cp, f"{value}.{_q(f)}", fld, f"{path}.{f}", depth + 1, children[f]):
                out.append((p, reason, f"({value} IS NOT NULL AND {bad})"))
        return out
    typed = _leaf(cp, value, ty, src)
    out.append((path, f"not {_describe(ty)}", f"({value} IS NOT NULL AND {typed} IS NULL)"))
    if k in NUMERIC and not ty.signed:
        out.append((path, f"cannot be negative (declare it `signed {ty}` if it can be)", f"({typed} < 0)"))
    if k is Kind.ENUM:  # a member once trimmed, as the forms read it
        members = ", ".join(_lit(v) for v in ty.values)
        out.append((path, f"not one of {', '.join(ty.values)}",
                    f"({_trim(f'CAST({value} AS VARCHAR)')} NOT IN ({members}))"))
    return out


def _required(field: FactField) -> bool:
    return not field.optional and field.default is None and field.type.kind is not Kind.LIST


def invalid(cp: CheckedPolicy, value: str, field: FactField, depth: int = 0, src: Source = None) -> str:
    """SQL true when any of :func:`checks` finds a problem (never NULL), in one pass over each
    list and each leaf's value computed once: what decides which rows are valid."""
    ty = field.type
    k = ty.kind
    if k is Kind.LIST:
        assert ty.element is not None
        var = f"_v{depth}"
        element = src.element if isinstance(src, SourceList) else None
        bad = invalid(cp, var, FactField("", None, ty.element), depth + 1, element)
        return f"coalesce(len(list_filter({value}, lambda {var}: {bad})) > 0, false)"
    if k is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        children = _children(cp, ty, src)
        inner = " OR ".join(invalid(cp, f"{value}.{_q(f)}", fld, depth + 1, children[f])
                            for f, fld in schema.fields.items()) or "false"
        present = f"({value} IS NOT NULL AND ({inner}))"
        return f"({value} IS NULL OR {present[1:-1]})" if _required(field) else present
    members = ", ".join(_lit(v) for v in ty.values)
    if k is Kind.TEXT:  # any text is a text (trimmed): only a missing one is wrong
        bad = "false"
    elif k is Kind.ENUM and all(v == v.strip(forms.SPACE) for v in ty.values):
        # a member once trimmed (" low" is low, as the forms read it)
        bad = f"coalesce({_trim(f'CAST({value} AS VARCHAR)')} NOT IN ({members}), false)"
    else:  # not a value, or negative (unless signed): one evaluation of the value
        typed = _leaf(cp, value, ty, src)
        bad = f"NOT coalesce({typed} >= 0, false)" if k in NUMERIC and not ty.signed else f"{typed} IS NULL"
        if k is Kind.ENUM:
            bad = f"{bad} OR coalesce({_trim(f'CAST({value} AS VARCHAR)')} NOT IN ({members}), false)"
    if _required(field):
        return f"({value} IS NULL OR {bad})"
    return f"({value} IS NOT NULL AND ({bad}))"


def _leaf(cp: CheckedPolicy, value: str, ty: Type, src: Source = None) -> str:
    """SQL: the typed value of leaf ``value`` (read as ``src``, text when not :func:`is_typed`),
    NULL when it is not accepted."""
    k = ty.kind
    if isinstance(src, str) and is_typed(ty, src):  # a typed input leaf: its value, within the bounds
        if k is Kind.MONTH:
            return f"CAST(date_trunc('month', {value}) AS DATE)"
        if k in (Kind.DATE, Kind.BOOL):
            return value
        within = _within(value, ty, src)
        cast = f"CAST({value} AS {duck_type(cp, ty)})"
        return cast if within == "true" else f"CASE WHEN {within} THEN {cast} END"
    if k is Kind.MONTH:  # a calendar month: 2024-05 (or a date, taken as its month), by the forms
        return forms.sql_value(_trim(f"CAST({value} AS VARCHAR)"), ty, "DATE")
    if k in _FORMS:  # read by the interpreter's forms (960 元, 1,234.50, 是/否), as flat facts are
        sql = duck_type(cp, ty)
        raw = f"CAST({value} AS VARCHAR)"
        full = forms.sql_value(_trim(raw), ty, sql)
        # the commonest spellings as they are, which the forms read alike (as batch/io.py's fast
        # paths): a plain number of at most 15 digits and the kind's places, an ISO date
        if k is Kind.BOOL:
            return f"CASE {raw} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE {full} END"
        if k in (Kind.INTEGER, Kind.MONEY, Kind.RATE, Kind.NUMBER, Kind.DURATION):
            places = rf"(\.[0-9]{{1,{forms.SCALES[k]}}})?" if k in forms.SCALES else ""
            plain = f"regexp_full_match({raw}, {_lit(f'[0-9]{{1,{forms.MAX_DIGITS}}}{places}')})"
            return f"CASE WHEN {plain} THEN TRY_CAST({raw} AS {sql}) ELSE {full} END"
        if k is Kind.DATE:  # YYYY-MM-DD of a year 1000-9999 reads back as itself
            fast = f"TRY_CAST({raw} AS DATE)"
            return (f"CASE WHEN CAST({fast} AS VARCHAR) = {raw} AND {fast} BETWEEN DATE '1000-01-01' "
                    f"AND DATE '9999-12-31' THEN {fast} ELSE {full} END")
        return full
    return f"TRY_CAST({value} AS {duck_type(cp, ty)})"


def _trim(raw: str) -> str:
    """SQL: :func:`forms.sql_trim` of ``raw``, trim's slow path (a set of characters, 5x a plain
    trim) taken only when an end of ``raw`` may be one of them (a code point up to 32)."""
    return f"CASE WHEN ascii({raw}) > 32 AND ascii(right({raw}, 1)) > 32 THEN {raw} ELSE {forms.sql_trim(raw)} END"


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


def typed_value(cp: CheckedPolicy, value: str, ty: Type, depth: int = 0, src: Source = None) -> str:
    """The typed value built from the value read by :func:`read_type`, leaf by leaf (calendar
    months need it: ``2024-05`` is no DATE to a cast)."""
    k = ty.kind
    if k is Kind.LIST:
        assert ty.element is not None
        var = f"_t{depth}"
        element = src.element if isinstance(src, SourceList) else None
        return f"list_transform({value}, lambda {var}: {typed_value(cp, var, ty.element, depth + 1, element)})"
    if k is Kind.RECORD:
        schema = cp.records[ty.record or ""]
        children = _children(cp, ty, src)
        fields = ", ".join(f"{_q(f)} := {typed_value(cp, f'{value}.{_q(f)}', fld.type, depth + 1, children[f])}"
                           for f, fld in schema.fields.items())
        return f"CASE WHEN {value} IS NOT NULL THEN struct_pack({fields}) END"
    return _leaf(cp, value, ty, src)


def _describe(ty: Type) -> str:
    try:
        return str(forms.describe(ty))
    except Exception:  # noqa: BLE001 - a description only
        return f"a {ty}"


def views_sql(cp: CheckedPolicy, nested: Mapping[str, tuple[str, str]], absent: Sequence[str],
              flat_facts: str, flat_rejects: str, source_types: Mapping[str, str] | None = None) -> tuple[str, str]:
    """SQL creating views ``facts`` and ``rejects`` over the flat ones (``flat_facts`` with the
    scalar facts validated, ``flat_rejects`` their problems): nested columns cast and checked,
    absent optional columns NULL.  ``nested`` maps a column to its (kind, field); ``source_types``
    (column -> DuckDB type of the input) lets leaves the input already has typed be read by a cast
    (:func:`is_typed`); without it every leaf is read as text."""
    casts, problems, bad_any = [], [], []
    for col, (k, f) in nested.items():
        field = cp.facts[k].fields[f]
        c = io.column(col)
        if col in absent:
            casts.append(f"CAST(NULL AS {duck_type(cp, field.type)}) AS {c}")
            if _required(field):
                problems.append(f"{{'field': {_lit(col)}, 'value': NULL, 'reason': 'missing value'}}")
                bad_any.append("true")
            continue
        src = parse_source((source_types or {}).get(col))
        read = read_type(cp, field.type, src)
        text = c if read == (source_types or {}).get(col) else f"TRY_CAST({c} AS {read})"
        # leaf by leaf, by the same forms the checks accept (and calendar months, which no cast reads)
        casts.append(f"CAST({typed_value(cp, text, field.type, 0, src)} AS {duck_type(cp, field.type)}) AS {c}")
        for path, reason, bad in checks(cp, text, field, col, 0, src):
            problems.append(f"{{'field': {_lit(path)}, 'value': CASE WHEN {bad} THEN CAST({c} AS VARCHAR) END, "
                            f"'reason': CASE WHEN {bad} THEN {_lit(reason)} END}}")
        bad_any.append(invalid(cp, text, field, 0, src))
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

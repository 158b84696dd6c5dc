"""Validation of a PostgreSQL table of facts, in PostgreSQL: the accepted forms of
:mod:`policyrules.evaluate.forms` (its patterns, bounds and messages) as PostgreSQL SQL.

Every column is read through its text (``CAST(col AS text)``), as the DuckDB validation reads
CSV, so a fact column may have any type: ``numeric`` keeps its places (``12.500000`` is 12.5,
``12.1234567`` has too many for money), ``boolean`` reads ``true``/``false``, ``date`` its ISO
form, ``double precision`` its shortest text.  Input: the policy's schema (column -> type);
output: for each column the typed value (NULL when missing or refused), the missing test and
the reason, as SQL expressions over the source row.
"""

from __future__ import annotations

import re

from policyrules.evaluate import forms
from policyrules.types import Kind, Type

SQL_TYPES: dict[Kind, str] = {
    Kind.BOOL: "boolean",
    Kind.INTEGER: "bigint",
    **{kind: f"numeric(38,{scale})" for kind, scale in forms.SCALES.items()},
    Kind.DATE: "date",
    Kind.ENUM: "text",
    Kind.TEXT: "text",
}
"""PostgreSQL type of each fact kind once validated (the places of DuckDB's ``facts`` view)."""
_NUMERIC = (Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.RATE, Kind.PERCENT, Kind.DURATION)
_SPACE = " || ".join(f"chr({ord(c)})" for c in forms.SPACE)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _match(text: str, pattern: str) -> str:
    return f"({text} ~ {lit('^(?:' + pattern + ')$')})"


def raw(column: str) -> str:
    """The input value of ``column`` as text."""
    return f"CAST({quote(column)} AS text)"


def _shown(x: str) -> str:
    n = forms.SHOW
    return (f"CASE WHEN length({x}) > {n} THEN '''' || left({x}, {n - 1}) || '…'' (' || length({x}) || "
            f"' characters)' ELSE '''' || {x} || '''' END")


def _pct_number(text: str) -> str:
    return f"rtrim(regexp_replace({text}, '(%|％)$', ''), chr(32) || chr(9))"


def _money_number(text: str) -> str:
    return f"replace(regexp_replace({text}, {lit(forms.YUAN + '$')}, ''), ',', '')"


def value(text: str, t: Type) -> str:
    """The value of trimmed ``text`` as ``t``, NULL when not accepted (casts only behind a match)."""
    k, sql = t.kind, SQL_TYPES.get(t.kind, "text")
    short = f"length({text}) <= {forms.MAX_CHARS}"
    if k is Kind.BOOL:
        whens = " ".join(f"WHEN {lit(w)} THEN {'TRUE' if w in forms.TRUE else 'FALSE'}"
                         for w in forms.TRUE + forms.FALSE)
        return f"CASE WHEN {short} THEN CASE lower({text}) {whens} END END"
    if k is Kind.INTEGER:
        return (f"CASE WHEN {short} AND {_match(text, forms.INTEGER)} "
                f"THEN CAST(regexp_replace({text}, '\\.0*$', '') AS bigint) END")
    if k is Kind.PERCENT:
        scale = forms.SCALES[k]
        return (f"CASE WHEN NOT {short} THEN NULL "
                f"WHEN {_match(text, forms.percent_pattern(scale))} "
                f"THEN CAST(CAST({_pct_number(text)} AS numeric) * 0.01 AS {sql}) "
                f"WHEN {_match(text, forms.decimal_pattern(scale))} "
                f"THEN CASE WHEN abs(CAST({text} AS numeric)) <= 1 THEN CAST({text} AS {sql}) END END")
    if k in forms.MONEY_KINDS:
        return (f"CASE WHEN {short} AND {_match(text, forms.money_pattern(forms.SCALES[k]))} "
                f"THEN CAST({_money_number(text)} AS {sql}) END")
    if k in forms.SCALES:
        return (f"CASE WHEN {short} AND {_match(text, forms.decimal_pattern(forms.SCALES[k]))} "
                f"THEN CAST({text} AS {sql}) END")
    if k is Kind.DATE:
        y, m, d = (f"CAST(substr({text}, {a}, {b}) AS integer)" for a, b in ((1, 4), (6, 2), (9, 2)))
        last = f"extract(day FROM make_date({y}, {m}, 1) + interval '1 month' - interval '1 day')"
        return (f"CASE WHEN {short} AND {_match(text, forms.DATE)} THEN CASE WHEN {m} BETWEEN 1 AND 12 "
                f"THEN CASE WHEN {d} BETWEEN 1 AND {last} THEN CAST({text} AS date) END END END")
    if k is Kind.ENUM:
        return f"CASE WHEN {text} IN ({', '.join(map(lit, t.values))}) THEN {text} END"
    return text


def reason(text: str, t: Type) -> str:
    """Why trimmed ``text`` is not a value of ``t`` (the classes of ``forms.sql_reason``)."""
    what = forms.describe(t)
    got = _shown(text)
    n = forms.MAX_CHARS
    long = f"WHEN length({text}) > {n} THEN {lit(f'too long for {what} (at most {n} characters): ')}"
    k = t.kind
    if k is Kind.BOOL:
        return f"CASE {long} ELSE {lit(f'not {what} (expected true/false, yes/no, 1/0 or 是/否): ')} END || {got}"
    if k is Kind.DATE:
        return (f"CASE {long} WHEN {_match(text, forms.DATE)} THEN 'not a calendar day: ' "
                f"ELSE {lit(f'not {what}: ')} END || {got}")
    if k is Kind.ENUM:
        expected = lit(f" (expected one of {', '.join(t.values)})")
        return f"CASE {long} ELSE 'unknown value ' END || {got} || {expected}"
    range_ = lit(f"{what} out of range (at most {forms.MAX_DIGITS} digits before the decimal point): ")
    if k is Kind.INTEGER:
        return (f"CASE {long} WHEN {_match(text, forms.INTEGER.replace(str(forms.MAX_DIGITS), ''))} "
                f"THEN {range_} ELSE {lit(f'not {what}: ')} END || {got}")
    if k in forms.SCALES:
        scale = forms.SCALES[k]
        number, first = text, ""
        if k in forms.MONEY_KINDS:
            number = _money_number(text)
            first = (f"WHEN {_match(number, forms.PLAIN)} AND strpos({text}, ',') > 0 "
                     f"AND NOT {_match(text, forms.money_pattern(99))} "
                     f"THEN {lit(f'not {what} (thousands separators must group three digits): ')} ")
        many = lit(f"too many decimal places for {what} (at most {scale}): ")
        last = f"ELSE {many}"
        if k is Kind.PERCENT:
            number = _pct_number(text)
            last = (f"WHEN {number} = {text} AND {_match(text, forms.decimal_pattern(scale))} "
                    "THEN 'a bare number is read as a fraction (0.97 is 97%); write it with %: ' "
                    f"WHEN {number} = {text} THEN {many} "
                    f"ELSE {lit(f'too many decimal places for {what} (at most {scale - 2}): ')}")
        too_big = f"length(split_part(ltrim(ltrim({number}, '-'), '0'), '.', 1)) > {forms.MAX_DIGITS}"
        return (f"CASE {long} {first}WHEN NOT {_match(number, forms.PLAIN)} THEN {lit(f'not {what}: ')} "
                f"WHEN {too_big} THEN {range_} {last} END || {got}")
    return "NULL"


_INTEGERS = ("smallint", "integer", "bigint")


def _typed_fast(column: str, t: Type, source: str) -> str | None:
    """The value of a column whose PostgreSQL type already holds the fact (boolean, date, whole
    numbers, numeric with no more places than the kind), checked for the bounds only; None when
    the column must be read through its text.  The same verdicts and values as the text forms:
    ``numeric(12,2)`` 12.50 is the text 12.50."""
    col, k = quote(column), t.kind
    if (k is Kind.BOOL and source == "boolean") or (k is Kind.DATE and source == "date"):
        return col
    bound = "<= 1" if k is Kind.PERCENT else f"< 1e{forms.MAX_DIGITS}"
    if k is Kind.INTEGER and source in _INTEGERS:
        return f"CASE WHEN abs({col}) {bound} THEN CAST({col} AS bigint) END"
    places = re.fullmatch(r"numeric\((\d+),(\d+)\)", source)
    if k in forms.SCALES and (source in _INTEGERS or (places and int(places.group(2)) <= forms.SCALES[k])):
        return f"CASE WHEN abs({col}) {bound} THEN CAST({col} AS {SQL_TYPES[k]}) END"
    return None


def checks(column: str, t: Type, source: str | None = None) -> tuple[str, str, str]:
    """(typed value or NULL, missing test, reason) of input ``column`` (of PostgreSQL type
    ``source``, ``format_type`` text) holding facts of type ``t``; a negative number is refused
    unless ``t`` is ``signed``."""
    r = raw(column)
    text = f"btrim({r}, {_SPACE})"
    fast = _typed_fast(column, t, source or "")
    typed = value(text, t) if fast is None else fast
    # a typed column's value is a number or nothing: only its bounds can fail (as in DuckDB's fast path)
    why = reason(text, t) if fast is None else f"{lit(forms.describe(t) + ' out of range: ')} || {_shown(r)}"
    if t.kind in _NUMERIC and not t.signed:
        negative = lit(f"cannot be negative (declare it `signed {t}` if it can be): ")
        why = f"CASE WHEN ({typed}) < 0 THEN {negative} || '''' || {r} || '''' ELSE {why} END"
        typed = f"CASE WHEN ({typed}) >= 0 THEN ({typed}) END"
    missing = f"({r} IS NULL OR {text} = '')"
    return f"CAST({typed} AS {SQL_TYPES.get(t.kind, 'text')})", missing, why

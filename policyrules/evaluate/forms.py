"""The accepted text forms of a fact or parameter value, per type: ONE specification, used by
the interpreter (:func:`parse_text`, :func:`convert_value`) and by batch validation in DuckDB
(:func:`sql_value`, :func:`sql_reason`, generated from the same table of patterns).

The forms (surrounding spaces, tabs and line breaks are ignored; digits are ASCII ``0-9`` only):

========  ==============================================================================
bool      ``true``/``false``, ``yes``/``no``, ``1``/``0``, ``是``/``否`` (any letter case)
integer   ``-?[0-9]+`` with optional ``.0``...: ``12``, ``12.00``
number,   ``-?[0-9]+(.[0-9]+)?``: ``960``, ``960.5``, ``0.50``; no ``+``, no ``.5``, no exponent;
duration  at most :data:`SCALES` decimal places (more trailing zeros are fine: ``1.50000000`` is 1.5)
money,    the same, and also with thousands separators grouping three digits (``1,234.50``) and
rate      followed by ``元`` or ``yuan`` (``960 元``, ``960元``)
percent   ``5.31%`` or ``5.31％`` (a space before ``%`` is allowed; at most ``SCALES - 2`` decimal places), or
          a bare fraction within -1..1 (``0.0531``)
date      ``YYYY-MM-DD``, a real calendar day, year 1000-9999
month     ``YYYY-MM`` (a calendar month, month 01-12), or a date as above, taken as its month
enum      exactly one of the declared values (letter case matters)
text      anything
========  ==============================================================================

Bounds: a number has at most :data:`MAX_DIGITS` (15) digits before the decimal point (money at
most 999,999,999,999,999.xx 元, below 10^15), a value at most :data:`MAX_CHARS` characters.
Negative numbers are refused unless the fact is declared ``signed`` (by the callers).
A message shows at most :data:`SHOW` characters of a bad value.

Values that are not text (JSON/YAML numbers and booleans, Python ``Decimal``/``date``) are
turned into their text first (``1`` -> ``"1"``, ``0.5`` -> ``"0.5"``), so they follow the same
rules; NaN and infinities are refused.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from policyrules.types import Kind, Type

MAX_DIGITS = 15
"""Digits before the decimal point: every number is below 10^15 in size."""
MAX_CHARS = 64
"""Characters of a value (after trimming); longer is refused before anything else."""
SHOW = 80
"""Characters of a bad value shown in a message."""
SCALES: dict[Kind, int] = {Kind.NUMBER: 8, Kind.MONEY: 6, Kind.RATE: 6, Kind.PERCENT: 8, Kind.DURATION: 6}
"""Decimal places each kind holds (a percent written with ``%`` has two fewer)."""
SPACE = " \t\r\n"
"""Characters trimmed from both ends of a value."""
TRUE = ("true", "yes", "1", "是")
FALSE = ("false", "no", "0", "否")
DATE = r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}"
MONTH = r"[1-9][0-9]{3}-(0[1-9]|1[0-2])"
INTEGER = rf"-?0*[0-9]{{1,{MAX_DIGITS}}}(\.0+)?"
PLAIN = r"-?[0-9]+(\.[0-9]+)?"
"""Any plain decimal, whatever its size: what tells 'out of range' from 'not a number'."""


def decimal_pattern(scale: int) -> str:
    """Plain decimal text within the bounds, with at most ``scale`` significant decimal places."""
    return rf"-?0*[0-9]{{1,{MAX_DIGITS}}}(\.[0-9]{{1,{scale}}}0*)?"


GROUPED = rf"[0-9]{{1,3}}(,[0-9]{{3}}){{1,{MAX_DIGITS // 3 - 1}}}"
"""A whole number with thousands separators (money only): ``1,234,567``."""
YUAN = r"[ \t]*(元|yuan)"
"""The unit a money amount may end with: ``960 元``, ``960元``."""
MONEY_KINDS = (Kind.MONEY, Kind.RATE)


def money_pattern(scale: int) -> str:
    """Money text: a plain decimal, or with thousands separators, optionally followed by 元."""
    return rf"-?(0*[0-9]{{1,{MAX_DIGITS}}}|{GROUPED})(\.[0-9]{{1,{scale}}}0*)?({YUAN})?"


def money_number(text: str) -> str:
    """Money text without its thousands separators and 元."""
    return re.sub(YUAN + "$", "", text).replace(",", "")


def percent_pattern(scale: int) -> str:
    """``N%``: the number as group 1."""
    return rf"({decimal_pattern(scale - 2)})[ \t]*(%|％)"


def describe(t: Type) -> str:
    return {
        Kind.BOOL: "a true/false value", Kind.INTEGER: "a whole number", Kind.NUMBER: "a number",
        Kind.MONEY: "a money amount", Kind.RATE: f"a money amount per {t.unit}", Kind.PERCENT: "a percentage",
        Kind.DURATION: f"a number of {t.unit}s", Kind.DATE: "a date (YYYY-MM-DD)",
        Kind.MONTH: "a calendar month (YYYY-MM, or a date)",
    }.get(t.kind, str(t))


def show(value: Any) -> str:
    """A bad value as shown in a message: quoted, at most :data:`SHOW` characters."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple | set):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** SHOW:
        return f"a number of more than {SHOW} digits"
    text = value if isinstance(value, str) else str(value)
    if len(text) > SHOW:
        return repr(text[: SHOW - 1] + "…") + f" ({len(text)} characters)"
    return repr(text)


def _reason(t: Type, text: str) -> str:
    """Why ``text`` (trimmed) is not a value of ``t``."""
    what = describe(t)
    got = show(text)
    if len(text) > MAX_CHARS:
        return f"too long for {what} ({len(text)} characters, at most {MAX_CHARS}): {got}"
    k = t.kind
    if k is Kind.BOOL:
        return f"not {what} (expected true/false, yes/no, 1/0 or 是/否): {got}"
    if k is Kind.DATE or k is Kind.MONTH:
        if re.fullmatch(DATE, text):
            return f"not a calendar day: {got}"
        return f"not {what}: {got}"
    if k is Kind.ENUM:
        import difflib

        close = difflib.get_close_matches(text, list(t.values), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"unknown value {got}{hint}; expected one of {', '.join(t.values)}"
    number = text
    if k in MONEY_KINDS:
        number = money_number(text)
        if re.fullmatch(PLAIN, number) and "," in text and not re.fullmatch(money_pattern(99), text):
            return f"not {what} (thousands separators must group three digits): {got}"
    if k is Kind.PERCENT and text.endswith(("%", "％")):
        number = text[:-1].rstrip(" \t")
    elif k is Kind.PERCENT and re.fullmatch(decimal_pattern(SCALES[k]), text):
        return f"a bare number is read as a fraction (0.97 is 97%); write {text}% as \"{text}%\""
    if not re.fullmatch(PLAIN, number):
        hint = ""
        if re.search(r"[０-９]", number):
            hint = " (write it in ASCII digits 0-9)"
        elif number.startswith(("+", ".")) or number.endswith("."):
            hint = " (write it as plain decimal text such as 0.5 or 960.00)"
        return f"not {what}{hint}: {got}"
    whole = number.lstrip("-").split(".")[0].lstrip("0")
    if len(whole) > MAX_DIGITS:
        return f"{what} out of range (at most {MAX_DIGITS} digits before the decimal point): {got}"
    if k is Kind.INTEGER:
        return f"not {what}: {got}"
    scale = SCALES[k] - (2 if k is Kind.PERCENT and number != text else 0)
    return f"too many decimal places for {what} (at most {scale}): {got}"


def parse_text(text: str, t: Type) -> tuple[Any, str | None]:
    """The value of ``text`` as type ``t`` (durations in their own unit), or why it is not one."""
    s = text.strip(SPACE)
    k = t.kind
    if k is Kind.TEXT:
        return s, None  # trimmed like every other value, in batch as in eval (" 阜平县" is 阜平县)
    if len(s) <= MAX_CHARS:
        if k is Kind.BOOL:
            low = s.lower()
            if low in TRUE or low in FALSE:
                return low in TRUE, None
        elif k is Kind.INTEGER:
            if re.fullmatch(INTEGER, s):
                return int(Decimal(s)), None
        elif k is Kind.PERCENT:
            m = re.fullmatch(percent_pattern(SCALES[k]), s)
            if m:
                return Decimal(m.group(1)) / 100, None
            if re.fullmatch(decimal_pattern(SCALES[k]), s) and -1 <= Decimal(s) <= 1:
                return Decimal(s), None
        elif k in MONEY_KINDS:
            if re.fullmatch(money_pattern(SCALES[k]), s):
                return Decimal(money_number(s)), None
        elif k in SCALES:
            if re.fullmatch(decimal_pattern(SCALES[k]), s):
                return Decimal(s), None
        elif k is Kind.DATE or k is Kind.MONTH:
            if k is Kind.MONTH and re.fullmatch(MONTH, s):
                return dt.date(int(s[:4]), int(s[5:7]), 1), None
            if re.fullmatch(DATE, s):
                try:
                    day = dt.date.fromisoformat(s)
                    return (day if k is Kind.DATE else day.replace(day=1)), None
                except ValueError:
                    pass
        elif k is Kind.ENUM and s in t.values:
            return s, None
    return None, _reason(t, s)


def convert_value(value: Any, t: Type) -> tuple[Any, str | None]:
    """A value from JSON/YAML/Python as type ``t``: text by :func:`parse_text`, anything else
    by its text form (refusing NaN, infinities and sizes no text form would pass)."""
    k = t.kind
    what = describe(t)
    if isinstance(value, str):
        return parse_text(value, t)
    if isinstance(value, bool):
        if k is Kind.BOOL:
            return value, None
        return None, f"expected {what}, got {value!r}"
    if k is Kind.DATE and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value, None
    if k is Kind.MONTH and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.replace(day=1), None
    if k is Kind.TEXT:
        return None, f"expected text, got {show(value)}"
    if isinstance(value, int):
        if abs(value) >= 10 ** MAX_DIGITS:
            return None, f"{what} out of range (at most {MAX_DIGITS} digits before the decimal point): {show(value)}"
        return parse_text(str(value), t)
    if isinstance(value, float | Decimal):
        d = Decimal(repr(value)) if isinstance(value, float) else value
        if not d.is_finite():
            return None, f"expected {what}, got {value!r} (not a finite number)"
        if abs(d) >= 10 ** MAX_DIGITS:
            return None, f"{what} out of range (at most {MAX_DIGITS} digits before the decimal point): {show(value)}"
        return parse_text(format(d, "f"), t)
    if isinstance(value, dt.date):
        return parse_text(value.isoformat(), t)
    return None, f"expected {what}, got {show(value)}"


# ---------------------------------------------------------------- the same forms in DuckDB SQL
def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_trim(raw: str) -> str:
    """``raw`` (SQL text) with :data:`SPACE` trimmed from both ends."""
    return f"trim({raw}, {_lit(SPACE)})"


def _match(text: str, pattern: str) -> str:
    return f"regexp_full_match({text}, {_lit(pattern)})"


def sql_value(text: str, t: Type, sql_type: str) -> str:
    """SQL: the value of trimmed text ``text`` as ``t`` (type ``sql_type``), NULL when not accepted.

    The same forms as :func:`parse_text`; ``text`` is assumed already trimmed (:func:`sql_trim`)."""
    k = t.kind
    short = f"length({text}) <= {MAX_CHARS}"
    if k is Kind.BOOL:
        pairs = ", ".join(f"{_lit(w)}: {w in TRUE}" for w in TRUE + FALSE)
        return f"CASE WHEN {short} THEN MAP {{{pairs}}}[lower({text})] END"
    if k is Kind.INTEGER:
        return (f"CASE WHEN {short} AND {_match(text, INTEGER)} "
                f"THEN TRY_CAST(regexp_replace({text}, '\\.0*$', '') AS BIGINT) END")
    if k is Kind.PERCENT:
        scale = SCALES[k]
        number = f"rtrim(regexp_replace({text}, '(%|％)$', ''), {_lit(' ' + chr(9))})"
        pct = f"CAST(TRY_CAST({number} AS DECIMAL(38,{scale - 2})) * 0.01 AS {sql_type})"
        bare = f"TRY_CAST({text} AS {sql_type})"
        return (f"CASE WHEN NOT {short} THEN NULL "
                f"WHEN {_match(text, percent_pattern(scale))} THEN {pct} "
                f"WHEN {_match(text, decimal_pattern(scale))} AND abs({bare}) <= 1 THEN {bare} END")
    if k in MONEY_KINDS:
        return (f"CASE WHEN {short} AND {_match(text, money_pattern(SCALES[k]))} "
                f"THEN TRY_CAST({sql_money_number(text)} AS {sql_type}) END")
    if k in SCALES:
        return f"CASE WHEN {short} AND {_match(text, decimal_pattern(SCALES[k]))} THEN TRY_CAST({text} AS {sql_type}) END"
    if k is Kind.DATE:
        return f"CASE WHEN {short} AND {_match(text, DATE)} THEN TRY_CAST({text} AS DATE) END"
    if k is Kind.MONTH:
        return (f"CASE WHEN {short} AND {_match(text, MONTH)} THEN TRY_CAST({text} || '-01' AS DATE) "
                f"WHEN {short} AND {_match(text, DATE)} THEN CAST(date_trunc('month', TRY_CAST({text} AS DATE)) AS DATE) END")
    if k is Kind.ENUM:
        enum = f"ENUM({', '.join(map(_lit, t.values))})"
        return f"CASE WHEN TRY_CAST({text} AS {enum}) IS NOT NULL THEN {text} END"
    return text


def sql_money_number(text: str) -> str:
    """SQL: :func:`money_number`."""
    return f"replace(regexp_replace({text}, {_lit(YUAN + '$')}, ''), ',', '')"


def sql_shown(raw: str) -> str:
    """SQL: a bad value as shown in a reason, quoted, at most :data:`SHOW` characters."""
    return (f"CASE WHEN length({raw}) > {SHOW} THEN '''' || left({raw}, {SHOW - 1}) || '…'' (' || "
            f"length({raw}) || ' characters)' ELSE '''' || {raw} || '''' END")


def sql_reason(text: str, t: Type) -> str:
    """SQL: why trimmed text ``text`` is not a value of ``t`` (the broad classes of :func:`_reason`)."""
    what = describe(t)
    got = sql_shown(text)
    long = f"WHEN length({text}) > {MAX_CHARS} THEN {_lit(f'too long for {what} (at most {MAX_CHARS} characters): ')}"
    k = t.kind
    if k is Kind.BOOL:
        return f"CASE {long} ELSE {_lit(f'not {what} (expected true/false, yes/no, 1/0 or 是/否): ')} END || {got}"
    if k is Kind.DATE or k is Kind.MONTH:
        return (f"CASE {long} WHEN {_match(text, DATE)} THEN 'not a calendar day: ' "
                f"ELSE {_lit(f'not {what}: ')} END || {got}")
    if k is Kind.ENUM:
        expected = _lit(f" (expected one of {', '.join(t.values)})")
        return f"CASE {long} ELSE 'unknown value ' END || {got} || {expected}"
    if k is Kind.INTEGER:
        return (f"CASE {long} WHEN {_match(text, INTEGER.replace(str(MAX_DIGITS), ''))} "
                f"THEN {_lit(f'{what} out of range (at most {MAX_DIGITS} digits before the decimal point): ')} "
                f"ELSE {_lit(f'not {what}: ')} END || {got}")
    if k in SCALES:
        scale = SCALES[k]
        number, first = text, ""
        if k in MONEY_KINDS:
            number = sql_money_number(text)
            first = (f"WHEN {_match(number, PLAIN)} AND contains({text}, ',') AND NOT {_match(text, money_pattern(99))} "
                     f"THEN {_lit(f'not {what} (thousands separators must group three digits): ')} ")
        many = _lit(f"too many decimal places for {what} (at most {scale}): ")
        last = f"ELSE {many}"
        if k is Kind.PERCENT:
            number = f"rtrim(regexp_replace({text}, '(%|％)$', ''), {_lit(' ' + chr(9))})"
            last = (f"WHEN {number} = {text} AND {_match(text, decimal_pattern(scale))} "
                    "THEN 'a bare number is read as a fraction (0.97 is 97%); write it with %: ' "
                    f"WHEN {number} = {text} THEN {many} "
                    f"ELSE {_lit(f'too many decimal places for {what} (at most {scale - 2}): ')}")
        too_big = f"length(split_part(ltrim(ltrim({number}, '-'), '0'), '.', 1)) > {MAX_DIGITS}"
        return (f"CASE {long} {first}WHEN NOT {_match(number, PLAIN)} THEN {_lit(f'not {what}: ')} "
                f"WHEN {too_big} THEN {_lit(f'{what} out of range (at most {MAX_DIGITS} digits before the decimal point): ')} "
                f"{last} END || {got}")
    return "NULL"

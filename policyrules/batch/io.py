"""Batch input and output in DuckDB: population files in, validated facts and rejects, results out.

Everything stays inside DuckDB (views over ``read_csv``/``read_parquet``/``read_json`` and ``COPY``),
so files larger than memory stream through and are never materialised in Python.

Flow: :func:`open_input` registers the file as view ``raw_input`` (with a 1-based ``__row``);
:func:`prepare_facts` checks the required columns and creates view ``facts`` (valid rows, each
fact cast to its SQL type, see :data:`SQL_TYPES`) and view ``rejects`` (``row, field, value,
reason``, one row per problem); :func:`write_output` copies a query over ``facts`` to a file.

Decimal facts are exact: an input with more decimal places than its type holds is rejected,
never rounded. DuckDB raises an error (rather than losing digits) when decimal arithmetic
overflows, so a compiled query either computes the exact value or fails loudly.
JSON numbers are read by DuckDB as IEEE doubles: exact up to 15 significant digits; write
amounts with more digits as JSON strings.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

try:  # DuckDB's engine alone (connections, results, errors), without its Python API (relations,
    # expressions) that `import duckdb` loads too: 0.1 s of a run's start-up (docs/performance.md)
    import _duckdb as duckdb
except ImportError:  # an older DuckDB, whose engine is inside the package
    import duckdb  # type: ignore[no-redef]

if TYPE_CHECKING:  # imported where used: a cached run validates by SQL it has, and needs neither
    from policyrules.types import Kind, Type

    SQL_TYPES: dict[Kind, str]

RAW = "raw_input"
ROW = "__row"
IN = "in:"
"""Input columns live in views ``raw_input`` and ``facts`` as ``in:<name>``: a namespace of their
own, so no input column can clash with a name the validation SQL or a compiled query uses."""


def column(name: str) -> str:
    """The quoted name of input column ``name`` in ``raw_input`` and ``facts``."""
    return _q(IN + name)


@functools.cache
def _sql_types() -> dict[Kind, str]:
    """:data:`SQL_TYPES`."""
    from policyrules.evaluate import forms
    from policyrules.types import Kind

    return {
        Kind.BOOL: "BOOLEAN",
        Kind.INTEGER: "BIGINT",
        **{kind: f"DECIMAL(38,{scale})" for kind, scale in forms.SCALES.items()},
        Kind.DATE: "DATE",
        Kind.ENUM: "VARCHAR",
        Kind.TEXT: "VARCHAR",
    }


def __getattr__(name: str) -> dict[Kind, str]:
    """``SQL_TYPES``: the DuckDB type of each fact kind in view ``facts`` (decimal places: money 6,
    percent and number 8), made when first asked for."""
    if name == "SQL_TYPES":
        return _sql_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_INT_SOURCES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet",
            ".jsonl": "json", ".ndjson": "json", ".json": "json"}
_COPY_OPTIONS = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet", "json": "FORMAT json"}


class BatchError(Exception):
    """A batch run cannot proceed; the message is meant for the user."""


class BatchInputError(BatchError):
    """The input file, its columns or the column mapping are unusable."""


def sql_type(t: Type) -> str:
    """The DuckDB type a fact of type ``t`` has in view ``facts``."""
    return _sql_types()[t.kind]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _message(err: Exception) -> str:
    return str(err).strip().splitlines()[0]


def file_format(path: str) -> str:
    """``csv``, ``parquet`` or ``json`` from the file name (``.gz``/``.zst`` compression allowed)."""
    base = path.lower()
    for suffix in (".gz", ".zst"):
        base = base.removesuffix(suffix)
    fmt = _FORMATS.get(os.path.splitext(base)[1])
    if fmt is None:
        known = ", ".join(sorted(_FORMATS))
        raise BatchInputError(f"{path}: unknown file type (expected one of {known})")
    return fmt


def open_input(con: duckdb.DuckDBPyConnection, path: str, mapping: dict[str, str] | None = None) -> str:
    """Register ``path`` as view ``raw_input`` with a 1-based ``__row``; rename columns by ``mapping``.

    CSV columns are all read as text (nothing lost to type sniffing); Parquet keeps its types.
    Returns the view name.
    """
    fmt = file_format(path)
    if not os.path.isfile(path):
        raise BatchInputError(f"{path}: input file not found")
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {MALFORMED} (row BIGINT, field VARCHAR, value VARCHAR, "
                "reason VARCHAR, before BIGINT)")
    src = _lit(_json_objects(con, path) if fmt == "json" else path)
    reader = {"parquet": f"read_parquet({src})",
              "csv": f"read_csv({src}, all_varchar = true, header = true, store_rejects = true)",
              "json": f"read_json({src})"}[fmt]
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as err:
        raise BatchInputError(f"{path}: cannot read as {fmt}: {_message(err)}") from None
    columns = [r[0] for r in described]
    if fmt == "json" and any(_JSON_LEAF.search(r[1]) for r in described):
        reader = _json_reader(src, described)
    if fmt == "parquet" and "file_row_number" not in columns:  # the row number from the file, in parallel
        row, reader = "file_row_number + 1", f"read_parquet({src}, file_row_number = true)"
    elif fmt == "csv":
        row, reader = _csv_reader(con, path, columns)
    else:
        row, reader = _numbered(con, reader)
    mapping = mapping or {}
    unknown = [c for c in mapping if c not in columns]
    if unknown:
        raise BatchInputError(f"{path}: mapped column(s) not in the file: {', '.join(unknown)}; "
                              f"available: {', '.join(columns)}")
    renamed = [mapping.get(c, c) for c in columns]
    clashes = sorted({n for n in renamed if renamed.count(n) > 1})
    if clashes:
        raise BatchInputError(f"{path}: after mapping, more than one column is named {', '.join(clashes)}")
    select = ", ".join(f"{_q(c)} AS {column(n)}" for c, n in zip(columns, renamed, strict=True))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT {row} AS {ROW}{', ' if select else ''}{select} "
                f"FROM {reader}")
    return RAW


MALFORMED = "malformed_input"
"""Temp table of the CSV lines that are not records of the header's columns (an extra or a missing
field, an open quote): ``row, field, value, reason`` as in view ``rejects``, and ``before``, the
number of good rows before it (for the row numbers of the good rows)."""


def _csv_reader(con: duckdb.DuckDBPyConnection, path: str, columns: list[str]) -> tuple[str, str]:
    """(row number expression, reader) for a CSV file whose malformed lines are skipped, each
    recorded once in MALFORMED with its line number: one bad line never makes DuckDB read the whole
    file as one column, and the rows after it keep their numbers (row N is line N + 1)."""
    src = _lit(path)
    try:
        sniffed = con.execute(f"SELECT Delimiter FROM sniff_csv({src}, store_rejects = true)").fetchone()
    except duckdb.Error:
        sniffed = None
    delim = sniffed[0] if sniffed and sniffed[0] and len(sniffed[0]) == 1 else ","
    header = _csv_header(path, delim) if not path.lower().endswith(".zst") else None
    if header and len(set(header)) == len(header) and len(header) == len(columns):
        columns[:] = header  # the sniffer may take a quote for text when a later line has an open quote
    spec = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in columns)
    options = (f"header = true, auto_detect = false, delim = {_lit(delim)}, quote = '\"', escape = '\"', "
               f"strict_mode = true, columns = {{{spec}}}")
    try:
        # every column is read: `count(*)` alone would not decode the fields, and a field that is
        # not UTF-8 would go unnoticed here and its row be dropped silently by the read below
        con.execute(f"SELECT count(COLUMNS(*)) FROM read_csv({src}, {options}, store_rejects = true, "
                    "rejects_table = '__csv_errors', rejects_scan = '__csv_scans')").fetchall()
        con.execute(f"""INSERT INTO {MALFORMED}
            SELECT line - 1, column_name, left(csv_line, 80),
                   CASE WHEN error_type::VARCHAR = 'INVALID ENCODING'
                        THEN 'CSV line ' || line || ': column ' || column_name || ' is not UTF-8 text (byte '
                             || byte_position || '); the file must be UTF-8 encoded: save it as UTF-8'
                        ELSE 'malformed CSV line ' || line || ': ' || lower(error_type::VARCHAR)
                             || ' (' || error_message || ')' END,
                   line - 1 - row_number() OVER (ORDER BY line)
            FROM (SELECT DISTINCT ON (line) * FROM __csv_errors ORDER BY line, column_idx)""")
        con.execute("DROP TABLE IF EXISTS __csv_errors; DROP TABLE IF EXISTS __csv_scans")
    except duckdb.Error as err:
        raise BatchInputError(f"{path}: cannot read as csv: {_message(err)}") from None
    # the filter reads every column, so that a row skipped for a field that is not UTF-8 is
    # skipped whichever columns a query uses (DuckDB decodes only the columns it reads)
    return _numbered(con, f"read_csv({src}, {options}, ignore_errors = true)", "WHERE hash(*COLUMNS(*)) >= 0")


def _numbered(con: duckdb.DuckDBPyConnection, reader: str, where: str = "") -> tuple[str, str]:
    """(row number expression, reader) for a ``reader`` that leaves out the lines in MALFORMED."""
    bad = con.execute(f"SELECT count(*) FROM {MALFORMED}").fetchone()
    if not bad or not bad[0]:
        return "row_number() OVER ()", reader
    # the k-th good row is row k + (the malformed rows with fewer than k good rows before them)
    k = '"__policyrules_k"'
    return (f"{k} + (SELECT count(*) FROM {MALFORMED} m WHERE m.before < {k})",
            f"(SELECT row_number() OVER () AS {k}, * FROM {reader} {where})")


def _json_objects(con: duckdb.DuckDBPyConnection, path: str) -> str:
    """The JSON file to read for ``path``: ``path`` itself, or, when some of its lines are JSON
    objects and others are not (a syntax error, ``[1,2]``), a copy without the others, each
    recorded in MALFORMED with its line number: one bad line is a rejected row, as in a CSV file,
    and does not stop the run or change how DuckDB reads the rest.  A file of no object lines
    (a JSON array, pretty-printed objects) is read as it is."""
    import atexit
    import tempfile

    # a valid JSON text that starts with `{` is an object (one parse a line, not two)
    lines = (f"(SELECT row_number() OVER () AS line, text, CASE WHEN NOT json_valid(text) THEN NULL "
             "WHEN starts_with(ltrim(text), '{') THEN 'OBJECT' ELSE json_type(text) END "
             f"AS type FROM read_csv({_lit(path)}, columns = {{'text': 'VARCHAR'}}, header = false, "
             "delim = '\x01', quote = '', escape = '', auto_detect = false, strict_mode = false, "
             "max_line_size = 100000000))")
    try:
        found = con.execute(f"SELECT count(*) FILTER (WHERE type = 'OBJECT'), count(*) FILTER (WHERE type "
                            f"IS DISTINCT FROM 'OBJECT' AND trim(text) <> '') FROM {lines}").fetchone()
    except duckdb.Error:  # not text lines: read_json says what is wrong
        return path
    if not found or not found[0] or not found[1]:
        return path
    # a record's row number counts the lines that are not blank, as DuckDB's JSON reader does
    numbered = (f"(SELECT *, count(*) FILTER (WHERE trim(text) <> '') OVER (ORDER BY line) AS row "
                f"FROM {lines})")
    con.execute(f"""INSERT INTO {MALFORMED}
        SELECT row, NULL, left(text, 80),
               'JSON line ' || line || ': ' || CASE type WHEN 'ARRAY' THEN 'an array'
                   WHEN 'VARCHAR' THEN 'a string' WHEN 'BOOLEAN' THEN 'true or false' WHEN 'NULL' THEN 'null'
                   ELSE CASE WHEN type IS NULL THEN 'not valid JSON' ELSE 'a number' END END
               || ', not an object of facts (one JSON object a line)',
               row - row_number() OVER (ORDER BY line)
        FROM {numbered} WHERE type IS DISTINCT FROM 'OBJECT' AND trim(text) <> ''""")
    fd, copy = tempfile.mkstemp(suffix=".jsonl", prefix="policyrules-")
    os.close(fd)
    atexit.register(_remove, copy)
    con.execute(f"COPY (SELECT text FROM {lines} WHERE type = 'OBJECT' ORDER BY line) TO {_lit(copy)} "
                "(FORMAT csv, HEADER false, DELIM '\x01', QUOTE '', ESCAPE '')")
    return copy


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _csv_header(path: str, delim: str) -> list[str] | None:
    """The column names of the first line of a (plain or gzipped) CSV file, by the csv module."""
    import csv
    import gzip

    try:
        opener = gzip.open if path.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:  # type: ignore[operator]
            return next(csv.reader(fh, delimiter=delim), None)
    except (OSError, UnicodeDecodeError, csv.Error, EOFError):
        return None


def input_columns(con: duckdb.DuckDBPyConnection, view: str = RAW) -> dict[str, str]:
    """Input column name (without its ``in:`` prefix) -> DuckDB type of ``view`` (without ``__row``)."""
    rows = con.execute(f"DESCRIBE {_q(view)}").fetchall()
    return {r[0].removeprefix(IN): r[1] for r in rows if r[0].startswith(IN)}


# a leaf of a type JSON has no value of: DuckDB made it from strings (a JSON leaf whose rows
# differ in type, or text it took for a date, a time, a timestamp or a UUID); a type name is
# followed by `,`, `)`, `[` or the end (a field's name, by a space and its type)
_JSON_LEAF = re.compile(r'(?<!")\b(JSON|DATE|TIME|TIMESTAMP WITH TIME ZONE|TIMESTAMP(?:_[A-Z]+)?|UUID)\b'
                        r'(?=\s*(?:[,)\[]|$))')


def _json_reader(src: str, described: list[tuple[object, ...]]) -> str:
    """JSON lines whose values differ in type from row to row (a number where others have text):
    DuckDB gives them type JSON, and a JSON string cast to text keeps its quotes (`"阜平县"`), so
    one odd row would change how every row's text compares.  And strings DuckDB takes for dates
    (`"2024-1-5"` too, which the forms refuse), times or UUIDs.  Such leaves are read as text
    instead, each value as written, and checked field by field like CSV's."""
    cols = ", ".join(f"{_lit(str(r[0]))}: {_lit(_JSON_LEAF.sub('VARCHAR', str(r[1])))}" for r in described)
    return f"read_json({src}, columns = {{{cols}}})"


def load_mapping(path: str) -> dict[str, str]:
    """Read a YAML or JSON file ``{input_column: fact_name}``."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f) if path.lower().endswith(".json") else yaml.safe_load(f)
    except OSError as err:
        raise BatchInputError(f"{path}: cannot read mapping: {err.strerror}") from None
    except (ValueError, yaml.YAMLError) as err:
        raise BatchInputError(f"{path}: mapping is not valid YAML/JSON: {_message(err)}") from None
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in data.items()):
        raise BatchInputError(f"{path}: mapping must be a table of input column -> fact name (text to text)")
    targets = list(data.values())
    twice = sorted({v for v in targets if targets.count(v) > 1})
    if twice:
        raise BatchInputError(f"{path}: mapping gives more than one column the fact name {', '.join(twice)}")
    return data


def check_columns(con: duckdb.DuckDBPyConnection, schema: Mapping[str, Type]) -> dict[str, str]:
    """Raise if ``raw_input`` lacks a fact of ``schema``; return the input column types."""
    have = input_columns(con)
    missing = [name for name in schema if name not in have]
    if missing:
        raise BatchInputError(f"input lacks required column(s) {', '.join(missing)}; "
                              f"available: {', '.join(have) or '(none)'}")
    return have


def prepare_facts(con: duckdb.DuckDBPyConnection, schema: Mapping[str, Type]) -> None:
    """Check columns of ``raw_input`` and create views ``facts`` and ``rejects``."""
    facts, rejects = validation_sql(schema, check_columns(con, schema), malformed=True)
    con.execute(facts)
    con.execute(rejects)


def _raw(name: str, source: str | None) -> str:
    """The input value of column ``name`` as text."""
    col = column(name)
    return {"VARCHAR": col, "JSON": f"({col} ->> '$')"}.get(source or "", f"CAST({col} AS VARCHAR)")


def _checks(name: str, t: Type, source: str | None) -> tuple[str, str, str]:
    """(typed value, NULL when missing or bad; missing condition; reason when bad) for one fact.

    A number of any kind is refused when negative, unless the fact is declared ``signed``
    (as :func:`policyrules.evaluate.inputs.convert` refuses it)."""
    from policyrules.types import Kind

    value, missing, reason = _typed(name, t, source)
    if t.kind in (Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.RATE, Kind.PERCENT, Kind.DURATION) and not t.signed:
        # the sign of a typed number is tested on the column as read (exact, no conversion)
        sign = column(name) if _source_digits(source) is not None else f"({value})"
        shown = f"'''' || {_raw(name, source)} || ''''"
        negative = _lit(f"cannot be negative (declare it `signed {t}` if it can be): ")
        reason = f"CASE WHEN ({value}) < 0 THEN {negative} || {shown} ELSE {reason} END"
        value = f"CASE WHEN {sign} >= 0 THEN ({value}) END"
    return value, missing, reason


_INT_DIGITS = {"TINYINT": 3, "UTINYINT": 3, "SMALLINT": 5, "USMALLINT": 5, "INTEGER": 10, "UINTEGER": 10,
               "BIGINT": 19, "UBIGINT": 20, "HUGEINT": 39, "UHUGEINT": 39}


def _source_digits(source: str | None) -> int | None:
    """Digits before the point a typed numeric input column can hold (None for text and others)."""
    plain = (source or "").upper()
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", plain)
    if decimal:
        return int(decimal.group(1)) - int(decimal.group(2))
    return _INT_DIGITS.get(plain)


def fact_type(t: Type, source: str | None = None) -> str:
    """The DuckDB type of fact ``t`` in view ``facts`` when read from an input column of type
    ``source``: a 64-bit ``DECIMAL(18, scale)`` when every value that passes validation fits in it
    (a typed column with few enough digits, or a percent, at most 1); else, for a typed column with
    fewer decimal places than the kind holds (an integer column of months), ``DECIMAL(18, places
    of the column)`` when that fits; else :data:`SQL_TYPES`.  A fact never has more places than
    its kind (the compiled query's scales are upper bounds), and narrow decimals make the compiled
    query's arithmetic 64-bit, several times cheaper than 128-bit."""
    from policyrules.evaluate import forms
    from policyrules.types import Kind

    scale = forms.SCALES.get(t.kind)
    digits = _source_digits(source)
    if scale is not None and digits is not None:
        digits = 1 if t.kind is Kind.PERCENT else min(digits, forms.MAX_DIGITS)
        decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", (source or "").upper())
        places = int(decimal.group(2)) if decimal else 0
        for fits in (scale, places):
            if places <= scale and digits + fits <= 18:  # (more places: read as text, kept wide)
                return f"DECIMAL(18,{fits})"
    return _sql_types()[t.kind]


def fact_digits(t: Type, source: str | None = None) -> int | None:
    """How many digits the unscaled value of fact ``t`` read from a ``source`` column can have when
    its facts type is a narrow ``DECIMAL(18, s)`` (:func:`fact_type`); None when it is not.
    The compiler uses it to keep a product in 64 bits when it cannot overflow them."""
    from policyrules.evaluate import forms
    from policyrules.types import Kind

    narrow = re.fullmatch(r"DECIMAL\(18,(\d+)\)", fact_type(t, source))
    digits = _source_digits(source)
    if narrow is None or digits is None:
        return None
    whole = 1 if t.kind is Kind.PERCENT else min(digits, forms.MAX_DIGITS)
    return whole + int(narrow.group(1))


def _within(x: str, kind: Kind) -> str:
    """SQL: number ``x`` is within the bounds of :mod:`policyrules.evaluate.forms`, compared with
    exact integer literals (``abs`` could overflow; ``1e15`` is a DOUBLE, slow to compare with)."""
    from policyrules.evaluate import forms
    from policyrules.types import Kind

    if kind is Kind.PERCENT:
        return f"({x} BETWEEN -1 AND 1)"
    limit = 10 ** forms.MAX_DIGITS
    return f"({x} > -{limit} AND {x} < {limit})"


def _typed(name: str, t: Type, source: str | None) -> tuple[str, str, str]:
    """Text is validated by the forms of :mod:`policyrules.evaluate.forms` (the interpreter's),
    after a fast path for the commonest spellings that gives the same verdict and value."""
    from policyrules.evaluate import forms
    from policyrules.types import Kind

    scales = forms.SCALES
    col = column(name)
    raw = _raw(name, source)
    text = forms.sql_trim(raw)
    missing = f"({raw} IS NULL OR {text} = '')" if source in (None, "VARCHAR", "JSON") else f"{col} IS NULL"
    plain = (source or "").upper()
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", plain)
    kind, sql = t.kind, fact_type(t, source)
    what = forms.describe(t)
    out_of_range = f"{_lit(f'{what} out of range: ')} || {forms.sql_shown(raw)}"
    if kind is Kind.BOOL and plain == "BOOLEAN" or kind is Kind.DATE and plain == "DATE":
        return col, missing, "NULL"
    if kind in (Kind.INTEGER, *scales) and (
            plain in _INT_SOURCES or (decimal and kind in scales and int(decimal.group(2)) <= scales[kind])):
        # the bound is tested on the column as read, and only when its type could exceed it
        typed = f"TRY_CAST({col} AS {sql})" if sql != plain else col
        if kind is not Kind.PERCENT and (_source_digits(source) or 0) <= forms.MAX_DIGITS:
            return typed, missing, out_of_range
        return f"CASE WHEN {_within(col, kind)} THEN {typed} END", missing, out_of_range
    value = forms.sql_value(text, t, sql)
    reason = forms.sql_reason(text, t)
    if kind is Kind.BOOL:  # fast path: the usual spellings as they are
        value = f"CASE {raw} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE {value} END"
    elif kind is Kind.INTEGER:  # valid as is when it reads back as the same text
        fast = f"TRY_CAST({raw} AS BIGINT)"
        value = (f"CASE WHEN CAST({fast} AS VARCHAR) = {raw} AND {_within(fast, kind)} THEN {fast} "
                 f"ELSE {value} END")
    elif kind in scales:  # the usual yuan-and-fen text, valid as is
        fast = f"TRY_CAST({raw} AS DECIMAL(18,2))"
        value = (f"CASE WHEN CAST({fast} AS VARCHAR) = {raw} AND {_within(fast, kind)} "
                 f"THEN CAST({fast} AS {sql}) ELSE {value} END")
    elif kind is Kind.ENUM:  # the exact value first
        enum = f"ENUM({', '.join(map(_lit, t.values))})"
        value = f"CASE WHEN TRY_CAST({raw} AS {enum}) IS NOT NULL THEN {raw} ELSE {value} END"
    return value, missing, reason


def _barrier(select: str) -> str:
    """``select`` under a streaming window, so a filter above it is not pushed down into it.

    DuckDB would otherwise inline the validation expressions into the filter and evaluate
    them twice (measured: about 3x slower on a 25-column CSV).
    """
    return f"(SELECT *, row_number() OVER () AS __keep FROM ({select}))"


def validation_sql(schema: Mapping[str, Type], source_types: Mapping[str, str] | None = None,
                   malformed: bool = False) -> tuple[str, str]:
    """SQL creating view ``facts`` (valid rows, typed) and view ``rejects`` (row, field, value, reason).

    ``source_types`` (column -> DuckDB type of ``raw_input``) enables fast paths for typed inputs
    such as Parquet; without it every column is validated as text.
    """
    values, typed, checks = [], [], []
    for i, (name, t) in enumerate(schema.items()):
        source = None if source_types is None else source_types.get(name)
        value, missing, reason = _checks(name, t, source)
        values.append(f"CAST({value} AS {fact_type(t, source)}) AS {column(name)}")
        typed.append(f"({value}) AS __v{i}")
        problem = f"CASE WHEN {missing} THEN 'missing value' WHEN __v{i} IS NULL THEN {reason} END"
        checks.append(f"{{'field': {_lit(name)}, 'value': {_raw(name, source)}, 'reason': {problem}}}")
    if not values:
        return (f"CREATE OR REPLACE TEMP VIEW facts AS SELECT * FROM {RAW}",
                "CREATE OR REPLACE TEMP VIEW rejects AS SELECT NULL::BIGINT AS row, NULL::VARCHAR AS field, "
                "NULL::VARCHAR AS value, NULL::VARCHAR AS reason WHERE FALSE")
    valid = " AND ".join(f"{column(name)} IS NOT NULL" for name in schema)
    cast = _barrier(f"SELECT * REPLACE ({', '.join(values)}) FROM {RAW}")
    facts = f"CREATE OR REPLACE TEMP VIEW facts AS SELECT * EXCLUDE (__keep) FROM {cast} WHERE {valid}"
    checked = _barrier(f"SELECT *, {', '.join(typed)} FROM {RAW}")
    invalid = " OR ".join(f"__v{i} IS NULL" for i in range(len(typed)))
    problems = f"list_filter([{', '.join(checks)}], lambda p: p.reason IS NOT NULL)"
    rejects = ("CREATE OR REPLACE TEMP VIEW rejects AS SELECT "
               f"{ROW} AS row, p.field AS field, p.value AS value, p.reason AS reason FROM "
               f"(SELECT {ROW}, UNNEST({problems}) AS p FROM {checked} WHERE {invalid})")
    if malformed:  # lines that are not records (open_input): rejected too
        rejects = (rejects.replace("CREATE OR REPLACE TEMP VIEW rejects AS SELECT", "CREATE OR REPLACE TEMP VIEW "
                                   "rejects AS SELECT * FROM (SELECT", 1)
                   + f") UNION ALL SELECT row, field, value, reason FROM {MALFORMED}")
    return facts, rejects


def write_output(con: duckdb.DuckDBPyConnection, select_sql: str, path: str) -> int:
    """Stream the result of ``select_sql`` to ``path`` (CSV, Parquet or JSON lines by extension).

    Returns the number of rows written.
    """
    fmt = file_format(path)
    try:
        row = con.execute(f"COPY ({select_sql}) TO {_lit(path)} ({_COPY_OPTIONS[fmt]})").fetchone()
    except duckdb.Error as err:
        raise BatchError(f"{path}: batch run failed: {_message(err)}") from None
    return int(row[0]) if row else 0


def write_rejects(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Write view ``rejects`` to ``path``; returns the number of problems."""
    return write_output(con, "SELECT * FROM rejects", path)

"""Structured values in: lists of records, records, tables (maps) and calendar months, checked
against the declared schemas field by field, with every problem named by its path
(``person.children[2].birth_date``).  Scalars are converted by :func:`inputs.convert`."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from typing import Any

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy, FactField

K = t.Kind


class Record(dict[str, Any]):
    """One item of a list: its fields by name (absent optional fields are simply missing)."""

    __slots__ = ("record",)

    def __init__(self, record: str, fields: dict[str, Any]):
        super().__init__(fields)
        self.record = record

    def __hash__(self) -> int:  # type: ignore[override]
        return id(self)


def month_value(value: Any) -> tuple[dt.date | None, str | None]:
    """A calendar month written ``2024-05`` (or a date, taken as its month): the forms of
    :mod:`policyrules.evaluate.forms`, as batch reads them."""
    from policyrules.evaluate import forms

    return forms.convert_value(value, t.MONTH)  # type: ignore[no-any-return]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


Problem = Callable[[str, str], None]


def convert_field(cp: CheckedPolicy, value: Any, ty: t.Type, where: str, problem: Problem,
                  scalar: Callable[[Any, t.Type], tuple[Any, str | None]]) -> Any:
    """The runtime value of ``value`` for type ``ty``; problems go to ``problem(where, message)``."""
    k = ty.kind
    if k is K.LIST:
        if value is None:
            return ()
        if isinstance(value, str) and value.lstrip().startswith("["):
            value = _json_or_text(value)  # a list written inline, as in `--param bands=[{"rate": "3%"}]`
        if not isinstance(value, list | tuple):
            problem(where, f"expected a list, got {_short(value)}")
            return None
        assert ty.element is not None
        return tuple(convert_field(cp, v, ty.element, f"{where}[{i}]", problem, scalar) for i, v in enumerate(value))
    if k is K.RECORD:
        schema = cp.records[ty.record or ""]
        if not isinstance(value, dict):
            problem(where, f"expected a {schema.name} record (a mapping of its fields), got {_short(value)}")
            return None
        return Record(schema.name, convert_fields(cp, schema.fields, value, where, problem, scalar))
    if k is K.MAP:
        if isinstance(value, str) and value.lstrip().startswith("{"):
            value = _json_or_text(value)  # a table written inline, as in `--param rates={"a": "1.5"}`
        if not isinstance(value, dict):
            problem(where, f"expected a table (a mapping of {ty.key} to {ty.element}), got {_short(value)}")
            return None
        assert ty.key is not None and ty.element is not None
        out = {}
        for key, v in value.items():
            kv, err = scalar(key, ty.key)
            if err:
                problem(f"{where}[{key}]", f"key: {err}")
                continue
            out[kv] = convert_field(cp, v, ty.element, f"{where}[{key}]", problem, scalar)
        return out
    if k is K.MONTH:
        v, err = month_value(value)
        if err:
            problem(where, err)
        return v
    v, err = scalar(value, ty)
    if err:
        problem(where, err)
    return v


def written_value(cp: CheckedPolicy, v: Any, ty: t.Type, where: str, problem: Problem,
                  constant: Callable[[Any], Any]) -> Any:
    """The runtime value of a list, record or table written out as a parameter's value (checked
    against ``ty`` already): the same values a caller supplying it would give.  Leaves are
    evaluated by ``constant``; a negative number where ``ty`` is not signed is a problem."""
    from policyrules.evaluate.inputs import SIGNED_KINDS, convert
    from policyrules.syntax import nodes as n

    if isinstance(v, n.ListValue):
        assert ty.element is not None
        return tuple(written_value(cp, x, ty.element, f"{where}[{i}]", problem, constant)
                     for i, x in enumerate(v.items))
    if isinstance(v, n.EntriesValue) and ty.kind is K.RECORD:
        schema = cp.records[ty.record or ""]
        given = {e.key: written_value(cp, e.value, schema.fields[e.key].type, f"{where}.{e.key}", problem, constant)
                 for e in v.entries}
        for name, f in schema.fields.items():
            if name not in given and f.default is not None:
                given[name] = f.default
            elif name not in given and f.type.kind is K.LIST:
                given[name] = ()
        return Record(schema.name, {name: given[name] for name in schema.fields if name in given})
    if isinstance(v, n.EntriesValue):
        assert ty.key is not None and ty.element is not None
        out = {}
        for e in v.entries:
            key, err = convert(e.key, ty.key)
            if err:
                problem(f"{where}[{e.key}]", f"key: {err}")
                continue
            out[key] = written_value(cp, e.value, ty.element, f"{where}[{e.key}]", problem, constant)
        return out
    value = constant(v)
    if ty.kind in SIGNED_KINDS and not ty.signed and value is not None and value < 0:
        problem(where, f"cannot be negative, got {value} (declare it `signed {ty}` if it can be)")
    return value


def _json_or_text(value: str) -> Any:
    import json
    try:
        return json.loads(value)
    except ValueError:
        return value


def convert_fields(cp: CheckedPolicy, fields: dict[str, FactField], given: dict[str, Any], where: str,
                   problem: Problem, scalar: Callable[[Any, t.Type], tuple[Any, str | None]],
                   unknown: str = "unknown field") -> dict[str, Any]:
    """The fields of one kind of facts or one record: defaults for absent ones, lists empty when
    absent, optional ones left out; every missing, unknown or ill-typed field reported."""
    row: dict[str, Any] = {}
    for name, field in fields.items():
        path = f"{where}.{name}"
        if name not in given or given[name] is None:
            if field.default is not None:
                row[name] = field.default
            elif field.type.kind is K.LIST:
                row[name] = ()
            elif not field.optional:
                problem(path, f"missing (expected {field.type})")
            continue
        row[name] = convert_field(cp, given[name], field.type, path, problem, scalar)
    for name in given:
        if name not in fields:
            close = difflib.get_close_matches(str(name), list(fields), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problem(f"{where}.{name}", unknown + hint)
    return row


class Needed(Exception):
    """A value needs facts that were not given (optional facts, absent): what needs it is not
    evaluated and reports them as still needed."""

    def __init__(self, needed: tuple[str, ...]):
        super().__init__(", ".join(needed))
        self.needed = needed

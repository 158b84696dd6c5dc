"""A checked policy's schemas as JSON Schema (for the OpenAPI document) and as the plain
description ``GET /policies/{name}`` serves, from which an intake system builds its form.

The schemas describe the accepted forms of :mod:`policyrules.evaluate.forms`; the service
still validates every value with that one table (an input the schema admits may be refused
with a 400 naming why, e.g. too many decimal places)."""

from __future__ import annotations

from typing import Any

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy, FactField
from policyrules.evaluate import forms

K = t.Kind
_BOOL_WORDS = [*forms.TRUE, *forms.FALSE]
_MAX = 10 ** forms.MAX_DIGITS - 1


def type_schema(cp: CheckedPolicy, ty: t.Type) -> dict[str, Any]:
    """The JSON Schema of a value of ``ty`` as the service accepts it."""
    k = ty.kind
    low = None if ty.signed else 0
    if k is K.BOOL:
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": _BOOL_WORDS}]}
    if k is K.INTEGER:
        return {"anyOf": [_bounded({"type": "integer"}, low), {"type": "string", "maxLength": forms.MAX_CHARS}]}
    if k in (K.NUMBER, K.MONEY, K.RATE, K.DURATION):
        unit = {K.MONEY: "yuan", K.RATE: f"yuan per {ty.unit}", K.DURATION: f"{ty.unit}s"}.get(k)
        s: dict[str, Any] = {"anyOf": [_bounded({"type": "number"}, low),
                                       {"type": "string", "maxLength": forms.MAX_CHARS}]}
        s["description"] = forms.describe(ty) + (f" ({unit}); exact decimal text such as \"960.00\" is best"
                                                 if unit else "")
        return s
    if k is K.PERCENT:
        return {"type": "string", "maxLength": forms.MAX_CHARS, "description": "a percentage such as \"20%\"",
                "examples": ["20%"]}
    if k is K.DATE:
        return {"type": "string", "format": "date", "maxLength": forms.MAX_CHARS}
    if k is K.MONTH:
        return {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$", "maxLength": forms.MAX_CHARS,
                "description": "a calendar month such as 2024-05 (or a date, taken as its month)"}
    if k is K.ENUM:
        return {"type": "string", "enum": list(ty.values)}
    if k is K.TEXT:
        return {"type": "string"}
    if k is K.LIST:
        assert ty.element is not None
        return {"type": "array", "items": type_schema(cp, ty.element)}
    if k is K.RECORD:
        schema = cp.records[ty.record or ""]
        return _object(cp, schema.fields, schema.label)
    if k is K.MAP:
        assert ty.element is not None
        return {"type": "object", "additionalProperties": type_schema(cp, ty.element),
                "description": f"{ty.element} by {ty.key}"}
    return {}


def _bounded(s: dict[str, Any], low: int | None) -> dict[str, Any]:
    s["maximum"] = _MAX
    s["minimum"] = -_MAX if low is None else low
    return s


def _object(cp: CheckedPolicy, fields: dict[str, FactField], label: str | None) -> dict[str, Any]:
    props = {}
    for name, f in fields.items():
        props[name] = {**type_schema(cp, f.type), "title": f.label or name}
    required = [name for name, f in fields.items() if not f.optional and f.type.kind is not K.LIST]
    s: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        s["required"] = required
    if label:
        s["title"] = label
    return s


def facts_schema(cp: CheckedPolicy) -> dict[str, Any]:
    """``{kind: {field: value}}``: every kind the policy declares, each with its fields."""
    return {"type": "object", "additionalProperties": False,
            "properties": {name: _object(cp, kind.fields, kind.label) for name, kind in cp.facts.items()}}


def suppliable(cp: CheckedPolicy) -> dict[str, Any]:
    """The parameters a caller may (overridable) or must (left open) give."""
    return {name: p for name, p in cp.params.items() if p.supplied or p.decl.overridable}


def parameters_schema(cp: CheckedPolicy) -> dict[str, Any]:
    params = suppliable(cp)
    s: dict[str, Any] = {"type": "object", "additionalProperties": False,
                         "properties": {name: {**type_schema(cp, p.type), "title": p.decl.label or name}
                                        for name, p in params.items()}}
    required = [name for name, p in params.items() if p.supplied]
    if required:
        s["required"] = required
    return s


def _output_value(ty: t.Type) -> dict[str, Any]:
    if ty.kind in (K.MONEY, K.RATE):
        return {"type": ["string", "null"], "description": "an amount in yuan, exact to the fen"}
    if ty.kind is K.BOOL:
        return {"type": ["boolean", "null"]}
    if ty.kind is K.INTEGER:
        return {"type": ["integer", "null"]}
    if ty.kind is K.LIST:
        return {"type": ["array", "null"]}
    if ty.kind in (K.RECORD, K.MAP):
        return {"type": ["object", "null"]}
    return {"type": ["string", "integer", "null"]}


def outputs_schema(cp: CheckedPolicy) -> dict[str, Any]:
    """The ``outputs`` of a decision: each output by name."""
    props: dict[str, Any] = {}
    for name, o in cp.outputs.items():
        props[name] = _output_schema(o.decl.label or name, _output_value(o.type))
    for name, (decl, ty) in cp.results.items():
        props[name] = _output_schema(decl.label or name, _output_value(ty))
    return {"type": "object", "properties": props}


def _output_schema(title: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "title": title, "required": ["name", "kind", "value", "eligible", "status"],
            "properties": {"name": {"type": "string"}, "label": {"type": ["string", "null"]},
                           "kind": {"type": "string"}, "value": value, "eligible": {"type": "boolean"},
                           "status": {"type": "string"}, "cites": {"type": "array", "items": {"type": "string"}},
                           "parts": {"type": "object", "additionalProperties": {"type": "string"}},
                           "still_needed": {"type": "array", "items": {"type": "string"}},
                           "failed_conditions": {"type": "array", "items": {"type": "object"}}}}


def describe_policy(cp: CheckedPolicy) -> dict[str, Any]:
    """What ``GET /policies/{name}`` returns: facts with types, labels and which are optional;
    the parameters a caller gives; the outputs; and the JSON Schemas of the request parts."""

    def field(f: FactField) -> dict[str, Any]:
        d: dict[str, Any] = {"name": f.name, "label": f.label, "type": str(f.type), "optional": f.optional}
        if f.type.kind is K.ENUM:
            d["values"] = list(f.type.values)
        if f.type.signed:
            d["signed"] = True
        return d

    params = suppliable(cp)
    return {
        "name": cp.name, "label": cp.label,
        "valid_from": cp.valid_from.isoformat() if cp.valid_from else None,
        "valid_until": cp.valid_until.isoformat() if cp.valid_until else None,
        "facts": {name: {"label": kind.label, "fields": [field(f) for f in kind.fields.values()]}
                  for name, kind in cp.facts.items()},
        "parameters": [{"name": name, "label": p.decl.label, "type": str(p.type), "required": p.supplied}
                       for name, p in params.items()],
        "outputs": [{"name": name, "label": o.decl.label, "kind": o.decl.kind, "type": str(o.type)}
                    for name, o in cp.outputs.items()]
        + [{"name": name, "label": decl.label, "kind": "output", "type": str(ty)}
           for name, (decl, ty) in cp.results.items()],
        "schemas": {"facts": facts_schema(cp), "parameters": parameters_schema(cp)},
    }


def summary(cp: CheckedPolicy) -> dict[str, Any]:
    """One line of ``GET /policies``."""
    return {"name": cp.name, "label": cp.label, "outputs": [*cp.outputs, *cp.results],
            "parameters_to_supply": [k for k, v in cp.params.items() if v.supplied]}

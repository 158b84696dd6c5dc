"""Lists, records and tables written out as a parameter's value (``[…]``, ``{key: …}``),
checked against the parameter's declared type, item by item and field by field."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from policyrules import types as t
from policyrules.check.scope import Scope
from policyrules.check.units import describe
from policyrules.syntax import nodes as n

K = t.Kind
Expect = Callable[[n.Expr, t.Type, str], None]
Error = Callable[..., None]


def check_written(v: n.ParamValue, ty: t.Type, what: str, scope: Scope, expect: Expect, error: Error) -> None:
    """Report every way ``v`` does not fit ``ty``; plain expressions go to ``expect``."""
    if isinstance(v, n.ListValue):
        if ty.kind is not K.LIST or ty.element is None:
            error("T004", f"{what} must be {describe(ty)}, got a list `[…]`", v.span)
            return
        for i, item in enumerate(v.items, 1):
            check_written(item, ty.element, f"item {i} of {what}", scope, expect, error)
    elif isinstance(v, n.EntriesValue):
        if ty.kind is K.RECORD:
            _record(v, ty, what, scope, expect, error)
        elif ty.kind is K.MAP and ty.key is not None and ty.element is not None:
            _table(v, ty, what, scope, expect, error)
        else:
            error("T004", f"{what} must be {describe(ty)}, got a record or table `{{…}}`", v.span)
    elif ty.kind in (K.LIST, K.RECORD, K.MAP) and not isinstance(v, n.Name):
        form = "[…]" if ty.kind is K.LIST else "{…}"
        error("T004", f"{what} must be {describe(ty)}, written out as `{form}`", v.span)
    else:
        expect(v, ty, what)
        if _negative_literal(v) and ty.kind in _NUMBERS and not ty.signed:
            error("T004", f"{what} cannot be negative: it is {ty}, not `signed {ty}`", v.span,
                  hint=f"declare it `signed {ty}` (可为负) if the text means a negative value")


_NUMBERS = (K.INTEGER, K.NUMBER, K.MONEY, K.RATE, K.PERCENT, K.DURATION)


def _negative_literal(e: n.Expr) -> bool:
    """``-5 元``, ``-(3%)``: a literal amount written with a minus sign."""
    if isinstance(e, n.Unary) and e.op == "neg":
        inner = e.operand.operand if isinstance(e.operand, n.PerPeriod) else e.operand
        return isinstance(inner, n.Number | n.Money | n.Percent | n.Duration) and inner.value != 0
    if isinstance(e, n.PerPeriod):
        return _negative_literal(e.operand)
    return False


def _record(v: n.EntriesValue, ty: t.Type, what: str, scope: Scope, expect: Expect, error: Error) -> None:
    schema = scope.records.get(ty.record or "")
    if schema is None:
        return  # an undeclared record type is reported where the type is written
    seen: set[str] = set()
    for e in v.entries:
        if e.key_kind != "name" or e.key not in schema.fields:
            close = difflib.get_close_matches(e.key, list(schema.fields), n=1)
            error("N001", f"a {schema.name} record has no field `{e.key}`", e.span,
                  hint=f"did you mean `{close[0]}`?" if close else f"its fields: {', '.join(schema.fields)}")
            continue
        if e.key in seen:
            error("N002", f"field `{e.key}` is written twice in {what}", e.span)
            continue
        seen.add(e.key)
        check_written(e.value, schema.fields[e.key].type, f"field `{e.key}` of {what}", scope, expect, error)
    missing = [f.name for f in schema.fields.values()
               if f.name not in seen and not f.optional and f.default is None and f.type.kind is not K.LIST]
    if missing:
        error("T010", f"{what} has no {', '.join(f'`{m}`' for m in missing)}: "
                      f"a {schema.name} record needs {'it' if len(missing) == 1 else 'them'}", v.span,
              hint="write every field that is not optional and has no default")


def _table(v: n.EntriesValue, ty: t.Type, what: str, scope: Scope, expect: Expect, error: Error) -> None:
    assert ty.key is not None and ty.element is not None
    seen: set[str] = set()
    for e in v.entries:
        problem = key_problem(e, ty.key)
        if problem:
            error("T004", f"key `{e.key}` of {what}: {problem}", e.span)
            continue
        if e.key in seen:
            error("N002", f"key `{e.key}` is written twice in {what}", e.span)
            continue
        seen.add(e.key)
        check_written(e.value, ty.element, f"entry `{e.key}` of {what}", scope, expect, error)


def key_problem(e: n.Entry, key: t.Type) -> str | None:
    """Why a written key cannot be a key of type ``key`` (None when it can)."""
    if key.kind is K.ENUM:
        if e.key_kind == "number" or e.key not in key.values:
            return f"must be one of {' | '.join(key.values)}"
        return None
    if key.kind in (K.INTEGER, K.NUMBER):
        if e.key_kind != "number" or (key.kind is K.INTEGER and not e.key.isdigit()):
            return f"must be {describe(key)}"
        return None
    if key.kind is K.TEXT:
        return None if e.key_kind == "text" else 'must be text in quotes, such as `"北京"`'
    return f"keys of {describe(key)} cannot be written out; supply the table as a parameter"

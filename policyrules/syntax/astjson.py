"""The AST as plain JSON data and back, for the parse cache.

Decoding builds only classes of an allow-list (the attrs classes of the AST modules, and
their enums), by keyword arguments: a decoded document can hold nothing but data, and
anything else (an unknown class, a bad field, a wrong value) raises ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import attrs

_MODULES = ("policyrules.syntax.nodes", "policyrules.source", "policyrules.types", "policyrules.scorecard.model",
            "policyrules.scorecard.expr")


@lru_cache(maxsize=1)
def _classes() -> dict[str, type]:
    import importlib

    out: dict[str, type] = {}
    for mod_name in _MODULES:
        mod = importlib.import_module(mod_name)
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and obj.__module__ == mod_name and (
                    attrs.has(obj) or issubclass(obj, enum.Enum)):
                out[f"{mod_name.rsplit('.', 1)[1]}.{name}"] = obj
    _CLASSES.update((k, v) for k, v in out.items() if attrs.has(v))
    return out


_CLASSES: dict[str, type] = {}  # filled by _classes() on first use


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in attrs.fields(cls))  # type: ignore[arg-type]


def _tag(cls: type) -> str:
    return f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}"


def encode(x: Any) -> Any:
    """JSON-ready data for an AST value."""
    if isinstance(x, enum.Enum):  # first: a StrEnum is a str too
        return {"~e": _tag(type(x)), "v": x.value}
    if x is None or isinstance(x, bool | str):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, Decimal):
        return {"~d": str(x)}
    if isinstance(x, dt.date):
        return {"~t": x.isoformat()}
    if isinstance(x, tuple):
        return {"~u": [encode(v) for v in x]}
    if isinstance(x, list):
        return [encode(v) for v in x]
    if isinstance(x, dict):
        return {"~m": [[encode(k), encode(v)] for k, v in x.items()]}
    if attrs.has(type(x)) and _classes().get(_tag(type(x))) is type(x):
        out: dict[str, Any] = {"~c": _tag(type(x))}
        for f in attrs.fields(type(x)):  # type: ignore[arg-type]
            out[f.name] = encode(getattr(x, f.name))
        return out
    raise TypeError(f"cannot encode {type(x).__name__}")


def decode(x: Any) -> Any:
    """The AST value of data made by :func:`encode`; ``ValueError`` for anything else."""
    kind = type(x)  # exact types: JSON gives nothing else (and a union in isinstance is slow)
    if x is None or kind is str or kind is int or kind is bool:
        return x
    if kind is list:
        return [decode(v) for v in x]
    if kind is not dict:
        raise ValueError(f"unexpected {kind.__name__}")
    if "~c" in x:
        cls = _CLASSES.get(x["~c"]) or _classes().get(x["~c"])
        if cls is None or not attrs.has(cls):
            raise ValueError(f"unknown class {x['~c']!r}")
        names = _field_names(cls)
        kwargs = {k: decode(v) for k, v in x.items() if k != "~c"}
        if not set(kwargs) <= names:
            raise ValueError(f"unknown field of {x['~c']}")
        return cls(**kwargs)
    if len(x) == 1:
        [(tag, v)] = x.items()
        if tag == "~d" and isinstance(v, str):
            return Decimal(v)
        if tag == "~t" and isinstance(v, str):
            return dt.date.fromisoformat(v)
        if tag == "~u" and isinstance(v, list):
            return tuple(decode(i) for i in v)
        if tag == "~m" and isinstance(v, list):
            return {decode(k): decode(val) for k, val in v}
    if len(x) == 2 and "~e" in x and "v" in x:
        cls = _classes().get(x["~e"])
        if cls is None or not issubclass(cls, enum.Enum):
            raise ValueError(f"unknown enum {x['~e']!r}")
        return cls(x["v"])
    raise ValueError("unexpected mapping")

"""Reading facts, parameters and decisions from JSON or YAML files that may be hostile.

Bounds (each refused with a message naming the file and, where there is one, the place):

- a file of at most :data:`MAX_BYTES` (4 MB: a facts file describes one case);
- UTF-8 text (a byte-order mark is accepted); other bytes are refused with their offset;
- nesting at most :data:`MAX_DEPTH` (64) deep;
- at most :data:`MAX_NODES` (100,000) values once YAML aliases are expanded: a "billion laughs"
  file is refused at once instead of being expanded; a value that contains itself is refused;
- YAML dates are read as text (``2024-02-30`` then fails as the fact's value, named, instead of
  inside the YAML reader); so are values JSON cannot hold (NaN, infinities are refused by the
  fact's type).

Nothing here echoes more than :data:`policyrules.evaluate.forms.SHOW` characters of a value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000


class DataFileError(Exception):
    """The file cannot be used; the message is meant for the user."""


class _Loader(yaml.SafeLoader):
    """Safe YAML without timestamps (dates stay text, checked as facts)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode(raw: bytes, path: str) -> str:
    """UTF-8 text of ``raw`` (a leading byte-order mark dropped), or DataFileError with the offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        offset = err.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        raise DataFileError(f"{path}: must be UTF-8 text; byte {offset} (0x{raw[offset]:02x}) is not "
                            "(save the file as UTF-8)") from None


def _shape(data: Any, path: str) -> None:
    """Refuse data nested too deeply, too large once aliases are expanded, or containing itself."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(data, 1, False)]
    open_: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        if not isinstance(node, dict | list):
            continue
        key = id(node)
        if done:
            open_.discard(key)
            children = list(node.values()) if isinstance(node, dict) else node
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            if total > MAX_NODES:
                raise DataFileError(f"{path}: too many values (more than {MAX_NODES:,} once YAML aliases "
                                    "are expanded)")
            sizes[key] = total
            continue
        if key in open_:
            raise DataFileError(f"{path}: a value contains itself (a YAML alias to its own anchor)")
        if key in sizes:
            continue
        if depth > MAX_DEPTH:
            raise DataFileError(f"{path}: nested more than {MAX_DEPTH} deep")
        open_.add(key)
        stack.append((node, depth, True))
        children = list(node.values()) if isinstance(node, dict) else node
        stack.extend((c, depth + 1, False) for c in children)


def loads(text: str, path: str, fmt: str | None = None) -> Any:
    """Parse ``text`` as JSON (``fmt='json'`` or a ``.json`` path) or YAML, within the bounds."""
    is_json = fmt == "json" if fmt else path.lower().endswith(".json")
    try:
        data = json.loads(text) if is_json else yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except RecursionError:
        raise DataFileError(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as err:
        raise DataFileError(f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        problem = str(getattr(err, "problem", None) or err)[:200]
        raise DataFileError(f"{where}: not valid YAML: {problem}") from None
    except ValueError as err:  # e.g. an integer of more than 4300 digits
        raise DataFileError(f"{path}: a value cannot be read: {str(err)[:200]}") from None
    _shape(data, path)
    return data


def load(path: str | Path, what: str = "data") -> Any:
    """Read and parse a JSON or YAML file within the bounds; DataFileError says what is wrong."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise DataFileError(f"{name}: cannot read the {what} file: {err.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise DataFileError(f"{name}: the {what} file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return loads(decode(raw, name), name)

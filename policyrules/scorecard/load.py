"""Units (and records) from CSV, JSON or YAML files, numbers kept exact (never floats)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from policyrules.scorecard.errors import ScorecardInputError


class _ExactLoader(yaml.SafeLoader):
    """A YAML loader that reads ``1.99`` as ``Decimal("1.99")``, not a float."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))  # type: ignore[arg-type]


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def read_yaml(text: str) -> Any:
    """YAML with exact decimals."""
    return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass


def _read(path: Path) -> Any:
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".json":
        return json.loads(text, parse_float=Decimal)
    if suffix in (".yaml", ".yml"):
        return read_yaml(text)
    if suffix == ".csv":
        return [dict(row) for row in csv.DictReader(text.splitlines())]
    raise ScorecardInputError([f"{path}: unknown file type {suffix or '(none)'}; use .csv, .json or .yaml"])


def load_units(path: str | Path) -> list[dict[str, Any]]:
    """The units of a CSV file (one unit a row, a header of field names), or of a JSON or
    YAML file holding a list of units or a mapping with ``units``."""
    path = Path(path)
    data = _read(path)
    if isinstance(data, dict) and "units" in data:
        data = data["units"]
    if not isinstance(data, list) or not all(isinstance(u, dict) for u in data):
        raise ScorecardInputError([f"{path}: expected a list of units (mappings of field names to values)"])
    return [{str(k): v for k, v in unit.items()} for unit in data]


def load_records(path: str | Path, kind: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Records by kind: a CSV file of one ``kind`` (named, or the file's stem), or a JSON or
    YAML mapping of kinds to lists (optionally under ``records``)."""
    path = Path(path)
    data = _read(path)
    if isinstance(data, list):
        return {kind or path.stem: data}
    if isinstance(data, dict) and isinstance(data.get("records"), dict):
        data = data["records"]
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ScorecardInputError([f"{path}: expected a mapping of record kinds to lists of records"])
    return {str(k): v for k, v in data.items()}

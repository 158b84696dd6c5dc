"""Decision -> the payload of a sealed record, and a stored record -> its replay.

A payload holds everything needed to compute the decision again (policy name and text hash,
facts, parameters, date) and what it gave (each output's value, parts and status), with the
engine version, who asked (the key id) and the caller's subject reference."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import attrs

from policyrules import __version__
from policyrules.explain.data import plain, typed_plain

FORMAT = "policyrules-decision/2"


def new_id() -> str:
    """A decision id: 16 hex digits, unguessable, stable for the record's life."""
    return secrets.token_hex(8)


def outcome(decision: Any) -> dict[str, Any]:
    """What a decision gave, as compared by replay: ``{output: {value, status, parts?}}``."""
    out: dict[str, Any] = {}
    for name, r in decision.outputs.items():
        entry: dict[str, Any] = {"value": typed_plain(r.value, r.type) if r.type is not None else plain(r.value),
                                 "status": r.status}
        if r.parts:
            entry["parts"] = plain(r.parts)
        out[name] = entry
    return out


def payload(policy: Any, facts: Any, parameters: Any, decision: Any, *, subject: str | None = None,
            key_id: str | None = None, channel: str = "service") -> dict[str, Any]:
    """The record body before sealing (``seq``, ``prev`` and ``policy_sha256`` are set by the store)."""
    return {
        "format": FORMAT,
        "id": new_id(),
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "policy": policy.name,
        "date": decision.on.isoformat(),
        "facts": plain(facts),
        "parameters": plain(parameters or {}),
        "outputs": outcome(decision),
        "engine": f"policyrules {__version__}",
        "subject": subject,
        "key_id": key_id,
        "channel": channel,
    }


@attrs.frozen(slots=True)
class Difference:
    """One output (or part, or status) that differs: ``where`` is ``name``, ``name.part`` or
    ``name (status)``."""

    where: str
    stored: Any
    now: Any

    def __str__(self) -> str:
        now = "not computed" if self.now is None else self.now
        stored = "not in the stored decision" if self.stored is None else self.stored
        return f"{self.where}: stored {stored}, now {now}"


def differences(stored: dict[str, Any], now: dict[str, Any]) -> list[Difference]:
    """Every value, part and status that differs between two outcomes."""
    out: list[Difference] = []
    for name in [*stored, *(k for k in now if k not in stored)]:
        a, b = stored.get(name) or {}, now.get(name) or {}
        if a.get("value") != b.get("value"):
            out.append(Difference(name, a.get("value"), b.get("value")))
        if a and b and a.get("status") != b.get("status"):
            out.append(Difference(f"{name} (status)", a.get("status"), b.get("status")))
        pa, pb = a.get("parts") or {}, b.get("parts") or {}
        out += [Difference(f"{name}.{p}", pa.get(p), pb.get(p))
                for p in [*pa, *(k for k in pb if k not in pa)] if pa.get(p) != pb.get(p)]
    return out


def reevaluate(policy: Any, record: dict[str, Any], trace: bool = False) -> Any:
    """The stored facts, parameters and date evaluated again under ``policy`` (a Decision).
    Raises InputError or EvaluationError as evaluation does."""
    return policy.evaluate(record["facts"], on=record["date"], parameters=record.get("parameters") or {},
                           trace=trace)

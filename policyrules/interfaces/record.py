"""Stored, replayable decisions: everything needed to compute a decision again
(the policy's fingerprint, facts, parameters, date) with the values it gave."""

from __future__ import annotations

import hashlib
from typing import Any

from policyrules.explain.data import plain

FORMAT = "policyrules-decision/1"


def fingerprint(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(policy: Any, facts: dict[str, Any], parameters: dict[str, Any], decision: Any) -> dict[str, Any]:
    """A JSON-ready record of one decision."""
    cp = policy.checked
    return {
        "format": FORMAT,
        "policy": cp.name,
        "policy_file": cp.source.path,
        "policy_fingerprint": fingerprint(cp.source.text),
        "date": decision.on.isoformat(),
        "parameters": plain(parameters),
        "facts": plain(facts),
        "outputs": {name: plain(r.value) for name, r in decision.outputs.items()},
        "parts": {f"{name}.{p}": plain(v) for name, r in decision.outputs.items() for p, v in r.parts.items()},
    }


def replay(policy: Any, rec: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Evaluate a stored decision again; return (differences, notes)."""
    notes = []
    if not isinstance(rec, dict):
        raise ValueError(f"not a stored decision (a JSON object with \"format\": \"{FORMAT}\"), "
                         f"but {'a list' if isinstance(rec, list) else 'a single value'}")
    if rec.get("format") != FORMAT:
        raise ValueError(f"not a stored decision (format {rec.get('format')!r}, expected {FORMAT})")
    if rec.get("policy") != policy.name:
        notes.append(f"the decision was made under policy `{rec.get('policy')}`, replaying with `{policy.name}`")
    if rec.get("policy_fingerprint") != fingerprint(policy.checked.source.text):
        notes.append("the policy text has changed since the decision was stored")
    decision = policy.evaluate(rec["facts"], on=rec["date"], parameters=rec.get("parameters") or {}, trace=False)
    now = {name: plain(r.value) for name, r in decision.outputs.items()}
    now.update({f"{name}.{p}": plain(v) for name, r in decision.outputs.items() for p, v in r.parts.items()})
    stored = {**rec.get("outputs", {}), **rec.get("parts", {})}
    diffs = [f"{k}: stored {stored[k]}, now {now.get(k, 'not computed')}" for k in stored if stored[k] != now.get(k)]
    diffs += [f"{k}: not in the stored decision, now {now[k]}" for k in now if k not in stored]
    return diffs, notes

"""``policyrules record`` and ``replay`` over the decision store: a decision made on the command
line is sealed like one made by the service; a stored one is recomputed with the policy text
it was made under (or another policy file) and every difference reported."""

from __future__ import annotations

from typing import Any

from policyrules.api import Policy, PolicyError, loads
from policyrules.audit.records import Difference, differences, outcome, payload, reevaluate
from policyrules.audit.seal import text_hash
from policyrules.audit.store import Store, StoredDecision


def record(store: Store, policy: Policy, facts: dict[str, Any], parameters: dict[str, Any], on: str,
           subject: str | None = None) -> StoredDecision:
    """Evaluate and seal; raises InputError or EvaluationError as evaluation does."""
    decision = policy.evaluate(facts, on=on, parameters=parameters, trace=False)
    return store.append(policy.checked.source.text,
                        payload(policy, facts, parameters, decision, subject=subject, channel="cli"))


class ReplayError(Exception):
    """The record cannot be replayed (unknown id, missing policy text)."""


def replay(store: Store, decision_id: str, policy: Policy | None = None) -> tuple[list[Difference], list[str]]:
    """Recompute a stored decision: (differences, notes).  Without ``policy``, under the text it
    was made under."""
    rec = store.get(decision_id)
    if rec is None:
        raise ReplayError(f"no decision {decision_id!r} in {store.url}")
    notes: list[str] = []
    sha = str(rec.body.get("policy_sha256"))
    if policy is None:
        text = store.policy_text(sha)
        if text is None:
            raise ReplayError(f"the store has no policy text {sha[:12]}… for decision {decision_id}")
        if text_hash(text) != sha:  # never claim the text it was made under when the store says otherwise
            raise ReplayError(f"the stored policy text of decision {decision_id} no longer has its hash "
                              f"(sha256 {sha[:12]}…): the store was altered; run `policyrules audit verify`")
        try:
            policy = loads(text, f"<stored {rec.body.get('policy')}>")
        except PolicyError as err:
            raise ReplayError(f"the policy text decision {decision_id} was made under no longer checks under this "
                              f"engine version:\n{err}") from None
        notes.append(f"replaying under the policy text it was made under (sha256 {sha[:12]}…)")
    else:
        if policy.name != rec.body.get("policy"):
            notes.append(f"the decision was made under policy `{rec.body.get('policy')}`, replaying with "
                         f"`{policy.name}`")
        if text_hash(policy.checked.source.text) != sha:
            notes.append("the policy text has changed since the decision was made")
    now = reevaluate(policy, rec.body)
    return differences(rec.body.get("outputs") or {}, outcome(now)), notes

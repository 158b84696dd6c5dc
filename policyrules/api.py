"""The public Python API: load a policy once, evaluate many fact sets, explain.

>>> policy = load("policies/city-employment-promotion.policy")
>>> decision = policy.evaluate({"person": {...}}, on="2009-07-01", parameters={...})
>>> decision.value("rent_subsidy"); print(policy.explain(decision))
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from policyrules.check.checked import CheckedPolicy
from policyrules.check.passes import check
from policyrules.diagnostics import PolicyError
from policyrules.evaluate.decide import EvaluationError, evaluate
from policyrules.evaluate.inputs import InputError
from policyrules.evaluate.trace import Decision
from policyrules.source import Source
from policyrules.syntax.cache import parse_cached

__all__ = ["Policy", "load", "loads", "PolicyError", "InputError", "EvaluationError", "Decision"]


class Policy:
    """A checked policy, ready to evaluate any number of fact sets."""

    def __init__(self, checked: CheckedPolicy):
        self.checked = checked

    @property
    def name(self) -> str:
        return self.checked.name

    def evaluate(self, facts: dict[str, Any], on: dt.date | str, parameters: dict[str, Any] | None = None,
                 trace: bool = True) -> Decision:
        """Evaluate on a date. Raises InputError (bad facts or parameters) or EvaluationError."""
        return evaluate(self.checked, facts, _date(on), parameters, trace)

    def explain(self, decision: Decision, lang: str = "en", outputs: list[str] | None = None) -> str:
        from policyrules.explain.text import explain

        return explain(self.checked, decision, lang=lang, outputs=outputs)


def _date(on: dt.date | str) -> dt.date:
    if isinstance(on, dt.date):
        return on
    try:
        return dt.date.fromisoformat(str(on))
    except ValueError:
        raise InputError([_problem("date", f"expected a date such as 2009-07-01, got {on!r}")]) from None


def _problem(where: str, message: str) -> Any:
    from policyrules.evaluate.inputs import InputProblem

    return InputProblem(where, message)


def loads(text: str, path: str = "<policy>") -> Policy:
    """Parse and check policy text; raise PolicyError listing every problem."""
    from policyrules.sourcefile import MAX_POLICY_BYTES, too_large

    text = text.removeprefix("\ufeff")  # a byte-order mark, as editors on Windows write
    if len(text) > MAX_POLICY_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise too_large(path, len(text.encode("utf-8", "surrogatepass")))
    return Policy(check(parse_cached(text, path), Source(path, text)))


def load(path: str | Path) -> Policy:
    """Read, parse and check a ``.policy`` file."""
    from policyrules.sourcefile import read_policy

    return loads(read_policy(path), str(path))

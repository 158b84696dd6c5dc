"""Errors of the scorecard stage: every problem listed at once, never half a result."""

from __future__ import annotations


class ScorecardError(Exception):
    """Base class; ``problems`` lists every problem found, one sentence each."""

    heading = "scorecard problems"

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{self.heading} ({len(self.problems)}):\n" + "\n".join(f"  - {p}" for p in self.problems))


class ScorecardInputError(ScorecardError):
    """The units, records or parameters given cannot be evaluated."""

    heading = "the scorecard's inputs were refused"


class ScorecardDefinitionError(ScorecardError):
    """The scorecard itself is inconsistent (unknown names, wrong types, cycles)."""

    heading = "the scorecard is not well formed"

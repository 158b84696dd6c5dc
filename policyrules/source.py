"""Source text and spans: where every node and diagnostic comes from."""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class Span:
    """A range in a source file: 1-based line and column, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@attrs.frozen(slots=True)
class Source:
    """A policy text and the name it is reported under."""

    path: str
    text: str

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


NO_SPAN = Span(0, 0, 0, 0)

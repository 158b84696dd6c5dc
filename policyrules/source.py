"""Source text and spans: where every node and diagnostic comes from."""

from __future__ import annotations

from functools import lru_cache

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
        """Line ``number`` as the parser counts lines: only ``\n`` ends one (a form feed or
        U+2028 in a comment does not, as it would for ``str.splitlines``)."""
        lines = lines_of(self.text)
        return lines[number - 1] if 0 < number <= len(lines) else ""


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` split at ``\n`` only (a final ``\r`` dropped), as the parser counts them."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


@lru_cache(maxsize=8)
def lines_of(text: str) -> tuple[str, ...]:
    """``source_lines(text)``, split once per text (a checker or an explanation asks for the
    lines under hundreds of spans of one file: splitting each time made checking quadratic)."""
    return tuple(source_lines(text))


NO_SPAN = Span(0, 0, 0, 0)

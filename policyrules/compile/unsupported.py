"""The one error the SQL compiler raises: a construct it cannot translate, named with its rule."""

from __future__ import annotations

from typing import Any


class Unsupported(Exception):
    """``construct`` (what) in ``rule`` (which output, value or table) cannot be compiled to SQL."""

    def __init__(self, construct: str, rule: str, why: str = "", span: Any = None):
        self.construct = construct
        self.rule = rule
        self.why = why
        self.span = span
        line = span.line if span is not None and hasattr(span, "line") else 0
        where = f" (line {line})" if line else ""
        super().__init__(f"cannot compile {construct} in `{rule}`{where} to SQL" + (f": {why}" if why else ""))

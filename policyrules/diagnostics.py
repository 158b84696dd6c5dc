"""Diagnostics as data: a stable code, a message, a span, a hint; rendered in one place.

Every code is listed in ``docs/diagnostics.md`` with a wrong and a right example.
"""

from __future__ import annotations

import re

import attrs

from policyrules.source import Source, Span


@attrs.frozen(slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    path: str = "<policy>"
    hint: str | None = None
    severity: str = "error"

    def sort_key(self) -> tuple[str, int, int, str]:
        s = self.span
        return (self.path, s.line if s else 0, s.column if s else 0, self.code)

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"code": self.code, "severity": self.severity, "message": self.message,
                                "path": self.path}
        if self.span:
            d.update(line=self.span.line, column=self.span.column)
        if self.hint:
            d["hint"] = self.hint
        return d


class PolicyError(Exception):
    """Raised when a policy has errors; carries every diagnostic and the sources."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, Source] | None = None):
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        self.sources = sources or {}
        super().__init__(render_all(self.diagnostics, self.sources))


def render(d: Diagnostic, source: Source | None, lang: str = "en") -> str:
    """``file:line:col: error[CODE]: message``, the source line, a caret underline, the hint
    (in Chinese with ``lang="zh"``: :mod:`policyrules.messages_zh`)."""
    if lang == "zh":
        from policyrules.messages_zh import localize

        d = localize(d, lang)
    where = f"{d.path}:{d.span.line}:{d.span.column}" if d.span else d.path
    severity = {"error": "错误", "warning": "警告"}.get(d.severity, d.severity) if lang == "zh" else d.severity
    out = [f"{where}: {severity}[{d.code}]: {_clip(d.message)}"]
    if d.span and source is not None:
        line = source.line(d.span.line)
        if line:
            width = d.span.end_column - d.span.column if d.span.end_line == d.span.line else len(line) - d.span.column + 1
            line, column, width = _window(line, d.span.column, max(1, width))
            gutter = f"{d.span.line:>4} | "
            out.append(gutter + line)
            pad = _display_width(line[: column - 1])
            carets = max(1, _display_width(line[column - 1: column - 1 + width]))
            out.append(" " * (len(gutter) - 2) + "| " + " " * pad + "^" * carets)
    if d.hint:
        out.append(f"  = {'提示' if lang == 'zh' else 'hint'}: {_clip(d.hint)}")
    return "\n".join(out)


QUOTED_SHOWN = 80
"""Characters of a name or value quoted in a message (`…`): a longer one is cut, ``…`` at the cut."""
_QUOTED = re.compile("`([^`\n]{" + str(QUOTED_SHOWN + 1) + ",})`")


def _clip(text: str) -> str:
    """``text`` with every quoted part longer than :data:`QUOTED_SHOWN` characters cut."""
    return _QUOTED.sub(lambda m: f"`{m.group(1)[:QUOTED_SHOWN - 1]}…`", text)


LINE_SHOWN = 160
"""Characters of a source line shown under a diagnostic: a longer line (a generated policy, a
minified one, a hostile one of a megabyte) is cut around the column, ``…`` marking each cut."""


def _window(line: str, column: int, width: int) -> tuple[str, int, int]:
    """The part of ``line`` shown, the span's column in it and its width there."""
    if len(line) <= LINE_SHOWN:
        return line, column, width
    end = min(len(line), max(0, column - 1 - LINE_SHOWN // 3) + LINE_SHOWN)
    start = max(0, end - LINE_SHOWN)
    head, tail = ("…" if start > 0 else ""), ("…" if end < len(line) else "")
    return head + line[start:end] + tail, column - start + len(head), max(1, min(width, end - column + 1))


def render_all(diagnostics: list[Diagnostic], sources: dict[str, Source], lang: str = "en") -> str:
    body = "\n\n".join(render(d, sources.get(d.path), lang) for d in diagnostics)
    n = sum(1 for d in diagnostics if d.severity == "error")
    if lang == "zh":
        return body + (f"\n\n共 {n} 个错误" if n else "")
    return body + (f"\n\n{n} error{'s' if n != 1 else ''}" if n else "")


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

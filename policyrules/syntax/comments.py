"""Comments of a policy text for :func:`policyrules.syntax.printer.print_policy` given the
source: the AST has none, so the printer takes them from the text and puts each back before
the declaration it was written in or above.  (``policyrules fmt`` keeps each where it was
written: :mod:`policyrules.syntax.fmt`.)"""

from __future__ import annotations


def comments(text: str) -> list[tuple[int, str]]:
    """``(line, "# text")`` for every comment, skipping ``#`` inside quoted text."""
    out: list[tuple[int, str]] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif text.startswith('"""', i):
            end = text.find('"""', i + 3)
            end = n if end < 0 else end + 3
            line += text.count("\n", i, end)
            i = end
            continue
        elif ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1 if j < n and text[j] == '"' else j
            continue
        elif ch == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append((line, text[i:end].rstrip()))
            i = end
            continue
        i += 1
    return out


def attach(decl_lines: list[tuple[int, int]], found: list[tuple[int, str]]) -> tuple[list[list[str]], list[str]]:
    """Comments for each declaration (by its first and last line), and those after the last."""
    before: list[list[str]] = [[] for _ in decl_lines]
    tail: list[str] = []
    for line, text in found:
        for k, (_, end) in enumerate(decl_lines):
            if line <= end:
                before[k].append(text)
                break
        else:
            tail.append(text)
    return before, tail

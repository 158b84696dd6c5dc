"""Clause coverage: which conditions, alternatives, caps and floors and table rows of a policy
the cases of its case files never exercised, per `cite`.

Input: a checked policy and the traces of its cases (each case evaluated with tracing on);
output: a :class:`Coverage` (rendered as text or JSON). An item is exercised when:

- a **condition** (each conjunct of a `when`) was seen both holding and failing;
- an **alternative** (an `if`/`except` branch or the `else` of an amount, either side of an
  `if … then … else` expression) was the one that applied;
- a **cap or floor** (`at_most`, `at_least`) was the bound that applied;
- a **table row** (an entry, a range row, `otherwise`, a progressive band) was looked up
  (a table with a row no case uses is a missing test).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs

from policyrules.check.checked import CheckedPolicy
from policyrules.evaluate.decide import conjuncts
from policyrules.evaluate.trace import Decision, Step
from policyrules.source import Span, lines_of
from policyrules.syntax import nodes as n
from policyrules.syntax.walk import nodes

KINDS = ("condition", "alternative", "bound", "row")


@attrs.frozen(slots=True)
class Item:
    """One thing a case can exercise; ``outcomes`` are what must each be seen."""

    kind: str  # condition | alternative | bound | row
    key: Any  # what the trace names it by
    decl: str  # the declaration it is in
    cite: str  # the declaration's first cite, or "" when it has none
    text: str  # as written
    line: int
    outcomes: tuple[str, ...] = ("used",)


@attrs.frozen(slots=True)
class ItemResult:
    item: Item
    seen: frozenset[str]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(o for o in self.item.outcomes if o not in self.seen)

    @property
    def covered(self) -> bool:
        return not self.missing


@attrs.frozen(slots=True)
class Coverage:
    policy: str
    cases: int
    results: tuple[ItemResult, ...]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def exercised(self) -> int:
        return sum(1 for r in self.results if r.covered)

    @property
    def percent(self) -> float:
        return 100.0 * self.exercised / self.total if self.total else 100.0

    def by_cite(self) -> dict[str, list[ItemResult]]:
        out: dict[str, list[ItemResult]] = {}
        for r in self.results:
            out.setdefault(r.item.cite, []).append(r)
        return out


# ---------------------------------------------------------------- the items of a policy
def items_of(cp: CheckedPolicy) -> list[Item]:
    """Every condition, alternative, bound and table row of ``cp``, in written order."""
    lines = lines_of(cp.source.text)
    found: list[Item] = []
    for d in cp.ast.decls:
        cites = getattr(d, "cites", ())
        cite = cites[0].value if cites else ""
        name = getattr(d, "name", None) or getattr(d, "label", None) or type(d).__name__
        if isinstance(d, n.OutputDecl):
            for c in d.conditions:
                for conj in conjuncts(c):
                    found.append(Item("condition", id(conj), name, cite, _written(lines, conj.span),
                                      conj.span.line, ("true", "false")))
            for body in d.amounts:
                if isinstance(body, n.Choice):
                    found += _choice(body, name, cite, lines)
        if isinstance(d, n.TableDecl):
            found += _rows(d, cite, lines)
        if isinstance(d, n.ParameterDecl) and d.type.kind == "map" and d.type.key is not None:
            enum = cp.enums.get(d.type.key.ref or "")
            for value in enum.values if enum is not None else ():  # a table given as a parameter, by category
                found.append(Item("row", (d.name, value), d.name, cite, f"{d.name}[{value}]", d.span.line))
        for node in nodes(d):
            if isinstance(node, n.Bound):
                word = "at_most" if node.kind == "cap" else "at_least"
                found.append(Item("bound", id(node), name, cite, f"{word} {_written(lines, node.limit.span)}",
                                  node.span.line))
            elif isinstance(node, n.IfExpr):
                found.append(Item("alternative", (id(node), "then"), name, cite,
                                  f"if {_written(lines, node.cond.span)} then …", node.span.line))
                found.append(Item("alternative", (id(node), "else"), name, cite,
                                  f"else {_written(lines, node.else_.span)}", node.else_.span.line))
    return found


def _choice(body: n.Choice, name: str, cite: str, lines: tuple[str, ...]) -> list[Item]:
    word = "exception" if body.style == "exceptions" else "alternative"
    out = [Item("alternative", (name, f"{word} {i} applies"), name, cite,
                f"{'except' if word == 'exception' else 'if'} {_written(lines, b.cond.span)}", b.span.line)
           for i, b in enumerate(body.branches, 1)]
    if body.default is not None:
        label = "the general rule applies" if body.style == "exceptions" else "otherwise"
        default_span = getattr(body.default, "span", body.span)
        out.append(Item("alternative", (name, label), name, cite,
                        "the general rule" if word == "exception" else "else", default_span.line))
    return out


def _rows(d: n.TableDecl, cite: str, lines: tuple[str, ...]) -> list[Item]:
    out = [Item("row", (d.name, e.key), d.name, cite, _written(lines, e.span), e.span.line) for e in d.entries]
    for i, r in enumerate(d.ranges, 1):
        key = (d.name, f"band {i}") if d.progressive else (d.name, f"row {i}")
        out.append(Item("row", key, d.name, cite, _written(lines, r.span), r.span.line))
    if d.otherwise is not None:
        out.append(Item("row", (d.name, "otherwise"), d.name, cite, f"otherwise: {_written(lines, d.otherwise.span)}",
                        d.otherwise.span.line))
    return out


def _written(lines: tuple[str, ...], span: Span) -> str:
    """The source text of ``span``, its lines joined by one space."""
    if span.line == 0 or span.line > len(lines):
        return "?"
    if span.line == span.end_line:
        text = lines[span.line - 1][span.column - 1: span.end_column - 1]
    else:
        part = [lines[span.line - 1][span.column - 1:]]
        part += lines[span.line: span.end_line - 1]
        part.append(lines[span.end_line - 1][: span.end_column - 1])
        text = " ".join(x.strip() for x in part)
    return " ".join(text.split())




# ---------------------------------------------------------------- what the traces show
_ROW = re.compile(r"^(?P<table>\w+)\[(?P<key>.*?)\](?:: (?P<row>row \d+|otherwise))?$")
_BAND = re.compile(r"band (\d+):")


def observe(cp: CheckedPolicy, decisions: Iterable[Decision]) -> dict[Any, set[str]]:
    """What each item key was seen doing in ``decisions`` (evaluated with tracing on)."""
    seen: dict[Any, set[str]] = {}
    tables: dict[str, Any] = dict(cp.tables)
    for name, p in cp.params.items():  # tables given as parameters: every key is a row
        if p.type.kind.value == "map":
            tables.setdefault(name, None)
    for decision in decisions:
        visited: set[int] = set()
        for r in decision.outputs.values():
            for c in r.conditions:
                seen.setdefault(id(c.expr), set()).add("true" if c.holds else "false")
            if r.branch:
                seen.setdefault((r.name, r.branch), set()).add("used")
            for step in (r.amount, r.term.step_used if r.term else None, *(c.step for c in r.conditions)):
                if step is not None:
                    _walk(step, seen, tables, visited)
        for inv in decision.invariants:
            if inv.step is not None:
                _walk(inv.step, seen, tables, visited)
    return seen


def _walk(step: Step, seen: dict[Any, set[str]], tables: dict[str, Any], visited: set[int]) -> None:
    stack = [step]
    while stack:
        s = stack.pop()
        if id(s) in visited:
            continue
        visited.add(id(s))
        node, note = s.node, s.note
        if isinstance(node, n.Bound) and note in ("cap applied", "floor applied"):
            seen.setdefault(id(node), set()).add("used")
        elif isinstance(node, n.IfExpr) and s.children:
            seen.setdefault((id(node), "then" if s.children[0].value else "else"), set()).add("used")
        elif isinstance(node, n.Lookup) and note:
            _row(node, note, seen, tables)
        stack.extend(s.children)


def _row(node: n.Lookup, note: str, seen: dict[Any, set[str]], tables: dict[str, Any]) -> None:
    if node.table not in tables:
        return
    table = tables[node.table]
    if note.startswith("bands: "):
        for i in _BAND.findall(note):
            seen.setdefault((node.table, f"band {i}"), set()).add("used")
        return
    m = _ROW.match(note)
    if m is None:
        return
    if m.group("row"):
        seen.setdefault((node.table, m.group("row")), set()).add("used")
    else:
        key = m.group("key")
        row = key if table is None or key in table.entries else "otherwise"
        seen.setdefault((node.table, row), set()).add("used")


def coverage(cp: CheckedPolicy, decisions: list[Decision]) -> Coverage:
    seen = observe(cp, decisions)
    results = tuple(ItemResult(i, frozenset(seen.get(i.key, ()))) for i in items_of(cp))
    return Coverage(cp.name, len(decisions), results)


# ---------------------------------------------------------------- rendering
_WHY = {
    ("condition", ("true", "false")): "never evaluated",
    ("condition", ("true",)): "never true",
    ("condition", ("false",)): "never false",
    ("alternative", ("used",)): "never applies",
    ("bound", ("used",)): "never applied",
    ("row", ("used",)): "never used",
}


def why(r: ItemResult) -> str:
    return _WHY.get((r.item.kind, r.missing), "not exercised")


def to_text(cov: Coverage, paths: list[str] | None = None) -> str:
    """Per cite, what no case exercised; then the summary percentage."""
    out = [f"clause coverage of {cov.policy} by {cov.cases} case{'s' if cov.cases != 1 else ''}"
           + (f" ({', '.join(paths)})" if paths else "") + ":"]
    for cite, results in cov.by_cite().items():
        missed = [r for r in results if not r.covered]
        done = len(results) - len(missed)
        head = f"  [{cite}]" if cite else "  (no cite)"
        out.append(f"{head} {done}/{len(results)}" + ("" if missed else " ✓"))
        for r in missed:
            out.append(f"    line {r.item.line}: {r.item.kind} of {r.item.decl} `{_short(r.item.text)}` {why(r)}")
    if not cov.results:
        out.append("nothing to exercise: no conditions, alternatives, caps or floors, or table rows")
    else:
        out.append(f"{cov.exercised}/{cov.total} exercised ({cov.percent:.1f}%): "
                   + ", ".join(_kind_summary(cov, k) for k in KINDS if any(r.item.kind == k for r in cov.results)))
    return "\n".join(out) + "\n"


def _kind_summary(cov: Coverage, kind: str) -> str:
    rs = [r for r in cov.results if r.item.kind == kind]
    word = {"condition": "conditions", "alternative": "alternatives", "bound": "caps and floors",
            "row": "table rows"}[kind]
    return f"{word} {sum(r.covered for r in rs)}/{len(rs)}"


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_dict(cov: Coverage) -> dict[str, Any]:
    return {
        "policy": cov.policy, "cases": cov.cases, "items": cov.total, "exercised": cov.exercised,
        "percent": round(cov.percent, 1),
        "by_kind": {k: {"items": sum(r.item.kind == k for r in cov.results),
                        "exercised": sum(r.item.kind == k and r.covered for r in cov.results)} for k in KINDS},
        "cites": [{"cite": cite, "items": len(rs), "exercised": sum(r.covered for r in rs),
                   "not_exercised": [{"kind": r.item.kind, "declaration": r.item.decl, "line": r.item.line,
                                      "text": r.item.text, "why": why(r)} for r in rs if not r.covered]}
                  for cite, rs in cov.by_cite().items()],
    }

"""AST -> checked policy.  Passes run in order: declarations, types of values,
outputs, groups and invariants, cycles.  Every problem is collected; none stops the
others, so a drafter sees all errors at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from policyrules import types as t
from policyrules.check.checked import CheckedPolicy, Output, Parameter, Ref, Table
from policyrules.check.limits import check_limits
from policyrules.check.scope import Scope
from policyrules.check.units import Typer, compatible, describe
from policyrules.check.written import check_written
from policyrules.diagnostics import Diagnostic, PolicyError
from policyrules.gcpause import paused_gc
from policyrules.source import Source, Span
from policyrules.syntax import nodes as n
from policyrules.syntax.walk import names

K = t.Kind


def _policy_name(path: str) -> str:
    """A policy name from the file's name (`city-rules.policy` -> `city-rules`), for a hint."""
    import re
    from pathlib import PurePath

    stem = re.sub(r"[^\w-]+", "-", PurePath(path).stem).strip("-")
    return stem if re.fullmatch(r"(?!\d)\w+(-\w+)*", stem or "") else "NAME"


class Checker:
    def __init__(self, policy: n.Policy, source: Source):
        self.policy = policy
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.scope = Scope(self.error)
        self.typer = Typer(self.scope, self.error, self.scope.resolve)
        self.scope.infer_value = self._value_type
        self.scope.infer_each = self._each_type
        self.scope.constant = self._default
        self._in_progress: set[str] = set()
        self.deps: dict[str, set[str]] = {}
        self._used: dict[str, list[n.Name]] | None = None

    def error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, self.source.path, hint))

    # ---------------------------------------------------------------- passes
    def run(self) -> CheckedPolicy:
        if check_limits(self.policy, self.error):  # depth and size first: later passes recurse
            raise PolicyError(self.diagnostics, {self.source.path: self.source})
        header = self._header()
        self._declarations()
        self._values()
        outputs = self._outputs()
        self._groups(outputs)
        self._signs()
        for inv in self._decls(n.InvariantDecl):
            self.typer.condition(inv.expr, "an invariant")
        self._cycles()
        scorecards = _scorecards(self.policy.decls, self.error, self.scope)  # scorecard problems: S001..
        if any(d.severity == "error" for d in self.diagnostics):
            raise PolicyError(self.diagnostics, {self.source.path: self.source})
        return attrs.evolve(self._build(header, outputs), scorecards=scorecards)

    def _decls(self, cls: type) -> list[Any]:
        return [d for d in self.policy.decls if isinstance(d, cls)]

    def _header(self) -> n.PolicyDecl | None:
        headers = self._decls(n.PolicyDecl)
        if not headers:
            self.error("C006", "the file has no `policy NAME` declaration", Span(1, 1, 1, 2),
                       hint=f"start the file with e.g. `policy {_policy_name(self.source.path)} \"…\"`")
            return None
        for extra in headers[1:]:
            self.error("C006", "a file declares one policy; this is a second `policy`", extra.span)
        h = headers[0]
        if len(h.valid) > 1:
            self.error("C005", "the policy states its validity twice", h.valid[1].span)
        if len(h.rounding) > 1:
            self.error("C005", "the policy states its rounding twice", h.rounding[1].span)
        for v in h.valid:
            if v.end is not None and v.end < v.start:
                self.error("C008", f"the policy ends ({v.end}) before it starts ({v.start})", v.span)
        for r in h.rounding:
            self._rounding(r)
        return h

    def _rounding(self, r: n.Rounding) -> None:
        ty = self.typer.infer(r.quantum)
        if ty is not None and ty.kind not in (K.MONEY, K.NUMBER, K.INTEGER):
            self.error("T001", f"rounding is to an amount such as `0.01 元`, got {describe(ty)}", r.quantum.span)

    def _declarations(self) -> None:
        s = self.scope
        for d in self.policy.decls:
            if isinstance(d, n.EnumDecl) and s.declare_global(d.name, d.span, "category"):
                s._no_duplicates(d.values, d.span, "value")
                s.enums[d.name] = t.enum(d.values, d.name)
            elif isinstance(d, n.RecordDecl) and s.declare_global(d.name, d.span, "record"):
                s.record_decls[d.name] = d
        for d in self._decls(n.RecordDecl):
            if s.record_decls.get(d.name) is d:
                s.add_record(d)
        for d in self._decls(n.ValueDecl):
            if d.each is not None:
                if d.each not in s.record_decls:
                    self.error("N004", f"no record named `{d.each}`", d.span,
                               hint=s.closest(d.each, tuple(s.record_decls)))
                elif d.name in s.each.setdefault(d.each, {}) or d.name in s.records[d.each].fields:
                    self.error("N002", f"record `{d.each}` already has `{d.name}`", d.span)
                else:
                    s.each[d.each][d.name] = d
        for d in self.policy.decls:
            if isinstance(d, n.ValueDecl) and d.each is not None:
                continue
            if isinstance(d, n.ResultDecl) and s.declare_global(d.name, d.span, "output"):
                s.values[d.name] = d  # type: ignore[assignment]  # used by name like a value
                s.results[d.name] = d
            elif isinstance(d, n.FactsDecl):
                s.add_facts(d)
            elif isinstance(d, n.SetDecl) and s.declare_global(d.name, d.span, "set"):
                s._no_duplicates(d.members, d.span, "member")
                s.sets[d.name] = d
            elif isinstance(d, n.ParameterDecl) and s.declare_global(d.name, d.span, "parameter"):
                ty = s.resolve_type(d.type)
                if ty is not None:
                    s.params[d.name] = (d, ty)
            elif isinstance(d, n.ValueDecl) and s.declare_global(d.name, d.span, "value"):
                s.values[d.name] = d
            elif isinstance(d, n.OutputDecl) and s.declare_global(d.name, d.span, d.kind):
                s.outputs[d.name] = d
                s.output_parts[d.name] = _part_names(d)
                s.output_types[d.name] = t.MONEY if d.monetary else t.BOOL
            elif isinstance(d, n.TableDecl) and s.declare_global(d.name, d.span, "table"):
                s.tables[d.name] = d
        for d in self._decls(n.TableDecl):
            if s.tables.get(d.name) is d:
                self._table(d)
        for d in self._decls(n.ParameterDecl):
            if d.name in s.params:
                self._parameter(d, s.params[d.name][1])

    def _table(self, d: n.TableDecl) -> None:
        if d.key is not None:
            self._range_table(d)
            return
        s = self.scope
        key_type = s.enums.get(d.key_type)
        if key_type is None:
            self.error("N004", f"a table is keyed by a category declared with `enum`; `{d.key_type}` is not one",
                       d.span, hint=s.closest(d.key_type, tuple(s.enums)))
        value_type = s.resolve_type(d.value_type)
        s.table_types[d.name] = (key_type, value_type)
        seen: set[str] = set()
        for e in d.entries:
            if e.key in seen:
                self.error("N002", f"table `{d.name}` lists `{e.key}` twice", e.span)
            seen.add(e.key)
            if key_type is not None and e.key not in key_type.values:
                self.error("N005", f"`{e.key}` is not a value of {key_type}", e.span,
                           hint=s.closest(e.key, key_type.values))
            self._expect(e.expr, value_type, f"an entry of table `{d.name}`")
        if d.otherwise is not None:
            self._expect(d.otherwise, value_type, f"the `otherwise` entry of table `{d.name}`")
        elif key_type is not None:
            missing = [v for v in key_type.values if v not in seen]
            if missing:
                self.error("C004", f"table `{d.name}` has no entry for {', '.join(missing)}", d.span,
                           hint="add the missing entries or an `otherwise:` entry")

    def _range_table(self, d: n.TableDecl) -> None:
        """Bounds are constants of the key's type; rows may not overlap, and a gap between rows
        is an error unless the table has an `otherwise` row (C010, with the uncovered values)."""
        from policyrules.check.checked import Band

        s = self.scope
        assert d.key is not None
        key_type = s.resolve_type(d.key)
        value_type = s.resolve_type(d.value_type)
        if d.progressive and value_type is not None and value_type.kind is not K.PERCENT:
            self.error("T004", f"a progressive table gives a rate for each band, not {describe(value_type)}",
                       d.value_type.span, hint=f"e.g. `table {d.name}: … -> percent progressive`")
        s.table_types[d.name] = (key_type, value_type)
        bands: list[Band] = []
        for r in d.ranges:
            bounds = []
            for b in (r.low, r.high):
                bounds.append(None if b is None else self._bound_value(b, key_type, d.name))
            self._expect(r.expr, value_type, f"a row of table `{d.name}`")
            lo, hi = bounds
            if lo is not None and hi is not None and lo >= hi:
                self.error("C010", "the row's lower bound is not below its upper bound", r.span)
            bands.append(Band(bounds[0], r.low_inclusive, bounds[1], r.high_inclusive, r.expr))
        if d.otherwise is not None:
            self._expect(d.otherwise, value_type, f"the `otherwise` row of table `{d.name}`")
        s.table_bands[d.name] = tuple(bands)
        if key_type is not None:
            self._gaps(d, bands, key_type)
        if d.progressive and bands and (bands[0].low not in (None, 0)):
            self.error("C010", f"progressive table `{d.name}` must start at 0", d.ranges[0].span)

    def _bound_value(self, e: n.Expr, key_type: t.Type | None, table: str) -> Any:
        ty = self.typer.infer(e)
        if ty is not None and key_type is not None and not compatible(ty, key_type):
            self.error("T004", f"a bound of table `{table}` must be {describe(key_type)}, got {describe(ty)}", e.span)
            return None
        if isinstance(e, n.Duration):
            return e.value * 12 if e.unit == "year" else e.value
        if isinstance(e, n.Money | n.Number | n.Percent):
            return e.value
        self.error("T004", "a bound of a range is a plain value such as `10 years` or `36000 元`", e.span)
        return None

    def _gaps(self, d: n.TableDecl, bands: list[Any], key_type: t.Type) -> None:
        from policyrules.explain.formula import fmt_value

        def low_key(b: Any) -> tuple[int, Any, int]:
            return (0, 0, 0) if b.low is None else (1, b.low, 0 if b.low_inclusive else 1)

        rows = sorted(bands, key=low_key)
        for a, b in zip(rows, rows[1:], strict=False):
            if a.high is None or b.low is None:
                self.error("C010", f"table `{d.name}`: two rows are open on the same side and overlap", d.span)
                continue
            show = fmt_value(a.high, key_type)
            lo = fmt_value(b.low, key_type)
            if a.high > b.low or (a.high == b.low and a.high_inclusive and b.low_inclusive):
                self.error("C010", f"table `{d.name}`: rows overlap at {lo}" + (f" to {show}" if a.high != b.low else ""),
                           d.span, hint="make one bound exclusive: `below` (不满) the upper or `above` (超过) the lower")
            elif d.otherwise is None and (a.high < b.low or (not a.high_inclusive and not b.low_inclusive)):
                what = (f"{show}" if a.high == b.low else
                        f"{'above' if a.high_inclusive else 'from'} {show} {'below' if b.low_inclusive else 'up to'} {lo}")
                self.error("C010", f"table `{d.name}` has a gap: no row holds {what}", d.span,
                           hint="extend a row to cover it, or add an `otherwise:` row")

    def _parameter(self, d: n.ParameterDecl, ty: t.Type) -> None:
        # a parameter's percentage is a rate the policy applies (300 % of the day wage): up to 1000 %
        saved, self.typer._multiplier = self.typer._multiplier, True
        try:
            self._parameter_values(d, ty)
        finally:
            self.typer._multiplier = saved

    def _parameter_values(self, d: n.ParameterDecl, ty: t.Type) -> None:
        if d.fixed is not None:
            check_written(d.fixed, ty, f"parameter `{d.name}`", self.scope, self._expect, self.error)
        last: dt.date | None = None
        for dv in d.dated:
            if last is not None and dv.start <= last:
                self.error("C008", f"dated values of `{d.name}` must be in date order", dv.span)
            last = dv.start
            check_written(dv.expr, ty, f"parameter `{d.name}`", self.scope, self._expect, self.error)

    def _expect(self, e: n.Expr, ty: t.Type | None, what: str) -> None:
        got = self.typer.infer(e, expect=ty)
        if got is not None and ty is not None and not compatible(got, ty):
            self.error("T004", f"{what} must be {describe(ty)}, got {describe(got)}", e.span)

    # ---------------------------------------------------------------- values
    def _value_type(self, name: str) -> t.Type | None:
        s = self.scope
        if name in s.value_types:
            return s.value_types[name]
        if name in self._in_progress:
            return None  # a cycle; reported by the cycle pass
        self._in_progress.add(name)
        # an output declared with a category type: its values are names of that category
        declared = s.results[name].type if name in s.results else None
        expect = s.enums.get(declared.ref or "") if declared is not None and declared.kind == "named" else None
        ty = self.typer.infer(s.values[name].expr, expect=expect)
        self._in_progress.discard(name)
        s.value_types[name] = ty
        return ty

    def _values(self) -> None:
        for name in list(self.scope.values):
            self._value_type(name)
        for record, values in self.scope.each.items():
            for name in values:
                self._each_type(record, name)
        for name, d in self.scope.results.items():
            ty = self.scope.value_types.get(name)
            if d.type is not None and ty is not None:
                want = self.scope.resolve_type(d.type)
                if want is not None and self._ids_of_declared_record(ty, want):
                    pass  # `output xs: list of R = list rs where …`: the items' keys, as computed
                elif want is not None and not compatible(ty, want):
                    self.error("T004", f"output `{name}` is declared {describe(want)} but computes {describe(ty)}",
                               d.expr.span)
                elif want is not None and want.kind is t.Kind.INTEGER and ty.kind is not t.Kind.INTEGER \
                        and not d.rounding and not _whole(d.expr):
                    self.error("T004", f"output `{name}` is declared a whole number but computes {describe(ty)}, "
                                       "which may have a fraction", d.expr.span,
                               hint="say how it is made whole: a clause `rounding down to 1` (or `half_up`), "
                                    "or `floor(…)` / `round_down(…, 1)` in the expression")
                elif want is not None:
                    self.scope.value_types[name] = want
            typ = self.scope.value_types.get(name)
            if d.rounding and typ is not None and typ.kind not in _ROUNDED:
                self.error("T004", f"output `{name}` is {describe(typ)}: only a number, an amount or a duration "
                                   "is rounded", d.rounding[0].span, hint="remove the `rounding` clause")
            for r in d.rounding:
                self._rounding(r)

    def _ids_of_declared_record(self, ty: t.Type, want: t.Type) -> bool:
        """An output declared `list of R` that computes `list … where` (a list of R's keys)."""
        if ty.kind is not t.Kind.LIST or want.kind is not t.Kind.LIST:
            return False
        if ty.element is None or want.element is None or want.element.kind is not t.Kind.RECORD:
            return False
        decl = self.scope.records.get(want.element.record or "")
        if decl is None or decl.key not in decl.fields:
            return False
        return ty.element == decl.fields[decl.key].type

    def _each_type(self, record: str, name: str) -> t.Type | None:
        s = self.scope
        key = (record, name)
        if key in s.each_types:
            return s.each_types[key]
        if f"{record}.{name}" in self._in_progress:
            return None
        self._in_progress.add(f"{record}.{name}")
        saved, s.items = s.items, [record]
        try:
            ty = self.typer.infer(s.each[record][name].expr)
        finally:
            s.items = saved
            self._in_progress.discard(f"{record}.{name}")
        s.each_types[key] = ty
        return ty

    def _default(self, e: n.Expr, ty: t.Type) -> Any:
        """The value of a field's default: a literal of the field's type."""
        got = self.typer.infer(e, expect=ty)
        if got is not None and not compatible(got, ty):
            self.error("T004", f"the default must be {describe(ty)}, got {describe(got)}", e.span)
            return None
        if isinstance(e, n.Duration):
            return e.value * 12 if e.unit == "year" else e.value
        if isinstance(e, n.Name):
            return e.parts[0]
        if isinstance(e, n.Number | n.Money | n.Percent | n.Bool | n.Text | n.DateLit):
            return int(e.value) if ty.kind is K.INTEGER and isinstance(e.value, Decimal) else e.value
        self.error("T004", "a default is a plain value such as `false`, `0 元` or `0 days`", e.span)
        return None

    # ---------------------------------------------------------------- outputs
    def _outputs(self) -> dict[str, Output]:
        result: dict[str, Output] = {}
        for name, d in self.scope.outputs.items():
            amount_type = self._output(d)
            result[name] = Output(d, t.MONEY if d.monetary else t.BOOL, amount_type, _part_names(d),
                                  frozenset(), None)
        return result

    def _output(self, d: n.OutputDecl) -> t.Type | None:
        for c in d.conditions:
            self.typer.condition(c)
        for extra in d.amounts[1:]:
            self.error("C005", f"`{d.name}` has more than one `amount`", extra.span,
                       hint="combine them with `if ... else` or `except`")
        for term in d.terms[1:]:
            self.error("C005", f"`{d.name}` has more than one term", term.span)
        for rnd in d.rounding[1:]:
            self.error("C005", f"`{d.name}` states its rounding twice", rnd.span)
        for r in d.rounding:
            self._rounding(r)
        for v in d.valid:
            if v.end is not None and v.end < v.start:
                self.error("C008", f"`{d.name}` ends ({v.end}) before it starts ({v.start})", v.span)
        for term in d.terms:
            self._term(term)
        if not d.monetary:
            for a in d.amounts:
                self.error("C005", f"`{d.name}` is a {d.kind}: it has conditions, not an amount", a.span,
                           hint="declare it as `benefit` if it pays money")
            return None
        if not d.amounts:
            self.error("C005", f"benefit `{d.name}` has no `amount`", d.span)
            return None
        ty = self._amount(d, d.amounts[0])
        if ty is not None and ty.kind is K.RATE and d.period in ("once", None):
            self.error("T004", f"`{d.name}` is paid {'once' if d.period else 'without a period'}, so its amount "
                       f"must be money, not {ty}", d.amounts[0].span,
                       hint="state the period after the name (`yearly` or `monthly`), or multiply by a duration")
        return ty

    def _amount(self, d: n.OutputDecl, body: n.AmountBody) -> t.Type | None:
        if isinstance(body, n.Parts):
            types = [self._money(p.expr, f"part `{p.name}`") for p in body.items]
            seen: set[str] = set()
            for p in body.items:
                if p.name in seen:
                    self.error("N002", f"part `{p.name}` is listed twice", p.span)
                seen.add(p.name)
            known = [x for x in types if x is not None]
            if known and any(x != known[0] for x in known):
                self.error("T007", "all parts must be in the same unit", body.span)
            return known[0] if known else None
        if isinstance(body, n.Allocation):
            q = self._money(body.quota, "the quota")
            for p in body.items:
                self._money(p.expr, f"item `{p.name}`")
            return q
        if isinstance(body, n.Choice):
            names = _body_parts(body.default) if body.default is not None else None
            types = []
            for b in body.branches:
                self.typer.condition(b.cond)
                types.append(self._amount(d, b.value))
                if names is not None and _body_parts(b.value) != names:
                    self.error("C009", f"every branch must have the same parts: this one has "
                               f"{', '.join(_body_parts(b.value)) or 'none'}, the others {', '.join(names) or 'none'}",
                               b.span)
            if body.default is not None:
                types.append(self._amount(d, body.default))
            known = [x for x in types if x is not None]
            for x in known[1:]:
                if not compatible(x, known[0]):
                    self.error("T007", f"branches give {describe(known[0])} and {describe(x)}", body.span)
                    break
            return known[0] if known else None
        return self._money(body, f"the amount of `{d.name}`")

    def _money(self, e: n.Expr, what: str) -> t.Type | None:
        ty = self.typer.infer(e)
        if ty is None:
            return None
        if ty.kind not in (K.MONEY, K.RATE):
            rate = f"{format((e.value * 100).normalize(), 'f')}%" if isinstance(e, n.Percent) else "20%"
            hint = (f"a percentage of an amount is written `{rate} of` the amount it applies to" if ty.kind is K.PERCENT
                    else "write amounts with their unit, e.g. `500 元`" if ty.numeric else None)
            self.error("T004", f"{what} must be money, but it is {describe(ty)}", e.span, hint=hint)
            return None
        self._bounds(e)
        return ty

    def _bounds(self, e: n.Expr) -> None:
        """A constant floor above a constant cap can never be met."""
        caps: list[Decimal] = []
        floors: list[Decimal] = []
        node: Any = e
        while isinstance(node, n.Bound):
            if isinstance(node.limit, n.Money):
                (caps if node.kind == "cap" else floors).append(node.limit.value)
            node = node.operand
        if caps and floors and max(floors) > min(caps):
            self.error("C002", f"the floor {max(floors)} 元 is above the cap {min(caps)} 元", e.span,
                       hint="a floor must not exceed the cap it sits under")

    def _term(self, term: n.Term) -> None:
        lim = self.typer.infer(term.limit)
        if lim is not None and lim.kind is not K.DURATION:
            self.error("T008", f"a term is a duration such as `3 years`, got {describe(lim)}", term.limit.span)
        used = self.typer.infer(term.counting)
        if used is not None and used.kind not in (K.DURATION, K.INTEGER):
            self.error("T008", f"a term counts a duration already received, got {describe(used)}",
                       term.counting.span)
        for ext in term.extensions:
            if ext.by is not None:
                by = self.typer.infer(ext.by)
                if by is not None and by.kind is not K.DURATION:
                    self.error("T008", f"an extension is a duration, got {describe(by)}", ext.by.span)
            self.typer.condition(ext.cond)

    # ---------------------------------------------------------------- signs
    def _signs(self) -> None:
        """No benefit can pay a negative amount (C011): prove it, or say how it can."""
        from policyrules.check.signs import Signs, amount_exprs
        from policyrules.explain.text import _source

        s = self.scope
        if any(d.severity == "error" for d in self.diagnostics):
            return  # names and types must be right first

        class _Src:
            source = self.source

        def source(e: Any) -> str:
            return " ".join(_source(_Src, e).split())  # type: ignore[arg-type]

        def lookup(ref: Ref) -> Any:
            ty = s.type_of_ref(ref) if ref.what != "enum" else None
            if ref.path:
                return f"`{ref.name}.{'.'.join(ref.path)}` may be negative" if ty is not None and ty.signed else None
            if ref.what in ("fact", "item"):
                return f"`{ref.name}` may be negative (declared signed)" if ty is not None and ty.signed else None
            if ref.what == "param":
                d, pty = s.params[ref.name]
                if pty.signed:
                    return f"`{ref.name}` may be negative (declared signed)"
                return d.fixed if not isinstance(d.fixed, n.ListValue | n.EntriesValue) else None
            if ref.what == "value":
                return s.values[ref.name].expr
            if ref.what == "each":
                return s.each[ref.kind or ""][ref.name].expr
            return None

        def table(name: str) -> list[Any]:
            d = s.tables.get(name)
            if d is None:
                return []
            rows = [e.expr for e in d.entries] + [r.expr for r in d.ranges]
            return rows + ([d.otherwise] if d.otherwise is not None else [])

        unsigned = frozenset((K.DATE, K.MONTH, K.BOOL, K.ENUM, K.TEXT))
        types = self.typer.types

        def numeric(e: Any) -> bool:
            ty = types.get(id(e))
            return ty is None or ty.kind not in unsigned

        signs = Signs(s.refs, source, lookup, table, numeric)
        # lookup() gives a reason (a str) only for a fact, field or parameter declared signed
        signs.any_signed = (any(f.type.signed for kind in s.facts.values() for f in kind.fields.values())
                            or any(f.type.signed for r in s.records.values() for f in r.fields.values())
                            or any(ty.signed for _, ty in s.params.values()))
        for d in s.outputs.values():
            if not d.monetary or not d.amounts:
                continue
            when: frozenset[tuple[str, str]] | None = None  # what the conditions give: only ever helps a proof
            for e, conds in amount_exprs(d.amounts[0]):
                why = signs.amount(frozenset(), e)
                if why and (d.conditions or conds):
                    if when is None:
                        when = frozenset().union(*(signs.facts(c) for c in d.conditions))
                    why = signs.amount(when.union(*(signs.facts(c) for c in conds)), e)
                if why:
                    self.error("C011", f"the amount of `{d.name}` can be negative: {why}", e.span,
                               hint="add a floor (`at_least 0 元`), or declare `signed` the fact that may be negative")
                    break
        for name, r in s.results.items():  # a money output is an amount too, unless declared signed
            ty = s.value_types.get(name)
            if ty is None or ty.kind not in (K.MONEY, K.RATE) or (r.type is not None and r.type.signed):
                continue
            why = signs.amount(frozenset(), r.expr)
            if why:
                self.error("C011", f"the amount `{name}` can be negative: {why}", r.expr.span,
                           hint=f"add a floor (`at_least 0 元`), or declare it `output {name}: signed money = …` "
                           "where a negative amount is meant")

    # ---------------------------------------------------------------- groups
    def _groups(self, outputs: dict[str, Output]) -> None:
        owner: dict[str, str] = {}
        for g in self._decls(n.GroupDecl):
            if not self.scope.declare_global(g.name, g.span, "group"):
                continue
            for m, span in zip(g.members, g.member_spans, strict=True):
                if m not in outputs:
                    self.error("N008", f"`{m}` in group `{g.name}` is not an output", span,
                               hint=self.scope.closest(m, tuple(outputs)))
                    continue
                if not outputs[m].decl.monetary:
                    self.error("C007", f"`{m}` is not a benefit; only benefits can exclude each other", span)
                if m in owner:
                    self.error("C007", f"`{m}` is already in group `{owner[m]}`", span)
                owner[m] = g.name
        for name, o in list(outputs.items()):
            if name in owner:
                outputs[name] = Output(o.decl, o.type, o.amount_type, o.part_names, o.kinds, owner[name])

    # ---------------------------------------------------------------- cycles
    def _uses(self) -> dict[str, list[n.Name]]:
        """Every Name each value and output uses (walked once, for the cycles and the kinds)."""
        if self._used is None:
            s = self.scope
            used: dict[str, list[n.Name]] = {}
            for name, vd in s.values.items():
                used[name] = names(vd.expr)
            for record, values in s.each.items():
                for name, vd in values.items():
                    used[f"{record}.{name}"] = names(vd.expr)
            for name, od in s.outputs.items():
                used[name] = names((od.conditions, od.amounts, od.terms))
            self._used = used
        return self._used

    def _deps_of(self, found: list[n.Name], acc: set[str]) -> None:
        for name in found:
            ref = self.scope.refs.get(id(name))
            if ref is not None and ref.what in ("value", "output"):
                acc.add(ref.name)
            elif ref is not None and ref.what == "each":
                acc.add(f"{ref.kind}.{ref.name}")
            elif ref is not None and ref.what == "part":
                acc.add(ref.kind or "")

    def _cycles(self) -> None:
        s = self.scope
        graph: dict[str, set[str]] = {}
        spans: dict[str, Span] = {}
        used = self._uses()
        for name, vd in s.values.items():
            graph[name] = set()
            self._deps_of(used[name], graph[name])
            spans[name] = vd.span
        for record, values in s.each.items():
            for name, vd in values.items():
                graph[f"{record}.{name}"] = set()
                self._deps_of(used[f"{record}.{name}"], graph[f"{record}.{name}"])
                spans[f"{record}.{name}"] = vd.span
        for name, od in s.outputs.items():
            graph[name] = set()
            self._deps_of(used[name], graph[name])
            spans[name] = od.span
        self.deps = graph
        state: dict[str, int] = {}
        reported: set[frozenset[str]] = set()

        def visit(node: str, path: list[str]) -> None:
            state[node] = 1
            for nxt in sorted(graph.get(node, ())):
                if nxt not in graph:
                    continue
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt):] + [nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.error("C001", "these definitions depend on each other: " + " -> ".join(cycle),
                                   spans[nxt], hint="a definition may not use itself, directly or through others")
                elif state.get(nxt) is None:
                    visit(nxt, path + [nxt])
            state[node] = 2

        for name in graph:
            if name not in state:
                visit(name, [name])

    # ---------------------------------------------------------------- result
    def _kinds(self) -> dict[str, frozenset[str]]:
        """Fact kinds each value and output needs, through everything it uses."""
        direct: dict[str, set[str]] = {}
        s = self.scope

        for name, found in self._uses().items():
            acc = direct[name] = set()
            for used in found:
                ref = s.refs.get(id(used))
                if ref is not None and ref.what == "fact" and ref.kind:
                    acc.add(ref.kind)
        memo: dict[str, frozenset[str]] = {}

        def total(name: str, seen: frozenset[str]) -> frozenset[str]:
            if name in memo:
                return memo[name]
            acc = set(direct.get(name, ()))
            for dep in self.deps.get(name, ()):
                if dep not in seen:
                    acc |= total(dep, seen | {dep})
            memo[name] = frozenset(acc)
            return memo[name]

        return {name: total(name, frozenset({name})) for name in direct}

    def _build(self, h: n.PolicyDecl | None, outputs: dict[str, Output]) -> CheckedPolicy:
        assert h is not None
        s = self.scope
        kinds = self._kinds()
        groups = {g.name: g for g in self._decls(n.GroupDecl)}
        for name, o in list(outputs.items()):
            needed = set(kinds.get(name, frozenset()))
            if o.group:
                for m in groups[o.group].members:
                    needed |= kinds.get(m, frozenset())
            outputs[name] = Output(o.decl, o.type, o.amount_type, o.part_names, frozenset(needed), o.group)
        mode, quantum = "half_up", Decimal("0.01")
        if h.rounding:
            mode, quantum = h.rounding[0].mode, _const(h.rounding[0].quantum)
        valid = h.valid[0] if h.valid else None
        tables = {name: Table(d, *_non_none(s.table_types[name]), {e.key: e.expr for e in d.entries},
                              s.table_bands.get(name, ()))  # type: ignore[arg-type]
                  for name, d in s.tables.items()}
        return CheckedPolicy(
            ast=self.policy, source=self.source, name=h.name, label=h.label,
            valid_from=valid.start if valid else None, valid_until=valid.end if valid else None,
            rounding_mode=mode, rounding_quantum=quantum, enums=s.enums,
            sets={k: (s.set_types.get(k), frozenset(v.members)) for k, v in s.sets.items()},
            tables=tables, facts=s.facts,
            params={k: Parameter(d, ty) for k, (d, ty) in s.params.items()},
            values={k: (d, s.value_types[k] or t.NUMBER) for k, d in s.values.items()},  # type: ignore[misc]
            records={k: attrs.evolve(r, each={v: (d, s.each_types.get((k, v)) or t.NUMBER)
                                              for v, d in s.each.get(k, {}).items()})
                     for k, r in s.records.items()},
            results={k: (d, s.value_types.get(k) or t.NUMBER) for k, d in s.results.items()},
            outputs=outputs, groups=groups, invariants=tuple(self._decls(n.InvariantDecl)),
            refs=s.refs, types=self.typer.types, value_kinds=kinds,
        )


def _scorecards(decls: tuple[Any, ...], error: Any, scope: Scope) -> dict[str, Any]:
    """Bind and check the scorecards (in the scope of the policy's declarations), loading the
    scorecard engine only when there are some."""
    from policyrules.scorecard.model import Scorecard

    if not any(isinstance(d, Scorecard) for d in decls):
        return {}
    from policyrules.scorecard.bind import bind_scorecards

    return bind_scorecards(decls, error, scope)  # type: ignore[no-any-return]


def _non_none(pair: tuple[t.Type | None, t.Type | None]) -> tuple[t.Type, t.Type]:
    a, b = pair
    assert a is not None and b is not None
    return a, b


def _const(e: n.Expr) -> Decimal:
    if isinstance(e, n.Money | n.Number):
        return e.value
    return Decimal("0.01")


def _body_parts(body: Any) -> tuple[str, ...]:
    if isinstance(body, n.Parts | n.Allocation):
        return tuple(p.name for p in body.items)
    if isinstance(body, n.Choice):
        if body.default is not None:
            return _body_parts(body.default)
        return _body_parts(body.branches[0].value) if body.branches else ()
    return ()


def _whole(e: n.Expr) -> bool:
    """Is ``e`` made whole by the function that computes it (``floor``, ``round(x, 1)``, …)?"""
    if isinstance(e, n.Call) and e.func in ("floor", "ceil"):
        return True
    return (isinstance(e, n.Call) and e.func in ("round", "round_down") and len(e.args) == 2
            and isinstance(e.args[1], n.Number) and e.args[1].value == 1)


def _part_names(d: n.OutputDecl) -> tuple[str, ...]:
    return _body_parts(d.amounts[0]) if d.amounts else ()


_ROUNDED = frozenset({K.MONEY, K.RATE, K.NUMBER, K.INTEGER, K.PERCENT, K.DURATION})
"""The kinds of value a `rounding` clause applies to."""


def check(policy: n.Policy, source: Source) -> CheckedPolicy:
    """Check a parsed policy; raise PolicyError listing every problem."""
    try:
        with paused_gc():
            return Checker(policy, source).run()
    except RecursionError:
        d = Diagnostic("P005", "an expression is nested too deeply to check", Span(1, 1, 1, 2), source.path,
                       hint="split it into named values with `value NAME = ...`")
        raise PolicyError([d], {source.path: source}) from None


__all__ = ["check", "Ref"]

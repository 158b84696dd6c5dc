"""The AST: frozen, slotted attrs nodes, each with a source span left out of equality.

Names are canonical (English) whatever keywords the policy was written in, so a
policy in Chinese keywords and the same policy in English keywords give equal ASTs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from policyrules.source import NO_SPAN, Span


def _span() -> Span:
    return attrs.field(default=NO_SPAN, eq=False, repr=False)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- expressions
@attrs.frozen(slots=True)
class Number:
    value: Decimal
    span: Span = _span()


@attrs.frozen(slots=True)
class Money:
    """Yuan; ``wan`` records that the drafter wrote 万元 (for printing only)."""

    value: Decimal
    span: Span = _span()


@attrs.frozen(slots=True)
class Percent:
    """A percentage, stored as a fraction: ``10%`` is ``Decimal("0.10")``."""

    value: Decimal
    span: Span = _span()


@attrs.frozen(slots=True)
class Duration:
    value: Decimal
    unit: str  # day | month | year
    span: Span = _span()


@attrs.frozen(slots=True)
class DateLit:
    value: dt.date
    span: Span = _span()


@attrs.frozen(slots=True)
class Bool:
    value: bool
    span: Span = _span()


@attrs.frozen(slots=True)
class Text:
    value: str
    span: Span = _span()


@attrs.frozen(slots=True)
class Name:
    """A reference: ``parts`` is ``("annual_rent",)`` or ``("enterprise", "pays_si")``."""

    parts: tuple[str, ...]
    span: Span = _span()

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@attrs.frozen(slots=True)
class EvaluationDate:
    span: Span = _span()


@attrs.frozen(slots=True)
class Unary:
    op: str  # neg | not
    operand: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Binary:
    """Arithmetic (add sub mul div), logic (and or implies), comparison (ge le gt lt eq ne)."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Of:
    """``rate of base`` (English order) or ``base 的 rate`` (Chinese order)."""

    rate: Expr
    base: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class PerPeriod:
    """An amount per period: ``960 元 per month`` is a monthly rate."""

    operand: Expr
    period: str  # month | year
    span: Span = _span()


@attrs.frozen(slots=True)
class Bound:
    """A cap (``at most``) or floor (``at least``) applied to an amount."""

    kind: str  # cap | floor
    operand: Expr
    limit: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class InSet:
    """``x in NAME`` / ``x in {a, b}``: NAME is a set of category values, or a list of plain
    values (a parameter, fact or value), whose reference is ``source``."""

    operand: Expr
    set_name: str | None
    members: tuple[str, ...]
    negated: bool
    span: Span = _span()
    source: Name | None = attrs.field(default=None, eq=False)  # set_name as a reference: no new meaning


@attrs.frozen(slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class Lookup:
    table: str
    key: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class IfExpr:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Actual:
    """``actual cost``: marks an amount paid as actually incurred (up to any cap)."""

    operand: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Aggregate:
    """An aggregate over a list of records: ``count hires where …``, ``sum hours over records
    where …``, ``smallest``/``largest``, ``any``/``every``, ``list`` (their ids), ``first``/``last``.
    ``expr`` (sum, smallest, largest) and ``where`` are evaluated for each item, whose fields
    (and per-item values) are then names in scope."""

    op: str  # count | sum | min | max | any | every | ids | first | last
    items: Name
    expr: Expr | None
    where: Expr | None
    span: Span = _span()


Expr = (
    Number | Money | Percent | Duration | DateLit | Bool | Text | Name | EvaluationDate | Unary | Binary | Of | PerPeriod | Bound | InSet | Call
    | Lookup | IfExpr | Actual | Aggregate
)


# ---------------------------------------------------------------- types
@attrs.frozen(slots=True)
class TypeExpr:
    """A written type: ``kind`` is money, integer, number, percent, bool, date, text,
    duration, named or enum."""

    kind: str
    unit: str | None = None
    values: tuple[str, ...] = ()
    ref: str | None = None
    signed: bool = False
    element: str | None = None  # the record of a list type
    key: TypeExpr | None = None  # the key type of a map type (its values are ``value``)
    value: TypeExpr | None = None
    span: Span = _span()


# ---------------------------------------------------------------- amounts
@attrs.frozen(slots=True)
class Part:
    name: str
    label: str | None
    expr: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Parts:
    items: tuple[Part, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class Allocation:
    """A quota used up over items in order (依次减免)."""

    quota: Expr
    items: tuple[Part, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class Branch:
    cond: Expr
    value: Expr | Parts
    span: Span = _span()


@attrs.frozen(slots=True)
class Choice:
    """Ordered alternatives (``if ... else``) or a default with exceptions
    (``except``); the first branch whose condition holds wins."""

    style: str  # alternatives | exceptions
    branches: tuple[Branch, ...]
    default: Expr | Parts | None
    span: Span = _span()


AmountBody = (
    Expr | Parts | Allocation | Choice
)


@attrs.frozen(slots=True)
class Extension:
    by: Expr | None
    cond: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Term:
    """``for at most 3 years counting years_received`` with its extensions."""

    limit: Expr
    counting: Expr
    extensions: tuple[Extension, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class Rounding:
    mode: str  # half_up | half_even | down | up
    quantum: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Valid:
    start: dt.date
    end: dt.date | None
    span: Span = _span()


@attrs.frozen(slots=True)
class Cite:
    value: str
    span: Span = _span()


# ---------------------------------------------------------------- declarations
@attrs.frozen(slots=True)
class PolicyDecl:
    name: str
    label: str | None
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    valid: tuple[Valid, ...]
    rounding: tuple[Rounding, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class ListValue:
    """A list written out as a parameter's value: ``[…]`` (place names, the bands of a rate table)."""

    items: tuple[ParamValue, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class Entry:
    """One ``key: value`` of a record or a table written out as a parameter's value."""

    key: str
    key_kind: str  # name | number | text: how the key was written
    value: ParamValue
    span: Span = _span()


@attrs.frozen(slots=True)
class EntriesValue:
    """A record ``{field: …}`` or a table ``{key: …}`` written out as a parameter's value;
    the parameter's declared type says which."""

    entries: tuple[Entry, ...]
    span: Span = _span()


ParamValue = Expr | ListValue | EntriesValue


@attrs.frozen(slots=True)
class DatedValue:
    start: dt.date
    expr: ParamValue
    span: Span = _span()


@attrs.frozen(slots=True)
class ParameterDecl:
    """A parameter: fixed, dated (the value in force on the evaluation date), or
    left open for the caller to supply (no value)."""

    name: str
    label: str | None
    type: TypeExpr
    fixed: ParamValue | None
    dated: tuple[DatedValue, ...]
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()
    overridable: bool = False  # `default VALUE`: the policy's value, which a caller may replace


@attrs.frozen(slots=True)
class EnumDecl:
    name: str
    label: str | None
    values: tuple[str, ...]
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class SetDecl:
    name: str
    label: str | None
    members: tuple[str, ...]
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class TableEntry:
    key: str
    expr: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class RangeEntry:
    """A row of a range table: ``from 10 years below 20 years: 10 days`` (absent bounds are open)."""

    low: Expr | None
    low_inclusive: bool
    high: Expr | None
    high_inclusive: bool
    expr: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class TableDecl:
    """A table keyed by a category (``entries``), or by ranges of a number (``ranges``, keyed by
    ``key``); a ``progressive`` range table of rates gives the sum over its bands (超额累进)."""

    name: str
    label: str | None
    key_type: str
    value_type: TypeExpr
    entries: tuple[TableEntry, ...]
    otherwise: Expr | None
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()
    ranges: tuple[RangeEntry, ...] = ()
    key: TypeExpr | None = None
    progressive: bool = False


@attrs.frozen(slots=True)
class FieldDecl:
    """A field of facts or of a record; ``optional`` ones may be absent, a ``default`` is used
    when absent (a list is empty when absent)."""

    name: str
    label: str | None
    type: TypeExpr
    optional: bool = False
    default: Expr | None = None
    span: Span = _span()


@attrs.frozen(slots=True)
class RecordDecl:
    """The schema of each item of a list: ``record hire "吸纳人员": …``; ``key`` names the field
    that identifies an item (default: its ``id``)."""

    name: str
    label: str | None
    key: str | None
    fields: tuple[FieldDecl, ...]
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class FactsDecl:
    kind: str
    label: str | None
    fields: tuple[FieldDecl, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class ValueDecl:
    """A named value; with ``each`` (``value pay for_each overtime_record = …``) one per item of
    that record, used by name in aggregates over its list."""

    name: str
    label: str | None
    expr: Expr
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()
    each: str | None = None


@attrs.frozen(slots=True)
class ResultDecl:
    """A named value reported as an output (``output full_years: integer = …``), of any type."""

    name: str
    label: str | None
    type: TypeExpr | None
    expr: Expr
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    rounding: tuple[Rounding, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class OutputDecl:
    """A benefit (money) or a non-monetary outcome (obligation, exemption, title)."""

    kind: str  # benefit | obligation | exemption | title | outcome
    name: str
    label: str | None
    period: str | None  # yearly | monthly | once
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    conditions: tuple[Expr, ...]
    amounts: tuple[AmountBody, ...]
    terms: tuple[Term, ...]
    rounding: tuple[Rounding, ...]
    valid: tuple[Valid, ...]
    span: Span = _span()

    @property
    def monetary(self) -> bool:
        return self.kind == "benefit"


@attrs.frozen(slots=True)
class GroupDecl:
    """Outputs that exclude each other: ``highest`` pays the largest (就高不重复),
    ``first`` pays the first eligible in written order (不得重复享受)."""

    name: str
    label: str | None
    mode: str  # highest | first
    members: tuple[str, ...]
    member_spans: tuple[Span, ...] = attrs.field(eq=False, repr=False)
    cites: tuple[Cite, ...] = ()
    texts: tuple[str, ...] = ()
    span: Span = _span()


@attrs.frozen(slots=True)
class InvariantDecl:
    label: str | None
    expr: Expr
    cites: tuple[Cite, ...]
    texts: tuple[str, ...]
    span: Span = _span()


Decl = (
    PolicyDecl | ParameterDecl | EnumDecl | SetDecl | TableDecl | FactsDecl | RecordDecl | ValueDecl
    | ResultDecl | OutputDecl | GroupDecl | InvariantDecl
)


@attrs.frozen(slots=True)
class Policy:
    """A parsed policy file: its declarations in written order."""

    decls: tuple[Decl, ...]
    path: str = attrs.field(default="<policy>", eq=False)

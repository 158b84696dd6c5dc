"""Calendar arithmetic (issue 7 item 4): dates plus or minus durations with the month-end rule
of 《民法典》第二百零二条, whole periods between dates (第二百零一条: the start day not counted),
parts and bounds of dates, overlaps; the checker's refusals; explanations. Hand-computed cases
first, then hypothesis properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyrules import builtins as b
from policyrules.api import PolicyError, loads
from policyrules.evaluate.expressions import Interpreter
from policyrules.explain.formula import Formula

D = Decimal
date = dt.date
ON = date(2024, 7, 1)

HEAD = """policy cal "日历"

facts person "个人":
  a "a": date
  b "b": date
  c "c": date
  d "d": date
  k "k": months
  y "y": years
  n "n": days
"""
DEFAULTS: dict[str, Any] = {"a": date(2024, 1, 31), "b": date(2024, 2, 29), "c": date(2024, 1, 1),
                            "d": date(2024, 12, 31), "k": D(1), "y": D(12), "n": D(1)}


def interpreter(source: str, on: dt.date, facts: dict[str, Any], tracing: bool = False) -> tuple[Any, Interpreter]:
    cp = loads(source).checked
    row = {**DEFAULTS, **facts}
    it = Interpreter(cp, {"person": row}, {}, on, tracing, lambda name: None, lambda o, p: None)
    return cp, it


def ev(expr: str, on: dt.date = ON, **facts: Any) -> Any:
    """The value of ``expr`` (facts a..d dates, k months, y years (runtime: in months), n days)."""
    _, it = interpreter(HEAD + f"value v = {expr}\n", on, facts)
    return it.value("v")


def errors(expr: str) -> list[tuple[str, str, str | None]]:
    with pytest.raises(PolicyError) as info:
        loads(HEAD + f"value v = {expr}\n")
    return [(x.code, x.message, x.hint) for x in info.value.diagnostics]


# ---------------------------------------------------------------- 第二百零二条: the month end
@pytest.mark.parametrize("start, months, end", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),   # leap year: no 31 February, its last day
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a year from a leap day
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2024, 5, 31), 1, date(2024, 6, 30)),
    (date(2024, 1, 15), 0, date(2024, 1, 15)),
    (date(2024, 11, 30), 3, date(2025, 2, 28)),
    (date(2024, 12, 31), -12, date(2023, 12, 31)),
])
def test_add_months_month_end_rule(start: dt.date, months: int, end: dt.date) -> None:
    assert b.add_months(start, months) == end


def test_date_plus_and_minus_durations() -> None:
    assert ev("a + 1 month") == date(2024, 2, 29)
    assert ev("1 month + a") == date(2024, 2, 29)
    assert ev("b + 1 year") == date(2025, 2, 28)
    assert ev("b - 1 year") == date(2023, 2, 28)
    assert ev("a - 2 months") == date(2023, 11, 30)
    assert ev("a + 30 days") == date(2024, 3, 1)
    assert ev("a - 31 days") == date(2023, 12, 31)
    assert ev("a + k", k=D(13)) == date(2025, 2, 28)
    assert ev("a + y", y=D(24)) == date(2026, 1, 31)  # 2 years, carried as 24 months
    assert ev("c + n", n=D(366)) == date(2025, 1, 1)
    # a fraction of a day or month is dropped (toward zero)
    assert ev("a + k", k=D("2.5")) == date(2024, 3, 31)
    assert ev("a - k", k=D("2.5")) == date(2023, 11, 30)
    assert ev("a + 1.5 years") == date(2025, 7, 31)  # 18 months


def test_calendar_months() -> None:
    assert ev("month_of(a)") == date(2024, 1, 1)
    assert ev("月份(a) + 13 months") == date(2025, 2, 1)
    assert ev("month_of(a) - 1 year") == date(2023, 1, 1)
    assert ev("month_of(b) > month_of(a)") is True
    assert ev("start_of_month(month_of(b))") == date(2024, 2, 1)
    assert ev("end_of_month(month_of(b))") == date(2024, 2, 29)
    assert ev("year_of(month_of(b))") == 2024


# ---------------------------------------------------------------- 第二百零一条: whole periods
@pytest.mark.parametrize("start, end, months", [
    (date(2019, 3, 15), date(2024, 6, 30), 63),
    (date(2024, 1, 31), date(2024, 2, 29), 1),   # the month end completes the month
    (date(2024, 1, 31), date(2024, 2, 28), 0),
    (date(2023, 1, 31), date(2023, 2, 28), 1),
    (date(2024, 1, 30), date(2024, 2, 29), 1),
    (date(2024, 1, 15), date(2024, 2, 14), 0),
    (date(2024, 1, 15), date(2024, 2, 15), 1),
    (date(2024, 3, 31), date(2024, 4, 30), 1),
    (date(2024, 3, 31), date(2024, 4, 29), 0),
    (date(2024, 1, 15), date(2024, 1, 15), 0),
    (date(2024, 2, 29), date(2024, 1, 31), -1),  # symmetric
    (date(2024, 6, 30), date(2019, 3, 15), -63),
])
def test_months_between(start: dt.date, end: dt.date, months: int) -> None:
    assert b.months_between(start, end) == months
    assert ev("months_between(a, b)", a=start, b=end) == D(months)
    assert ev("间隔月数(a, b)", a=start, b=end) == D(months)


def test_days_and_years_between() -> None:
    assert ev("days_between(a, b)", a=date(2024, 1, 1), b=date(2024, 3, 1)) == D(60)
    assert ev("间隔天数(a, b)", a=date(2024, 3, 1), b=date(2024, 1, 1)) == D(-60)
    # 《劳动合同法》第四十七条: years of service, 2019-03-15 to 2024-06-30 is 5 whole years
    assert ev("years_between(a, b)", a=date(2019, 3, 15), b=date(2024, 6, 30)) == D(60)  # in months
    assert ev("周年数(a, b)", a=date(2019, 3, 15), b=date(2024, 3, 14)) == D(48)
    assert ev("间隔年数(a, b)", a=date(2024, 3, 14), b=date(2019, 3, 15)) == D(-48)  # toward zero
    assert ev("years_between(a, b) = 5 years", a=date(2019, 3, 15), b=date(2024, 3, 15)) is True


@pytest.mark.parametrize("birth, on, age", [
    (date(2000, 7, 1), date(2018, 6, 30), 17),
    (date(2000, 7, 1), date(2018, 7, 1), 18),    # the birthday completes the year
    (date(2004, 2, 29), date(2022, 2, 27), 17),
    (date(2004, 2, 29), date(2022, 2, 28), 18),  # a 29 February birthday: 28 February in a common year
    (date(2004, 2, 29), date(2024, 2, 28), 19),
    (date(2004, 2, 29), date(2024, 2, 29), 20),
])
def test_age_on_and_years_since(birth: dt.date, on: dt.date, age: int) -> None:
    assert ev("age_on(a, b)", a=birth, b=on) == D(12 * age)
    assert ev("年龄(a, b) >= 18 years", a=birth, b=on) is (age >= 18)
    assert ev("years_since(a)", on=on, a=birth) == D(12 * age)
    assert ev("周岁(a)", on=on, a=birth) == D(12 * age)
    assert ev("months_since(a) = months_between(a, evaluation_date)", on=on, a=birth) is True


def test_months_since_follows_the_month_end_rule() -> None:
    """months_since is months_between to the evaluation date (it used to miss the month end)."""
    assert ev("months_since(a)", on=date(2024, 2, 29), a=date(2024, 1, 31)) == D(1)
    assert ev("满月数(a)", on=date(2024, 2, 28), a=date(2024, 1, 31)) == D(0)


# ---------------------------------------------------------------- parts and bounds
def test_parts_and_bounds() -> None:
    assert ev("year_of(b)") == 2024
    assert ev("年份(b) = 2024") is True
    assert ev("day_of(b)") == 29
    assert ev("日(a)") == 31
    assert ev("start_of_month(b)") == date(2024, 2, 1)
    assert ev("月初(b)") == date(2024, 2, 1)
    assert ev("end_of_month(b)") == date(2024, 2, 29)
    assert ev("月末(c + 1 month)") == date(2024, 2, 29)
    assert ev("end_of_month(a)", a=date(2023, 2, 3)) == date(2023, 2, 28)
    assert ev("start_of_year(b)") == date(2024, 1, 1)
    assert ev("年初(b)") == date(2024, 1, 1)
    assert ev("end_of_year(b)") == date(2024, 12, 31)
    assert ev("年末(month_of(b))") == date(2024, 12, 31)
    # days left in the year, the leave year of 《职工带薪年休假条例》
    assert ev("days_between(b, end_of_year(b))") == D(306)


# ---------------------------------------------------------------- overlaps
def test_days_overlap() -> None:
    # sick leave 2023-12-20..2024-01-10 inside the leave year 2024: 1 to 10 January
    assert ev("days_overlap(a, b, c, d)", a=date(2023, 12, 20), b=date(2024, 1, 10)) == D(10)
    assert ev("重叠天数(a, b, c, d)", a=date(2024, 2, 1), b=date(2024, 2, 29)) == D(29)
    assert ev("days_overlap(a, b, c, d)", a=date(2023, 1, 1), b=date(2023, 12, 31)) == D(0)
    assert ev("days_overlap(a, b, c, d)", a=date(2024, 12, 31), b=date(2025, 3, 1)) == D(1)
    assert ev("days_overlap(a, b, c, d)", a=date(2024, 3, 1), b=date(2024, 2, 1)) == D(0)  # empty range


def test_months_overlap() -> None:
    # a child born 2022-09-15 is under 3 until 2025-09-14: the months of 2024 with the deduction
    assert ev("months_overlap(a, b, c, d)", a=date(2022, 9, 15), b=date(2025, 9, 14)) == D(12)
    assert ev("months_overlap(a, a + 3 years - 1 day, start_of_year(c), end_of_year(c))",
              a=date(2021, 9, 15)) == D(9)  # January to September 2024: a date counts as its month
    assert ev("重叠月数(a, b, month_of(c), month_of(d))", a=date(2024, 3, 31), b=date(2024, 3, 31)) == D(1)
    assert ev("months_overlap(a, b, c, d)", a=date(2023, 3, 1), b=date(2023, 12, 31)) == D(0)


# ---------------------------------------------------------------- the checker
def test_date_minus_date_is_refused_with_a_hint() -> None:
    [(code, message, hint)] = errors("b - a")
    assert code == "T009" and message == "cannot compute a date - a date"
    assert hint is not None and "days_between(start, end)" in hint


@pytest.mark.parametrize("expr, words", [
    ("a + 500 元", "cannot compute a date + money"),
    ("a + 3", "cannot compute a date + a whole number"),
    ("a + b", "cannot compute a date + a date"),
    ("3 months - a", "cannot compute months - a date"),
    ("month_of(a) + 3 days", "a calendar month moves by months or years, not by days"),
    ("month_of(b) - month_of(a)", "cannot compute a calendar month - a calendar month"),
])
def test_date_arithmetic_refused(expr: str, words: str) -> None:
    [(code, message, _)] = errors(expr)
    assert code == "T009" and message == words


@pytest.mark.parametrize("expr, code", [
    ("n + k", "T001"),  # days and months do not add without a conversion
    ("a × 2", "T001"),
    ("days_between(a, 3 元)", "T006"),
    ("months_between(a)", "T006"),
    ("day_of(month_of(a))", "T006"),
    ("months_overlap(a, b, c, 3)", "T006"),
    ("days_overlap(a, b, c, month_of(d))", "T006"),
    ("a + 1 month > month_of(a)", "T002"),
])
def test_other_refusals(expr: str, code: str) -> None:
    assert [c for c, _, _ in errors(expr)] == [code]


def test_result_types() -> None:
    cp = loads(HEAD + """value d1 = a + 1 month
value m1 = month_of(a) + 1 month
value db = days_between(a, b)
value mb = months_between(a, b)
value yb = years_between(a, b)
value age = age_on(a, b)
value y = year_of(a)
value dd = day_of(a)
value mo = months_overlap(a, b, c, d)
value do = days_overlap(a, b, c, d)
""").checked
    kinds = {name: str(cp.types[id(decl.expr)]) for name, (decl, _) in cp.values.items()}
    assert kinds == {"d1": "date", "m1": "a calendar month", "db": "days", "mb": "months", "yb": "years",
                     "age": "years", "y": "integer", "dd": "integer", "mo": "months", "do": "days"}


# ---------------------------------------------------------------- explanations
def test_explanation_of_a_calendar_function() -> None:
    source = """policy sev "经济补偿"

facts person "个人":
  employment_start_date "入职日期": date
  termination_date "解除日期": date

value service = months_between(employment_start_date, termination_date)
value years = years_between(employment_start_date, termination_date)
value last_month = month_of(termination_date) - 1 month
value deadline = termination_date + 1 month
"""
    facts = {"employment_start_date": date(2019, 3, 15), "termination_date": date(2024, 6, 30)}
    cp = loads(source).checked
    lines = {}
    for lang in ("en", "zh"):
        it = Interpreter(cp, {"person": facts}, {}, ON, True, lambda name: None, lambda o, p: None)
        f = Formula(cp, lang)
        for name in ("service", "years", "last_month", "deadline"):
            _, step = it.traced(cp.values[name][0].expr)
            assert step is not None
            lines[(lang, name)] = f.full(step)
    assert lines[("en", "service")] == \
        "months_between(employment_start_date 2019-03-15, termination_date 2024-06-30) = 63 months"
    assert lines[("en", "years")].endswith("= 5 years")
    assert lines[("en", "last_month")] == "(month_of(termination_date 2024-06-30) = 2024-06) - 1 month = 2024-05"
    assert lines[("en", "deadline")] == "termination_date 2024-06-30 + 1 month = 2024-07-30"
    assert lines[("zh", "service")].endswith("= 63个月")
    assert lines[("zh", "last_month")].endswith("= 2024年5月")


# ---------------------------------------------------------------- properties
def month_endish() -> st.SearchStrategy[dt.date]:
    """Dates with many month ends, 28ths to 31sts and leap days."""
    def build(y: int, m: int, day: int) -> dt.date:
        return date(y, m, min(day, b.days_in_month(y, m)))

    special = st.builds(build, st.integers(1996, 2033), st.integers(1, 12), st.sampled_from([1, 15, 28, 29, 30, 31]))
    return st.one_of(special, st.dates(date(1990, 1, 1), date(2040, 12, 31)))


@given(month_endish(), st.integers(-400, 400))
def test_round_trip_respects_the_month_end_rule(d: dt.date, n: int) -> None:
    there = b.add_months(d, n)
    last = b.days_in_month(there.year, there.month)
    assert (there.year * 12 + there.month) - (d.year * 12 + d.month) == n
    if d.day <= last:
        assert there.day == d.day
        assert b.add_months(there, -n) == d
    else:  # no corresponding day: the month end, and back to that day of d's month
        assert there.day == last
        assert b.add_months(there, -n) == d.replace(day=last)


@given(month_endish(), st.integers(0, 400))
def test_months_between_a_and_a_plus_n_months(a: dt.date, n: int) -> None:
    assert b.months_between(a, b.add_months(a, n)) == n
    assert b.months_between(a, b.add_months(a, n)) >= n


@given(month_endish(), month_endish())
def test_months_between_is_the_largest_whole_number_of_months(a: dt.date, c: dt.date) -> None:
    m = b.months_between(a, c)
    assert b.months_between(c, a) == -m
    lo, hi = (a, c) if a <= c else (c, a)
    k = abs(m)
    assert b.add_months(lo, k) <= hi < b.add_months(lo, k + 1)
    y = b.years_between(a, c)
    assert y == (k // 12 if m >= 0 else -(k // 12))
    assert b.add_months(lo, 12 * abs(y)) <= hi < b.add_months(lo, 12 * (abs(y) + 1))


@given(month_endish(), month_endish())
def test_years_between_is_the_age(birth: dt.date, on: dt.date) -> None:
    age = ev("age_on(a, b)", a=birth, b=on)
    assert age == ev("years_between(a, b)", a=birth, b=on) == D(12 * b.years_between(birth, on))
    assert ev("years_since(a)", on=on, a=birth) == age
    if birth <= on:  # the usual age: birthdays passed, with 29 February on 28 February
        years = on.year - birth.year
        if b.add_months(birth, 12 * years) > on:
            years -= 1
        assert age == D(12 * years)


@given(month_endish(), st.integers(-3000, 3000))
def test_days_between_inverts_adding_days(a: dt.date, n: int) -> None:
    run = b.BUILTINS["days_between"].run
    assert run is not None
    assert run(a, a + dt.timedelta(days=n)) == D(n)


small_dates = st.dates(date(2024, 1, 1), date(2024, 4, 30))


@given(small_dates, small_dates, small_dates, small_dates)
def test_days_overlap_properties(s1: dt.date, e1: dt.date, s2: dt.date, e2: dt.date) -> None:
    x = b.days_overlap(s1, e1, s2, e2)
    assert x == b.days_overlap(s2, e2, s1, e1)
    assert x >= 0
    for s, e in ((s1, e1), (s2, e2)):
        assert x <= max(0, (e - s).days + 1)
    first = {s1 + dt.timedelta(days=i) for i in range((e1 - s1).days + 1)}
    second = {s2 + dt.timedelta(days=i) for i in range((e2 - s2).days + 1)}
    assert x == len(first & second)


@given(month_endish(), month_endish(), month_endish(), month_endish())
def test_months_overlap_properties(s1: dt.date, e1: dt.date, s2: dt.date, e2: dt.date) -> None:
    x = b.months_overlap(s1, e1, s2, e2)
    assert x == b.months_overlap(s2, e2, s1, e1) >= 0

    def months(s: dt.date, e: dt.date) -> set[int]:
        return set(range(s.year * 12 + s.month, e.year * 12 + e.month + 1))

    assert x == len(months(s1, e1) & months(s2, e2))

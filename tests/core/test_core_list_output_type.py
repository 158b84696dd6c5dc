"""Regression found while encoding annual leave: an output declared `list of R` whose value is
`list rs where …` (the ids of the items, in input order) is accepted, not refused with T004."""

from __future__ import annotations

from policyrules.api import loads

SICK = """
policy sick "病假"
record spell:
  start: date
  end: date
facts person:
  sick_leave: list of spell
value in_year for_each spell = days_overlap(start, end, start_of_year(evaluation_date), end_of_year(evaluation_date))
output ids_in_year "本年度的病假记录": list of spell = list sick_leave where in_year > 0 days
"""


def test_a_list_output_declared_as_a_list_of_the_record() -> None:
    p = loads(SICK)
    d = p.evaluate({"person": {"sick_leave": [
        {"id": "s0", "start": "2023-05-01", "end": "2023-05-31"},
        {"id": "s1", "start": "2023-12-30", "end": "2024-01-02"},
        {"id": "s2", "start": "2024-03-01", "end": "2024-03-02"},
    ]}}, on="2024-12-31")
    assert list(d.value("ids_in_year")) == ["s1", "s2"]

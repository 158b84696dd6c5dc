"""A text fact with white space around it means the same in eval and in batch (batch trimmed it,
the interpreter did not: `" 阜平县" in designated` was true in batch and false in eval)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from policyrules.api import loads
from policyrules.batch.run import run_batch

POLICY = """
policy padded "指定县"
parameter designated "指定县": list of text default ["阜平县"]
facts person "个人":
  county "县": text
output in_designated: bool = county in designated
output same: bool = county = "阜平县"
"""


def test_padded_text_is_the_same_value_everywhere(tmp_path: Path) -> None:
    p = loads(POLICY, "padded.policy")
    values = [" 阜平县", "阜平县 ", "\t阜平县", "阜平 县"]
    src = tmp_path / "in.csv"
    src.write_text("id,county\n" + "".join(f'{i},"{v}"\n' for i, v in enumerate(values)), encoding="utf-8")
    out = tmp_path / "out.csv"
    run_batch(p, str(src), str(out), dt.date(2024, 1, 1), progress=False)
    batch = [line.split(",")[1:] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    for v, row in zip(values, batch, strict=True):
        d = p.evaluate({"person": {"county": v}}, on="2024-01-01")
        shown = ["true" if d.outputs[n].value else "false" for n in ("in_designated", "same")]
        assert shown == row, v
    assert batch[-1] == ["false", "false"]

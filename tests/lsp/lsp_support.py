"""What the language server tests share: a small policy and positions in it."""

from __future__ import annotations

POLICY = """\
policy demo "示例"

enum cert_level "证书等级" = none | junior | senior

facts person "个人":
  annual_rent "年租金": money
  venue "经营场所": government_market | other
  cert "证书": cert_level

parameter cap "上限": money = 3000 元
  cite "三(二)3"

benefit rent_subsidy "经营场地租费补贴" yearly
  cite "三(二)3"
  text "每年给予年租金10%的优惠,年优惠最高不超过3000元"
  when venue = government_market and person.cert in {junior, senior}
  amount 10% of annual_rent, at_most cap
"""


def line_col(text: str, line: int, word: str, nth: int = 0) -> tuple[int, int]:
    row = text.splitlines()[line - 1]
    at = -1
    for _ in range(nth + 1):
        at = row.index(word, at + 1)
    return line, at + 1

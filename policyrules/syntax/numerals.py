"""Chinese numerals as drafters write them: 三千, 两, 十五, 一万二千, 零点五."""

from __future__ import annotations

from decimal import Decimal

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}


def parse_cn_number(text: str) -> Decimal:
    """Value of a Chinese numeral; raises ValueError if it is not one."""
    whole, _, frac = text.partition("点")
    value = Decimal(_integer(whole))
    if frac:
        digits = "".join(str(DIGITS[c]) for c in frac)
        value += Decimal("0." + digits)
    return value


def _integer(text: str) -> int:
    if not text:
        raise ValueError("empty numeral")
    total = section = digit = 0
    seen_digit = False
    last_unit = 0  # the unit just before a trailing digit: 三千五 is 3500, 两万五 is 25000
    after_zero = False
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
            after_zero = after_zero or ch in "零〇"
            seen_digit = True
        elif ch in SMALL_UNITS:
            section += (digit if seen_digit else 1) * SMALL_UNITS[ch]
            digit, seen_digit = 0, False
            last_unit, after_zero = SMALL_UNITS[ch], False
        elif ch in BIG_UNITS:
            section += digit
            if section == 0 and total == 0:
                section = 1  # 万元 on its own is ten thousand
            total += section * BIG_UNITS[ch]
            section = digit = 0
            seen_digit = False
            last_unit, after_zero = BIG_UNITS[ch], False
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    if seen_digit and last_unit >= 100 and not after_zero and len(text) >= 2 and text[-2] not in DIGITS:
        digit *= last_unit // 10  # elided unit: 三千五 is 3500, 两万五 is 25000, 一百五 is 150
    return total + section + digit

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
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
            seen_digit = True
        elif ch in SMALL_UNITS:
            section += (digit if seen_digit else 1) * SMALL_UNITS[ch]
            digit, seen_digit = 0, False
        elif ch in BIG_UNITS:
            section += digit
            if section == 0 and total == 0:
                section = 1  # 万元 on its own is ten thousand
            total += section * BIG_UNITS[ch]
            section = digit = 0
            seen_digit = False
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + digit

"""The one definition of each rounding mode, read by the interpreter (Python's decimal
rounding) and by the SQL compiler (how a scaled value is made whole), so that both round
alike for every sign:

=========  ==========  ====================================  ==================================
mode       Chinese     rule                                  a scaled value y made whole in SQL
=========  ==========  ====================================  ==================================
half_up    四舍五入     half away from zero                   ROUND(y)
half_even  银行家舍入   half to the even neighbour            round_even(y) / BROUND(y) / by hand
down       舍去         toward zero                           y >= 0 ? FLOOR(y) : CEIL(y)
up         进一         away from zero                        y >= 0 ? CEIL(y) : FLOOR(y)
=========  ==========  ====================================  ==================================
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP

PYTHON = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}
"""Mode -> the ``decimal`` rounding the interpreter uses."""

TOWARD_ZERO = {"down": True, "up": False}
"""For the directed modes: whether the whole number is taken toward zero (else away from it);
the SQL compiler picks FLOOR or CEIL by the sign of the value from this."""

"""Money: always an integer number of minor units (cents, Rappen), never a float.

The collective keeps its books in one currency (``CURRENCY`` unless its settings say
otherwise). A price for a duration is rounded once, half up, to the minor unit
(``price_for``); sums of such prices are exact.
"""

from __future__ import annotations

import re

from bluepool.domain.shared.errors import Invalid

#: The collective's currency when its settings name none (ISO 4217).
CURRENCY = "CHF"
_AMOUNT = re.compile(r"^(-?)(\d+)(?:\.(\d{1,2}))?$")


def check_amount(what: str, minor: int, *, negative: bool = False) -> int:
    """Return ``minor`` if it is an integer amount (0 or more unless ``negative``); raise
    ``Invalid`` naming ``what`` otherwise."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise Invalid(f"{what} must be a whole number of minor units (cents)", code="bad_amount")
    if minor < 0 and not negative:
        raise Invalid(f"{what} must be 0 or more, not {minor}", code="bad_amount")
    return minor


def parse_amount(what: str, text: str) -> int:
    """``"12.50"`` gives 1250 (two decimals at most; never through a float)."""
    m = _AMOUNT.fullmatch(text.strip())
    if m is None:
        raise Invalid(f"{what}: {text!r} is not an amount such as 12.50", code="bad_amount")
    sign, whole, frac = m.groups()
    minor = int(whole) * 100 + int((frac or "").ljust(2, "0"))
    return -minor if sign else minor


def format_amount(minor: int, currency: str = CURRENCY) -> str:
    """1234550 gives ``"CHF 12,345.50"``."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{currency} {whole:,}.{cents:02d}"


def price_for(rate_per_unit: int, quantity: int, per: int) -> int:
    """The price of ``quantity`` (seconds, say) at ``rate_per_unit`` minor units per ``per``
    of them (3600 for an hourly rate), rounded half up to the minor unit, in integers."""
    if per <= 0:
        raise ValueError("per must be positive")
    return (rate_per_unit * quantity * 2 + per) // (per * 2)

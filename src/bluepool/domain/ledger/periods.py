"""Accounting periods: which month a posting lands in, and when a month may be closed.

A closed month is frozen: nothing is posted into it again. A usage whose month is already
closed when it is posted (an incident closed late, a replay after the close) goes to the
first open month after it (docs/decisions/0025-late-usage-next-open-period.md): the closed
month's statements and settlement stay as they were sent, and the late cost is still
charged, once, in the next statement.

A month may be closed once it is over: not the current month, nor a later one (its usages
are still coming in).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bluepool.domain.ledger.entries import Period, period_of
from bluepool.domain.shared.errors import Conflict, Invalid


def following(period: Period) -> Period:
    """The month after ``period``."""
    if period.month == 12:
        return Period(period.year + 1, 1)
    return Period(period.year, period.month + 1)


def posting_period(period: str, closed: Collection[str]) -> str:
    """The month a posting dated in ``period`` lands in: ``period`` itself while it is
    open, else the first open month after it."""
    p = Period.parse(period)
    while str(p) in closed:
        p = following(p)
    return str(p)


def check_closable(period: str, now: datetime, closed: Collection[str]) -> Period:
    """The month to close; Conflict when it is closed already, Invalid while it is not
    over (the current month, or later)."""
    p = Period.parse(period)
    if str(p) in closed:
        raise Conflict(f"period {p} is already closed", code="period_closed")
    current = Period.parse(period_of(now))
    if p >= current:
        raise Invalid(
            f"period {p} is not over yet (it is {current} now): a month is closed once it "
            "has ended",
            code="period_open",
        )
    return p

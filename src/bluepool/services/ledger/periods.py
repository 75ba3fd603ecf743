"""Closing a month: once it is over, its books are frozen with their balances; a usage
posted late goes to the next open month (``domain.ledger.periods``; decision 0025)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.ledger.events import PeriodClosed
from bluepool.domain.ledger.periods import check_closable
from bluepool.domain.shared.errors import Conflict
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.ledger import policy
from bluepool.services.ports import LedgerFilter, Page


@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    period: str
    closed_at: datetime
    #: How many transactions the month holds.
    transactions: int
    #: Each account's balance over the month, in minor units.
    balances: dict[str, int]


@refusal_recorded
def close_period(ctx: Context, user: User, period: str) -> ClosedPeriod:
    """Freeze ``period`` (``"2027-01"``): a collective admin, once the month is over.
    Closing it twice is a Conflict (409) and changes nothing; so is a month whose accounts
    do not sum to zero (something wrote around the ledger).

    Each transaction's own balance is not summed again here: the database refused an
    unbalanced one when it was written (PostgreSQL's deferred trigger, SQLite's check in
    the repository) and refuses any change since (the append-only triggers); the close
    reads the month's balances in one pass of an index that covers them."""
    policy.keep(user)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        month = str(check_closable(period, now, uow.ledger.closed()))
        balances = uow.ledger.balances(month)
        total = sum(balances.values())
        if total:
            raise Conflict(
                f"period {month} does not balance: its postings sum to {total}",
                code="unbalanced",
            )
        _, count = uow.ledger.entries(LedgerFilter(period=month), Page(limit=0))
        uow.ledger.close(month, now, balances)
        uow.raise_event(PeriodClosed(now, user.username, month, count))
        uow.commit()
    return ClosedPeriod(month, now, count, balances)


def closed_periods(ctx: Context, user: User) -> dict[str, datetime]:
    policy.read(user)
    with ctx.reader() as uow:
        return uow.ledger.closed()

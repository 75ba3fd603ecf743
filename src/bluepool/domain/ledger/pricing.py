"""Pricing a cross-agency use under its clause's rate card, and posting the price.

A lent unit is charged from dispatch to clear (``started`` to ``ended``) at the hourly rate
of its kind, to the second, and its standby time separately at the standby rate; an
equipment loan by the days started (any part of a day counts as a day) at the daily rate
of its type. A use that costs anything costs at least the card's minimum; a free clause
charges 0 and posts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.ledger import accounts
from bluepool.domain.ledger.entries import Posting, Transaction, transaction
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.shared.money import format_amount, price_for
from bluepool.domain.sharing.agreements import AgreementId, Rates

_DAY = 86_400


@dataclass(frozen=True, slots=True)
class Usage:
    """One cross-agency use: a unit's time on an incident, or an equipment loan."""

    source_key: str
    incident: IncidentId
    #: The unit id, or the equipment id when ``equipment``.
    resource: str
    #: The unit kind (``patrol``) or the equipment's resource type (``drone``).
    kind: str
    lender: AgencyId
    borrower: AgencyId
    agreement: AgreementId
    clause: int
    started: datetime
    ended: datetime
    standby_seconds: int = 0
    equipment: bool = False

    def __post_init__(self) -> None:
        if not self.source_key.strip():
            raise Invalid("a usage needs a source key", code="no_source_key")
        if self.lender == self.borrower:
            raise Invalid("lender and borrower must differ", code="bad_parties")
        if self.ended < self.started:
            raise Invalid(f"usage {self.source_key} ends before it starts", code="bad_dates")
        if self.clause < 1:
            raise Invalid(f"clause number must be 1 or more, not {self.clause}")
        if self.standby_seconds < 0:
            raise Invalid("standby seconds must be 0 or more", code="bad_standby")
        if self.equipment and self.standby_seconds:
            raise Invalid("equipment has no standby time", code="bad_standby")

    @property
    def seconds(self) -> int:
        return int((self.ended - self.started).total_seconds())

    @property
    def minutes(self) -> int:
        """Minutes to the nearest, for words (the price is to the second)."""
        return _minutes(self.seconds)

    @property
    def days(self) -> int:
        """Days started: any part of a day counts as a day."""
        return -(-self.seconds // _DAY)

    def cite(self) -> str:
        return f"agreement {self.agreement} clause {self.clause}"


@dataclass(frozen=True, slots=True)
class Price:
    """What a usage costs, in minor units, and the lines that say why."""

    amount: int
    lines: tuple[str, ...]


def _minutes(seconds: int) -> int:
    return (seconds + 30) // 60


def price(usage: Usage, rates: Rates) -> Price:
    lines: list[str] = []
    amount = 0
    who = usage.resource
    if usage.equipment:
        rate = rates.daily(usage.kind)
        amount = rate * usage.days
        lines.append(
            f"{who} lent {usage.days} day(s) at {format_amount(rate)}/day under {usage.cite()}"
        )
    else:
        rate = rates.hourly(usage.kind)
        amount = price_for(rate, usage.seconds, 3600)
        lines.append(
            f"{who} lent {usage.minutes} min at {format_amount(rate)}/h under {usage.cite()}"
        )
        if usage.standby_seconds:
            srate = rates.standby(usage.kind)
            amount += price_for(srate, usage.standby_seconds, 3600)
            lines.append(
                f"{who} on standby {_minutes(usage.standby_seconds)} min at "
                f"{format_amount(srate)}/h under {usage.cite()}"
            )
    if amount and amount < rates.minimum:
        lines.append(f"minimum charge {format_amount(rates.minimum)} under {usage.cite()}")
        amount = rates.minimum
    return Price(amount, tuple(lines))


def post(usage: Usage, priced: Price, at: datetime | None = None) -> Transaction | None:
    """The ledger transaction for a priced usage (None when it costs nothing): the
    borrower's expense against its payable, the lender's receivable against its revenue.
    Keyed by the usage's source key and dated at its end unless ``at`` says otherwise."""
    if priced.amount == 0:
        return None
    n = priced.amount
    return transaction(
        usage.source_key,
        at or usage.ended,
        "; ".join(priced.lines),
        (
            Posting(accounts.expense(usage.borrower), n),
            Posting(accounts.payable(usage.borrower), -n),
            Posting(accounts.receivable(usage.lender), n),
            Posting(accounts.revenue(usage.lender), -n),
        ),
    )


@dataclass(frozen=True, slots=True)
class PricedUsage:
    """A usage with its price and the words of its rate (``"CHF 90.00/h"``), as the ledger
    keeps it beside its transaction: what statements list."""

    usage: Usage
    price: Price
    rate: str


def rate_words(usage: Usage, rates: Rates) -> str:
    """The rate a usage is charged at, in words: ``"CHF 90.00/h"``, ``"CHF 400.00/day"``."""
    if usage.equipment:
        return f"{format_amount(rates.daily(usage.kind))}/day"
    return f"{format_amount(rates.hourly(usage.kind))}/h"

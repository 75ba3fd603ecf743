"""Double entry: postings, balanced transactions, reversals and accounting periods.

Sign convention: a posting's ``amount`` is in integer minor units, a debit positive and a
credit negative, so a transaction balances when its amounts sum to exactly zero. Entries are
never changed: a correction is the reversing transaction (``reverse``) and a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bluepool.domain.ledger.accounts import Account
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.money import check_amount

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month in UTC, ``"2027-01"``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise Invalid(f"month must be 1 to 12, not {self.month}", code="bad_period")
        if not 1 <= self.year <= 9999:
            raise Invalid(f"year must be 1 to 9999, not {self.year}", code="bad_period")

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.fullmatch(text)
        if m is None:
            raise Invalid(f"{text!r} is not a period such as 2027-01", code="bad_period")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _utc(what: str, at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise Invalid(f"{what} must carry a time zone", code="naive_time")
    return at.astimezone(UTC)


def period_of(at: datetime) -> str:
    """The month ``at`` falls in, in UTC: ``"2027-01"``."""
    u = _utc("the time", at)
    return str(Period(u.year, u.month))


@dataclass(frozen=True, slots=True)
class Posting:
    """``amount`` minor units on ``account``: a debit when positive, a credit when negative."""

    account: Account
    amount: int

    def __post_init__(self) -> None:
        check_amount(f"posting to {self.account}", self.amount, negative=True)
        if self.amount == 0:
            raise Invalid(f"posting to {self.account} of 0", code="zero_posting")


@dataclass(frozen=True, slots=True)
class Transaction:
    """Postings that sum to zero, at ``at``, in ``period``; ``source_key`` is unique per
    source event, so posting the same event twice can be refused downstream."""

    source_key: str
    at: datetime
    period: str
    memo: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if not self.source_key.strip():
            raise Invalid("a transaction needs a source key", code="no_source_key")
        _utc("a transaction's time", self.at)
        Period.parse(self.period)
        if len(self.postings) < 2:
            raise Invalid(
                f"transaction {self.source_key} needs at least two postings, "
                f"not {len(self.postings)}",
                code="too_few_postings",
            )
        total = sum(p.amount for p in self.postings)
        if total != 0:
            raise Invalid(
                f"transaction {self.source_key} does not balance: its postings sum to {total}",
                code="unbalanced",
            )


def transaction(
    source_key: str, at: datetime, memo: str, postings: Iterable[Posting]
) -> Transaction:
    """A transaction in the period of ``at``."""
    return Transaction(source_key, at, period_of(at), memo, tuple(postings))


def reverse(tx: Transaction, at: datetime, why: str) -> Transaction:
    """The transaction that undoes ``tx``: each posting negated, keyed ``reversal:<key>``."""
    if not why.strip():
        raise Invalid("a reversal needs a reason", code="reason_required")
    return transaction(
        f"reversal:{tx.source_key}",
        at,
        f"reversal of {tx.source_key}: {why.strip()}",
        (Posting(p.account, -p.amount) for p in tx.postings),
    )


def balances(transactions: Iterable[Transaction]) -> dict[Account, int]:
    """Each account's net (debits minus credits) over ``transactions``."""
    out: dict[Account, int] = {}
    for tx in transactions:
        for p in tx.postings:
            out[p.account] = out.get(p.account, 0) + p.amount
    return out

"""The ledger as the API, the live stream and the CLI show it: plain records (accounts as
their strings, amounts in integer minor units)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.ledger.entries import Transaction
from bluepool.domain.ledger.pricing import PricedUsage
from bluepool.domain.ledger.settlement import Transfer
from bluepool.domain.ledger.statements import Row, Statement
from bluepool.domain.shared.ids import AgencyId


@dataclass(frozen=True, slots=True)
class PostingRecord:
    account: str
    #: Minor units: a debit when positive, a credit when negative.
    amount: int


@dataclass(frozen=True, slots=True)
class EntryRecord:
    source_key: str
    at: datetime
    period: str
    memo: str
    postings: tuple[PostingRecord, ...]

    @classmethod
    def of(cls, tx: Transaction) -> EntryRecord:
        return cls(
            tx.source_key,
            tx.at,
            tx.period,
            tx.memo,
            tuple(PostingRecord(str(p.account), p.amount) for p in tx.postings),
        )

    @property
    def parties(self) -> tuple[AgencyId, ...]:
        """The owners of the accounts it touches, each once, in order."""
        owners = (AgencyId(p.account.split(":", 1)[0]) for p in self.postings)
        return tuple(dict.fromkeys(owners))


@dataclass(frozen=True, slots=True)
class EntryPage:
    items: tuple[EntryRecord, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class BalanceRecord:
    account: str
    #: Debits minus credits, in minor units.
    balance: int


@dataclass(frozen=True, slots=True)
class Balances:
    #: The month (None: the whole ledger).
    period: str | None
    closed: bool
    accounts: tuple[BalanceRecord, ...]

    @classmethod
    def of(cls, period: str | None, closed: bool, sums: Mapping[str, int]) -> Balances:
        return cls(period, closed, tuple(BalanceRecord(a, n) for a, n in sorted(sums.items()) if n))


@dataclass(frozen=True, slots=True)
class StatementRecord:
    agency: AgencyId
    period: str
    closed: bool
    #: Each usage, as the statement lists it (``statements.Row``).
    rows: tuple[Row, ...]
    lent: int
    borrowed: int
    #: Positive: the agency is owed.
    net: int

    @classmethod
    def of(cls, s: Statement, closed: bool) -> StatementRecord:
        return cls(s.agency, s.period, closed, s.rows, s.lent, s.borrowed, s.net)


@dataclass(frozen=True, slots=True)
class TransferRecord:
    payer: AgencyId
    payee: AgencyId
    amount: int

    @classmethod
    def of(cls, t: Transfer) -> TransferRecord:
        return cls(t.payer, t.payee, t.amount)


@dataclass(frozen=True, slots=True)
class BilateralRecord:
    #: ``a`` < ``b``; positive ``amount``: ``b`` owes ``a``.
    a: AgencyId
    b: AgencyId
    amount: int


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    period: str
    closed: bool
    #: Each agency's net: positive, it is owed.
    nets: dict[str, int]
    #: Who pays whom: at most N-1 transfers for N agencies.
    transfers: tuple[TransferRecord, ...]
    #: Pairwise balances, for agencies that settle with each other directly.
    bilateral: tuple[BilateralRecord, ...]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One cross-agency cost of an incident, as priced and posted."""

    source_key: str
    period: str
    resource: str
    kind: str
    lender: AgencyId
    borrower: AgencyId
    citation: str
    started: datetime
    ended: datetime
    minutes: int
    rate: str
    amount: int
    lines: tuple[str, ...]

    @classmethod
    def of(cls, p: PricedUsage, period: str) -> UsageRecord:
        u = p.usage
        return cls(
            u.source_key,
            period,
            u.resource,
            u.kind,
            u.lender,
            u.borrower,
            u.cite(),
            u.started,
            u.ended,
            u.minutes,
            p.rate,
            p.price.amount,
            p.price.lines,
        )


@dataclass(frozen=True, slots=True)
class CostPackage:
    """Every cross-agency cost of one incident, ready once it is closed."""

    incident: str
    closed: bool
    usages: tuple[UsageRecord, ...]
    total: int

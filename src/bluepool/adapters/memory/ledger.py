"""The cost ledger in memory (``services.ports.Ledger``): the tests' fake and the
simulator's. Posted transactions stay private to the unit of work until it commits; the
commit refuses one whose source key another unit of work posted meanwhile (as the
database's unique key would)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.domain.ledger.entries import Transaction
from bluepool.domain.ledger.pricing import PricedUsage
from bluepool.domain.shared.errors import Duplicate, Invalid
from bluepool.services.ports import LedgerFilter, Page, Posted

Kept = tuple[Transaction, PricedUsage | None]


class MemoryLedger:
    def __init__(self, store: MemoryStore) -> None:
        #: source key -> the transaction and its usage, in posting order.
        self.kept: dict[str, Kept] = store.table("ledger")
        #: period -> when it was closed, and its balances then.
        self.periods: dict[str, Any] = store.table("ledger_periods")
        self.pending: dict[str, Kept] = {}
        self.pending_periods: dict[str, tuple[datetime, dict[str, int]]] = {}

    def _all(self) -> list[Kept]:
        return [*list(self.kept.values()), *self.pending.values()]

    # -- writing ------------------------------------------------------------------------

    def post(self, items: Sequence[tuple[Transaction, PricedUsage | None]]) -> list[str]:
        written = []
        for tx, priced in items:
            key = tx.source_key
            if key in self.kept or key in self.pending:
                continue
            if sum(p.amount for p in tx.postings):
                raise Invalid(f"ledger transaction {key} does not balance", code="unbalanced")
            self.pending[key] = (tx, priced)
            written.append(key)
        return written

    def close(self, period: str, at: datetime, balances: Mapping[str, int]) -> None:
        if period in self.periods or period in self.pending_periods:
            raise Duplicate(f"period {period} is already closed")
        self.pending_periods[period] = (at, dict(balances))

    def validate(self) -> None:
        for key in self.pending:
            if key in self.kept:
                raise Duplicate(f"ledger transaction {key} is already posted")
        for period in self.pending_periods:
            if period in self.periods:
                raise Duplicate(f"period {period} is already closed")

    def apply(self) -> None:
        self.kept.update(self.pending)
        self.periods.update(self.pending_periods)

    def reset(self) -> None:
        self.pending = {}
        self.pending_periods = {}

    # -- reading ------------------------------------------------------------------------

    def posted(self, source_keys: Collection[str]) -> set[str]:
        return {k for k in source_keys if k in self.kept or k in self.pending}

    def _matching(self, where: LedgerFilter) -> list[Transaction]:
        return [
            tx
            for tx, priced in self._all()
            if (where.period is None or tx.period == where.period)
            and (
                where.incident is None
                or (priced is not None and priced.usage.incident == where.incident)
            )
            and (where.account is None or any(str(p.account) == where.account for p in tx.postings))
            and (where.agency is None or any(p.account.owner == where.agency for p in tx.postings))
        ]

    def entries(self, where: LedgerFilter, page: Page) -> tuple[list[Transaction], int]:
        found = self._matching(where)
        return found[page.offset : page.offset + page.limit], len(found)

    def transactions(self, period: str) -> list[Transaction]:
        return self._matching(LedgerFilter(period=period))

    def usages(self, period: str | None = None, incident: str | None = None) -> list[Posted]:
        return [
            Posted(priced, tx.period)
            for tx, priced in self._all()
            if priced is not None
            and (period is None or tx.period == period)
            and (incident is None or priced.usage.incident == incident)
        ]

    def balances(self, period: str | None = None) -> dict[str, int]:
        out: dict[str, int] = {}
        for tx, _ in self._all():
            if period is None or tx.period == period:
                for p in tx.postings:
                    out[str(p.account)] = out.get(str(p.account), 0) + p.amount
        return dict(sorted(out.items()))

    def unbalanced(self, period: str) -> list[str]:
        return [
            tx.source_key
            for tx in self.transactions(period)
            if sum(p.amount for p in tx.postings) != 0
        ]

    def closed(self) -> dict[str, datetime]:
        out = {p: at for p, (at, _) in self.periods.items()}
        out.update({p: at for p, (at, _) in self.pending_periods.items()})
        return out

    def closing_balances(self, period: str) -> dict[str, int] | None:
        found = self.pending_periods.get(period) or self.periods.get(period)
        return dict(found[1]) if found is not None else None

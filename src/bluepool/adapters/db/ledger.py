"""The cost ledger in the database (``services.ports.Ledger``), in SQLAlchemy Core.

A batch of transactions is written in a few statements whatever its size: the source
keys already kept, the transactions (``INSERT ... ON CONFLICT (source_key) DO NOTHING
RETURNING``: one kept meanwhile by a concurrent writer is skipped, never an error), their
postings (an executemany sent as multi-row INSERTs; a COPY on PostgreSQL), and on SQLite
the balance check. The double entry is the database's to keep:
on PostgreSQL a deferred constraint trigger sums each transaction's postings at commit; on
SQLite the check runs here, in the same transaction, before the commit. Triggers on both
refuse an UPDATE or DELETE of what is posted (migration 0013).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from bluepool.adapters.db.tables import LedgerPeriodRow, LedgerPostingRow, LedgerTransactionRow
from bluepool.domain.ledger.accounts import Account
from bluepool.domain.ledger.entries import Posting, Transaction
from bluepool.domain.ledger.pricing import Price, PricedUsage, Usage
from bluepool.domain.shared.errors import Duplicate, Invalid
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.sharing.agreements import AgreementId
from bluepool.services.ports import LedgerFilter, Page, Posted

TX = cast("Table", LedgerTransactionRow.__table__)
POSTINGS = cast("Table", LedgerPostingRow.__table__)
PERIODS = cast("Table", LedgerPeriodRow.__table__)
_INSERT_ARRAYS = text(
    "INSERT INTO ledger_transactions (source_key, at, period, memo, incident, usage) "
    "SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:ats AS timestamptz[]), "
    "CAST(:periods AS text[]), CAST(:memos AS text[]), CAST(:incidents AS text[]), "
    "CAST(CAST(:usages AS text[]) AS jsonb[])) "
    "ON CONFLICT (source_key) DO NOTHING RETURNING id, source_key"
)
_KEPT_ARRAY = text(
    "SELECT source_key FROM ledger_transactions WHERE source_key = ANY(CAST(:keys AS text[]))"
)
_COPY_POSTINGS = "COPY ledger_postings (transaction_id, line, account, amount, period) FROM STDIN"
#: Rows a statement carries at most (SQLite's and PostgreSQL's bound-parameter limits).
CHUNK = 5000


def usage_document(p: PricedUsage) -> dict[str, Any]:
    u = p.usage
    return {
        "source_key": u.source_key,
        "incident": u.incident,
        "resource": u.resource,
        "kind": u.kind,
        "lender": u.lender,
        "borrower": u.borrower,
        "agreement": u.agreement,
        "clause": u.clause,
        "started": u.started.isoformat(),
        "ended": u.ended.isoformat(),
        "standby_seconds": u.standby_seconds,
        "equipment": u.equipment,
        "amount": p.price.amount,
        "lines": list(p.price.lines),
        "rate": p.rate,
    }


def usage_from_document(d: Mapping[str, Any]) -> PricedUsage:
    usage = Usage(
        source_key=d["source_key"],
        incident=IncidentId(d["incident"]),
        resource=d["resource"],
        kind=d["kind"],
        lender=AgencyId(d["lender"]),
        borrower=AgencyId(d["borrower"]),
        agreement=AgreementId(d["agreement"]),
        clause=d["clause"],
        started=datetime.fromisoformat(d["started"]),
        ended=datetime.fromisoformat(d["ended"]),
        standby_seconds=d["standby_seconds"],
        equipment=d["equipment"],
    )
    return PricedUsage(usage, Price(d["amount"], tuple(d["lines"])), d["rate"])


def _chunks(items: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class SqlLedger:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    # -- writing ------------------------------------------------------------------------

    def post(self, items: Sequence[tuple[Transaction, PricedUsage | None]]) -> list[str]:
        fresh: dict[str, tuple[Transaction, PricedUsage | None]] = {}
        for tx, priced in items:
            fresh.setdefault(tx.source_key, (tx, priced))
        kept = self.posted(fresh)
        todo = [item for key, item in fresh.items() if key not in kept]
        written: list[str] = []
        for chunk in _chunks(todo):
            written.extend(self._insert(chunk))
        return written

    def _insert(self, chunk: Sequence[tuple[Transaction, PricedUsage | None]]) -> list[str]:
        rows = [
            {
                "source_key": tx.source_key,
                "at": tx.at,
                "period": tx.period,
                "memo": tx.memo,
                "incident": priced.usage.incident if priced else None,
                "usage": usage_document(priced) if priced else None,
            }
            for tx, priced in chunk
        ]
        if self._postgres:
            ids = self._insert_arrays(rows)
        else:
            # An executemany: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues"),
            # compiled once, with what each row returned.
            statement = (
                sqlite.insert(TX)
                .on_conflict_do_nothing(index_elements=["source_key"])
                .returning(TX.c.id, TX.c.source_key)
            )
            ids = {key: tid for tid, key in self.session.execute(statement, rows)}
        if not ids:
            return []
        postings = [
            {
                "transaction_id": ids[tx.source_key],
                "line": n,
                "account": str(p.account),
                "amount": p.amount,
                "period": tx.period,
            }
            for tx, _ in chunk
            if tx.source_key in ids
            for n, p in enumerate(tx.postings, start=1)
        ]
        if self._postgres:
            self._copy_postings(postings)
        else:
            self.session.execute(POSTINGS.insert(), postings)
        if not self._postgres:
            self._check_balanced(min(ids.values()), max(ids.values()))
        return [tx.source_key for tx, _ in chunk if tx.source_key in ids]

    def _insert_arrays(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """PostgreSQL: the transactions in one short statement whatever their number, each
        column one array parameter (``unnest``), rows already kept skipped."""
        params = {
            "keys": [r["source_key"] for r in rows],
            "ats": [r["at"] for r in rows],
            "periods": [r["period"] for r in rows],
            "memos": [r["memo"] for r in rows],
            "incidents": [r["incident"] for r in rows],
            "usages": [json.dumps(r["usage"]) if r["usage"] is not None else None for r in rows],
        }
        found = self.session.execute(_INSERT_ARRAYS, params)
        return {row.source_key: row.id for row in found}

    def _copy_postings(self, postings: list[dict[str, Any]]) -> None:
        """PostgreSQL: the postings in one COPY, in this transaction (the deferred trigger
        still checks each transaction's sum at commit)."""
        driver = self.session.connection().connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(_COPY_POSTINGS) as copy:
            for p in postings:
                copy.write_row(
                    (p["transaction_id"], p["line"], p["account"], p["amount"], p["period"])
                )

    def _check_balanced(self, low: int, high: int) -> None:
        """SQLite's stand-in for PostgreSQL's deferred trigger: the transactions just
        written (ids ``low`` to ``high``), summed in this transaction before it commits."""
        bad = self.session.execute(
            select(POSTINGS.c.transaction_id)
            .where(POSTINGS.c.transaction_id.between(low, high))
            .group_by(POSTINGS.c.transaction_id)
            .having(func.sum(POSTINGS.c.amount) != 0)
            .limit(1)
        ).scalar()
        if bad is not None:
            raise Invalid(f"ledger transaction {bad} does not balance", code="unbalanced")

    def close(self, period: str, at: datetime, balances: Mapping[str, int]) -> None:
        if self.closing_balances(period) is not None:
            raise Duplicate(f"period {period} is already closed")
        self.session.execute(
            PERIODS.insert().values(
                period=period, closed=True, closed_at=at, balances=dict(balances)
            )
        )

    # -- reading ------------------------------------------------------------------------

    def posted(self, source_keys: Collection[str]) -> set[str]:
        keys = list(source_keys)
        out: set[str] = set()
        if self._postgres:
            found = self.session.execute(_KEPT_ARRAY, {"keys": keys}).scalars()
            return set(found)
        for chunk in _chunks(keys):
            out.update(
                self.session.execute(select(TX.c.source_key).where(TX.c.source_key.in_(chunk)))
                .scalars()
                .all()
            )
        return out

    def entries(self, where: LedgerFilter, page: Page) -> tuple[list[Transaction], int]:
        q = select(TX.c.id)
        if where.period is not None:
            q = q.where(TX.c.period == where.period)
        if where.incident is not None:
            q = q.where(TX.c.incident == where.incident)
        if where.account is not None:
            q = q.where(
                TX.c.id.in_(
                    select(POSTINGS.c.transaction_id).where(POSTINGS.c.account == where.account)
                )
            )
        if where.agency is not None:
            owned = POSTINGS.c.account.startswith(f"{where.agency}:", autoescape=True)
            q = q.where(TX.c.id.in_(select(POSTINGS.c.transaction_id).where(owned)))
        total = self.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        ids = (
            self.session.execute(q.order_by(TX.c.id).limit(page.limit).offset(page.offset))
            .scalars()
            .all()
        )
        return self._transactions(TX.c.id.in_(ids)) if ids else [], total

    def transactions(self, period: str) -> list[Transaction]:
        return self._transactions(TX.c.period == period)

    def _transactions(self, where: Any) -> list[Transaction]:
        heads = self.session.execute(
            select(TX.c.id, TX.c.source_key, TX.c.at, TX.c.period, TX.c.memo)
            .where(where)
            .order_by(TX.c.id)
        ).all()
        if not heads:
            return []
        lines = self.session.execute(
            select(POSTINGS.c.transaction_id, POSTINGS.c.account, POSTINGS.c.amount)
            .where(POSTINGS.c.transaction_id.in_(select(TX.c.id).where(where)))
            .order_by(POSTINGS.c.transaction_id, POSTINGS.c.line)
        ).all()
        accounts: dict[str, Account] = {}

        def account(text: str) -> Account:
            found = accounts.get(text)
            if found is None:
                found = accounts[text] = Account.parse(text)
            return found

        by_tx = {
            tid: tuple(Posting(account(a), n) for _, a, n in group)
            for tid, group in groupby(lines, key=lambda r: r[0])
        }
        return [
            Transaction(key, at, period, memo, by_tx.get(tid, ()))
            for tid, key, at, period, memo in heads
        ]

    def usages(self, period: str | None = None, incident: str | None = None) -> list[Posted]:
        q = select(TX.c.usage, TX.c.period).where(TX.c.usage.is_not(None)).order_by(TX.c.id)
        if period is not None:
            q = q.where(TX.c.period == period)
        if incident is not None:
            q = q.where(TX.c.incident == incident)
        return [Posted(usage_from_document(d), p) for d, p in self.session.execute(q)]

    def balances(self, period: str | None = None) -> dict[str, int]:
        q = select(POSTINGS.c.account, func.sum(POSTINGS.c.amount)).group_by(POSTINGS.c.account)
        if period is not None:
            q = q.where(POSTINGS.c.period == period)
        return {a: int(n) for a, n in self.session.execute(q.order_by(POSTINGS.c.account))}

    def unbalanced(self, period: str) -> list[str]:
        bad = (
            select(POSTINGS.c.transaction_id)
            .where(POSTINGS.c.period == period)
            .group_by(POSTINGS.c.transaction_id)
            .having(func.sum(POSTINGS.c.amount) != 0)
        )
        return list(
            self.session.execute(
                select(TX.c.source_key).where(TX.c.id.in_(bad)).order_by(TX.c.id)
            ).scalars()
        )

    def closed(self) -> dict[str, datetime]:
        rows = self.session.execute(select(PERIODS.c.period, PERIODS.c.closed_at))
        return {row.period: row.closed_at for row in rows}

    def closing_balances(self, period: str) -> dict[str, int] | None:
        found = self.session.execute(
            select(PERIODS.c.balances).where(PERIODS.c.period == period)
        ).scalar()
        return dict(found) if found is not None else None

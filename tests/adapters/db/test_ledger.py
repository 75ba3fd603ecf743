"""The ledger's storage on every backend (memory, SQLite, PostgreSQL): posted once per
source key, read back as posted, balances summed, a month closed once; and on the
databases, what is posted can be neither changed nor deleted, and on PostgreSQL a
transaction written around the repository that does not balance is refused at commit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.domain.shared.errors import Duplicate
from bluepool.services.ports import LedgerFilter, Page
from tests.builders import T0, a_posting
from tests.conftest import Templates, UowFactory, _database


def test_a_transaction_is_posted_once_and_read_back_as_posted(uow_factory: UowFactory) -> None:
    first, second = (
        a_posting(source_key="assignment:I-1:1"),
        a_posting(source_key="assignment:I-2:1", incident="I-2"),
    )
    with uow_factory() as uow:
        assert uow.ledger.post([first, second, first]) == [
            "assignment:I-1:1",
            "assignment:I-2:1",
        ]
        uow.commit()
    with uow_factory() as uow:
        assert uow.ledger.post([first]) == []  # posted already: nothing, and no error
        uow.commit()
    with uow_factory() as uow:
        entries, total = uow.ledger.entries(LedgerFilter(), Page())
        assert (entries, total) == ([first[0], second[0]], 2)
        assert uow.ledger.entries(LedgerFilter(incident="I-2"), Page()) == ([second[0]], 1)
        assert uow.ledger.entries(LedgerFilter(account="A-1:revenue"), Page(1, 1)) == (
            [second[0]],
            2,
        )
        assert uow.ledger.entries(LedgerFilter(period="2025-04"), Page()) == ([], 0)
        assert [p.priced for p in uow.ledger.usages("2025-03")] == [first[1], second[1]]
        assert uow.ledger.posted({"assignment:I-1:1", "nope"}) == {"assignment:I-1:1"}
        amount = first[1].price.amount
        assert uow.ledger.balances("2025-03") == {
            "A-1:receivable": 2 * amount,
            "A-1:revenue": -2 * amount,
            "A-2:expense": 2 * amount,
            "A-2:payable": -2 * amount,
        }
        assert uow.ledger.unbalanced("2025-03") == []


def test_a_month_is_closed_once(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.ledger.close("2025-03", T0, {"A-1:receivable": 5})
        uow.commit()
    with uow_factory() as uow:
        assert uow.ledger.closed() == {"2025-03": T0}
        assert uow.ledger.closing_balances("2025-03") == {"A-1:receivable": 5}
        assert uow.ledger.closing_balances("2025-04") is None
        with pytest.raises(Duplicate):
            uow.ledger.close("2025-03", T0, {})


def test_an_uncommitted_posting_is_not_kept(uow_factory: UowFactory) -> None:
    tx = a_posting()
    with uow_factory() as uow:
        uow.ledger.post([tx])
    with uow_factory() as uow:
        assert uow.ledger.entries(LedgerFilter(), Page()) == ([], 0)


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE ledger_postings SET amount = 1",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_transactions SET memo = 'x'",
        "DELETE FROM ledger_transactions",
    ],
)
def test_the_database_refuses_to_change_what_is_posted(migrated_url: str, change: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with SqlUnitOfWork(make_session_factory(engine)) as uow:
            uow.ledger.post([a_posting()])
            uow.commit()
        with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(change))
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url(tmp_path: Path, templates: Templates) -> Iterator[str]:
    """A migrated PostgreSQL database (the deferred trigger is PostgreSQL's; SQLite's
    check is the repository's, tested above with every backend)."""
    with _database("postgres", tmp_path, templates) as url:
        yield url


@pytest.mark.postgres
def test_postgres_refuses_an_unbalanced_transaction_at_commit(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    insert_tx = text(
        "INSERT INTO ledger_transactions (source_key, at, period, memo) "
        "VALUES (:key, now(), '2025-03', 'by hand') RETURNING id"
    )
    insert_line = text(
        "INSERT INTO ledger_postings (transaction_id, line, account, amount, period) "
        "VALUES (:tid, :line, :account, :amount, '2025-03')"
    )
    try:
        with engine.connect() as conn:
            tid = conn.execute(insert_tx, {"key": "bad"}).scalar_one()
            conn.execute(
                insert_line, {"tid": tid, "line": 1, "account": "A-1:expense", "amount": 100}
            )
            # Within the transaction, half-written is allowed (the check is deferred) ...
            conn.execute(
                insert_line, {"tid": tid, "line": 2, "account": "A-1:payable", "amount": -99}
            )
            with pytest.raises(DBAPIError, match="does not balance"):
                conn.commit()  # ... the commit is refused
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ledger_transactions")).scalar() == 0
            tid = conn.execute(insert_tx, {"key": "good"}).scalar_one()
            conn.execute(
                insert_line, {"tid": tid, "line": 1, "account": "A-1:expense", "amount": 100}
            )
            conn.execute(
                insert_line, {"tid": tid, "line": 2, "account": "A-1:payable", "amount": -100}
            )
            conn.commit()
            # A line added later to a balanced transaction unbalances it: refused too.
            conn.execute(
                insert_line, {"tid": tid, "line": 3, "account": "A-1:payable", "amount": 5}
            )
            with pytest.raises(DBAPIError, match="does not balance"):
                conn.commit()
    finally:
        engine.dispose()

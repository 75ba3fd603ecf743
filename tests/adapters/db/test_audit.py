"""The audit log on memory, SQLite and PostgreSQL: entries commit with their transaction
or not at all, chain in commit order, and racing writers never fork the chain."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.db.tables import AuditEntryRow
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.events import SignedIn
from bluepool.domain.audit.chain import verify
from bluepool.domain.audit.checkpoints import Checkpoint
from bluepool.domain.audit.entries import GENESIS, AuditDraft, AuditEntry, Kind
from bluepool.domain.collective.agencies import Agency
from bluepool.domain.shared.errors import Duplicate
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.ports import AuditFilter, Page, UnitOfWork
from tests.builders import T0
from tests.conftest import DATABASES, _database

Factory = Callable[[], UnitOfWork]


@pytest.fixture(params=["memory", *DATABASES])
def uows(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Units of work on one backend, bound to the bus as ``bootstrap`` binds them."""
    bus = message_bus(lambda event: None, lambda: None)
    if request.param == "memory":
        store = MemoryStore()
        yield lambda: MemoryUnitOfWork(store, bus)
        return
    with _database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        try:
            yield lambda: SqlUnitOfWork(sessions, bus)
        finally:
            engine.dispose()


def signed_in(n: int, who: str = "dora") -> SignedIn:
    return SignedIn(T0 + timedelta(seconds=n), who, "10.0.0.1")


def all_entries(uows: Factory) -> list[AuditEntry]:
    with uows() as uow:
        return list(uow.audit.entries())


def test_entries_chain_in_commit_order(uows: Factory) -> None:
    with uows() as uow:
        uow.raise_event(signed_in(1))
        uow.raise_event(signed_in(2, "ann"))
        uow.commit()
    with uows() as uow:
        uow.raise_event(signed_in(3, "cole"))
        uow.commit()
    found = all_entries(uows)
    assert [(e.seq, e.actor) for e in found] == [(1, "dora"), (2, "ann"), (3, "cole")]
    assert found[0].prev_hash == GENESIS
    assert found[0].at == T0 + timedelta(seconds=1)
    assert verify(found).ok
    with uows() as uow:
        head = uow.audit.head()
        assert head is not None
        assert head.seq == 3
        page, total = uow.audit.find(AuditFilter(actor="ann"), Page())
        assert total == 1
        assert page[0].seq == 2
        page, total = uow.audit.find(AuditFilter(kind="sign_in"), Page(limit=2))
        assert total == 3
        assert [e.seq for e in page] == [3, 2]
        page, total = uow.audit.find(
            AuditFilter(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=3)), Page()
        )
        assert [e.seq for e in page] == [2]


def test_matching_streams_every_entry_find_pages(uows: Factory) -> None:
    for n, who in enumerate(("dora", "ann", "dora", "cole", "dora"), 1):
        with uows() as uow:
            uow.raise_event(signed_in(n, who))
            uow.commit()
    for where in (
        AuditFilter(),
        AuditFilter(actor="dora"),
        AuditFilter(actor="dora", since=T0 + timedelta(seconds=2)),
        AuditFilter(kind="refused"),
    ):
        with uows() as uow:
            page, total = uow.audit.find(where, Page(limit=1000))
            streamed = list(uow.audit.matching(where))
        assert streamed == page
        assert len(streamed) == total
    with uows() as uow:
        assert [e.seq for e in uow.audit.matching(AuditFilter(actor="dora"))] == [5, 3, 1]


def test_a_transaction_that_fails_leaves_no_entry(uows: Factory) -> None:
    with uows() as uow:
        uow.agencies.add(Agency(AgencyId("a"), "A"))
        uow.raise_event(signed_in(1))
        uow.commit()
    with uows() as uow:  # the event raised, then the change refused: no commit
        uow.raise_event(signed_in(2, "ghost"))
        with pytest.raises(Duplicate):
            uow.agencies.add(Agency(AgencyId("a"), "A again"))
    with uows() as uow:
        uow.raise_event(signed_in(3, "left"))  # never committed
    with uows() as uow:
        uow.raise_event(signed_in(4, "rolled"))
        uow.rollback()
        uow.raise_event(signed_in(5, "kept"))
        uow.commit()
    assert [(e.seq, e.actor) for e in all_entries(uows)] == [(1, "dora"), (2, "kept")]
    assert verify(all_entries(uows)).ok


def test_checkpoints_and_the_development_key_are_kept(uows: Factory) -> None:
    with uows() as uow:
        assert uow.audit.latest_checkpoint() is None
        assert uow.audit.signing_key() is None
        uow.audit.add_checkpoint(Checkpoint(1, "a" * 64, T0, "b" * 64, "c" * 128))
        uow.audit.add_checkpoint(Checkpoint(2, "d" * 64, T0, "b" * 64, "c" * 128))
        uow.audit.keep_signing_key("PEM", T0)
        uow.commit()
    with uows() as uow:
        latest = uow.audit.latest_checkpoint()
        assert latest is not None
        assert (latest.seq, latest.hash, latest.at) == (2, "d" * 64, T0)
        assert uow.audit.signing_key() == "PEM"


def test_racing_writers_never_fork_the_chain(uows: Factory) -> None:
    """Eight threads append at once (on PostgreSQL, in real concurrent transactions): the
    chain holds every entry once, verifies, and no two entries follow the same one."""
    writers, each = 8, 25
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(w: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with uows() as uow:
                    uow.raise_event(signed_in(i, f"writer-{w}"))
                    if i % 5 == 0:  # some transactions write several entries
                        uow.raise_event(signed_in(i, f"writer-{w}"))
                    uow.commit()
        except BaseException as exc:  # pragma: no cover - the failure reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with uows() as uow:
        uow.audit.settle()  # on PostgreSQL, what a chainer left as it finished
        assert uow.audit.waiting() == 0
    found = all_entries(uows)
    assert len(found) == writers * (each + each // 5)
    assert [e.seq for e in found] == list(range(1, len(found) + 1))
    assert len({e.prev_hash for e in found}) == len(found)  # no fork
    assert verify(found).ok


def test_the_database_refuses_a_fork(db_url: str) -> None:
    """Even a writer that skipped the head lock could not fork: prev_hash is unique."""
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        bus = message_bus(lambda event: None, lambda: None)
        with SqlUnitOfWork(sessions, bus) as uow:
            uow.raise_event(signed_in(1))
            uow.commit()
        with engine.begin() as conn:
            row = conn.execute(select(AuditEntryRow.__table__)).one()
            with pytest.raises(Exception, match="prev_hash"):
                conn.execute(
                    AuditEntryRow.__table__.insert().values(
                        {**row._mapping, "id": 2, "seq": 2, "hash": "f" * 64}
                    )
                )
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(AuditEntryRow)) == 1
            assert conn.scalar(text("SELECT seq FROM audit_head")) == 1
    finally:
        engine.dispose()


def test_drafts_are_only_chained_at_commit(uows: Factory) -> None:
    with uows() as uow:
        uow.audit.append(AuditDraft(T0, "dora", Kind.SIGN_OUT, "user.signed_out"))
        assert uow.audit.head() is None
        uow.commit()
    assert [e.kind for e in all_entries(uows)] == ["sign_out"]


def test_on_postgresql_an_entry_left_waiting_is_chained_by_settle(db_url: str) -> None:
    """On PostgreSQL entries are written unchained and linked just after the commit; one
    whose chaining did not happen (the chainer had just looked) waits, shows seq 0, and is
    linked by the next settle (a checkpoint settles first)."""
    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        from bluepool.adapters.db.repositories import SqlAuditLog

        with sessions() as session:
            log = SqlAuditLog(session, sessions)
            log.append(AuditDraft(T0, "dora", Kind.SIGN_IN, "user.signed_in"))
            waits = log.flush()
            session.commit()
        with SqlUnitOfWork(sessions) as uow:
            if not waits:  # SQLite chains in the transaction
                assert uow.audit.waiting() == 0
                return
            assert uow.audit.waiting() == 1
            [entry], _ = uow.audit.find(AuditFilter(), Page())
            assert (entry.seq, entry.hash) == (0, "")
            assert list(uow.audit.entries()) == []
            assert uow.audit.settle() == 1
        assert [e.seq for e in all_entries(lambda: SqlUnitOfWork(sessions))] == [1]
    finally:
        engine.dispose()


def test_entries_read_back_exactly_whatever_they_hold(uows: Factory) -> None:
    """Tabs, newlines, backslashes, quotes and other scripts in the columns and the body
    come back as written (PostgreSQL reads the log with COPY's text format)."""
    odd = 'tab\there\nnew line \\ back\\slash "quoted" \\N ünï 日本 \r\x0b\x0c\x08'
    with uows() as uow:
        uow.audit.append(
            AuditDraft(
                T0, odd, Kind.CHANGE, "unit.updated", agency=odd, subject=odd, data={"x": odd}
            )
        )
        uow.audit.append(AuditDraft(T0, "dora", Kind.SIGN_IN, "user.signed_in"))
        uow.commit()
    with uows() as uow:
        uow.audit.settle()
    found = all_entries(uows)
    assert [(e.actor, e.agency, e.subject, e.data) for e in found] == [
        (odd, odd, odd, {"x": odd}),
        ("dora", None, None, {}),
    ]
    assert found[0].at == T0
    assert verify(found).ok

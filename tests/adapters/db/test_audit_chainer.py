"""The background audit chainer on PostgreSQL: it links what writers commit without their
help, stops with the runtime after a last look, and two chainers in two processes never
fork the chain."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bluepool import bootstrap
from bluepool.adapters.db import repositories as repos
from bluepool.adapters.db.chainer import AuditChainer, start_chainer
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.db.repositories import SqlAuditLog
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.config import Settings
from bluepool.domain.access.events import SignedIn
from bluepool.domain.audit.chain import verify
from bluepool.services.audit.recorder import draft
from tests.builders import T0
from tests.conftest import _postgres_database


def signed_in(n: int, who: str) -> SignedIn:
    return SignedIn(T0 + timedelta(seconds=n), who, "10.0.0.1")


def chained_soon(sessions: object, expected: int) -> None:
    """Wait until ``expected`` entries are chained (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with SqlUnitOfWork(sessions) as uow:  # type: ignore[arg-type]
            if uow.audit.waiting() == 0 and len(list(uow.audit.entries())) == expected:
                return
        time.sleep(0.05)
    raise AssertionError("the chainer did not chain the entries")


@pytest.mark.postgres
def test_the_chainer_links_what_writers_commit_without_their_help(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _postgres_database() as url:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        writer_chained: list[int] = []
        monkeypatch.setattr(repos, "chain_waiting", lambda *a, **k: writer_chained.append(1))
        chainer = start_chainer(engine)
        assert chainer is not None
        assert chainer.running
        bus = message_bus(lambda event: None, lambda: None)
        try:
            for i in range(20):
                with SqlUnitOfWork(sessions, bus, chainer) as uow:
                    uow.raise_event(signed_in(i, "dora"))
                    uow.commit()
            chained_soon(sessions, 20)
            assert writer_chained == []
            assert chainer.chained == 20
            with SqlUnitOfWork(sessions) as uow:
                found = list(uow.audit.entries())
            assert [e.seq for e in found] == list(range(1, 21))
            assert verify(found).ok
        finally:
            engine.dispose()
        assert not chainer.running


@pytest.mark.postgres
def test_the_chainer_stops_with_the_runtime_after_a_last_look() -> None:
    with _postgres_database() as url:
        upgrade(url)
        runtime = bootstrap.build(Settings(database_url=url, environment="test"))
        chainer = runtime.chainer
        assert chainer is not None
        assert chainer.running
        thread = chainer._thread
        assert thread is not None
        # committed but not yet chained (nobody woke the chainer): the last look links it
        sessions = make_session_factory(runtime.engine)
        with sessions() as session:
            log = SqlAuditLog(session, sessions)
            log.append(draft(signed_in(1, "dora")))
            waiting = log.flush()
            session.commit()
        assert waiting
        runtime.engine.dispose()
        assert not thread.is_alive()
        assert not chainer.running
        engine = make_engine(url)
        try:
            with SqlUnitOfWork(make_session_factory(engine)) as uow:
                assert uow.audit.waiting() == 0
                assert [e.seq for e in uow.audit.entries()] == [1]
        finally:
            engine.dispose()


def test_sqlite_has_no_chainer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    try:
        assert start_chainer(engine) is None
    finally:
        engine.dispose()


def _process(url: str, writers: int, each: int, start: object) -> None:
    """One application process: its own chainer and ``writers`` threads appending."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    bus = message_bus(lambda event: None, lambda: None)
    chainer = AuditChainer(engine).start()

    def write(w: int) -> None:
        for i in range(each):
            with SqlUnitOfWork(sessions, bus, chainer) as uow:
                uow.raise_event(signed_in(i, f"{multiprocessing.current_process().name}-{w}"))
                if i % 4 == 0:
                    uow.raise_event(signed_in(i, "twice"))
                uow.commit()

    start.wait()  # type: ignore[attr-defined]
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    chainer.stop()
    engine.dispose()


@pytest.mark.postgres
def test_two_chainers_in_two_processes_never_fork_the_chain() -> None:
    writers, each = 4, 40
    with _postgres_database() as url:
        upgrade(url)
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(2)
        processes = [
            spawn.Process(target=_process, args=(url, writers, each, start), name=f"p{n}")
            for n in range(2)
        ]
        for p in processes:
            p.start()
        for p in processes:
            p.join(120)
            assert p.exitcode == 0
        engine = make_engine(url)
        try:
            with SqlUnitOfWork(make_session_factory(engine)) as uow:
                assert uow.audit.waiting() == 0  # each chainer's last look
                found = list(uow.audit.entries())
        finally:
            engine.dispose()
        assert len(found) == 2 * writers * (each + each // 4)
        assert [e.seq for e in found] == list(range(1, len(found) + 1))
        assert len({e.prev_hash for e in found}) == len(found)  # no fork
        assert verify(found).ok

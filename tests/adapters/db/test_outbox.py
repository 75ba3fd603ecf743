"""The outbox contract on memory, SQLite and PostgreSQL: messages land with their
transaction, come back oldest first until published, and their payload is JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.tables import OutboxRow
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.services.ports import OutboxMessage
from tests.builders import T0, at
from tests.conftest import UowFactory


def a_message(type: str = "unit.position_reported", **payload: Any) -> OutboxMessage:
    return OutboxMessage(type=type, payload=payload or {"unit_id": "P-1"}, created_at=T0)


def pending(uows: UowFactory, limit: int = 100) -> list[OutboxMessage]:
    with uows() as uow:
        return uow.outbox.pending(limit)


def test_committed_messages_are_pending_oldest_first(uow_factory: UowFactory) -> None:
    first = a_message("unit.dispatched", unit_id="P-1", incident_id="I-1")
    second = a_message("unit.position_reported", unit_id="P-2", lat=47.1, lon=9.5)
    third = OutboxMessage("incident.closed", {"incident_id": "I-1"}, created_at=at(3))
    with uow_factory() as uow:
        uow.outbox.add(first)
        uow.outbox.add(second)
        uow.commit()
    with uow_factory() as uow:
        uow.outbox.add(third)
        uow.commit()

    found = pending(uow_factory)
    assert [(m.type, m.payload, m.created_at, m.published_at) for m in found] == [
        (m.type, m.payload, m.created_at, None) for m in (first, second, third)
    ]
    ids = [m.id for m in found if m.id is not None]
    assert len(set(ids)) == 3
    assert ids == sorted(ids)
    assert pending(uow_factory, limit=2) == found[:2]


def test_messages_left_uncommitted_are_gone(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.outbox.add(a_message("dropped.on_exit"))
    with uow_factory() as uow:
        uow.outbox.add(a_message("dropped.by_rollback"))
        uow.rollback()
        uow.outbox.add(a_message("kept"))
        uow.commit()
    assert [m.type for m in pending(uow_factory)] == ["kept"]


def test_published_messages_leave_pending(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        for n in range(4):
            uow.outbox.add(a_message(f"event.{n}"))
        uow.commit()
    messages = pending(uow_factory)
    ids = [m.id for m in messages if m.id is not None]
    with uow_factory() as uow:
        uow.outbox.mark_published([ids[0], ids[2]], at(5))
        assert [m.type for m in uow.outbox.pending(100)] == ["event.1", "event.3"]
        # Not committed: the next unit of work still sees all four.
    assert pending(uow_factory) == messages
    with uow_factory() as uow:
        uow.outbox.mark_published([ids[0], ids[2]], at(5))
        uow.outbox.mark_published([], at(6))
        uow.commit()
    assert [m.type for m in pending(uow_factory)] == ["event.1", "event.3"]
    with uow_factory() as uow:
        # Already published, or never written: nothing to do, nothing to complain about.
        uow.outbox.mark_published([ids[0], max(ids) + 1000], at(7))
        uow.outbox.mark_published(ids[1:], at(7))
        uow.commit()
    assert pending(uow_factory) == []


def test_payload_comes_back_as_json_gives_it(uow_factory: UowFactory) -> None:
    payload: dict[str, Any] = {
        "unit": {"id": "schaan-k9-1", "capabilities": ["k9", "patrol"], "station": None},
        "path": [[47.16, 9.51], [47.17, 9.52]],
        "officer": "Samuel Schädler 🚓",
        "count": 3,
        "ratio": 0.25,
        "lent": True,
        "empty": {"list": [], "dict": {}},
    }
    # What JSON cannot keep exactly, it changes the same way on every backend.
    loose: dict[str, Any] = {"tuple": (1, 2), "keys": {1: "one"}}
    with uow_factory() as uow:
        uow.outbox.add(OutboxMessage("unit.exact", payload, T0))
        uow.outbox.add(OutboxMessage("unit.loose", loose, T0))
        uow.commit()
    exact, changed = pending(uow_factory)
    assert exact.payload == payload
    assert changed.payload == {"tuple": [1, 2], "keys": {"1": "one"}}


def test_a_payload_json_cannot_hold_is_refused(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        with pytest.raises(
            TypeError, match=r"outbox message 'unit\.status_changed': the payload is not JSON"
        ):
            uow.outbox.add(a_message("unit.status_changed", at=T0))
        uow.outbox.add(a_message("unit.fine"))
        uow.commit()
    assert [m.type for m in pending(uow_factory)] == ["unit.fine"]


def test_messages_added_together_keep_their_order_and_a_bad_one_is_named(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        uow.outbox.add_all([a_message("incident.closed"), a_message("unit.updated")])
        uow.commit()
    refused = r"outbox message 'unit\.bad': the payload is not JSON"
    with uow_factory() as uow, pytest.raises(TypeError, match=refused):
        uow.outbox.add_all([a_message("unit.fine"), a_message("unit.bad", at=T0)])
    assert [m.type for m in pending(uow_factory)] == ["incident.closed", "unit.updated"]


def test_a_late_commit_is_published_late_not_skipped(uow_factory: UowFactory) -> None:
    """A transaction that wrote first but commits last must still be relayed.

    On PostgreSQL its id is the lower one; the relay reads what is unpublished, not what
    lies past the last id it saw.
    """
    if uow_factory.backend == "sqlite":
        pytest.skip("SQLite write transactions cannot interleave")
    with uow_factory() as slow, uow_factory() as quick:
        slow.outbox.add(a_message("slow"))
        quick.outbox.add(a_message("quick"))
        quick.commit()
        with uow_factory() as relay:
            relay.outbox.mark_published([m.id for m in relay.outbox.pending(10) if m.id], at(1))
            relay.commit()
        slow.commit()
    assert [m.type for m in pending(uow_factory)] == ["slow"]


def test_memory_ids_follow_commit_order() -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as first, MemoryUnitOfWork(store) as second:
        first.outbox.add(a_message("added.first"))
        second.outbox.add(a_message("added.second"))
        assert [(m.type, m.id) for m in first.outbox.pending(10)] == [("added.first", None)]
        second.commit()
        first.commit()
    with MemoryUnitOfWork(store) as uow:
        found = uow.outbox.pending(10)
    assert [m.type for m in found] == ["added.second", "added.first"]
    assert [m.id for m in found] == [1, 2]


def test_memory_keeps_its_payloads_apart_from_the_caller() -> None:
    store = MemoryStore()
    payload: dict[str, Any] = {"units": ["P-1"]}
    with MemoryUnitOfWork(store) as uow:
        uow.outbox.add(OutboxMessage("t", payload, datetime(2025, 1, 1, tzinfo=UTC)))
        payload["units"].append("P-2")
        uow.commit()
    with MemoryUnitOfWork(store) as uow:
        uow.outbox.pending(1)[0].payload["units"].append("P-3")
        assert uow.outbox.pending(1)[0].payload == {"units": ["P-1"]}


def test_first_publication_time_stands() -> None:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        uow.outbox.add(a_message())
        uow.commit()
    with MemoryUnitOfWork(store) as one, MemoryUnitOfWork(store) as other:
        one.outbox.mark_published([1], T0)
        other.outbox.mark_published([1], T0 + timedelta(seconds=1))
        one.commit()
        other.commit()
    assert store.published[1].published_at == T0
    assert store.outbox == {}


def test_database_keeps_the_first_publication_time(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    uows = make_session_factory(engine)
    try:
        with SqlUnitOfWork(uows) as uow:
            uow.outbox.add(a_message())
            uow.commit()
        for when in (at(1), at(2)):
            with SqlUnitOfWork(uows) as uow:
                uow.outbox.mark_published([1], when)
                uow.commit()
        with engine.connect() as conn:
            assert conn.execute(select(OutboxRow.published_at)).scalars().all() == [at(1)]
    finally:
        engine.dispose()


def test_published_messages_are_pruned_after_their_time(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        for n in range(5):
            uow.outbox.add(a_message(f"event.{n}"))
        uow.commit()
    ids = [m.id for m in pending(uow_factory) if m.id is not None]
    with uow_factory() as uow:
        uow.outbox.mark_published(ids[:2], at(1))
        uow.outbox.mark_published(ids[2:4], at(10))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.prune(at(5), 100) == 2
        # Not committed: nothing went.
    with uow_factory() as uow:
        assert uow.outbox.prune(at(11), 1) == 1  # a page at a time, oldest first
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.prune(at(11), 100) == 3
        uow.commit()
    with uow_factory() as uow:
        # What is not yet published stays, however old.
        assert uow.outbox.prune(at(1000), 100) == 0
    assert [m.type for m in pending(uow_factory)] == ["event.4"]


def test_one_relay_at_a_time(uow_factory: UowFactory) -> None:
    with uow_factory() as first:
        assert first.outbox.claim()
        if uow_factory.backend == "postgres":
            # Another transaction (another worker's relay) does not get the turn ...
            with uow_factory() as second:
                assert not second.outbox.claim()
        first.commit()
    # ... until the first one's transaction ends.
    with uow_factory() as again:
        assert again.outbox.claim()

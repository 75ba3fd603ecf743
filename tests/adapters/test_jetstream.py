"""The outbox relay and the stream consumer against a real nats-server (skipped without
one) on the memory outbox: every message published once, even when the relay dies between
JetStream's acknowledgement and its own mark; the consumer numbers them as the stream does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import pytest

from bluepool.adapters.bus.broker import Broker
from bluepool.adapters.bus.jetstream import OutboxRelay, StreamConsumer, ensure_stream
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.services.ports import OutboxMessage, UnitOfWork
from tests.builders import T0, at
from tests.scaleout import NatsServer, nats_server, unique, wait_until

WEEK = timedelta(days=7)


class Clock:
    def __init__(self) -> None:
        self.now_ = at(0)

    def now(self) -> Any:
        return self.now_


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    with nats_server(tmp_path) as server:
        yield server.url


def add(store: MemoryStore, *types: str) -> None:
    with MemoryUnitOfWork(store) as uow:
        for n, t in enumerate(types):
            uow.outbox.add(OutboxMessage(t, {"type": t, "n": n}, T0))
        uow.commit()


async def stream_messages(url: str, stream: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await ensure_stream(nc.jetstream(), stream, WEEK)
        return int(info.state.messages)
    finally:
        await nc.close()


async def relay_once(relay: OutboxRelay) -> int:
    nc = await nats.connect(relay.url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, relay.stream, WEEK)
        return await relay.relay_once(js)
    finally:
        await nc.close()


class LosesItsMark(MemoryUnitOfWork):
    """A relay that dies after JetStream acknowledged, before its mark committed."""

    def commit(self) -> None:
        self.rollback()


def test_every_message_is_published_once_even_when_the_relay_dies_before_marking(
    nats_url: str,
) -> None:
    store = MemoryStore()
    stream = unique("R").upper()
    add(store, "incident.created", "unit.assigned", "incident.closed")

    def dying() -> UnitOfWork:
        return LosesItsMark(store)

    def healthy() -> UnitOfWork:
        return MemoryUnitOfWork(store)

    assert asyncio.run(relay_once(OutboxRelay(nats_url, stream, dying, Clock(), WEEK))) == 3
    with MemoryUnitOfWork(store) as uow:
        assert len(uow.outbox.pending(10)) == 3  # published, but not marked
    relay = OutboxRelay(nats_url, stream, healthy, Clock(), WEEK)
    assert asyncio.run(relay_once(relay)) == 3  # published again ...
    assert asyncio.run(stream_messages(nats_url, stream)) == 3  # ... and stored once
    with MemoryUnitOfWork(store) as uow:
        assert uow.outbox.pending(10) == []


def test_the_consumer_numbers_events_by_the_stream_and_survives_a_nats_restart(
    tmp_path: Path,
) -> None:
    store = MemoryStore()
    stream = unique("C").upper()
    server = NatsServer(tmp_path / "nats")
    server.start()
    broker = Broker()
    seen: list[str] = []
    relay = OutboxRelay(server.url, stream, lambda: MemoryUnitOfWork(store), Clock(), WEEK)
    consumer = StreamConsumer(server.url, stream, broker, WEEK, on_message=seen.append)
    relay.start()
    consumer.start()
    try:
        add(store, "incident.created", "unit.assigned")
        relay.nudge()
        wait_until(lambda: broker.last_seq == 2, 20, "two events delivered")
        epoch = broker.epoch
        assert epoch.startswith("js")
        server.kill()
        add(store, "incident.closed")  # while NATS is away
        relay.nudge()
        server.start()
        wait_until(lambda: broker.last_seq == 3, 30, "the third event after the restart")
        assert broker.epoch == epoch  # the same stream: the numbering goes on
        assert seen == ["incident.created", "unit.assigned", "incident.closed"]
    finally:
        relay.stop()
        consumer.stop()
        server.kill()


def test_the_relay_prunes_what_was_published_long_enough_ago() -> None:
    store = MemoryStore()
    add(store, "a.created", "b.created", "c.created")
    with MemoryUnitOfWork(store) as uow:
        ids = [m.id for m in uow.outbox.pending(10) if m.id is not None]
        uow.outbox.mark_published(ids[:2], at(0))
        uow.commit()
    clock = Clock()
    relay = OutboxRelay("nats://unused", "P", lambda: MemoryUnitOfWork(store), clock, WEEK)
    clock.now_ = at(0) + WEEK - timedelta(minutes=1)
    relay.prune()
    assert len(store.published) == 2  # not old enough yet
    clock.now_ = at(0) + WEEK + timedelta(minutes=1)
    relay.prune()
    assert store.published == {}
    assert [m.type for m in store.outbox.values()] == ["c.created"]  # unpublished stays

"""The composition root: wire the ports to their adapters and the events to their handlers,
once, for one running bluepool.

The API, the CLI and the tests call ``build``; nothing is built at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bluepool.adapters.bus.broker import Broker
from bluepool.adapters.bus.jetstream import OutboxRelay, StreamConsumer
from bluepool.adapters.clock import SystemClock
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.passwords import Argon2Hasher, BoundedHasher
from bluepool.config import Settings
from bluepool.domain.collective.events import JurisdictionChanged
from bluepool.domain.dispatch.travel import StraightLine, TravelTimes
from bluepool.domain.shared.events import Event
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.oracle import RoadTravelTimes
from bluepool.services import changelog
from bluepool.services.context import Context
from bluepool.services.messagebus import MessageBus
from bluepool.services.ports import Clock, PasswordHasher, Router, UnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    broker: Broker
    context: Context
    #: What runs beside the API while it serves (the outbox relay and the JetStream
    #: consumer with ``nats_url``); the app starts and stops them with its lifespan.
    background: tuple[OutboxRelay | StreamConsumer, ...] = ()

    def start(self) -> None:
        for part in self.background:
            part.start()

    def stop(self) -> None:
        for part in self.background:
            part.stop()


class CachedLocator:
    """Keep a jurisdiction index built from the database; rebuild it when told."""

    def __init__(self, uow: Callable[[], UnitOfWork], **options: Any) -> None:
        self._uow = uow
        self._options = options
        self._lock = threading.Lock()
        self._index: JurisdictionIndex | None = None

    def __call__(self) -> JurisdictionIndex:
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    with self._uow() as uow:
                        self._index = JurisdictionIndex(uow.jurisdictions.list(), **self._options)
                index = self._index
        return index

    def invalidate(self) -> None:
        with self._lock:
            self._index = None


def travel_model(settings: Settings) -> tuple[TravelTimes, Router | None]:
    """Drive times by road when a network is configured, else the straight-line model."""
    if settings.road_network is not None:
        roads = RoadTravelTimes.from_file(settings.road_network)
        return roads, roads
    return StraightLine(settings.detour_factor, settings.average_speed_kmh), None


def message_bus(
    publish: Callable[[Event], None], jurisdictions_changed: Callable[[], None]
) -> MessageBus:
    """The one place events meet their handlers.

    Inside the transaction: every event's line in the change log. After the commit: every
    event to the live stream (``publish``), and a changed jurisdiction rebuilds the
    jurisdiction locator. (Every event also goes to the outbox, written by the unit of work
    itself.)
    """
    bus = MessageBus()
    bus.within(Event, changelog.record)
    bus.after(Event, publish)
    bus.after(JurisdictionChanged, lambda _: jurisdictions_changed())
    return bus


def build(
    settings: Settings,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
    travel: TravelTimes | None = None,
) -> Runtime:
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    read_sessions = make_session_factory(engine, read_only=True)

    def read_uow() -> UnitOfWork:
        return SqlUnitOfWork(read_sessions)

    if travel is None:
        travel, router = travel_model(settings)
    else:
        router = travel if isinstance(travel, RoadTravelTimes) else None
    broker = Broker()
    locator = CachedLocator(
        read_uow, on_gap=settings.jurisdiction_gaps, max_gap_m=settings.jurisdiction_max_gap_m
    )
    clock = clock or SystemClock()
    background: tuple[OutboxRelay | StreamConsumer, ...] = ()
    publish: Callable[[Event], None] = broker.publish
    if settings.nats_url:
        # Events reach the streams through JetStream, so every worker sees every event:
        # a commit only nudges the relay.
        retention = timedelta(hours=settings.outbox_retention_hours)

        def changed_elsewhere(event_type: str) -> None:
            if event_type.startswith(f"{JurisdictionChanged.entity}."):
                locator.invalidate()

        relay = OutboxRelay(
            settings.nats_url,
            settings.nats_stream,
            lambda: SqlUnitOfWork(sessions),
            clock,
            retention,
            poll_s=settings.relay_poll_s,
        )
        consumer = StreamConsumer(
            settings.nats_url, settings.nats_stream, broker, retention, changed_elsewhere
        )
        background = (relay, consumer)
        publish = relay.nudge
    bus = message_bus(publish, locator.invalidate)

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions, bus)

    context = Context(
        uow=uow,
        clock=clock,
        locator=locator,
        travel=travel,
        router=router,
        hasher=BoundedHasher(
            hasher or Argon2Hasher(fast=settings.environment in ("test", "demo")),
            settings.password_hash_workers,
            settings.password_hash_queue,
        ),
        read_uow=read_uow,
        accept_outside_incidents=settings.outside_incidents == "accept",
    )
    return Runtime(settings, engine, broker, context, background)

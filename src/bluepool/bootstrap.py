"""The composition root: wire the ports to their adapters and the events to their handlers,
once, for one running bluepool.

The API, the CLI and the tests call ``build``; nothing is built at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from bluepool.adapters.bus.broker import Broker
from bluepool.adapters.clock import SystemClock
from bluepool.adapters.db.chainer import AuditChainer, start_chainer
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.passwords import Argon2Hasher, BoundedHasher
from bluepool.adapters.signing import Ed25519Keys
from bluepool.config import Settings
from bluepool.domain.collective.events import JurisdictionChanged
from bluepool.domain.dispatch.travel import StraightLine, TravelTimes
from bluepool.domain.shared.events import Event
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.oracle import RoadTravelTimes
from bluepool.services import changelog
from bluepool.services.audit import recorder
from bluepool.services.context import Context
from bluepool.services.messagebus import MessageBus
from bluepool.services.ports import Clock, PasswordHasher, Router, UnitOfWork


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    broker: Broker
    context: Context
    #: Links the audit entries written on PostgreSQL (None on SQLite); it stops when the
    #: engine is disposed.
    chainer: AuditChainer | None = None


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

    Inside the transaction: every event's line in the change log and its entry in the
    audit log. After the commit: every published event to the live stream (``publish``;
    sign-ins and other access facts are for the audit log only), and a changed
    jurisdiction rebuilds the jurisdiction locator. (Every published event also goes to
    the outbox, written by the unit of work itself.)
    """
    bus = MessageBus()
    bus.within(Event, changelog.record)
    bus.within(Event, recorder.record)

    def publish_published(event: Event) -> None:
        if event.published:
            publish(event)

    bus.after(Event, publish_published)
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
    bus = message_bus(broker.publish, locator.invalidate)

    chainer = start_chainer(engine)

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions, bus, chainer)

    context = Context(
        uow=uow,
        clock=clock or SystemClock(),
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
        audit_keys=Ed25519Keys(
            settings.audit_signing_key_file, development=settings.environment != "production"
        ),
    )
    return Runtime(settings, engine, broker, context, chainer)

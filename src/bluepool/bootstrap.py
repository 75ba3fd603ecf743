"""The composition root: wire the ports to their adapters and the events to their handlers,
once, for one running bluepool.

The API, the CLI and the tests call ``build``; nothing is built at import time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bluepool.adapters.bus.broker import Broker
from bluepool.adapters.bus.jetstream import OutboxRelay, StreamConsumer
from bluepool.adapters.clock import SystemClock
from bluepool.adapters.db.chainer import AuditChainer, start_chainer
from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.adapters.history.store import DuckHistory
from bluepool.adapters.passwords import Argon2Hasher, BoundedHasher
from bluepool.adapters.signing import Ed25519Keys
from bluepool.adapters.spatial.hotspots import H3HotSpots
from bluepool.config import Settings
from bluepool.domain.collective.events import (
    AgencyChanged,
    CallTypeChanged,
    JurisdictionChanged,
    SettingChanged,
)
from bluepool.domain.dispatch.events import IncidentClosed, IncidentUpdated
from bluepool.domain.dispatch.records import UnitUpdateResult
from bluepool.domain.dispatch.travel import Flight, StraightLine, TravelTimes
from bluepool.domain.resources.events import LoanReturned
from bluepool.domain.shared.events import Event
from bluepool.domain.sharing.events import AgreementChanged
from bluepool.geo.gazetteer import OfflineGazetteer, demo_gazetteer_path
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.network import DEMO_NETWORK
from bluepool.routing.oracle import RoadTravelTimes
from bluepool.services import changelog
from bluepool.services.audit import recorder
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents, positions
from bluepool.services.grouping import GroupCommit
from bluepool.services.ledger import posting
from bluepool.services.messagebus import MessageBus
from bluepool.services.ports import (
    Clock,
    Gazetteer,
    PasswordHasher,
    PendingFix,
    Router,
    Standing,
    UnitOfWork,
)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    broker: Broker
    context: Context
    #: What runs beside the API while it serves (the outbox relay and the JetStream
    #: consumer with ``nats_url``); the app starts and stops them with its lifespan.
    background: tuple[OutboxRelay | StreamConsumer, ...] = ()
    #: Links the audit entries written on PostgreSQL (None on SQLite); it stops when the
    #: engine is disposed.
    chainer: AuditChainer | None = None

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


class CachedStanding:
    """Keep the standing facts of dispatch (agencies, jurisdictions' owners, sharing
    policies, call types: ``services.ports.Standing``) between requests.

    Dropped after the commit of any event that changes one of them (the message bus'
    after-commit handlers), and at the latest ``ttl`` seconds after it was read, which
    bounds how long a change made by another worker process goes unseen (until events
    cross workers). Units are never cached: recommend and assign read them in their own
    transaction, and assign decides on them under the agency's lock.
    """

    def __init__(
        self,
        load: Callable[[UnitOfWork], Standing],
        ttl: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        #: Seconds a read is kept at most.
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._facts: Standing | None = None
        self._read_at = 0.0
        #: Bumped by every invalidation: a read that began before one is not kept.
        self._generation = 0

    def __call__(self, uow: UnitOfWork) -> Standing:
        facts, now = self._facts, self._clock()
        if facts is not None and now - self._read_at < self.ttl:
            return facts
        generation = self._generation
        facts = self._load(uow)
        with self._lock:
            if generation == self._generation:
                self._facts, self._read_at = facts, now
        return facts

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._facts = None


#: The events after which the standing facts are read again.
STANDING_EVENTS: tuple[type[Event], ...] = (
    AgencyChanged,
    JurisdictionChanged,
    AgreementChanged,
    CallTypeChanged,
    SettingChanged,
)


def travel_model(settings: Settings) -> tuple[TravelTimes, Router | None]:
    """Drive times by road when a network is configured, else the straight-line model."""
    if settings.road_network is not None:
        roads = RoadTravelTimes.from_file(
            settings.road_network,
            offroad_speed_kmh=settings.offroad_speed_kmh,
            offroad_detour=settings.offroad_detour_factor,
        )
        return roads, roads
    return StraightLine(settings.detour_factor, settings.average_speed_kmh), None


def flight(settings: Settings) -> Flight:
    """The unit kinds that fly, at their cruise speeds."""
    return Flight(dict(settings.air_kinds), settings.air_lift_off_s)


def gazetteer(settings: Settings) -> Gazetteer | None:
    """The gazetteer when one is configured (loaded once: a few MB for a city); with the
    demo's road network and no gazetteer named, the demo's."""
    path = settings.addresses
    network = settings.road_network
    if path is None and network is not None and network.name == DEMO_NETWORK:
        demo = demo_gazetteer_path()
        path = demo if demo.is_file() else None
    return OfflineGazetteer.from_file(path) if path is not None else None


def message_bus(
    publish: Callable[[Event], None],
    jurisdictions_changed: Callable[[], None],
    standing_changed: Callable[[], None] | None = None,
) -> MessageBus:
    """The one place events meet their handlers.

    Inside the transaction: every event's line in the change log and its entry in the
    audit log; a closed incident's cross-agency costs posted to the ledger (whose own
    ``ledger.posted`` event is then logged and audited in turn). After the commit: every
    published event to the live stream (``publish``; sign-ins and other access facts are
    for the audit log only), a changed jurisdiction rebuilds the jurisdiction locator, and
    a changed agency, jurisdiction, agreement or call type drops the cached standing facts
    (``standing_changed``). (Every published event also goes to the outbox, written by the
    unit of work itself.)
    """
    bus = MessageBus()
    bus.within(Event, changelog.record)
    bus.within(Event, recorder.record)
    bus.within(IncidentClosed, posting.on_incident_closed)
    bus.within(IncidentUpdated, posting.on_incident_closed)
    bus.within(LoanReturned, posting.on_loan_returned)

    def publish_published(event: Event) -> None:
        if event.published:
            publish(event)

    bus.after(Event, publish_published)
    bus.after(JurisdictionChanged, lambda _: jurisdictions_changed())
    if standing_changed is not None:
        for kind in STANDING_EVENTS:
            bus.after(kind, lambda _: standing_changed())
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
    standing = CachedStanding(incidents.standing)
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
    bus = message_bus(publish, locator.invalidate, standing.invalidate)

    chainer = start_chainer(engine)

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions, bus, chainer)

    fixes: GroupCommit[PendingFix, UnitUpdateResult] = GroupCommit()

    context = Context(
        uow=uow,
        clock=clock,
        locator=locator,
        travel=travel,
        air=flight(settings),
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
        standing=standing,
        fix_queue=fixes,
        position_retention=timedelta(hours=settings.position_retention_hours)
        if settings.position_retention_hours
        else None,
        gazetteer=gazetteer(settings),
        history=DuckHistory(settings.history_file()),
        spatial=H3HotSpots(),
    )
    fixes.start(lambda items: positions.commit_fixes(context, items))
    return Runtime(settings, engine, broker, context, background, chainer)

"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them: ``adapters.db`` (SQLAlchemy), ``adapters.memory`` (in-process, the
tests' fakes), ``adapters.bus`` (event fan-out), ``geo`` (jurisdiction lookup) and
``routing`` (travel times by road).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from bluepool.domain.access.roles import User
from bluepool.domain.access.sessions import Session, StreamTicket
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.dispatch.incidents import Incident, IncidentStatus
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.events import Event
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.geojson import Feature
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.domain.sharing.policies import SharingPolicy


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class UnitFilter:
    agency_id: AgencyId | None = None
    status: UnitStatus | None = None
    capability: str | None = None
    station_id: StationId | None = None


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    status: IncidentStatus | None = None
    open: bool | None = None
    jurisdiction_id: JurisdictionId | None = None
    priority: int | None = None
    call_type: CallTypeCode | None = None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One line of the change log: who changed what, when."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChangePage:
    items: tuple[ChangeRecord, ...]
    total: int
    limit: int
    offset: int


K = TypeVar("K", contravariant=True)
T = TypeVar("T")


class Repository(Protocol[K, T]):
    def get(self, key: K) -> T | None: ...
    def add(self, item: T) -> None: ...
    def update(self, item: T) -> None: ...
    def delete(self, key: K) -> None: ...
    def list(self) -> list[T]:
        """Return every item, ordered by key."""
        ...


class JurisdictionRepository(Repository[JurisdictionId, Jurisdiction], Protocol):
    def owners(self) -> dict[JurisdictionId, AgencyId]:
        """Return which agency answers for each jurisdiction (without the polygons)."""
        ...


class UnitRepository(Repository[UnitId, Unit], Protocol):
    def find(self, where: UnitFilter, page: Page) -> tuple[list[Unit], int]:
        """Return one page of matching units (ordered by id) and the total count."""
        ...


class IncidentRepository(Repository[IncidentId, Incident], Protocol):
    def find(self, where: IncidentFilter, page: Page) -> tuple[list[Incident], int]:
        """Return one page of matching incidents, newest first, and the total count."""
        ...


class ChangeLog(Protocol):
    def add(self, record: ChangeRecord) -> None: ...
    def find(
        self, entity: str | None, entity_id: str | None, page: Page
    ) -> tuple[list[ChangeRecord], int]: ...


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """An event as the outbox keeps it: written in the transaction of the change it
    describes, published later (by a relay, to NATS) and marked so."""

    type: str
    payload: dict[str, Any]
    created_at: datetime
    #: Assigned by the store when the message is written; increasing in commit order.
    id: int | None = None
    published_at: datetime | None = None


class Outbox(Protocol):
    def add(self, message: OutboxMessage) -> None:
        """Write ``message`` in the current transaction."""
        ...

    def pending(self, limit: int) -> list[OutboxMessage]:
        """Return up to ``limit`` messages not yet published, oldest first."""
        ...

    def mark_published(self, ids: Sequence[int], at: datetime) -> None: ...

    def claim(self) -> bool:
        """Take the relay's turn until this transaction ends; False when another relay has
        it (several workers each run a relay, one publishes at a time)."""
        ...

    def prune(self, published_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` messages published before ``published_before``; return
        how many went."""
        ...


class IdempotencyKeys(Protocol):
    def seen(self, key: str) -> bool:
        """Return True when ``key`` was recorded before."""
        ...

    def record(self, key: str, at: datetime) -> None: ...


class SessionRepository(Protocol):
    """Sign-in sessions (``services.access.sessions``)."""

    def get(self, session_id: str) -> Session | None: ...
    def add(self, session: Session) -> None: ...
    def rotate(self, session_id: str, old_hash: str, new_hash: str, at: datetime) -> bool:
        """Replace the session's refresh token hash ``old_hash`` by ``new_hash``; False
        (and nothing changed) when the current hash is not ``old_hash``."""
        ...

    def revoke(self, session_id: str, at: datetime) -> None: ...


class StreamTickets(Protocol):
    def add(self, ticket: StreamTicket) -> None: ...
    def take(self, ticket_hash: str, now: datetime) -> StreamTicket | None:
        """Remove and return the unexpired ticket with this hash: of two takers, even in
        two processes, only one gets it."""
        ...


class UnitOfWork(Protocol):
    """One atomic change: everything done through it commits together or not at all."""

    agencies: Repository[AgencyId, Agency]
    jurisdictions: JurisdictionRepository
    stations: Repository[StationId, Station]
    call_types: Repository[CallTypeCode, CallType]
    policies: Repository[AgencyId, SharingPolicy]
    users: Repository[Username, User]
    units: UnitRepository
    incidents: IncidentRepository
    changes: ChangeLog
    idempotency: IdempotencyKeys
    outbox: Outbox
    sessions: SessionRepository
    stream_tickets: StreamTickets

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def raise_event(self, event: Event) -> None:
        """Collect ``event``: on commit it is logged, written to the outbox and handled
        (``services.messagebus``); if the transaction fails, it never happened."""
        ...

    def lock_agency(self, agency_id: AgencyId) -> None:
        """Hold the agency until commit: fleet-wide rules (home reserves) stay true."""
        ...

    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class JurisdictionLocator(Protocol):
    """Tell which jurisdiction a point lies in (None: outside all of them)."""

    def locate(self, location: Location) -> JurisdictionId | None: ...

    def locate_many(self, locations: Sequence[Location]) -> list[JurisdictionId | None]: ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords. Either may raise ``Overloaded`` when too many run at
    once (``adapters.passwords.BoundedHasher``)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class Overloaded(Exception):
    """A port refused work it has no room for now; try again after ``retry_after_s``."""

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class Router(Protocol):
    """Routes on the road network, for maps (present only when a network is loaded)."""

    def route(self, origin: Location, destination: Location) -> Feature:
        """Return the fastest route as a GeoJSON Feature (LineString, duration_s, length_m)."""
        ...

    def roads(self) -> Feature:
        """Return the roads as GeoJSON, for drawing."""
        ...

"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them: ``adapters.db`` (SQLAlchemy), ``adapters.memory`` (in-process, the
tests' fakes), ``adapters.bus`` (event fan-out), ``geo`` (jurisdiction lookup) and
``routing`` (travel times by road).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from bluepool.domain.access.roles import User
from bluepool.domain.access.sessions import Session, StreamTicket
from bluepool.domain.aid.requests import Request as AidRequest
from bluepool.domain.analytics.figures import Figures
from bluepool.domain.analytics.goals import Goal, Judged
from bluepool.domain.analytics.hotspots import Analysis, Options, Point
from bluepool.domain.analytics.kpis import Assistance, Call, Dimension, KpiRow
from bluepool.domain.audit.checkpoints import Checkpoint
from bluepool.domain.audit.entries import AuditDraft, AuditEntry
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.closing import ClosingRules
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.incidents import OPEN, Incident, IncidentStatus
from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.premises import PremiseNote
from bluepool.domain.dispatch.recommend import Collective
from bluepool.domain.dispatch.records import UnitUpdateResult
from bluepool.domain.dispatch.timers import TimerLimits
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.ledger.entries import Transaction
from bluepool.domain.ledger.pricing import PricedUsage
from bluepool.domain.people.certifications import Grant, GrantId
from bluepool.domain.people.crews import CrewAssignment, CrewId
from bluepool.domain.people.gating import CertificationRules
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.resources.loans import Loan, LoanId
from bluepool.domain.resources.resources import Resource, ResourceId
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
from bluepool.domain.sharing.agreements import Agreement, AgreementId
from bluepool.domain.sharing.lending import lending_at


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
    #: Received in [received_from, received_until).
    received_from: datetime | None = None
    received_until: datetime | None = None
    #: The address contains this (any case).
    address: str | None = None
    #: A unit was assigned to it (at any time).
    unit_id: UnitId | None = None
    #: Free text: every word appears (any case) in the id, call type, address,
    #: description or disposition. A new searchable text joins ``searched_text`` here and
    #: ``SEARCHED_COLUMNS`` in ``adapters.db.repositories``.
    text: str | None = None
    #: Closed with this disposition (its code).
    disposition: str | None = None

    def words(self) -> list[str]:
        return self.text.lower().split() if self.text else []

    def matches(self, i: Incident) -> bool:
        """The filter as plain Python (the memory store; the database says it in SQL)."""
        text = " ".join(searched_text(i)).lower()
        return (
            (self.status is None or i.status is self.status)
            and (self.open is None or (i.status in OPEN) == self.open)
            and (self.jurisdiction_id is None or i.jurisdiction_id == self.jurisdiction_id)
            and (self.priority is None or i.priority == self.priority)
            and (self.call_type is None or i.call_type == self.call_type)
            and (self.received_from is None or i.received_at >= self.received_from)
            and (self.received_until is None or i.received_at < self.received_until)
            and (self.address is None or self.address.lower() in i.address.lower())
            and (self.unit_id is None or any(a.unit_id == self.unit_id for a in i.assignments))
            and (self.disposition is None or i.disposition == self.disposition)
            and all(w in text for w in self.words())
        )


def searched_text(i: Incident) -> tuple[str, ...]:
    """What the free-text search looks in."""
    return (i.id, i.call_type, i.address, i.description, i.disposition)


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


@dataclass(frozen=True, slots=True)
class AgreementVersion:
    """One kept version of an agreement: who made it, and when."""

    agreement: Agreement
    changed_at: datetime
    changed_by: str


class AgreementRepository(Protocol):
    """The sharing agreements, every version kept (``domain.sharing.agreements``)."""

    def get(self, agreement_id: AgreementId) -> Agreement | None:
        """The latest version (None: no such agreement)."""
        ...

    def list(self) -> list[Agreement]:
        """The latest version of every agreement, by id."""
        ...

    def add(self, agreement: Agreement, by: str, at: datetime) -> None:
        """Keep a new agreement's first version; Duplicate if the id is taken."""
        ...

    def update(self, agreement: Agreement, by: str, at: datetime) -> None:
        """Keep the next version: ``agreement.version`` must follow the stored one
        (ConcurrentUpdate otherwise: someone else moved it on first)."""
        ...

    def versions(self, agreement_id: AgreementId) -> tuple[AgreementVersion, ...]:
        """Every version, oldest first (empty: no such agreement)."""
        ...


class ResourceRepository(Repository[ResourceId, Resource], Protocol):
    """The resource catalogue (``domain.resources``). ``update`` keeps the next version:
    ``resource.version`` must follow the stored one (ConcurrentUpdate otherwise)."""


@dataclass(frozen=True, slots=True)
class LoanFilter:
    resource: ResourceId | None = None
    #: True: not returned yet; False: returned.
    open: bool | None = None
    #: Lent by or to this agency.
    agency: AgencyId | None = None
    #: Open and due before this moment (the overdue loans, given now).
    overdue_at: datetime | None = None

    def matches(self, loan: Loan) -> bool:
        return (
            (self.resource is None or loan.resource == self.resource)
            and (self.open is None or loan.is_open == self.open)
            and (self.agency is None or self.agency in (loan.lender, loan.borrower))
            and (self.overdue_at is None or loan.overdue_at(self.overdue_at))
        )


class LoanRepository(Protocol):
    """The equipment loans; an item is on at most one open loan (the store refuses a
    second with ConcurrentUpdate, whoever wrote first)."""

    def get(self, loan_id: LoanId) -> Loan | None: ...
    def add(self, loan: Loan) -> None: ...
    def update(self, loan: Loan) -> None:
        """Keep a loan's return or its overdue notice."""
        ...

    def find(self, where: LoanFilter) -> list[Loan]:
        """The loans that match, newest first (by out time, then id)."""


class PersonnelRepository(Repository[PersonId, Person], Protocol):
    """The agencies' officers (``domain.people``)."""

    def find(
        self, agency: AgencyId | None = None, username: Username | None = None
    ) -> list[Person]:
        """The persons of ``agency`` (None: every agency) linked to ``username`` (None:
        whoever), by id."""
        ...


@dataclass(frozen=True, slots=True)
class CrewFilter:
    unit: UnitId | None = None
    person: PersonId | None = None
    people: frozenset[PersonId] | None = None
    #: On shift at this moment.
    at: datetime | None = None

    def matches(self, a: CrewAssignment) -> bool:
        return (
            (self.unit is None or a.unit_id == self.unit)
            and (self.person is None or a.person_id == self.person)
            and (self.people is None or a.person_id in self.people)
            and (self.at is None or a.holds(self.at))
        )


class CrewRepository(Repository[CrewId, CrewAssignment], Protocol):
    """The crews of the units, one shift a row (``domain.people.crews``)."""

    def find(self, where: CrewFilter) -> list[CrewAssignment]:
        """The assignments that match, by start time, then id."""
        ...


class GrantRepository(Repository[GrantId, Grant], Protocol):
    """The certification grants, renewed ones kept (``domain.people.certifications``)."""

    def of_people(self, people: Collection[PersonId]) -> list[Grant]:
        """Every grant of these persons, by id."""
        ...


class MutualAidRepository(Protocol):
    """The mutual-aid requests (``domain.aid``), each as it now stands."""

    def get(self, request_id: str) -> AidRequest | None: ...

    def list(self, incident_id: IncidentId | None = None) -> list[AidRequest]:
        """Every request (of ``incident_id``), newest first."""
        ...

    def add(self, request: AidRequest) -> None:
        """Keep a new request; Duplicate if its number is taken."""
        ...

    def update(self, request: AidRequest) -> None:
        """Keep its next version: ``request.version`` must follow the stored one
        (ConcurrentUpdate otherwise)."""
        ...

    def last_sequence(self, year: int) -> int:
        """The highest sequence number given in ``year`` (0: none yet)."""
        ...


class JurisdictionRepository(Repository[JurisdictionId, Jurisdiction], Protocol):
    def owners(self) -> dict[JurisdictionId, AgencyId]:
        """Return which agency answers for each jurisdiction (without the polygons)."""
        ...


class UnitRepository(Repository[UnitId, Unit], Protocol):
    def find(self, where: UnitFilter, page: Page) -> tuple[list[Unit], int]:
        """Return one page of matching units (ordered by id) and the total count."""
        ...

    def get_many(self, ids: Collection[UnitId]) -> dict[UnitId, Unit]:
        """Return those of ``ids`` that are units, by id (one query)."""
        ...


class IncidentRepository(Repository[IncidentId, Incident], Protocol):
    def find(self, where: IncidentFilter, page: Page) -> tuple[list[Incident], int]:
        """Return one page of matching incidents, newest first, and the total count."""
        ...

    def get_many(self, ids: Collection[IncidentId]) -> dict[IncidentId, Incident]:
        """Return those of ``ids`` that are incidents, by id."""
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

    def add_all(self, messages: Sequence[OutboxMessage]) -> None:
        """Write ``messages`` in the current transaction, in this order (in one go)."""
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


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    kind: str | None = None
    action: str | None = None
    agency: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: tuple[AuditEntry, ...]
    total: int
    limit: int
    offset: int


class AuditLog(Protocol):
    """The audit log: entries chained in the order they commit (``domain.audit``)."""

    def append(self, draft: AuditDraft) -> None:
        """Write ``draft`` in the current transaction; it is chained after the head as the
        transaction commits (``adapters.db.repositories.SqlAuditLog``)."""
        ...

    def find(self, where: AuditFilter, page: Page) -> tuple[list[AuditEntry], int]:
        """Return one page of matching entries, newest first, and the total count (one
        still waiting to be chained has seq 0 and no hashes)."""
        ...

    def matching(self, where: AuditFilter) -> Iterator[AuditEntry]:
        """Every matching entry, newest first, streamed (for an export): the same filter
        and order as ``find``, without the count and the page."""
        ...

    def entries(self) -> Iterator[AuditEntry]:
        """Every chained entry, in seq order (streamed: for verification)."""
        ...

    def settle(self) -> int:
        """Chain the committed entries still waiting for their link (on PostgreSQL they
        are chained just after their commit); return how many were chained."""
        ...

    def waiting(self) -> int:
        """How many committed entries wait to be chained (normally 0)."""
        ...

    def head(self) -> AuditEntry | None:
        """The last committed entry (None: the log is empty)."""
        ...

    def add_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    def latest_checkpoint(self) -> Checkpoint | None: ...

    def signing_key(self) -> str | None:
        """The development signing key kept in the database (PEM), if one was made."""
        ...

    def keep_signing_key(self, pem: str, at: datetime) -> None: ...


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


@dataclass(frozen=True, slots=True)
class LatestPosition:
    """The newest fix of one unit, to move its latest position, with the jurisdiction it
    lies in."""

    fix: PositionFix
    jurisdiction_id: JurisdictionId | None


class Positions(Protocol):
    """The units' position history, and their latest positions (the units' location)."""

    def record(
        self, fixes: Sequence[PositionFix], latest: Sequence[LatestPosition], received_at: datetime
    ) -> list[UnitId]:
        """Append ``fixes`` to the history (a fix of a unit at a time already kept is
        ignored) and move each unit of ``latest`` to its fix where the fix is newer than
        the unit's position; return the units moved, by id. Units' versions do not change:
        a position never conflicts with a status change or an assignment."""
        ...

    def history(
        self, unit_id: UnitId, since: datetime | None, until: datetime | None, limit: int
    ) -> list[PositionFix]:
        """Return up to ``limit`` fixes of the unit in [since, until), oldest first."""
        ...

    def prune(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` fixes taken before ``before``; return how many."""
        ...


@dataclass(frozen=True, slots=True)
class PendingFix:
    """One unit's position fix waiting for its group's transaction (``FixQueue``)."""

    user: User
    fix: PositionFix
    jurisdiction_id: JurisdictionId | None
    idempotency_key: str | None
    received_at: datetime


class FixQueue(Protocol):
    def submit(self, item: PendingFix) -> UnitUpdateResult:
        """Write ``item`` with the fixes arriving meanwhile, in one transaction; return
        the unit after it (or raise what refused this fix) once that has committed."""
        ...


class ClosingSettings(Protocol):
    """The collective's closing rules: a section of its settings."""

    def get(self) -> ClosingRules | None: ...

    def put(self, rules: ClosingRules) -> None: ...


class TimerSettings(Protocol):
    """The collective's timers, one ``TimerLimits`` per priority that has any."""

    def get(self) -> dict[int, TimerLimits]:
        """Every priority's timers, by priority."""
        ...

    def put(self, limits: Sequence[TimerLimits]) -> None:
        """Replace the timers with ``limits`` (one per priority)."""
        ...


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    """Which ledger transactions to list: touching ``account`` (its string form) or any
    account of ``agency``, posted in ``period``, pricing a use on ``incident``."""

    account: str | None = None
    agency: str | None = None
    period: str | None = None
    incident: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """A priced usage as the ledger keeps it, with the period it was posted in (its own
    month, or the next open one when that was closed: ``domain.ledger.periods``)."""

    priced: PricedUsage
    period: str


class Ledger(Protocol):
    """The cost ledger (``domain.ledger``): transactions that never change, each posted
    once per source event; a month closed is frozen.

    The database enforces the double entry: each transaction's postings sum to zero
    (checked in the transaction that writes them) and nothing posted is ever updated or
    deleted (``adapters.db.ledger``)."""

    def post(self, items: Sequence[tuple[Transaction, PricedUsage | None]]) -> list[str]:
        """Write each transaction (with the usage it prices, if any) in the current
        transaction, in its own ``period`` (the caller chose an open one); one whose source
        key is already kept, or twice in ``items``, is skipped. Returns the source keys
        written: posting the same event again posts nothing."""
        ...

    def posted(self, source_keys: Collection[str]) -> set[str]:
        """Those of ``source_keys`` already kept."""
        ...

    def entries(self, where: LedgerFilter, page: Page) -> tuple[list[Transaction], int]:
        """One page of matching transactions, in posting order, and the total count."""
        ...

    def transactions(self, period: str) -> list[Transaction]:
        """Every transaction posted in ``period``, in posting order."""
        ...

    def usages(self, period: str | None = None, incident: str | None = None) -> list[Posted]:
        """The priced usages posted (in ``period``; on ``incident``), in posting order."""
        ...

    def balances(self, period: str | None = None) -> dict[str, int]:
        """Each account's net (debits minus credits), by its string form: over ``period``,
        or over the whole ledger."""
        ...

    def unbalanced(self, period: str) -> list[str]:
        """The source keys of ``period``'s transactions whose postings do not sum to zero
        (none, unless something wrote around the ledger)."""
        ...

    def closed(self) -> dict[str, datetime]:
        """The closed periods, with when each was closed."""
        ...

    def close(self, period: str, at: datetime, balances: Mapping[str, int]) -> None:
        """Freeze ``period`` with its accounts' balances; Duplicate if it is closed."""
        ...

    def closing_balances(self, period: str) -> dict[str, int] | None:
        """The balances ``period`` was closed with (None: it is open)."""
        ...


class UnitOfWork(Protocol):
    """One atomic change: everything done through it commits together or not at all."""

    agencies: Repository[AgencyId, Agency]
    jurisdictions: JurisdictionRepository
    stations: Repository[StationId, Station]
    premise_notes: Repository[str, PremiseNote]
    #: The collective's closing rules (none stored: the defaults).
    closing: ClosingSettings
    call_types: Repository[CallTypeCode, CallType]
    agreements: AgreementRepository
    resources: ResourceRepository
    loans: LoanRepository
    mutual_aid: MutualAidRepository
    personnel: PersonnelRepository
    crews: CrewRepository
    certifications: GrantRepository
    #: The collective's dispatch rules: at most one, id "collective" (absent: defaults).
    users: Repository[Username, User]
    settings: Repository[str, Setting]
    units: UnitRepository
    incidents: IncidentRepository
    changes: ChangeLog
    idempotency: IdempotencyKeys
    outbox: Outbox
    sessions: SessionRepository
    stream_tickets: StreamTickets
    audit: AuditLog
    positions: Positions
    timers: TimerSettings
    ledger: Ledger

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def raise_event(self, event: Event) -> None:
        """Collect ``event``: on commit it is logged, written to the outbox and handled
        (``services.messagebus``); if the transaction fails, it never happened."""
        ...

    def lock_agency_of(self, unit_id: UnitId) -> AgencyId | None:
        """Hold the unit's agency until commit, so fleet-wide rules (home reserves) stay
        true; return the agency (None: no such unit, nothing held). One statement."""
        ...

    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class Signer(Protocol):
    """Signs checkpoints (Ed25519)."""

    #: Hex of the 32-byte public key.
    public_key: str

    def sign(self, message: bytes) -> str:
        """Return the signature of ``message``, in hex."""
        ...


class AuditKeys(Protocol):
    """Where the checkpoints' signing key comes from, and how signatures are checked."""

    def signer(self, uow: UnitOfWork) -> Signer:
        """The key to sign with (the configured one, or a development key kept in the
        database); raise Invalid when there is none to use."""
        ...

    def known(self, uow: UnitOfWork) -> str | None:
        """The public key checkpoints are signed with here (None: no key yet)."""
        ...

    def verify(self, public_key: str, message: bytes, signature: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Standing:
    """The standing facts dispatch works within (agencies, jurisdictions' owners, sharing
    agreements, call types): read on every recommendation, changed by an admin now and
    then, so kept in a cache (``Context.standing``). Never units: those are read fresh.

    ``collective`` lends nothing by itself: what each agency lends depends on the incident's
    time, so ``services.dispatch.incidents.lending`` derives it from ``agreements``."""

    collective: Collective
    call_types: Mapping[CallTypeCode, CallType]
    #: Every agreement (the latest versions; which lend depends on the time).
    agreements: tuple[Agreement, ...] = ()
    #: How the collective runs its floor (who may override a sharing rule).
    floor: FloorRules = field(default_factory=FloorRules)
    closing: ClosingRules = field(default_factory=ClosingRules)
    #: Which certifications a capability needs of its crew (none: no capability does).
    certifications: CertificationRules = field(default_factory=CertificationRules)

    def lending(self, at: datetime, now: datetime) -> Collective:
        """The collective with what each agency lends for an incident received at ``at``,
        asked at ``now``: the clauses of the agreements active then and not terminated
        since (``domain.sharing.lending``)."""
        c = self.collective
        return dataclasses.replace(
            c, policies=lending_at(self.agreements, at, now, c.jurisdiction_agency)
        )


class StandingFacts(Protocol):
    def __call__(self, uow: UnitOfWork) -> Standing:
        """Return the standing facts, read through ``uow`` when the cache is stale."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class JurisdictionLocator(Protocol):
    """Tell which jurisdiction a point lies in (None: outside all of them)."""

    def locate(self, location: Location) -> JurisdictionId | None: ...

    def locate_many(self, locations: Sequence[Location]) -> list[JurisdictionId | None]: ...

    def nearest(self, location: Location) -> tuple[JurisdictionId, float] | None:
        """The jurisdiction nearest to a point, however far, and its distance in metres
        (0 inside it); None when there are none."""
        ...


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


@dataclass(frozen=True, slots=True)
class GazetteerHit:
    """An address, street, intersection, place or point of interest the gazetteer found.

    ``kind`` is one of ``address``, ``street``, ``intersection``, ``place``, ``poi``;
    ``score`` how well it matches the query (0-100); ``distance_m`` how far it is from the
    point of a reverse lookup; ``category`` a place's or POI's OSM tag (``amenity=police``).
    """

    kind: str
    label: str
    location: Location
    score: float
    distance_m: float | None = None
    category: str = ""


class Gazetteer(Protocol):
    """Addresses by text and by position (an offline gazetteer; docs/geocoding.md)."""

    def search(self, text: str, limit: int) -> list[GazetteerHit]:
        """The entries matching ``text`` best (typos tolerated), best first."""
        ...

    def reverse(self, location: Location) -> GazetteerHit | None:
        """The nearest address near the point, else the nearest street; None: nothing near."""
        ...


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """The KPIs of the calls in the history received in a period."""

    calls: int
    self_initiated: int
    rows: tuple[KpiRow, ...]
    assistance: tuple[Assistance, ...]


class CallHistory(Protocol):
    """The call history: imported CAD calls and closed live incidents, an analytical copy
    (docs/history.md; ``adapters.history``)."""

    def summarise(
        self, start: datetime, end: datetime, by: Sequence[Dimension], time_zone: str
    ) -> HistorySummary:
        """The KPIs of the calls received in ``[start, end)``, as ``kpis.summarise`` and
        ``kpis.assistance`` (the latter of public calls) give them."""
        ...

    def figures(self, start: datetime, end: datetime, time_zone: str) -> Figures:
        """The KPI report's figures' numbers over the calls received in ``[start, end)``,
        as ``figures.figures_of`` gives them."""
        ...

    def judge(self, goal: Goal, spans: Sequence[tuple[datetime, datetime]]) -> tuple[Judged, ...]:
        """The goal over each of ``spans`` (received in it), as ``goals.judge`` gives it."""
        ...

    def replace(self, source: str, start: datetime, end: datetime, calls: Sequence[Call]) -> int:
        """Put ``calls`` in place of the calls of ``source`` received in the period; how
        many there are now."""
        ...

    def points(self, start: datetime, end: datetime) -> list[Point]:
        """The calls received in ``[start, end)`` as the hot spots see them."""
        ...


class SpatialStats(Protocol):
    """The hot spots' numeric work (``adapters.spatial``; ``domain.analytics.hotspots``)."""

    def analyse(
        self,
        located: Sequence[Point],
        areas: Sequence[Mapping[str, Any]],
        options: Options,
        start: datetime,
        end: datetime,
    ) -> Analysis:
        """H3 counts, Gi* with FDR classes, emerging classes per time step of ``[start,
        end)`` and kernel density of the ``located`` calls; the study area is the cells
        of ``areas`` (GeoJSON geometries) and of the calls' convex hull."""
        ...

"""In-memory repositories: the ports and rules of ``adapters.db``, without a database.

A :class:`MemoryStore` holds the committed state; each unit of work reads through it and
keeps its own changes aside until commit. Objects are copied on the way in and out, so a
caller holding a domain object never edits the store behind the unit of work's back.
Copies are shallow where the domain type is immutable inside (units, users), and only as
deep as needed elsewhere (an incident's assignments, a jurisdiction's geometry).

What the database enforces, the store enforces too: versions on units and incidents, one
open assignment per unit, unique ids and idempotency keys, JSON outbox payloads. Foreign
keys are not checked.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from bluepool.domain.access.roles import User
from bluepool.domain.access.sessions import Session, StreamTicket
from bluepool.domain.aid.requests import Request as AidRequest
from bluepool.domain.aid.requests import sequence_of
from bluepool.domain.audit.chain import link
from bluepool.domain.audit.checkpoints import Checkpoint
from bluepool.domain.audit.entries import GENESIS, AuditDraft, AuditEntry
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Station
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.premises import PremiseNote
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.resources.loans import Loan, LoanId
from bluepool.domain.resources.resources import Resource, ResourceId
from bluepool.domain.shared.errors import ConcurrentUpdate, Duplicate, NotFound
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
from bluepool.services.ports import (
    AgreementVersion,
    AuditFilter,
    ChangeRecord,
    IncidentFilter,
    LatestPosition,
    LoanFilter,
    OutboxMessage,
    Page,
    UnitFilter,
)

K = TypeVar("K", bound=str)
T = TypeVar("T")


class _Deleted:
    __slots__ = ()


DELETED = _Deleted()


def copy_incident(i: Incident) -> Incident:
    new = copy.copy(i)
    new.assignments = [copy.copy(a) for a in i.assignments]
    new.timeline = list(i.timeline)
    return new


def copy_jurisdiction(j: Jurisdiction) -> Jurisdiction:
    new = copy.copy(j)
    new.geometry = copy.deepcopy(j.geometry)
    return new


def _same(x: T) -> T:
    return x


@dataclass
class MemoryStore:
    """The committed state every :class:`MemoryUnitOfWork` on it shares.

    Commits change it in place under ``lock``, so a commit costs what it changes, not
    what the store holds. Readers scan a snapshot (``dict.copy()`` and ``list()`` run
    without releasing the GIL), so another thread's commit cannot break an iteration.
    """

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: unit id -> the incident it has an open assignment on.
    open_assignments: dict[UnitId, IncidentId] = field(default_factory=dict)
    changes: list[ChangeRecord] = field(default_factory=list)
    idempotency: dict[str, datetime] = field(default_factory=dict)
    #: Outbox messages by id, in id order: ``outbox`` those not yet published,
    #: ``published`` the others.
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    published: dict[int, OutboxMessage] = field(default_factory=dict)
    #: The id the next committed outbox message gets.
    next_outbox_id: int = 1
    #: The audit log in seq order, its checkpoints, and the development signing key.
    audit: list[AuditEntry] = field(default_factory=list)
    audit_checkpoints: list[Checkpoint] = field(default_factory=list)
    audit_key: str | None = None
    #: The position history: (unit, fix time) -> the fix and when it was received.
    positions: dict[tuple[UnitId, datetime], tuple[PositionFix, datetime]] = field(
        default_factory=dict
    )
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def table(self, name: str) -> dict[str, Any]:
        return self.tables.setdefault(name, {})


class MemoryRepository(Generic[K, T]):
    """get/add/update/delete/list over one table of a store, with changes kept aside."""

    versioned = False

    def __init__(
        self,
        store: MemoryStore,
        name: str,
        key_of: Callable[[T], K],
        copier: Callable[[T], T],
        label: str,
    ) -> None:
        self.store = store
        self.name = name
        self.key_of = key_of
        self.copier = copier
        self.label = label
        self.pending: dict[str, T | _Deleted] = {}
        #: The committed object each pending change was based on (None: absent).
        self.based_on: dict[str, T | None] = {}

    # -- reading --------------------------------------------------------------------

    def _visible(self, key: str) -> T | None:
        if key in self.pending:
            item = self.pending[key]
            return None if isinstance(item, _Deleted) else item
        found: T | None = self.store.table(self.name).get(key)
        return found

    def _items(self) -> Iterator[T]:
        """Yield the objects this unit of work sees, uncopied, in any order."""
        for key, item in self.store.table(self.name).copy().items():
            if key not in self.pending:
                yield item
        for item in self.pending.values():
            if not isinstance(item, _Deleted):
                yield item

    def get(self, key: K) -> T | None:
        item = self._visible(key)
        return None if item is None else self.copier(item)

    def list(self) -> list[T]:
        return [self.copier(i) for i in sorted(self._items(), key=self.key_of)]

    # -- writing --------------------------------------------------------------------

    def _stage(self, key: str, item: T | _Deleted) -> None:
        if key not in self.based_on:
            self.based_on[key] = self.store.table(self.name).get(key)
        self.pending[key] = item

    def add(self, item: T) -> None:
        key = self.key_of(item)
        if self._visible(key) is not None:
            raise Duplicate(f"{self.label} {key} already exists")
        self._stage(key, self.copier(item))

    def update(self, item: T) -> None:
        key = self.key_of(item)
        current = self._visible(key)
        if current is None:
            raise NotFound(f"no {self.label} {key}")
        stored = self.copier(item)
        if self.versioned:
            if current.version != item.version:  # type: ignore[attr-defined]
                raise ConcurrentUpdate(
                    f"{self.label} {key} was changed by someone else; reload and retry"
                )
            stored.version += 1  # type: ignore[attr-defined]
        self._check(stored)
        self._stage(key, stored)
        if self.versioned:
            item.version += 1  # type: ignore[attr-defined]

    def delete(self, key: K) -> None:
        if self._visible(key) is None:
            raise NotFound(f"no {self.label} {key}")
        self._stage(key, DELETED)

    def _check(self, item: T) -> None:
        """Refuse a change the database would refuse (hook for subclasses)."""

    # -- transaction ----------------------------------------------------------------

    def validate(self) -> None:
        """Raise if our changes clash with what others committed (lock held)."""
        table = self.store.table(self.name)
        for key, base in self.based_on.items():
            now = table.get(key)
            if now is base:
                continue
            if base is None:
                raise Duplicate(f"{self.label} {key} already exists")
            if self.versioned or now is None:
                raise ConcurrentUpdate(
                    f"{self.label} {key} was changed by someone else; reload and retry"
                )

    def apply(self) -> None:
        """Publish our changes to the store (store lock held)."""
        if not self.pending:
            return
        table = self.store.table(self.name)
        for key, item in self.pending.items():
            if isinstance(item, _Deleted):
                table.pop(key, None)
            else:
                table[key] = item

    def reset(self) -> None:
        self.pending = {}
        self.based_on = {}


def _page(items: list[T], page: Page) -> list[T]:
    return items[page.offset : page.offset + page.limit]


class MemoryUnitRepository(MemoryRepository[UnitId, Unit]):
    versioned = True

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "units", lambda u: u.id, copy.copy, "unit")

    def find(self, where: UnitFilter, page: Page) -> tuple[list[Unit], int]:
        found = sorted(
            (
                u
                for u in self._items()
                if (where.agency_id is None or u.agency_id == where.agency_id)
                and (where.status is None or u.status is where.status)
                and (where.station_id is None or u.station_id == where.station_id)
                and (where.capability is None or where.capability in u.capabilities)
            ),
            key=lambda u: u.id,
        )
        return [copy.copy(u) for u in _page(found, page)], len(found)

    def get_many(self, ids: Collection[UnitId]) -> dict[UnitId, Unit]:
        found = (self._visible(i) for i in ids)
        return {u.id: copy.copy(u) for u in found if u is not None}

    def apply(self) -> None:
        """As the SQL repository: an update writes the record and status, never the
        position (``MemoryPositions`` owns it), so the stored position stays."""
        table = self.store.table(self.name)
        for key, item in self.pending.items():
            current = table.get(key)
            if isinstance(item, Unit) and self.based_on.get(key) is not None and current:
                item.location, item.position_at = current.location, current.position_at
                item.jurisdiction_id = current.jurisdiction_id
        super().apply()


class MemoryPositions:
    """The position history in memory; latest positions move on the stored units in place
    (no version change, as in the database)."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.fixes: list[tuple[PositionFix, datetime]] = []
        self.latest: list[LatestPosition] = []
        self.pruned: list[tuple[UnitId, datetime]] = []

    def record(
        self, fixes: Sequence[PositionFix], latest: Sequence[LatestPosition], received_at: datetime
    ) -> list[UnitId]:
        self.fixes.extend((f, received_at) for f in fixes)
        units = self.store.table("units")
        moved = []
        for p in latest:
            unit = units.get(p.fix.unit_id)
            if unit is not None and (unit.position_at is None or unit.position_at < p.fix.at):
                moved.append(p)
        self.latest.extend(moved)
        return sorted(p.fix.unit_id for p in moved)

    def history(
        self, unit_id: UnitId, since: datetime | None, until: datetime | None, limit: int
    ) -> list[PositionFix]:
        found = sorted(
            (f for (u, at), (f, _) in self.store.positions.copy().items() if u == unit_id),
            key=lambda f: f.at,
        )
        return [
            f for f in found if (since is None or f.at >= since) and (until is None or f.at < until)
        ][:limit]

    def prune(self, before: datetime, limit: int) -> int:
        old = [k for k in self.store.positions.copy() if k[1] < before][:limit]
        self.pruned.extend(old)
        return len(old)

    def validate(self) -> None:
        pass

    def apply(self) -> None:
        store = self.store
        for key in self.pruned:
            store.positions.pop(key, None)
        for fix, received in self.fixes:
            store.positions.setdefault((fix.unit_id, fix.at), (fix, received))
        units = store.table("units")
        for p in self.latest:
            unit = units.get(p.fix.unit_id)
            if unit is not None and (unit.position_at is None or unit.position_at < p.fix.at):
                unit.location, unit.position_at = p.fix.location, p.fix.at
                unit.jurisdiction_id = p.jurisdiction_id

    def reset(self) -> None:
        self.fixes, self.latest, self.pruned = [], [], []


class MemoryIncidentRepository(MemoryRepository[IncidentId, Incident]):
    versioned = True

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "incidents", lambda i: i.id, copy_incident, "incident")

    def _newest_first(self, items: Iterator[Incident]) -> list[Incident]:
        # received_at descending, then id descending (as the SQL repository orders).
        return sorted(items, key=lambda i: (i.received_at, i.id), reverse=True)

    def find(self, where: IncidentFilter, page: Page) -> tuple[list[Incident], int]:
        found = self._newest_first(i for i in self._items() if where.matches(i))
        return [copy_incident(i) for i in _page(found, page)], len(found)

    def list(self) -> list[Incident]:
        return [copy_incident(i) for i in self._newest_first(self._items())]

    def get_many(self, ids: Collection[IncidentId]) -> dict[IncidentId, Incident]:
        return {i: found for i in ids if (found := self.get(i)) is not None}

    def add(self, item: Incident) -> None:
        self._check(item)
        super().add(item)

    def _owner(self, unit_id: UnitId) -> IncidentId | None:
        """Return the incident ``unit_id`` has an open assignment on, as we see it."""
        for key, item in self.pending.items():
            if not isinstance(item, _Deleted) and unit_id in item.active_units():
                return IncidentId(key)
        owner = self.store.open_assignments.get(unit_id)
        return None if owner is None or owner in self.pending else owner

    def _check(self, item: Incident) -> None:
        # The partial unique index on assignments(unit_id) WHERE cleared_at IS NULL.
        active = item.active_units()
        if len(set(active)) != len(active):
            raise ConcurrentUpdate(f"incident {item.id} has a unit on it twice; reload and retry")
        for unit_id in active:
            owner = self._owner(unit_id)
            if owner is not None and owner != item.id:
                raise ConcurrentUpdate(
                    f"unit {unit_id} is already on incident {owner}; reload and retry"
                )

    def validate(self) -> None:
        super().validate()
        ours = set(self.pending)
        for key, item in self.pending.items():
            if isinstance(item, _Deleted):
                continue
            for unit_id in item.active_units():
                owner = self.store.open_assignments.get(unit_id)
                if owner is not None and owner != key and owner not in ours:
                    raise ConcurrentUpdate(
                        f"unit {unit_id} is already on incident {owner}; reload and retry"
                    )

    def apply(self) -> None:
        if not self.pending:
            return
        open_assignments = {
            unit: incident
            for unit, incident in self.store.open_assignments.items()
            if incident not in self.pending
        }
        for key, item in self.pending.items():
            if not isinstance(item, _Deleted):
                for unit_id in item.active_units():
                    open_assignments[unit_id] = IncidentId(key)
        super().apply()
        self.store.open_assignments = open_assignments


class MemoryChangeLog:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.pending: list[ChangeRecord] = []

    def add(self, record: ChangeRecord) -> None:
        self.pending.append(record)

    def find(
        self, entity: str | None, entity_id: str | None, page: Page
    ) -> tuple[list[ChangeRecord], int]:
        """Return one page of records, newest first, and the total count."""
        found = [
            r
            for r in reversed([*self.store.changes, *self.pending])
            if (entity is None or r.entity == entity)
            and (entity_id is None or r.entity_id == entity_id)
        ]
        return [copy.deepcopy(r) for r in _page(found, page)], len(found)

    def validate(self) -> None:
        pass

    def apply(self) -> None:
        if self.pending:
            self.store.changes.extend(copy.deepcopy(self.pending))

    def reset(self) -> None:
        self.pending = []


class MemoryIdempotencyKeys:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.pending: dict[str, datetime] = {}

    def seen(self, key: str) -> bool:
        return key in self.pending or key in self.store.idempotency

    def record(self, key: str, at: datetime) -> None:
        if self.seen(key):
            raise Duplicate(f"idempotency key {key} was already used")
        self.pending[key] = at

    def validate(self) -> None:
        for key in self.pending:
            if key in self.store.idempotency:
                raise Duplicate(f"idempotency key {key} was already used")

    def apply(self) -> None:
        if self.pending:
            self.store.idempotency.update(self.pending)

    def reset(self) -> None:
        self.pending = {}


class MemoryOutbox:
    """The outbox in memory. A message gets its id when its unit of work commits (under
    the store lock), so ids follow commit order; until then ``pending()`` lists it last,
    without an id.

    The payload is kept as JSON gives it back (tuples become lists, keys become strings)
    and one JSON cannot hold is refused on ``add``, as the database refuses it: code
    tested on this store must not break on the real one.
    """

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.added: list[OutboxMessage] = []
        #: Committed messages this unit of work marked published, and when.
        self.published: dict[int, datetime] = {}
        #: Published messages this unit of work deletes.
        self.pruned: set[int] = set()

    def add(self, message: OutboxMessage) -> None:
        try:
            payload = json.loads(json.dumps(message.payload))
        except TypeError as exc:
            raise TypeError(
                f"outbox message {message.type!r}: the payload is not JSON ({exc})"
            ) from exc
        self.added.append(replace(message, payload=payload))

    def add_all(self, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:
            self.add(message)

    def pending(self, limit: int) -> list[OutboxMessage]:
        # Under the lock rather than over a copy: the backlog may be long, the page short.
        with self.store.lock:
            committed = (m for i, m in self.store.outbox.items() if i not in self.published)
            ours = (m for m in self.added if m.published_at is None)
            found = list(itertools.islice(itertools.chain(committed, ours), limit))
        return [replace(m, payload=copy.deepcopy(m.payload)) for m in found]

    def mark_published(self, ids: Sequence[int], at: datetime) -> None:
        """Mark those of ``ids`` not yet published; the first time stands, unknown ids are
        ignored (as in the database)."""
        for i in ids:
            if i in self.store.outbox:
                self.published.setdefault(i, at)

    def claim(self) -> bool:
        """Always: memory is one process, and its commits run under the store lock."""
        return True

    def prune(self, published_before: datetime, limit: int) -> int:
        """The messages go when the unit of work commits, as in the database."""
        with self.store.lock:
            gone = [
                i
                for i, m in self.store.published.items()
                if m.published_at is not None and m.published_at < published_before
            ][:limit]
        self.pruned.update(gone)
        return len(gone)

    def validate(self) -> None:
        pass

    def apply(self) -> None:
        store = self.store
        for i in self.pruned:
            store.published.pop(i, None)
        for i, at in self.published.items():
            message = store.outbox.pop(i, None)
            if message is not None:  # else another unit of work published it first
                store.published[i] = replace(message, published_at=at)
        for message in self.added:
            i = store.next_outbox_id
            store.next_outbox_id += 1
            target = store.outbox if message.published_at is None else store.published
            target[i] = replace(message, id=i)

    def reset(self) -> None:
        self.added = []
        self.published = {}
        self.pruned = set()


def agency_repository(store: MemoryStore) -> MemoryRepository[AgencyId, Agency]:
    return MemoryRepository(store, "agencies", lambda a: a.id, copy.copy, "agency")


class MemoryJurisdictionRepository(MemoryRepository[JurisdictionId, Jurisdiction]):
    def owners(self) -> dict[JurisdictionId, AgencyId]:
        """Which agency answers for each jurisdiction."""
        return {j.id: j.agency_id for j in self.list()}


def jurisdiction_repository(store: MemoryStore) -> MemoryJurisdictionRepository:
    return MemoryJurisdictionRepository(
        store, "jurisdictions", lambda j: j.id, copy_jurisdiction, "jurisdiction"
    )


def station_repository(store: MemoryStore) -> MemoryRepository[StationId, Station]:
    return MemoryRepository(store, "stations", lambda s: s.id, copy.copy, "station")


def premise_note_repository(store: MemoryStore) -> MemoryRepository[str, PremiseNote]:
    return MemoryRepository(store, "premise_notes", lambda n: n.id, copy.copy, "premise note")


def call_type_repository(
    store: MemoryStore,
) -> MemoryRepository[CallTypeCode, CallType]:
    return MemoryRepository(store, "call_types", lambda c: c.code, copy.copy, "call type")


@dataclass(frozen=True, slots=True)
class _Kept:
    """An agreement's versions, oldest first (frozen: a new version is a new ``_Kept``)."""

    id: AgreementId
    versions: tuple[AgreementVersion, ...]


class MemoryAgreements:
    """The agreements, every version kept, over one table of the store."""

    def __init__(self, store: MemoryStore) -> None:
        self.kept: MemoryRepository[AgreementId, _Kept] = MemoryRepository(
            store, "agreements", lambda k: k.id, _same, "agreement"
        )

    def get(self, agreement_id: AgreementId) -> Agreement | None:
        kept = self.kept.get(agreement_id)
        return None if kept is None else kept.versions[-1].agreement

    def list(self) -> list[Agreement]:
        return [k.versions[-1].agreement for k in self.kept.list()]

    def add(self, agreement: Agreement, by: str, at: datetime) -> None:
        self.kept.add(_Kept(agreement.id, (AgreementVersion(agreement, at, by),)))

    def update(self, agreement: Agreement, by: str, at: datetime) -> None:
        kept = self.kept.get(agreement.id)
        if kept is None:
            raise NotFound(f"no agreement {agreement.id}")
        if kept.versions[-1].agreement.version != agreement.version - 1:
            raise ConcurrentUpdate(
                f"agreement {agreement.id} was changed by someone else; reload and retry"
            )
        self.kept.update(_Kept(agreement.id, (*kept.versions, AgreementVersion(agreement, at, by))))

    def versions(self, agreement_id: AgreementId) -> tuple[AgreementVersion, ...]:
        kept = self.kept.get(agreement_id)
        return () if kept is None else kept.versions


class MemoryResources(MemoryRepository[ResourceId, Resource]):
    """The catalogue; a resource is frozen, each change the next version."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "resources", lambda r: r.id, _same, "resource")

    def update(self, item: Resource) -> None:
        current = self._visible(item.id)
        if current is not None and current.version != item.version - 1:
            raise ConcurrentUpdate(
                f"resource {item.id} was changed by someone else; reload and retry"
            )
        super().update(item)

    def validate(self) -> None:
        super().validate()
        table = self.store.table(self.name)
        for key, base in self.based_on.items():
            if base is not None and table.get(key) is not base:
                raise ConcurrentUpdate(
                    f"resource {key} was changed by someone else; reload and retry"
                )


class MemoryLoans(MemoryRepository[LoanId, Loan]):
    """The loans; an item on two open loans is refused, as the database's index does."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "loans", lambda loan: loan.id, _same, "loan")

    def add(self, item: Loan) -> None:
        if item.is_open and self._open_elsewhere(item, self._items()):
            raise ConcurrentUpdate(f"resource {item.resource} is already out on loan")
        super().add(item)

    def find(self, where: LoanFilter) -> list[Loan]:
        found = [loan for loan in self._items() if where.matches(loan)]
        return sorted(found, key=lambda loan: (loan.out_at, loan.id), reverse=True)

    def validate(self) -> None:
        super().validate()
        committed = list(self.store.table(self.name).values())
        for item in self.pending.values():
            if isinstance(item, Loan) and item.is_open and self._open_elsewhere(item, committed):
                raise ConcurrentUpdate(
                    f"resource {item.resource} was lent by someone else meanwhile; reload and retry"
                )

    @staticmethod
    def _open_elsewhere(item: Loan, loans: Iterable[Loan]) -> bool:
        return any(o.is_open and o.resource == item.resource and o.id != item.id for o in loans)


class MemoryMutualAid:
    """The mutual-aid requests, over one table of the store (each frozen: kept as given)."""

    def __init__(self, store: MemoryStore) -> None:
        self.kept: MemoryRepository[str, AidRequest] = MemoryRepository(
            store, "mutual_aid_requests", lambda r: r.id, _same, "mutual-aid request"
        )

    def get(self, request_id: str) -> AidRequest | None:
        return self.kept.get(request_id)

    def list(self, incident_id: IncidentId | None = None) -> list[AidRequest]:
        found = (r for r in self.kept.list() if incident_id is None or r.incident_id == incident_id)
        return sorted(found, key=lambda r: (r.requested_at, r.id), reverse=True)

    def add(self, request: AidRequest) -> None:
        self.kept.add(request)

    def update(self, request: AidRequest) -> None:
        current = self.kept.get(request.id)
        if current is None:
            raise NotFound(f"no mutual-aid request {request.id}")
        if current.version != request.version - 1:
            raise ConcurrentUpdate(
                f"mutual-aid request {request.id} was changed by someone else; reload and retry"
            )
        self.kept.update(request)

    def last_sequence(self, year: int) -> int:
        prefix = f"MA-{year:04d}-"
        return max(
            (sequence_of(r.id) for r in self.kept.list() if r.id.startswith(prefix)), default=0
        )


def setting_repository(store: MemoryStore) -> MemoryRepository[str, Setting]:
    # Frozen, and its value is replaced whole, never changed in place.
    return MemoryRepository(store, "settings", lambda s: s.name, _same, "setting")


def user_repository(store: MemoryStore) -> MemoryRepository[Username, User]:
    return MemoryRepository(store, "users", lambda u: u.username, copy.copy, "user")


class MemorySessions:
    """Sign-in sessions; a rotation checks at commit that nobody rotated first."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.pending: dict[str, Session] = {}
        #: session id -> the refresh hash this unit of work rotated away from.
        self.rotated: dict[str, str] = {}

    def _table(self) -> dict[str, Session]:
        return self.store.table("sessions")

    def get(self, session_id: str) -> Session | None:
        found = self.pending.get(session_id) or self._table().get(session_id)
        return replace(found) if found is not None else None

    def add(self, session: Session) -> None:
        if self.get(session.id) is not None:
            raise Duplicate(f"session {session.id} exists")
        self.pending[session.id] = replace(session)

    def rotate(self, session_id: str, old_hash: str, new_hash: str, at: datetime) -> bool:
        found = self.get(session_id)
        if found is None or found.refresh_hash != old_hash:
            return False
        self.rotated.setdefault(session_id, old_hash)
        self.pending[session_id] = replace(found, refresh_hash=new_hash)
        return True

    def revoke(self, session_id: str, at: datetime) -> None:
        found = self.get(session_id)
        if found is not None and found.revoked_at is None:
            self.pending[session_id] = replace(found, revoked_at=at)

    def validate(self) -> None:
        table = self._table()
        for session_id, old in self.rotated.items():
            if session_id in table and table[session_id].refresh_hash != old:
                raise ConcurrentUpdate(f"session {session_id} was refreshed meanwhile")

    def apply(self) -> None:
        self._table().update(self.pending)

    def reset(self) -> None:
        self.pending = {}
        self.rotated = {}


class MemoryStreamTickets:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.added: dict[str, StreamTicket] = {}
        self.taken: set[str] = set()

    def _table(self) -> dict[str, StreamTicket]:
        return self.store.table("stream_tickets")

    def add(self, ticket: StreamTicket) -> None:
        self.added[ticket.ticket_hash] = ticket

    def take(self, ticket_hash: str, now: datetime) -> StreamTicket | None:
        found = self.added.pop(ticket_hash, None) or (
            None if ticket_hash in self.taken else self._table().get(ticket_hash)
        )
        if found is None:
            return None
        self.taken.add(ticket_hash)
        return found if now < found.expires_at else None

    def validate(self) -> None:
        table = self._table()
        for ticket_hash in self.taken:
            if ticket_hash not in table and ticket_hash not in self.added:
                raise ConcurrentUpdate("the stream ticket was used meanwhile")

    def apply(self) -> None:
        table = self._table()
        for ticket_hash in self.taken:
            table.pop(ticket_hash, None)
        table.update(self.added)

    def reset(self) -> None:
        self.added = {}
        self.taken = set()


class MemoryAuditLog:
    """The audit log in memory: drafts wait in the unit of work and are chained when it
    commits, under the store's lock (so, as in the database, never forked)."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.pending: list[AuditDraft] = []
        self.pending_checkpoints: list[Checkpoint] = []
        self.pending_key: str | None = None

    def append(self, draft: AuditDraft) -> None:
        self.pending.append(draft)

    def find(self, where: AuditFilter, page: Page) -> tuple[list[AuditEntry], int]:
        found = list(self.matching(where))
        return _page(found, page), len(found)

    def matching(self, where: AuditFilter) -> Iterator[AuditEntry]:
        return (
            e
            for e in reversed(list(self.store.audit))
            if (where.actor is None or e.actor == where.actor)
            and (where.kind is None or e.kind == where.kind)
            and (where.action is None or e.action == where.action)
            and (where.agency is None or e.agency == where.agency)
            and (where.subject is None or e.subject == where.subject)
            and (where.since is None or e.at >= where.since)
            and (where.until is None or e.at < where.until)
        )

    def entries(self) -> Iterator[AuditEntry]:
        return iter(list(self.store.audit))

    def settle(self) -> int:
        return 0  # chained as they commit

    def waiting(self) -> int:
        return 0

    def head(self) -> AuditEntry | None:
        log = self.store.audit
        return log[-1] if log else None

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self.pending_checkpoints.append(checkpoint)

    def latest_checkpoint(self) -> Checkpoint | None:
        kept = [*self.store.audit_checkpoints, *self.pending_checkpoints]
        return max(kept, key=lambda c: c.seq) if kept else None

    def signing_key(self) -> str | None:
        return self.pending_key or self.store.audit_key

    def keep_signing_key(self, pem: str, at: datetime) -> None:
        if self.signing_key() is not None:
            raise Duplicate("a signing key is kept already")
        self.pending_key = pem

    def validate(self) -> None:
        pass

    def apply(self) -> None:
        log = self.store.audit
        seq, hash = (log[-1].seq, log[-1].hash) if log else (0, GENESIS)
        for draft in self.pending:
            entry = link(seq, hash, draft)
            log.append(entry)
            seq, hash = entry.seq, entry.hash
        self.store.audit_checkpoints.extend(self.pending_checkpoints)
        if self.pending_key is not None:
            self.store.audit_key = self.pending_key

    def reset(self) -> None:
        self.pending = []
        self.pending_checkpoints = []
        self.pending_key = None

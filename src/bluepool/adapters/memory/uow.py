"""The in-memory unit of work: changes stay private until commit, then land at once."""

from __future__ import annotations

from typing import Protocol, Self

from bluepool.adapters.memory import people
from bluepool.adapters.memory import repositories as repos
from bluepool.adapters.memory.ledger import MemoryLedger
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.domain.access.roles import User
from bluepool.domain.collective.agencies import Agency, CallType, Station
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.premises import PremiseNote
from bluepool.domain.shared.events import Event
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    StationId,
    UnitId,
    Username,
)
from bluepool.services.messagebus import MessageBus, before_commit
from bluepool.services.ports import (
    AgreementRepository,
    AuditLog,
    ChangeLog,
    ClosingSettings,
    CrewRepository,
    GrantRepository,
    IdempotencyKeys,
    IncidentRepository,
    JurisdictionRepository,
    Ledger,
    LoanRepository,
    MutualAidRepository,
    Outbox,
    PersonnelRepository,
    Positions,
    Repository,
    ResourceRepository,
    SessionRepository,
    StreamTickets,
    TimerSettings,
    UnitRepository,
)
from bluepool.services.settings import ClosingSection, TimerSection


class _Transactional(Protocol):
    def validate(self) -> None: ...
    def apply(self) -> None: ...
    def reset(self) -> None: ...


class MemoryUnitOfWork:
    """Implements ``services.ports.UnitOfWork`` over a :class:`MemoryStore`.

    Several units of work may share one store (one per thread, or one per simulated
    dispatcher); each sees the store's committed state plus its own changes. Commit
    checks versions, ids and open assignments against what others committed meanwhile,
    and raises the same domain errors the SQL unit of work does. Leaving the ``with``
    block discards whatever was not committed.
    """

    agencies: Repository[AgencyId, Agency]
    jurisdictions: JurisdictionRepository
    stations: Repository[StationId, Station]
    premise_notes: Repository[str, PremiseNote]
    closing: ClosingSettings
    call_types: Repository[CallTypeCode, CallType]
    agreements: AgreementRepository
    resources: ResourceRepository
    loans: LoanRepository
    mutual_aid: MutualAidRepository
    personnel: PersonnelRepository
    crews: CrewRepository
    certifications: GrantRepository
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

    def __init__(self, store: MemoryStore | None = None, bus: MessageBus | None = None) -> None:
        self.store = store if store is not None else MemoryStore()
        self.bus = bus
        self._events: list[Event] = []
        parts = (
            agencies := repos.agency_repository(self.store),
            jurisdictions := repos.jurisdiction_repository(self.store),
            stations := repos.station_repository(self.store),
            premise_notes := repos.premise_note_repository(self.store),
            call_types := repos.call_type_repository(self.store),
            (agreements := repos.MemoryAgreements(self.store)).kept,
            resources := repos.MemoryResources(self.store),
            loans := repos.MemoryLoans(self.store),
            (mutual_aid := repos.MemoryMutualAid(self.store)).kept,
            personnel := people.MemoryPersonnel(self.store),
            crews := people.MemoryCrews(self.store),
            certifications := people.MemoryGrants(self.store),
            users := repos.user_repository(self.store),
            settings := repos.setting_repository(self.store),
            units := repos.MemoryUnitRepository(self.store),
            incidents := repos.MemoryIncidentRepository(self.store),
            changes := repos.MemoryChangeLog(self.store),
            idempotency := repos.MemoryIdempotencyKeys(self.store),
            outbox := repos.MemoryOutbox(self.store),
            sessions := repos.MemorySessions(self.store),
            stream_tickets := repos.MemoryStreamTickets(self.store),
            audit := repos.MemoryAuditLog(self.store),
            positions := repos.MemoryPositions(self.store),
            ledger := MemoryLedger(self.store),
        )
        self._transactional: tuple[_Transactional, ...] = parts
        self.agencies = agencies
        self.jurisdictions = jurisdictions
        self.stations = stations
        self.premise_notes = premise_notes
        self.call_types = call_types
        self.agreements = agreements
        self.resources = resources
        self.loans = loans
        self.mutual_aid = mutual_aid
        self.personnel = personnel
        self.crews = crews
        self.certifications = certifications
        self.users = users
        self.settings = settings
        self.closing = ClosingSection(settings)
        self.units = units
        self.incidents = incidents
        self.changes = changes
        self.idempotency = idempotency
        self.outbox = outbox
        self.sessions = sessions
        self.stream_tickets = stream_tickets
        self.audit = audit
        self.positions = positions
        self.timers = TimerSection(settings)
        self.ledger = ledger
        self.committed = False

    def __enter__(self) -> Self:
        self.rollback()
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def lock_agency_of(self, unit_id: UnitId) -> AgencyId | None:
        """Nothing to hold: version checks at commit cover the in-memory store."""
        unit = self.units.get(unit_id)
        return unit.agency_id if unit is not None else None

    def raise_event(self, event: Event) -> None:
        self._events.append(event)

    def _take_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def commit(self) -> None:
        """Land the changes, their change-log lines and their outbox messages at once; then
        run the after-commit handlers."""
        parts = self._transactional
        events: list[Event] = []
        try:
            events = before_commit(self, self.bus, self._take_events)
            with self.store.lock:
                for part in parts:
                    part.validate()
                for part in parts:
                    part.apply()
        finally:
            # Committed or refused, the changes are spent (as after a SQL commit fails).
            for part in parts:
                part.reset()
        self.committed = True
        if events and self.bus is not None:
            self.bus.handle_after(events)

    def rollback(self) -> None:
        self._events = []
        for part in self._transactional:
            part.reset()

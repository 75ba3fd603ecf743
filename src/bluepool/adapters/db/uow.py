"""The SQL unit of work: one session, one transaction, every repository bound to it."""

from __future__ import annotations

import logging
from typing import Self, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bluepool.adapters.db import people
from bluepool.adapters.db import repositories as repos
from bluepool.adapters.db.chainer import AuditChainer
from bluepool.adapters.db.ledger import SqlLedger
from bluepool.adapters.db.tables import AgencyRow, UnitRow
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

log = logging.getLogger(__name__)

_AGENCIES, _UNITS = cast("Table", AgencyRow.__table__), cast("Table", UnitRow.__table__)
_LOCK_AGENCY_OF = (
    select(_AGENCIES.c.id)
    .join_from(_AGENCIES, _UNITS, _UNITS.c.agency_id == _AGENCIES.c.id)
    .where(_UNITS.c.id == bindparam("unit_id"))
    .with_for_update(of=_AGENCIES)
)


class SqlUnitOfWork:
    """Implements ``services.ports.UnitOfWork`` on a SQLAlchemy session.

    Each ``with uow:`` opens a fresh session; leaving the block rolls back whatever was
    not committed. The same instance can be entered again (one block per command). On
    SQLite the first statement takes the write lock (``BEGIN IMMEDIATE``, see
    ``engine``), so keep the block short.
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
    _changes: repos.SqlChangeLog
    idempotency: IdempotencyKeys
    outbox: Outbox
    sessions: SessionRepository
    stream_tickets: StreamTickets
    audit: AuditLog
    _audit: repos.SqlAuditLog
    positions: Positions
    timers: TimerSettings
    ledger: Ledger

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        bus: MessageBus | None = None,
        chainer: AuditChainer | None = None,
    ) -> None:
        self.session_factory = session_factory
        #: Chains the audit entries after the commit (PostgreSQL, see ``chainer``); without
        #: one the committing writer chains them itself.
        self.chainer = chainer
        #: Handles the events raised in this unit of work (None: they are only written to
        #: the outbox, as for a tool that runs without the live stream).
        self.bus = bus
        self._session: Session | None = None
        self._events: list[Event] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a `with` block")
        return self._session

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("the unit of work is already open")
        session = self._session = self.session_factory()
        self._events = []
        self.agencies = repos.agency_repository(session)
        self.jurisdictions = repos.jurisdiction_repository(session)
        self.stations = repos.station_repository(session)
        self.premise_notes = repos.premise_note_repository(session)
        self.call_types = repos.call_type_repository(session)
        self.agreements = repos.SqlAgreements(session)
        self.resources = repos.SqlResources(session)
        self.loans = repos.SqlLoans(session)
        self.mutual_aid = repos.SqlMutualAid(session)
        self.personnel = people.SqlPersonnel(session)
        self.crews = people.SqlCrews(session)
        self.certifications = people.SqlGrants(session)
        self.users = repos.user_repository(session)
        self.settings = repos.setting_repository(session)
        self.closing = ClosingSection(self.settings)
        self.units = repos.SqlUnitRepository(session)
        self.incidents = self._incidents = repos.SqlIncidentRepository(session)
        self.changes = self._changes = repos.SqlChangeLog(session)
        self.idempotency = repos.SqlIdempotencyKeys(session)
        self.outbox = repos.SqlOutbox(session, self._changes)
        self.sessions = repos.SqlSessions(session)
        self.stream_tickets = repos.SqlStreamTickets(session)
        self.audit = self._audit = repos.SqlAuditLog(session, self.session_factory)
        self.positions = repos.SqlPositions(session)
        self.timers = TimerSection(self.settings)
        self.ledger = SqlLedger(session)
        return self

    def __exit__(self, *exc: object) -> None:
        session, self._session = self.session, None
        try:
            session.rollback()
        finally:
            session.close()

    def lock_agency_of(self, unit_id: UnitId) -> AgencyId | None:
        """Hold the unit's agency's row until commit (SELECT ... FOR UPDATE OF agencies),
        found and locked in one statement; None: no such unit.

        Decisions over an agency's whole fleet (its home reserve) read many units but write
        one; without the lock, two transactions could each lend a different unit and
        together break the reserve (write skew). SQLite needs nothing: its write
        transactions already run one at a time.
        """
        found = self.session.execute(_LOCK_AGENCY_OF, {"unit_id": unit_id}).scalar()
        return AgencyId(found) if found is not None else None

    def raise_event(self, event: Event) -> None:
        self._events.append(event)

    def _take_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def commit(self) -> None:
        """Commit the change with its events: their change-log lines and outbox rows go in
        the same transaction; the after-commit handlers run once it has committed."""
        events = before_commit(self, self.bus, self._take_events)
        self._changes.flush()  # the lines no outbox row took with it
        # Last: on SQLite the audit entries are chained here (the head held to the commit)
        waiting = self._audit.flush()
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.rollback()
            raise repos.integrity_error(exc) from exc
        if waiting and self.chainer is not None and self.chainer.running:
            self.chainer.wake()  # on PostgreSQL the process's chainer links them, soon
        elif waiting:  # no chainer: linked now, in a short transaction of their own
            try:
                repos.chain_waiting(self.session_factory)
            except Exception:  # committed: the next chaining (or a checkpoint) links them
                log.exception("could not chain the audit entries just committed")
        if events and self.bus is not None:
            self.bus.handle_after(events)

    def rollback(self) -> None:
        self._events = []
        self._changes.take()
        self._audit.reset()
        self._incidents.forget()
        self.session.rollback()

"""SQL repositories: explicit translation between rows and domain objects.

Every read builds fresh domain objects; every write is an explicit statement. Units and
incidents carry a ``version``: an update only lands when the stored version is still the
one the caller loaded (``... WHERE id = :id AND version = :loaded``), otherwise it
raises :class:`ConcurrentUpdate`. Integrity violations come back as domain errors (see
:func:`integrity_error`), never as SQLAlchemy exceptions.
"""

from __future__ import annotations

import dataclasses
import json
import re
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    Executable,
    Integer,
    Result,
    Select,
    String,
    Subquery,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from bluepool.adapters.db.tables import (
    OPEN_ASSIGNMENT_INDEX,
    OPEN_LOAN_INDEX,
    AgencyRow,
    AgreementRow,
    AgreementVersionRow,
    AssignmentRow,
    AuditCheckpointRow,
    AuditEntryRow,
    AuditHeadRow,
    AuditKeyRow,
    Base,
    CallTypeRow,
    ChangeLogRow,
    CollectiveSettingRow,
    IdempotencyKeyRow,
    IncidentRow,
    JurisdictionRow,
    LoanRow,
    MutualAidRequestRow,
    OutboxRow,
    PremiseNoteRow,
    ResourceRow,
    SessionRow,
    StationRow,
    StreamTicketRow,
    TimelineEntryRow,
    UnitPositionRow,
    UnitRow,
    UserRow,
)
from bluepool.adapters.db.types import UTCDateTime
from bluepool.domain.access.roles import Role, User
from bluepool.domain.access.sessions import Session as DomainSession
from bluepool.domain.access.sessions import StreamTicket
from bluepool.domain.aid.requests import (
    Approval,
    Category,
    Extension,
    Fulfilment,
    Item,
    Route,
    Step,
    Terms,
    sequence_of,
)
from bluepool.domain.aid.requests import Request as AidRequest
from bluepool.domain.aid.requests import State as AidState
from bluepool.domain.audit.chain import digest, link
from bluepool.domain.audit.checkpoints import Checkpoint
from bluepool.domain.audit.entries import AuditDraft, AuditEntry
from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    Jurisdiction,
    Requirement,
    Station,
)
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.incidents import (
    OPEN,
    Assignment,
    Incident,
    IncidentStatus,
    TimelineEntry,
)
from bluepool.domain.dispatch.positions import PositionFix
from bluepool.domain.dispatch.premises import NoteKind, PremiseNote
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.resources.loans import Loan, LoanId
from bluepool.domain.resources.resources import Condition, Resource, ResourceId, Window
from bluepool.domain.shared.errors import (
    ConcurrentUpdate,
    Conflict,
    DomainError,
    Duplicate,
    NotFound,
)
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.domain.sharing.agreements import (
    Agreement,
    AgreementId,
    Clause,
    Rates,
    Signature,
    Stage,
)
from bluepool.services.plain import plain
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
R = TypeVar("R", bound=Base)
RowT = TypeVar("RowT")

_CONCURRENT_TABLES = ("assignments", "timeline_entries")


def integrity_error(exc: IntegrityError) -> DomainError:
    """Translate a database integrity violation into the domain error it means.

    A second open assignment for a unit (the partial unique index) or a clash on an
    incident's assignment/timeline rows means another transaction got there first:
    :class:`ConcurrentUpdate`. Any other unique or primary key clash is a
    :class:`Duplicate`; a foreign key violation is a :class:`Conflict`.
    """
    orig = exc.orig
    message = str(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    table = getattr(diag, "table_name", None) or ""
    sqlite_name = getattr(orig, "sqlite_errorname", "")
    unique = sqlstate == "23505" or sqlite_name in (
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    )
    foreign = sqlstate == "23503" or sqlite_name == "SQLITE_CONSTRAINT_FOREIGNKEY"
    if unique:
        if constraint == OPEN_ASSIGNMENT_INDEX or "assignments.unit_id" in message:
            return ConcurrentUpdate(
                "the unit is already on another open incident; reload and retry"
            )
        if constraint == OPEN_LOAN_INDEX or "loans.resource_id" in message:
            return ConcurrentUpdate(
                "the item was lent by someone else meanwhile; reload and retry", code="on_loan"
            )
        if table in _CONCURRENT_TABLES or any(f"{t}." in message for t in _CONCURRENT_TABLES):
            return ConcurrentUpdate("the incident was changed by someone else; reload and retry")
        return Duplicate(f"the record already exists ({constraint or message})")
    if foreign:
        return Conflict(
            f"the change would leave a dangling reference ({constraint or message})",
            code="integrity",
        )
    return Conflict(f"the change breaks a database rule ({message})", code="integrity")


class _Base:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        try:
            return self.session.execute(
                statement, params, execution_options={"synchronize_session": False}
            )
        except IntegrityError as exc:
            raise integrity_error(exc) from exc

    def _write(self, statement: Executable, params: Any = None) -> int:
        """Run an INSERT/UPDATE/DELETE and return how many rows it touched."""
        return cast("CursorResult[Any]", self._execute(statement, params)).rowcount

    def _rows(self, statement: Select[RowT]) -> Sequence[RowT]:
        # populate_existing: rows changed by our own UPDATE statements must not come
        # back stale from the session's identity map.
        return self.session.scalars(statement.execution_options(populate_existing=True)).all()

    def _core_rows(self, statement: Executable, params: Any = None) -> Sequence[Any]:
        """Rows of a statement on tables (not mapped classes): plain tuples, no ORM."""
        return self.session.execute(statement, params).all()

    def _count(self, statement: Select[Any]) -> int:
        total = self.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        return int(total or 0)


class SqlRepository(_Base, Generic[K, T, R]):
    """get/add/update/delete/list for an aggregate stored in one row."""

    def __init__(
        self,
        session: Session,
        row_type: type[R],
        key_column: InstrumentedAttribute[str],
        key_of: Callable[[T], K],
        to_domain: Callable[[R], T],
        to_values: Callable[[T], dict[str, Any]],
        label: str,
    ) -> None:
        super().__init__(session)
        self.row_type = row_type
        self.key_column = key_column
        self.key_of = key_of
        self.to_domain = to_domain
        self.to_values = to_values
        self.label = label

    def _exists(self, key: str) -> bool:
        found = self.session.scalar(select(self.key_column).where(self.key_column == key))
        return found is not None

    def get(self, key: K) -> T | None:
        rows = self._rows(select(self.row_type).where(self.key_column == key))
        return self.to_domain(rows[0]) if rows else None

    def add(self, item: T) -> None:
        key = self.key_of(item)
        if self._exists(key):
            raise Duplicate(f"{self.label} {key} already exists")
        self._execute(insert(self.row_type).values(**self.to_values(item)))

    def update(self, item: T) -> None:
        key = self.key_of(item)
        values = self.to_values(item)
        values.pop(self.key_column.key)
        if not self._write(update(self.row_type).where(self.key_column == key).values(**values)):
            raise NotFound(f"no {self.label} {key}")

    def delete(self, key: K) -> None:
        if not self._write(delete(self.row_type).where(self.key_column == key)):
            raise NotFound(f"no {self.label} {key}")

    def list(self) -> list[T]:
        rows = self._rows(select(self.row_type).order_by(self.key_column))
        return [self.to_domain(r) for r in rows]


# -- translation: agencies, jurisdictions, stations, call types, policies, users -----


def agency_values(a: Agency) -> dict[str, Any]:
    return {"id": a.id, "name": a.name}


def agency_from_row(r: AgencyRow) -> Agency:
    return Agency(id=AgencyId(r.id), name=r.name)


def jurisdiction_values(j: Jurisdiction) -> dict[str, Any]:
    return {
        "id": j.id,
        "name": j.name,
        "agency_id": j.agency_id,
        "geometry": j.geometry,
    }


def jurisdiction_from_row(r: JurisdictionRow) -> Jurisdiction:
    return Jurisdiction(
        id=JurisdictionId(r.id),
        name=r.name,
        agency_id=AgencyId(r.agency_id),
        geometry=r.geometry,
    )


def station_values(s: Station) -> dict[str, Any]:
    return {
        "id": s.id,
        "agency_id": s.agency_id,
        "name": s.name,
        "lat": s.location.lat,
        "lon": s.location.lon,
    }


def station_from_row(r: StationRow) -> Station:
    return Station(
        id=StationId(r.id),
        agency_id=AgencyId(r.agency_id),
        name=r.name,
        location=Location(r.lat, r.lon),
    )


def call_type_values(c: CallType) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "default_priority": c.default_priority,
        "plan": [{"capability": r.capability, "count": r.count} for r in c.plan],
        "self_initiated": c.self_initiated,
        "emergency": c.emergency,
    }


def call_type_from_row(r: CallTypeRow) -> CallType:
    return CallType(
        code=CallTypeCode(r.code),
        name=r.name,
        default_priority=r.default_priority,
        plan=tuple(Requirement(p["capability"], int(p["count"])) for p in r.plan),
        self_initiated=r.self_initiated,
        emergency=r.emergency,
    )


def _sorted_or_none(values: frozenset[str] | None) -> list[str] | None:
    return None if values is None else sorted(values)


def _frozen_or_none(values: list[str] | None) -> frozenset[Any] | None:
    return None if values is None else frozenset(values)


def agreement_document(a: Agreement) -> dict[str, Any]:
    """An agreement as plain JSON data (amounts as integer minor units)."""

    def rates(r: Rates) -> dict[str, Any]:
        return {
            "per_hour": dict(sorted(r.per_hour.items())),
            "standby_per_hour": dict(sorted(r.standby_per_hour.items())),
            "per_day": dict(sorted(r.per_day.items())),
            "minimum": r.minimum,
        }

    return {
        "id": a.id,
        "title": a.title,
        "parties": list(a.parties),
        "clauses": [
            {
                "lender": c.lender,
                "capabilities": _sorted_or_none(c.capabilities),
                "resource_types": _sorted_or_none(c.resource_types),
                "call_types": _sorted_or_none(c.call_types),
                "jurisdictions": _sorted_or_none(c.jurisdictions),
                "max_priority": c.max_priority,
                "home_reserve": c.home_reserve,
                "max_loan_hours": c.max_loan_hours,
                "rates": rates(c.rates),
            }
            for c in a.clauses
        ],
        "valid_from": _utc_text(a.valid_from),
        "valid_until": _utc_text(a.valid_until),
        "stage": a.stage.value,
        "signatures": [{"party": s.party, "by": s.by, "at": _utc_text(s.at)} for s in a.signatures],
        "terminated_at": _utc_text(a.terminated_at),
        "termination_reason": a.termination_reason,
        "version": a.version,
    }


def agreement_from_document(d: Mapping[str, Any]) -> Agreement:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    def rates(r: Mapping[str, Any]) -> Rates:
        return Rates(r["per_hour"], r["standby_per_hour"], r["per_day"], r["minimum"])

    a, b = d["parties"]
    valid_from = moment(d["valid_from"])
    assert valid_from is not None
    return Agreement(
        AgreementId(d["id"]),
        d["title"],
        (AgencyId(a), AgencyId(b)),
        tuple(
            Clause(
                AgencyId(c["lender"]),
                capabilities=_frozen_or_none(c["capabilities"]),
                resource_types=_frozen_or_none(c["resource_types"]),
                call_types=_frozen_or_none(c["call_types"]),
                jurisdictions=_frozen_or_none(c["jurisdictions"]),
                max_priority=c["max_priority"],
                home_reserve=c["home_reserve"],
                max_loan_hours=c["max_loan_hours"],
                rates=rates(c["rates"]),
            )
            for c in d["clauses"]
        ),
        valid_from,
        moment(d["valid_until"]),
        stage=Stage(d["stage"]),
        signatures=tuple(
            Signature(AgencyId(s["party"]), s["by"], datetime.fromisoformat(s["at"]))
            for s in d["signatures"]
        ),
        terminated_at=moment(d["terminated_at"]),
        termination_reason=d["termination_reason"],
        version=d["version"],
    )


def user_values(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "role": u.role.value,
        "password_hash": u.password_hash,
        "full_name": u.full_name,
        "agency_id": u.agency_id,
        "unit_id": u.unit_id,
        "active": u.active,
    }


def user_from_row(r: UserRow) -> User:
    return User(
        username=Username(r.username),
        role=Role(r.role),
        password_hash=r.password_hash,
        full_name=r.full_name,
        agency_id=AgencyId(r.agency_id) if r.agency_id is not None else None,
        unit_id=UnitId(r.unit_id) if r.unit_id is not None else None,
        active=r.active,
    )


# -- units ---------------------------------------------------------------------------


def unit_values(u: Unit) -> dict[str, Any]:
    return {
        "id": u.id,
        "agency_id": u.agency_id,
        "kind": u.kind,
        "capabilities": sorted(u.capabilities),
        "station_id": u.station_id,
        "name": u.name,
        "status": u.status.value,
        "lat": u.location.lat if u.location else None,
        "lon": u.location.lon if u.location else None,
        "jurisdiction_id": u.jurisdiction_id,
        "incident_id": u.incident_id,
        "workload": u.workload,
        "status_at": u.status_at,
        "position_at": u.position_at,
        "version": u.version,
        "status_reason": u.status_reason,
    }


def unit_from_row(r: Any) -> Unit:
    """A unit from a row of ``units`` (a mapped ``UnitRow`` or a Core row)."""
    location = Location(r.lat, r.lon) if r.lat is not None and r.lon is not None else None
    return Unit(
        id=UnitId(r.id),
        agency_id=AgencyId(r.agency_id),
        kind=r.kind,
        capabilities=frozenset(r.capabilities),
        station_id=StationId(r.station_id) if r.station_id is not None else None,
        name=r.name,
        status=UnitStatus(r.status),
        location=location,
        jurisdiction_id=JurisdictionId(r.jurisdiction_id)
        if r.jurisdiction_id is not None
        else None,
        incident_id=IncidentId(r.incident_id) if r.incident_id is not None else None,
        workload=r.workload,
        status_at=r.status_at,
        position_at=r.position_at,
        version=r.version,
        status_reason=r.status_reason,
    )


#: The units' columns only the position path writes (after the unit was added).
POSITION_COLUMNS = ("lat", "lon", "position_at", "jurisdiction_id")


#: The hot paths (recommend and assign read the whole fleet) run on the table itself, not the
#: mapped class: Core rows are plain tuples, several times cheaper to load than ORM objects,
#: and the statements are built once.
_UNITS = cast("Table", UnitRow.__table__)
_ALL_UNITS = select(_UNITS).order_by(_UNITS.c.id)
_UNIT_BY_ID = select(_UNITS).where(_UNITS.c.id == bindparam("unit_id"))
#: The columns ``update`` writes: the record and the status, not the position.
_UNIT_RECORD_COLUMNS = tuple(
    c.key for c in _UNITS.columns if c.key not in ("id", "version", *POSITION_COLUMNS)
)
_UPDATE_UNIT = (
    update(_UNITS)
    .where(_UNITS.c.id == bindparam("unit_id"), _UNITS.c.version == bindparam("loaded"))
    .values(
        {c: bindparam(f"new_{c}", type_=_UNITS.c[c].type) for c in _UNIT_RECORD_COLUMNS}
        | {"version": _UNITS.c.version + 1}
    )
)


class SqlUnitRepository(SqlRepository[UnitId, Unit, UnitRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(
            session,
            UnitRow,
            UnitRow.id,
            lambda u: u.id,
            unit_from_row,
            unit_values,
            "unit",
        )

    def get(self, key: UnitId) -> Unit | None:
        rows = self._core_rows(_UNIT_BY_ID, {"unit_id": key})
        return unit_from_row(rows[0]) if rows else None

    def update(self, item: Unit) -> None:
        """Write the unit's record and status (not its position: ``SqlPositions`` owns
        the position columns, so a fix never conflicts with a status change)."""
        values = unit_values(item)
        params = {f"new_{c}": values[c] for c in _UNIT_RECORD_COLUMNS}
        params["unit_id"], params["loaded"] = item.id, item.version
        if not self._write(_UPDATE_UNIT, params):
            if not self._exists(item.id):
                raise NotFound(f"no unit {item.id}")
            raise ConcurrentUpdate(f"unit {item.id} was changed by someone else; reload and retry")
        item.version += 1

    def find(self, where: UnitFilter, page: Page) -> tuple[list[Unit], int]:
        conditions: list[ColumnElement[bool]] = []
        if where.agency_id is not None:
            conditions.append(UnitRow.agency_id == where.agency_id)
        if where.status is not None:
            conditions.append(UnitRow.status == where.status.value)
        if where.station_id is not None:
            conditions.append(UnitRow.station_id == where.station_id)
        if where.capability is not None:
            conditions.append(self._has_capability(where.capability))
        query = select(UnitRow).where(*conditions)
        total = self._count(query)
        rows = self._rows(query.order_by(UnitRow.id).limit(page.limit).offset(page.offset))
        return [unit_from_row(r) for r in rows], total

    def get_many(self, ids: Collection[UnitId]) -> dict[UnitId, Unit]:
        if not ids:
            return {}
        rows = self._core_rows(select(_UNITS).where(_UNITS.c.id.in_(list(ids))))
        return {UnitId(r.id): unit_from_row(r) for r in rows}

    def _has_capability(self, capability: str) -> ColumnElement[bool]:
        if self.session.get_bind().dialect.name == "postgresql":
            return type_coerce(UnitRow.capabilities, postgresql.JSONB).contains([capability])
        each = func.json_each(UnitRow.capabilities).table_valued("value")
        return select(each.c.value).where(each.c.value == capability).exists()

    def list(self) -> list[Unit]:
        return [unit_from_row(r) for r in self._core_rows(_ALL_UNITS)]


# -- incidents -----------------------------------------------------------------------


def incident_values(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "call_type": i.call_type,
        "priority": i.priority,
        "lat": i.location.lat,
        "lon": i.location.lon,
        "jurisdiction_id": i.jurisdiction_id,
        "received_at": i.received_at,
        "description": i.description,
        "status": i.status.value,
        "closed_at": i.closed_at,
        "version": i.version,
        "address": i.address,
        "caller_name": i.caller_name,
        "caller_phone": i.caller_phone,
        "disposition": i.disposition,
        "report_number": i.report_number,
    }


def assignment_values(incident_id: str, seq: int, a: Assignment) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "seq": seq,
        "unit_id": a.unit_id,
        "assigned_at": a.assigned_at,
        "status": a.status.value,
        "cleared_at": a.cleared_at,
        "agreement_id": a.agreement or None,
        "clause": a.clause or None,
    }


def timeline_values(incident_id: str, seq: int, e: TimelineEntry) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "seq": seq,
        "at": e.at,
        "kind": e.kind,
        "actor": e.actor,
        "unit_id": e.unit_id,
        "detail": e.detail,
    }


def assignment_from_row(r: Any) -> Assignment:
    return Assignment(
        unit_id=UnitId(r.unit_id),
        assigned_at=r.assigned_at,
        status=UnitStatus(r.status),
        cleared_at=r.cleared_at,
        agreement=r.agreement_id or "",
        clause=r.clause or 0,
    )


def timeline_from_row(r: Any) -> TimelineEntry:
    return TimelineEntry(
        at=r.at,
        kind=r.kind,
        actor=r.actor,
        unit_id=UnitId(r.unit_id) if r.unit_id is not None else None,
        detail=r.detail,
    )


def incident_from_rows(
    r: Any, assignments: list[Assignment], timeline: list[TimelineEntry]
) -> Incident:
    """An incident from a row of ``incidents`` (mapped or Core) and its children in order."""
    return Incident(
        id=IncidentId(r.id),
        call_type=CallTypeCode(r.call_type),
        priority=r.priority,
        location=Location(r.lat, r.lon),
        jurisdiction_id=JurisdictionId(r.jurisdiction_id)
        if r.jurisdiction_id is not None
        else None,
        received_at=r.received_at,
        description=r.description,
        status=IncidentStatus(r.status),
        assignments=assignments,
        timeline=timeline,
        closed_at=r.closed_at,
        version=r.version,
        address=r.address,
        caller_name=r.caller_name,
        caller_phone=r.caller_phone,
        disposition=r.disposition,
        report_number=r.report_number,
    )


_INCIDENTS = cast("Table", IncidentRow.__table__)
_ASSIGNMENTS = cast("Table", AssignmentRow.__table__)
_TIMELINE = cast("Table", TimelineEntryRow.__table__)
#: Marks a child row of the union below: an assignment or a timeline entry.
_ASSIGNMENT, _ENTRY = "a", "t"


def _children(match: Callable[[Table], ColumnElement[bool]]) -> Subquery:
    """An incident's assignments and timeline entries as rows of one result: the two tables
    side by side in a UNION ALL (``c_part`` tells them apart), each filtered by ``match``."""
    a, t = _ASSIGNMENTS.c, _TIMELINE.c
    return union_all(
        select(
            literal(_ASSIGNMENT).label("c_part"),
            a.incident_id.label("c_of"),
            a.seq.label("c_seq"),
            a.unit_id.label("c_unit_id"),
            a.assigned_at.label("c_at"),
            a.status.label("c_what"),
            a.cleared_at.label("c_cleared_at"),
            type_coerce(null(), String).label("c_actor"),
            type_coerce(null(), Text).label("c_detail"),
            a.agreement_id.label("c_agreement"),
            a.clause.label("c_clause"),
        ).where(match(_ASSIGNMENTS)),
        select(
            literal(_ENTRY),
            t.incident_id,
            t.seq,
            t.unit_id,
            t.at,
            t.kind,
            null(),
            t.actor,
            t.detail,
            type_coerce(null(), String),
            type_coerce(null(), Integer),
        ).where(match(_TIMELINE)),
    ).subquery("c")


def _child_columns(children: Subquery) -> list[ColumnElement[Any]]:
    return [c for c in children.c if c.key != "c_of"]


_ONE_CHILDREN = _children(lambda table: table.c.incident_id == bindparam("incident_id"))
#: An incident and its child rows in one statement: the incident's columns repeat on each
#: child row (an incident has a handful), and an incident without children still comes back
#: (the outer join). Its children are filtered in each branch, so no table is scanned.
_INCIDENT_BY_ID = (
    select(_INCIDENTS, *_child_columns(_ONE_CHILDREN))
    .select_from(_INCIDENTS.outerjoin(_ONE_CHILDREN, true()))
    .where(_INCIDENTS.c.id == bindparam("incident_id"))
)
_MANY_CHILDREN = _children(
    lambda table: table.c.incident_id.in_(bindparam("incident_ids", expanding=True))
)
_CHILDREN_OF = select(_MANY_CHILDREN)
_INSERT_INCIDENT = insert(_INCIDENTS)
_INSERT_ASSIGNMENTS = insert(_ASSIGNMENTS)
_INSERT_ENTRIES = insert(_TIMELINE)
_INCIDENT_RECORD_COLUMNS = tuple(
    c.key for c in _INCIDENTS.columns if c.key not in ("id", "version")
)
_UPDATE_INCIDENT = (
    update(_INCIDENTS)
    .where(_INCIDENTS.c.id == bindparam("incident_id"), _INCIDENTS.c.version == bindparam("loaded"))
    .values(
        {c: bindparam(f"new_{c}", type_=_INCIDENTS.c[c].type) for c in _INCIDENT_RECORD_COLUMNS}
        | {"version": _INCIDENTS.c.version + 1}
    )
)
_UPDATE_ASSIGNMENT = (
    update(_ASSIGNMENTS)
    .where(
        _ASSIGNMENTS.c.incident_id == bindparam("of_incident"),
        _ASSIGNMENTS.c.seq == bindparam("at_seq"),
    )
    .values(
        status=bindparam("new_status", type_=String()),
        cleared_at=bindparam("new_cleared_at", type_=UTCDateTime()),
    )
)


class _Children:
    """An incident's child rows as they come from ``_children``, gathered in order."""

    __slots__ = ("assignments", "timeline")

    def __init__(self) -> None:
        self.assignments: list[tuple[int, Assignment]] = []
        self.timeline: list[tuple[int, TimelineEntry]] = []

    def add(self, r: Any) -> None:
        if r.c_part == _ASSIGNMENT:
            status = UnitStatus(r.c_what)
            lent = r.c_agreement or "", r.c_clause or 0
            self.assignments.append(
                (r.c_seq, Assignment(UnitId(r.c_unit_id), r.c_at, status, r.c_cleared_at, *lent))
            )
        elif r.c_part == _ENTRY:
            unit = UnitId(r.c_unit_id) if r.c_unit_id is not None else None
            self.timeline.append(
                (r.c_seq, TimelineEntry(r.c_at, r.c_what, r.c_actor, unit, r.c_detail))
            )

    def incident(self, r: Any) -> Incident:
        assignments = [a for _, a in sorted(self.assignments, key=lambda s: s[0])]
        timeline = [e for _, e in sorted(self.timeline, key=lambda s: s[0])]
        return incident_from_rows(r, assignments, timeline)


#: An assignment row as stored: (unit_id, assigned_at, status, cleared_at).
_StoredAssignment = tuple[str, datetime, str, datetime | None]


#: What the free-text search looks in: ``services.ports.searched_text`` in SQL (a
#: disposition or the notes join here).
SEARCHED_COLUMNS = (
    IncidentRow.id,
    IncidentRow.call_type,
    IncidentRow.address,
    IncidentRow.description,
    IncidentRow.disposition,
)


def _contains(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, any case, ``%`` and ``_`` taken as themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


class SqlIncidentRepository(_Base):
    """Incidents with their assignments and timeline (child rows keyed by position).

    What this transaction read or wrote of an incident's child rows is remembered (its
    assignment rows, the length of its timeline), so an update after a load writes the
    difference without reading them again; the repository lives as long as its unit of
    work's transaction, and ``forget`` drops what it knows on a rollback.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._stored: dict[str, tuple[dict[int, _StoredAssignment], int]] = {}

    def forget(self) -> None:
        self._stored.clear()

    def _remember(self, item: Incident) -> None:
        self._stored[item.id] = (
            {
                seq: (a.unit_id, a.assigned_at, a.status.value, a.cleared_at)
                for seq, a in enumerate(item.assignments)
            },
            len(item.timeline),
        )

    def _exists(self, key: str) -> bool:
        return self.session.scalar(select(IncidentRow.id).where(IncidentRow.id == key)) is not None

    def _load(self, rows: Sequence[IncidentRow]) -> list[Incident]:
        if not rows:
            return []
        children = {r.id: _Children() for r in rows}
        for c in self._core_rows(_CHILDREN_OF, {"incident_ids": list(children)}):
            children[c.c_of].add(c)
        loaded = [children[r.id].incident(r) for r in rows]
        for incident in loaded:
            self._remember(incident)
        return loaded

    def get(self, key: IncidentId) -> Incident | None:
        rows = self._core_rows(_INCIDENT_BY_ID, {"incident_id": key})
        if not rows:
            return None
        children = _Children()
        for r in rows:
            children.add(r)
        incident = children.incident(rows[0])
        self._remember(incident)
        return incident

    def get_many(self, ids: Collection[IncidentId]) -> dict[IncidentId, Incident]:
        if not ids:
            return {}
        rows = self._rows(select(IncidentRow).where(IncidentRow.id.in_(sorted(ids))))
        return {i.id: i for i in self._load(rows)}

    def add(self, item: Incident) -> None:
        # No look-up first: a taken id fails the primary key, which is a Duplicate too.
        try:
            self._execute(_INSERT_INCIDENT, incident_values(item))
        except Duplicate:
            raise Duplicate(f"incident {item.id} already exists") from None
        self._insert_children(item, 0, 0)
        self._remember(item)

    def _insert_children(self, item: Incident, first_assignment: int, first_entry: int) -> None:
        new_assignments = [
            assignment_values(item.id, seq, a)
            for seq, a in enumerate(item.assignments)
            if seq >= first_assignment
        ]
        if new_assignments:
            self._execute(_INSERT_ASSIGNMENTS, new_assignments)
        new_entries = [
            timeline_values(item.id, seq, e)
            for seq, e in enumerate(item.timeline)
            if seq >= first_entry
        ]
        if new_entries:
            self._execute(_INSERT_ENTRIES, new_entries)

    def update(self, item: Incident) -> None:
        """Write the incident if nobody changed it since it was loaded.

        Assignments are rewritten in an order the open-assignment index accepts, so a
        unit can leave and rejoin the incident in one go. New timeline entries are
        appended; the timeline never changes in place.
        """
        values = incident_values(item)
        params = {f"new_{c}": values[c] for c in _INCIDENT_RECORD_COLUMNS}
        params["incident_id"], params["loaded"] = item.id, item.version
        if not self._write(_UPDATE_INCIDENT, params):
            if not self._exists(item.id):
                raise NotFound(f"no incident {item.id}")
            raise ConcurrentUpdate(
                f"incident {item.id} was changed by someone else; reload and retry"
            )
        known = self._stored.get(item.id)
        self._sync_assignments(item, known[0] if known else None)
        if known:
            entries = known[1]
        else:
            counted = self.session.scalar(
                select(func.count()).where(TimelineEntryRow.incident_id == item.id)
            )
            entries = int(counted or 0)
        self._insert_children(item, len(item.assignments), entries)
        self._remember(item)
        item.version += 1

    def _sync_assignments(
        self, item: Incident, stored: dict[int, _StoredAssignment] | None = None
    ) -> None:
        """Make the stored assignment rows match ``item.assignments`` (``stored``: the
        rows as this transaction knows them; None: read them).

        The open-assignment index is checked row by row, so the order matters: rows that
        no longer match go first, then assignments that close, then those that stay or
        reopen, and the new rows last.
        """
        if stored is None:
            stored = {
                row.seq: (row.unit_id, row.assigned_at, row.status, row.cleared_at)
                for row in self._rows(
                    select(AssignmentRow).where(AssignmentRow.incident_id == item.id)
                )
            }
        wanted = dict(enumerate(item.assignments))
        # The domain never swaps the unit of an assignment; if it happens, rewrite the row.
        gone = [
            seq
            for seq, row in stored.items()
            if seq not in wanted or row[:2] != (wanted[seq].unit_id, wanted[seq].assigned_at)
        ]
        if gone:
            self._execute(
                delete(AssignmentRow).where(
                    AssignmentRow.incident_id == item.id, AssignmentRow.seq.in_(gone)
                )
            )
        changed = [
            (seq, a)
            for seq, a in wanted.items()
            if seq in stored
            and seq not in gone
            and stored[seq][2:] != (a.status.value, a.cleared_at)
        ]
        for seq, a in sorted(changed, key=lambda c: c[1].cleared_at is None):
            self._execute(
                _UPDATE_ASSIGNMENT,
                {
                    "of_incident": item.id,
                    "at_seq": seq,
                    "new_status": a.status.value,
                    "new_cleared_at": a.cleared_at,
                },
            )
        new = [
            assignment_values(item.id, seq, a)
            for seq, a in sorted(wanted.items(), key=lambda w: w[1].cleared_at is None)
            if seq not in stored or seq in gone
        ]
        if new:
            self._execute(_INSERT_ASSIGNMENTS, new)

    def delete(self, key: IncidentId) -> None:
        self._stored.pop(key, None)
        if not self._write(delete(IncidentRow).where(IncidentRow.id == key)):
            raise NotFound(f"no incident {key}")

    def find(self, where: IncidentFilter, page: Page) -> tuple[list[Incident], int]:
        conditions: list[ColumnElement[bool]] = []
        if where.status is not None:
            conditions.append(IncidentRow.status == where.status.value)
        if where.open is not None:
            open_values = sorted(s.value for s in OPEN)
            conditions.append(
                IncidentRow.status.in_(open_values)
                if where.open
                else IncidentRow.status.not_in(open_values)
            )
        if where.jurisdiction_id is not None:
            conditions.append(IncidentRow.jurisdiction_id == where.jurisdiction_id)
        if where.priority is not None:
            conditions.append(IncidentRow.priority == where.priority)
        if where.call_type is not None:
            conditions.append(IncidentRow.call_type == where.call_type)
        if where.received_from is not None:
            conditions.append(IncidentRow.received_at >= where.received_from)
        if where.received_until is not None:
            conditions.append(IncidentRow.received_at < where.received_until)
        if where.address is not None:
            conditions.append(_contains(IncidentRow.address, where.address))
        if where.unit_id is not None:
            conditions.append(
                select(AssignmentRow.seq)
                .where(
                    AssignmentRow.incident_id == IncidentRow.id,
                    AssignmentRow.unit_id == where.unit_id,
                )
                .exists()
            )
        if where.disposition is not None:
            conditions.append(IncidentRow.disposition == where.disposition)
        for word in where.words():
            conditions.append(or_(*(_contains(c, word) for c in SEARCHED_COLUMNS)))
        query = select(IncidentRow).where(*conditions)
        total = self._count(query)
        rows = self._rows(
            query.order_by(IncidentRow.received_at.desc(), IncidentRow.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return self._load(rows), total

    def list(self) -> list[Incident]:
        """Return every incident, newest first."""
        return self._load(
            self._rows(
                select(IncidentRow).order_by(IncidentRow.received_at.desc(), IncidentRow.id.desc())
            )
        )


# -- change log and idempotency keys -------------------------------------------------


_ADD_CHANGE = insert(cast("Table", ChangeLogRow.__table__))


class SqlChangeLog(_Base):
    """The change log. A line added is held until the transaction needs it: before a read
    (``find``) and at the latest at commit (the unit of work calls ``flush``), so on
    PostgreSQL the unit of work writes a commit's lines with its outbox rows in one
    statement (``SqlOutbox.add_all``)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.waiting: list[ChangeRecord] = []

    def add(self, record: ChangeRecord) -> None:
        self.waiting.append(record)

    def take(self) -> list[ChangeRecord]:
        """The lines not yet written, handed to whoever writes them (or drops them)."""
        waiting, self.waiting = self.waiting, []
        return waiting

    def flush(self) -> None:
        rows = [
            {
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "data": r.data,
            }
            for r in self.take()
        ]
        if rows:
            self._execute(_ADD_CHANGE, rows if len(rows) > 1 else rows[0])

    def find(
        self, entity: str | None, entity_id: str | None, page: Page
    ) -> tuple[list[ChangeRecord], int]:
        """Return one page of records, newest first, and the total count."""
        self.flush()
        conditions: list[ColumnElement[bool]] = []
        if entity is not None:
            conditions.append(ChangeLogRow.entity == entity)
        if entity_id is not None:
            conditions.append(ChangeLogRow.entity_id == entity_id)
        query = select(ChangeLogRow).where(*conditions)
        total = self._count(query)
        rows = self._rows(
            query.order_by(ChangeLogRow.id.desc()).limit(page.limit).offset(page.offset)
        )
        return [
            ChangeRecord(
                at=r.at,
                actor=r.actor,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                data=dict(r.data),
            )
            for r in rows
        ], total


class SqlIdempotencyKeys(_Base):
    """Keys of updates already applied. They are kept for a day (a retry later than that is
    still ordered by its timestamp); about one write in a hundred sweeps the older ones."""

    KEEP = timedelta(days=1)

    def seen(self, key: str) -> bool:
        found = self.session.scalar(
            select(IdempotencyKeyRow.key).where(IdempotencyKeyRow.key == key)
        )
        return found is not None

    def record(self, key: str, at: datetime) -> None:
        if self.seen(key):
            raise Duplicate(f"idempotency key {key} was already used")
        self._execute(insert(IdempotencyKeyRow).values(key=key, at=at))
        if zlib.crc32(key.encode()) % 100 == 0:
            self._execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.at < at - self.KEEP))


# -- outbox --------------------------------------------------------------------------

#: The advisory lock the outbox relays take turns on (any fixed 64-bit number: "bluepool").
RELAY_LOCK_KEY = int.from_bytes(b"bluepool", "big") >> 1

#: Built once, on the table (no ORM): ``add`` runs for every event, one INSERT each.
_ADD_MESSAGE = insert(cast("Table", OutboxRow.__table__))


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


def _utc_text(value: datetime | None) -> str | None:
    """A timestamp for a JSON document PostgreSQL reads as ``timestamptz`` (naive refused,
    as ``UTCDateTime`` refuses it)."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"refusing to store naive datetime {value.isoformat()}")
    return value.isoformat()


#: PostgreSQL: a commit's change-log lines and outbox rows in one statement (a
#: data-modifying CTE), each set as one JSON document of rows, inserted in their order.
_PG_CHANGES_AND_MESSAGES = text(
    "WITH lines AS (INSERT INTO change_log (at, actor, action, entity, entity_id, data) "
    "SELECT c.at, c.actor, c.action, c.entity, c.entity_id, c.data "
    "FROM ROWS FROM (jsonb_to_recordset(CAST(:changes AS jsonb)) "
    "AS (at timestamptz, actor text, action text, entity text, entity_id text, data jsonb)) "
    "WITH ORDINALITY AS c(at, actor, action, entity, entity_id, data, n) ORDER BY c.n) "
    "INSERT INTO outbox (type, payload, created_at, published_at) "
    "SELECT m.type, m.payload, m.created_at, m.published_at "
    "FROM ROWS FROM (jsonb_to_recordset(CAST(:messages AS jsonb)) "
    "AS (type text, payload jsonb, created_at timestamptz, published_at timestamptz)) "
    "WITH ORDINALITY AS m(type, payload, created_at, published_at, n) ORDER BY m.n"
)


def _not_json(message: OutboxMessage, cause: Exception) -> TypeError:
    # A bug in whoever built the event, so name the event.
    return TypeError(f"outbox message {message.type!r}: the payload is not JSON ({cause})")


class SqlOutbox(_Base):
    """Events in the ``outbox`` table, written in the transaction of their change.

    Ids come from the table's sequence when a message is inserted. On SQLite writers take
    turns, so ids also follow commit order; on PostgreSQL a transaction that inserted
    earlier may commit later, so a message can turn up behind one with a higher id. The
    relay reads ``pending()`` (published_at IS NULL), not "ids above the last one seen",
    so a late message is published late, never skipped.
    """

    def __init__(self, session: Session, changes: SqlChangeLog | None = None) -> None:
        super().__init__(session)
        #: The change log of the same transaction: on PostgreSQL its waiting lines are
        #: written with the messages, in the same statement.
        self.changes = changes
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def add(self, message: OutboxMessage) -> None:
        self.add_all((message,))

    def add_all(self, messages: Sequence[OutboxMessage]) -> None:
        """One INSERT (an executemany for several: one round trip on PostgreSQL), with the
        change log's waiting lines on PostgreSQL."""
        changes = self.changes if self._postgres else None
        lines = changes.take() if changes is not None else []
        if changes is not None and lines:
            try:
                self._add_with_lines(messages, lines)
            except Exception:
                changes.waiting[:0] = lines  # not written: still waiting
                raise
            return
        values = [
            {
                "type": m.type,
                "payload": m.payload,
                "created_at": m.created_at,
                "published_at": m.published_at,
            }
            for m in messages
        ]
        try:
            self._execute(_ADD_MESSAGE, values if len(values) > 1 else values[0])
        except (StatementError, TypeError) as exc:
            # json.dumps refuses a payload: wrapped by SQLAlchemy on SQLite, raised bare
            # by psycopg. A bug in whoever built the event, so name the event.
            cause = exc.orig if isinstance(exc, StatementError) else exc
            if not isinstance(cause, TypeError):
                raise
            refused = next((m for m in messages if not _is_json(m.payload)), messages[0])
            raise _not_json(refused, cause) from cause

    def _add_with_lines(self, messages: Sequence[OutboxMessage], lines: list[ChangeRecord]) -> None:
        changes = [
            {
                "at": _utc_text(r.at),
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "data": r.data,
            }
            for r in lines
        ]
        rows = [
            {
                "type": m.type,
                "payload": m.payload,
                "created_at": _utc_text(m.created_at),
                "published_at": _utc_text(m.published_at),
            }
            for m in messages
        ]
        try:
            params = {"changes": json.dumps(changes), "messages": json.dumps(rows)}
        except TypeError as exc:
            refused = next((m for m in messages if not _is_json(m.payload)), None)
            if refused is None:
                raise TypeError(f"a change-log line is not JSON ({exc})") from exc
            raise _not_json(refused, exc) from exc
        self._execute(_PG_CHANGES_AND_MESSAGES, params)

    def pending(self, limit: int) -> list[OutboxMessage]:
        rows = self._rows(
            select(OutboxRow)
            .where(OutboxRow.published_at.is_(None))
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [
            OutboxMessage(
                type=r.type,
                payload=r.payload,
                created_at=r.created_at,
                id=r.id,
                published_at=r.published_at,
            )
            for r in rows
        ]

    def mark_published(self, ids: Sequence[int], at: datetime) -> None:
        """Set ``published_at`` on those of ``ids`` not yet published (the first time
        stands when two relays race); unknown ids are ignored."""
        if not ids:
            return
        self._execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids), OutboxRow.published_at.is_(None))
            .values(published_at=at)
        )

    def claim(self) -> bool:
        """On PostgreSQL a transaction-scoped advisory lock (``pg_try_advisory_xact_lock``),
        let go at commit or rollback, so a relay that dies frees it with its connection. On
        SQLite the write transaction (BEGIN IMMEDIATE) already runs alone."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        taken = self.session.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RELAY_LOCK_KEY}
        ).scalar()
        return bool(taken)

    def prune(self, published_before: datetime, limit: int) -> int:
        gone = (
            select(OutboxRow.id)
            .where(OutboxRow.published_at < published_before)
            .order_by(OutboxRow.id)
            .limit(limit)
            .scalar_subquery()
        )
        return self._write(delete(OutboxRow).where(OutboxRow.id.in_(gone)))


# -- positions -----------------------------------------------------------------------

# PostgreSQL: a whole batch in one statement each, as one JSON document of rows (built by
# json.dumps in C; binding Python lists as arrays quoted every element), not a row a time.
_PG_RECORD_FIXES = text(
    "INSERT INTO unit_positions (unit_id, fix_at, lat, lon, speed, heading, received_at) "
    "SELECT f.u, f.t, f.la, f.lo, f.sp, f.hd, :received "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS f(u text, t timestamptz, la float8, lo float8, sp float8, hd float8) "
    "ON CONFLICT DO NOTHING"
)
_PG_MOVE_UNITS = text(
    "UPDATE units SET lat = v.la, lon = v.lo, position_at = v.t, jurisdiction_id = v.j "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
    "AS v(u text, t timestamptz, la float8, lo float8, j text) "
    "WHERE units.id = v.u AND (units.position_at IS NULL OR units.position_at < v.t) "
    "RETURNING units.id"
)
# SQLite: the same as executemany (its writers take turns: the read before is exact).
_SQLITE_RECORD_FIX = text(
    "INSERT OR IGNORE INTO unit_positions "
    "(unit_id, fix_at, lat, lon, speed, heading, received_at) "
    "VALUES (:u, :t, :la, :lo, :sp, :hd, :received)"
).bindparams(bindparam("t", type_=UTCDateTime()), bindparam("received", type_=UTCDateTime()))
_SQLITE_MOVE_UNIT = text(
    "UPDATE units SET lat = :la, lon = :lo, position_at = :t, jurisdiction_id = :j "
    "WHERE id = :u AND (position_at IS NULL OR position_at < :t)"
).bindparams(bindparam("t", type_=UTCDateTime()))
_PRUNE = text(
    "DELETE FROM unit_positions WHERE (unit_id, fix_at) IN ("
    "SELECT unit_id, fix_at FROM unit_positions WHERE fix_at < :before LIMIT :n)"
).bindparams(bindparam("before", type_=UTCDateTime()))
#: SQLSTATEs of a transaction PostgreSQL gave up to break a deadlock or a serialisation
#: conflict: another batch moved the same units in another order. A retry is safe.
_RETRYABLE = ("40P01", "40001")


class SqlPositions(_Base):
    """The position history (``unit_positions``) and the units' latest positions."""

    def record(
        self, fixes: Sequence[PositionFix], latest: Sequence[LatestPosition], received_at: datetime
    ) -> list[UnitId]:
        try:
            if self.session.get_bind().dialect.name == "postgresql":
                return self._record_postgres(fixes, latest, received_at)
            return self._record_sqlite(fixes, latest, received_at)
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in _RETRYABLE:
                raise ConcurrentUpdate(
                    "positions of the same units were written at once; retry"
                ) from exc
            raise

    def _record_postgres(
        self, fixes: Sequence[PositionFix], latest: Sequence[LatestPosition], received_at: datetime
    ) -> list[UnitId]:
        if fixes:
            rows = [
                {
                    "u": f.unit_id,
                    "t": f.at.isoformat(),
                    "la": f.location.lat,
                    "lo": f.location.lon,
                    "sp": f.speed,
                    "hd": f.heading,
                }
                for f in fixes
            ]
            self.session.execute(
                _PG_RECORD_FIXES, {"rows": json.dumps(rows), "received": received_at}
            )
        if not latest:
            return []
        moves = [
            {
                "u": p.fix.unit_id,
                "t": p.fix.at.isoformat(),
                "la": p.fix.location.lat,
                "lo": p.fix.location.lon,
                "j": p.jurisdiction_id,
            }
            for p in latest
        ]
        moved = self.session.execute(_PG_MOVE_UNITS, {"rows": json.dumps(moves)})
        return sorted(UnitId(u) for (u,) in moved)

    def _record_sqlite(
        self, fixes: Sequence[PositionFix], latest: Sequence[LatestPosition], received_at: datetime
    ) -> list[UnitId]:
        if fixes:
            self.session.execute(
                _SQLITE_RECORD_FIX,
                [
                    {
                        "u": f.unit_id,
                        "t": f.at,
                        "la": f.location.lat,
                        "lo": f.location.lon,
                        "sp": f.speed,
                        "hd": f.heading,
                        "received": received_at,
                    }
                    for f in fixes
                ],
            )
        if not latest:
            return []
        ids = [p.fix.unit_id for p in latest]
        rows = self.session.execute(
            select(UnitRow.id, UnitRow.position_at).where(UnitRow.id.in_(ids))
        )
        known: dict[str, datetime | None] = dict(rows.all())
        newer = [
            p
            for p in latest
            if p.fix.unit_id in known and ((at := known[p.fix.unit_id]) is None or at < p.fix.at)
        ]
        if newer:
            self.session.execute(
                _SQLITE_MOVE_UNIT,
                [
                    {
                        "u": p.fix.unit_id,
                        "t": p.fix.at,
                        "la": p.fix.location.lat,
                        "lo": p.fix.location.lon,
                        "j": p.jurisdiction_id,
                    }
                    for p in newer
                ],
            )
        return sorted(p.fix.unit_id for p in newer)

    def history(
        self, unit_id: UnitId, since: datetime | None, until: datetime | None, limit: int
    ) -> list[PositionFix]:
        conditions: list[ColumnElement[bool]] = [UnitPositionRow.unit_id == unit_id]
        if since is not None:
            conditions.append(UnitPositionRow.fix_at >= since)
        if until is not None:
            conditions.append(UnitPositionRow.fix_at < until)
        rows = self.session.execute(
            select(
                UnitPositionRow.fix_at,
                UnitPositionRow.lat,
                UnitPositionRow.lon,
                UnitPositionRow.speed,
                UnitPositionRow.heading,
            )
            .where(*conditions)
            .order_by(UnitPositionRow.fix_at)
            .limit(limit)
        )
        return [
            PositionFix(unit_id, at, Location(lat, lon), sp, hd) for at, lat, lon, sp, hd in rows
        ]

    def prune(self, before: datetime, limit: int) -> int:
        return self._write(_PRUNE, {"before": before, "n": limit})


def agency_repository(session: Session) -> SqlRepository[AgencyId, Agency, AgencyRow]:
    return SqlRepository(
        session,
        AgencyRow,
        AgencyRow.id,
        lambda a: a.id,
        agency_from_row,
        agency_values,
        "agency",
    )


class SqlJurisdictionRepository(SqlRepository[JurisdictionId, Jurisdiction, JurisdictionRow]):
    def owners(self) -> dict[JurisdictionId, AgencyId]:
        """Which agency answers for each jurisdiction, without reading the polygons."""
        rows = self.session.execute(select(JurisdictionRow.id, JurisdictionRow.agency_id))
        return {JurisdictionId(j): AgencyId(a) for j, a in rows}


def jurisdiction_repository(session: Session) -> SqlJurisdictionRepository:
    return SqlJurisdictionRepository(
        session,
        JurisdictionRow,
        JurisdictionRow.id,
        lambda j: j.id,
        jurisdiction_from_row,
        jurisdiction_values,
        "jurisdiction",
    )


def station_repository(
    session: Session,
) -> SqlRepository[StationId, Station, StationRow]:
    return SqlRepository(
        session,
        StationRow,
        StationRow.id,
        lambda s: s.id,
        station_from_row,
        station_values,
        "station",
    )


def call_type_repository(
    session: Session,
) -> SqlRepository[CallTypeCode, CallType, CallTypeRow]:
    return SqlRepository(
        session,
        CallTypeRow,
        CallTypeRow.code,
        lambda c: c.code,
        call_type_from_row,
        call_type_values,
        "call type",
    )


class SqlAgreements(_Base):
    """The agreements: the latest version in ``agreements``, every one in
    ``agreement_versions`` (written together, in the same transaction)."""

    def get(self, agreement_id: AgreementId) -> Agreement | None:
        row = self.session.get(AgreementRow, agreement_id, populate_existing=True)
        return None if row is None else agreement_from_document(row.document)

    def list(self) -> list[Agreement]:
        rows = self._rows(select(AgreementRow).order_by(AgreementRow.id))
        return [agreement_from_document(r.document) for r in rows]

    def add(self, agreement: Agreement, by: str, at: datetime) -> None:
        if self.session.get(AgreementRow, agreement.id) is not None:
            raise Duplicate(f"agreement {agreement.id} already exists")
        doc = agreement_document(agreement)
        self._execute(
            insert(AgreementRow).values(id=agreement.id, version=agreement.version, document=doc)
        )
        self._keep(agreement, doc, by, at)

    def update(self, agreement: Agreement, by: str, at: datetime) -> None:
        doc = agreement_document(agreement)
        moved = self._write(
            update(AgreementRow)
            .where(AgreementRow.id == agreement.id, AgreementRow.version == agreement.version - 1)
            .values(version=agreement.version, document=doc)
        )
        if not moved:
            if self.session.get(AgreementRow, agreement.id) is None:
                raise NotFound(f"no agreement {agreement.id}")
            raise ConcurrentUpdate(
                f"agreement {agreement.id} was changed by someone else; reload and retry"
            )
        self._keep(agreement, doc, by, at)

    def _keep(self, agreement: Agreement, doc: dict[str, Any], by: str, at: datetime) -> None:
        self._execute(
            insert(AgreementVersionRow).values(
                agreement_id=agreement.id,
                version=agreement.version,
                changed_at=at,
                changed_by=by,
                document=doc,
            )
        )

    def versions(self, agreement_id: AgreementId) -> tuple[AgreementVersion, ...]:
        rows = self._rows(
            select(AgreementVersionRow)
            .where(AgreementVersionRow.agreement_id == agreement_id)
            .order_by(AgreementVersionRow.version)
        )
        return tuple(
            AgreementVersion(agreement_from_document(r.document), r.changed_at, r.changed_by)
            for r in rows
        )


def resource_values(r: Resource) -> dict[str, Any]:
    return {
        "id": r.id,
        "type": r.type,
        "name": r.name,
        "owner_id": r.owner,
        "home_station_id": r.home_station,
        "condition": r.condition.value,
        "maintenance_notes": r.maintenance_notes,
        "windows": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in r.windows],
        "version": r.version,
    }


def resource_from_row(r: ResourceRow) -> Resource:
    return Resource(
        ResourceId(r.id),
        r.type,
        r.name,
        AgencyId(r.owner_id),
        StationId(r.home_station_id) if r.home_station_id else None,
        Condition(r.condition),
        r.maintenance_notes,
        tuple(
            Window(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
            for w in r.windows
        ),
        r.version,
    )


class SqlResources(SqlRepository[ResourceId, Resource, ResourceRow]):
    """The catalogue; ``update`` moves a resource on from the version before only."""

    def __init__(self, session: Session) -> None:
        super().__init__(
            session,
            ResourceRow,
            ResourceRow.id,
            lambda r: r.id,
            resource_from_row,
            resource_values,
            "resource",
        )

    def update(self, item: Resource) -> None:
        values = resource_values(item)
        values.pop("id")
        moved = self._write(
            update(ResourceRow)
            .where(ResourceRow.id == item.id, ResourceRow.version == item.version - 1)
            .values(**values)
        )
        if not moved:
            if not self._exists(item.id):
                raise NotFound(f"no resource {item.id}")
            raise ConcurrentUpdate(
                f"resource {item.id} was changed by someone else; reload and retry"
            )


def loan_values(loan: Loan) -> dict[str, Any]:
    return {
        "id": loan.id,
        "resource_id": loan.resource,
        "resource_type": loan.resource_type,
        "lender_id": loan.lender,
        "borrower_id": loan.borrower,
        "incident_id": loan.incident,
        "agreement_id": loan.agreement,
        "clause": loan.clause,
        "out_at": loan.out_at,
        "due_at": loan.due_at,
        "condition_out": loan.condition_out.value,
        "out_by": loan.out_by,
        "notes": loan.notes,
        "returned_at": loan.returned_at,
        "condition_in": loan.condition_in.value if loan.condition_in else None,
        "returned_by": loan.returned_by,
        "return_notes": loan.return_notes,
        "overdue_noticed_at": loan.overdue_noticed_at,
    }


def loan_from_row(r: LoanRow) -> Loan:
    return Loan(
        LoanId(r.id),
        ResourceId(r.resource_id),
        r.resource_type,
        AgencyId(r.lender_id),
        AgencyId(r.borrower_id),
        r.out_at,
        r.due_at,
        Condition(r.condition_out),
        IncidentId(r.incident_id) if r.incident_id else None,
        AgreementId(r.agreement_id) if r.agreement_id else None,
        r.clause,
        r.out_by,
        r.notes,
        r.returned_at,
        Condition(r.condition_in) if r.condition_in else None,
        r.returned_by,
        r.return_notes,
        r.overdue_noticed_at,
    )


class SqlLoans(SqlRepository[LoanId, Loan, LoanRow]):
    """The loans; the partial unique index refuses an item on two open loans."""

    def __init__(self, session: Session) -> None:
        super().__init__(
            session, LoanRow, LoanRow.id, lambda loan: loan.id, loan_from_row, loan_values, "loan"
        )

    def find(self, where: LoanFilter) -> list[Loan]:
        query = select(LoanRow)
        if where.resource is not None:
            query = query.where(LoanRow.resource_id == where.resource)
        if where.open is not None:
            returned = LoanRow.returned_at.is_(None)
            query = query.where(returned if where.open else ~returned)
        if where.agency is not None:
            query = query.where(
                or_(LoanRow.lender_id == where.agency, LoanRow.borrower_id == where.agency)
            )
        if where.overdue_at is not None:
            query = query.where(LoanRow.returned_at.is_(None), LoanRow.due_at < where.overdue_at)
        rows = self._rows(query.order_by(LoanRow.out_at.desc(), LoanRow.id.desc()))
        return [loan_from_row(r) for r in rows]


class SqlMutualAid(_Base):
    """The mutual-aid requests, one row each (the request whole in ``document``)."""

    def get(self, request_id: str) -> AidRequest | None:
        row = self.session.get(MutualAidRequestRow, request_id, populate_existing=True)
        return None if row is None else aid_request_from_document(row.document)

    def list(self, incident_id: IncidentId | None = None) -> list[AidRequest]:
        query = select(MutualAidRequestRow).order_by(
            MutualAidRequestRow.requested_at.desc(), MutualAidRequestRow.id.desc()
        )
        if incident_id is not None:
            query = query.where(MutualAidRequestRow.incident_id == incident_id)
        return [aid_request_from_document(r.document) for r in self._rows(query)]

    def add(self, request: AidRequest) -> None:
        if self.session.get(MutualAidRequestRow, request.id) is not None:
            raise Duplicate(f"mutual-aid request {request.id} already exists")
        year = int(request.id.split("-")[1])
        self._execute(
            insert(MutualAidRequestRow).values(
                id=request.id,
                year=year,
                sequence=sequence_of(request.id),
                incident_id=request.incident_id,
                **self._values(request),
            )
        )

    def update(self, request: AidRequest) -> None:
        moved = self._write(
            update(MutualAidRequestRow)
            .where(
                MutualAidRequestRow.id == request.id,
                MutualAidRequestRow.version == request.version - 1,
            )
            .values(**self._values(request))
        )
        if not moved:
            if self.session.get(MutualAidRequestRow, request.id) is None:
                raise NotFound(f"no mutual-aid request {request.id}")
            raise ConcurrentUpdate(
                f"mutual-aid request {request.id} was changed by someone else; reload and retry"
            )

    def last_sequence(self, year: int) -> int:
        found = self.session.scalar(
            select(func.max(MutualAidRequestRow.sequence)).where(MutualAidRequestRow.year == year)
        )
        return int(found or 0)

    @staticmethod
    def _values(request: AidRequest) -> dict[str, Any]:
        return {
            "requesting_agency": request.requesting_agency,
            "state": request.state.value,
            "requested_at": request.requested_at,
            "version": request.version,
            "document": aid_request_document(request),
        }


def aid_request_document(r: AidRequest) -> dict[str, Any]:
    """A mutual-aid request as plain JSON data (rates and amounts in integer minor units)."""
    doc: dict[str, Any] = plain(r)
    for name in ("requested_at", "needed_until", "eta"):  # naive times refused
        doc[name] = _utc_text(getattr(r, name))
    return doc


def aid_request_from_document(d: Mapping[str, Any]) -> AidRequest:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text)

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    return AidRequest(
        id=d["id"],
        incident_id=IncidentId(d["incident_id"]),
        incident_name=d["incident_name"],
        requested_at=at(d["requested_at"]),
        requested_by=d["requested_by"],
        requesting_agency=AgencyId(d["requesting_agency"]),
        items=tuple(
            Item(
                i["quantity"],
                Category(i["category"]),
                i["kind"],
                i["type"],
                i["priority"],
                i["description"],
                moment(i["requested_arrival"]),
                i["reporting_location"],
                i["substitutes"],
            )
            for i in d["items"]
        ),
        needed_until=at(d["needed_until"]),
        steps=tuple(Step(s) for s in d["steps"]),
        routes=tuple(
            Route(
                AgencyId(r["agency"]),
                tuple(
                    Terms(t["agreement"], t["clause"], t["rate"], t["minimum"]) for t in r["terms"]
                ),
            )
            for r in d["routes"]
        ),
        approvals=tuple(
            Approval(Step(a["step"]), a["by"], AgencyId(a["agency"]), at(a["at"]), a["comment"])
            for a in d["approvals"]
        ),
        supplier=AgencyId(d["supplier"]) if d["supplier"] is not None else None,
        order_number=d["order_number"],
        eta=moment(d["eta"]),
        fulfilments=tuple(
            Fulfilment(
                f["item"],
                f["resource"],
                Category(f["category"]),
                at(f["at"]),
                f["by"],
                moment(f["released_at"]),
                f["released_by"],
            )
            for f in d["fulfilments"]
        ),
        extensions=tuple(
            Extension(at(e["until"]), e["reason"], at(e["at"]), e["by"]) for e in d["extensions"]
        ),
        state=AidState(d["state"]),
        closed_reason=d["closed_reason"],
        closed_by=d["closed_by"],
        version=d["version"],
    )


def setting_repository(
    session: Session,
) -> SqlRepository[str, Setting, CollectiveSettingRow]:
    return SqlRepository(
        session,
        CollectiveSettingRow,
        CollectiveSettingRow.name,
        lambda s: s.name,
        lambda r: Setting(r.name, dict(r.value)),
        lambda s: {"name": s.name, "value": dict(s.value)},
        "setting",
    )


def premise_note_values(n: PremiseNote) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind.value,
        "text": n.text,
        "lat": n.location.lat,
        "lon": n.location.lon,
        "radius_m": n.radius_m,
        "address": n.address,
        "agency_id": n.agency_id,
        "expires_at": n.expires_at,
        "created_by": n.created_by,
        "created_at": n.created_at,
    }


def premise_note_from_row(r: PremiseNoteRow) -> PremiseNote:
    return PremiseNote(
        id=r.id,
        kind=NoteKind(r.kind),
        text=r.text,
        location=Location(r.lat, r.lon),
        radius_m=r.radius_m,
        created_by=r.created_by,
        created_at=r.created_at,
        address=r.address,
        agency_id=AgencyId(r.agency_id) if r.agency_id is not None else None,
        expires_at=r.expires_at,
    )


def premise_note_repository(session: Session) -> SqlRepository[str, PremiseNote, PremiseNoteRow]:
    return SqlRepository(
        session,
        PremiseNoteRow,
        PremiseNoteRow.id,
        lambda n: n.id,
        premise_note_from_row,
        premise_note_values,
        "premise note",
    )


def user_repository(session: Session) -> SqlRepository[Username, User, UserRow]:
    return SqlRepository(
        session,
        UserRow,
        UserRow.username,
        lambda u: u.username,
        user_from_row,
        user_values,
        "user",
    )


# -- sign-in sessions and stream tickets -------------------------------------------------


class SqlSessions(_Base):
    def get(self, session_id: str) -> DomainSession | None:
        row = self._execute(select(SessionRow.__table__).where(SessionRow.id == session_id)).first()
        if row is None:
            return None
        return DomainSession(
            row.id,
            Username(row.username),
            row.stamp,
            row.created_at,
            row.expires_at,
            row.refresh_hash,
            row.revoked_at,
        )

    def add(self, session: DomainSession) -> None:
        self._execute(
            insert(SessionRow).values(
                id=session.id,
                username=session.username,
                stamp=session.stamp,
                created_at=session.created_at,
                expires_at=session.expires_at,
                refresh_hash=session.refresh_hash,
                revoked_at=session.revoked_at,
            )
        )
        # Sessions are kept until a day after they expired; a sign-in in a hundred sweeps.
        if zlib.crc32(session.id.encode()) % 100 == 0:
            self._execute(
                delete(SessionRow).where(
                    SessionRow.expires_at < session.created_at - timedelta(days=1)
                )
            )

    def rotate(self, session_id: str, old_hash: str, new_hash: str, at: datetime) -> bool:
        # One statement: of two refreshes with the same token, only one matches.
        return (
            self._write(
                update(SessionRow)
                .where(SessionRow.id == session_id, SessionRow.refresh_hash == old_hash)
                .values(refresh_hash=new_hash)
            )
            == 1
        )

    def revoke(self, session_id: str, at: datetime) -> None:
        self._write(
            update(SessionRow)
            .where(SessionRow.id == session_id, SessionRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class SqlStreamTickets(_Base):
    def add(self, ticket: StreamTicket) -> None:
        self._execute(
            insert(StreamTicketRow).values(
                ticket_hash=ticket.ticket_hash,
                session_id=ticket.session_id,
                username=ticket.username,
                expires_at=ticket.expires_at,
            )
        )
        if zlib.crc32(ticket.ticket_hash.encode()) % 20 == 0:
            self._execute(
                delete(StreamTicketRow).where(
                    StreamTicketRow.expires_at < ticket.expires_at - timedelta(hours=1)
                )
            )

    def take(self, ticket_hash: str, now: datetime) -> StreamTicket | None:
        row = self._execute(
            select(StreamTicketRow.__table__).where(StreamTicketRow.ticket_hash == ticket_hash)
        ).first()
        if row is None:
            return None
        ticket = StreamTicket(
            row.ticket_hash, row.session_id, Username(row.username), row.expires_at
        )
        # The DELETE decides: of two takers (two workers), only one removes the row.
        taken = self._write(
            delete(StreamTicketRow).where(StreamTicketRow.ticket_hash == ticket_hash)
        )
        return ticket if taken == 1 and now < ticket.expires_at else None


_ENTRIES = cast("Table", AuditEntryRow.__table__)
_INSERT_WAITING = _ENTRIES.insert()
#: An entry's columns, in ``AuditEntry``'s order.
_ENTRY_COLUMNS = tuple(
    _ENTRIES.c[name]
    for name in (
        *("seq", "at", "actor", "kind", "action", "agency", "subject", "body"),
        *("prev_hash", "hash"),
    )
)


class SqlAuditLog(_Base):
    """The audit log in ``audit_entries``, chained under the ``audit_head`` row.

    ``append`` keeps the drafts of the transaction; ``flush`` (the unit of work calls it
    just before it commits) writes them, in the transaction of what they record.

    On SQLite the transaction already holds the database's write lock, so ``flush`` chains
    them there and then: it reads the head, links each draft after it and moves it.

    On PostgreSQL, holding the head row from the chaining to the commit would serialise
    every writer's commit (its WAL flush) behind the last one: a few hundred transactions
    a second on one disk. So ``flush`` writes the entries unchained (``seq`` empty), and
    after the commit the unit of work wakes the process's background chainer
    (``adapters.db.chainer``), which runs ``chain_waiting``: in short transactions of its
    own it takes the head row ``FOR UPDATE``, links the waiting entries in id order,
    moves the head (one statement), commits, and repeats while a full batch was linked.
    One chainer at a time: the chain never forks. Without a chainer the writer runs
    ``chain_waiting`` itself after its commit, with ``SKIP LOCKED`` (a writer that finds
    the head taken leaves its entries to the holder, who looks again after its own
    commit). An entry waits unchained from its commit to the next chaining; ``settle``
    chains them on demand (a checkpoint does, first).
    """

    def __init__(self, session: Session, sessions: sessionmaker[Session] | None = None) -> None:
        super().__init__(session)
        self.sessions = sessions
        self.drafts: list[AuditDraft] = []

    def append(self, draft: AuditDraft) -> None:
        self.drafts.append(draft)

    @property
    def deferred(self) -> bool:
        """True when entries are chained after their commit (PostgreSQL)."""
        return self.session.get_bind().dialect.name == "postgresql"

    def flush(self) -> bool:
        """Write the drafts; return True when they wait to be chained after the commit."""
        drafts, self.drafts = self.drafts, []
        if not drafts:
            return False
        if self.deferred:
            rows = [
                {
                    "at": d.at,
                    "actor": d.actor,
                    "kind": d.kind.value,
                    "action": d.action,
                    "agency": d.agency,
                    "subject": d.subject,
                    "body": d.body(),
                }
                for d in drafts
            ]
            # Core on the transaction's connection: the ORM's bulk-insert path costs more
            # than the insert itself at one entry a transaction
            self.session.connection().execute(_INSERT_WAITING, rows)
            return True
        head = self._execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash)
            .where(AuditHeadRow.id == 1)
            .with_for_update()
        ).one()
        seq, hash = int(head.seq), str(head.hash)
        chained = []
        for draft in drafts:
            entry = link(seq, hash, draft)
            seq, hash = entry.seq, entry.hash
            chained.append(
                {
                    "seq": entry.seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "kind": entry.kind,
                    "action": entry.action,
                    "agency": entry.agency,
                    "subject": entry.subject,
                    "body": entry.body,
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                }
            )
        self._execute(insert(AuditEntryRow), chained)
        self._execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=seq, hash=hash))
        return False

    def reset(self) -> None:
        self.drafts = []

    def settle(self) -> int:
        if not self.deferred or self.sessions is None:
            return 0
        return chain_waiting(self.sessions, wait=True)

    def waiting(self) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.seq.is_(None))
            )
            or 0
        )

    def find(self, where: AuditFilter, page: Page) -> tuple[list[AuditEntry], int]:
        e = AuditEntryRow
        query = select(e).where(*_audit_conditions(where))
        total = self._count(query)
        rows = self._rows(query.order_by(e.id.desc()).limit(page.limit).offset(page.offset))
        return [_audit_entry(r) for r in rows], total

    def matching(self, where: AuditFilter, batch: int = 1_000) -> Iterator[AuditEntry]:
        """Streamed through Core (a server-side cursor on PostgreSQL): an export may hold
        the whole log."""
        c = _ENTRIES.c
        result = self.session.connection().execute(
            select(*_ENTRY_COLUMNS)
            .where(*_audit_conditions(where))
            .order_by(c.id.desc())
            .execution_options(yield_per=batch)
        )
        for seq, at, actor, kind, action, agency, subject, body, prev_hash, hash in result:
            yield AuditEntry(
                seq or 0,
                at,
                actor,
                kind,
                action,
                agency,
                subject,
                body,
                prev_hash or "",
                hash or "",
            )

    def entries(self, batch: int = 10_000) -> Iterator[AuditEntry]:
        """Every chained entry in seq order, streamed (a server-side cursor on
        PostgreSQL), through Core rather than the ORM: a million rows are read for one
        verification."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            yield from _postgres_entries(connection, batch)
            return
        c = _ENTRIES.c
        result = connection.execute(
            select(*_ENTRY_COLUMNS)
            .where(c.seq.is_not(None))
            .order_by(c.seq)
            .execution_options(yield_per=batch)
        )
        entry = AuditEntry
        for seq, at, actor, kind, action, agency, subject, body, prev_hash, hash in result:
            yield entry(seq, at, actor, kind, action, agency, subject, body, prev_hash, hash)

    def head(self) -> AuditEntry | None:
        row = self.session.scalars(
            select(AuditEntryRow)
            .where(AuditEntryRow.seq.is_not(None))
            .order_by(AuditEntryRow.seq.desc())
            .limit(1)
        ).first()
        return _audit_entry(row) if row is not None else None

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        self._execute(
            insert(AuditCheckpointRow).values(
                seq=checkpoint.seq,
                hash=checkpoint.hash,
                at=checkpoint.at,
                public_key=checkpoint.public_key,
                signature=checkpoint.signature,
            )
        )

    def latest_checkpoint(self) -> Checkpoint | None:
        row = self.session.scalars(
            select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq.desc()).limit(1)
        ).first()
        if row is None:
            return None
        return Checkpoint(row.seq, row.hash, row.at, row.public_key, row.signature)

    def signing_key(self) -> str | None:
        return self.session.scalar(select(AuditKeyRow.private_pem).where(AuditKeyRow.id == 1))

    def keep_signing_key(self, pem: str, at: datetime) -> None:
        self._execute(insert(AuditKeyRow).values(id=1, private_pem=pem, created_at=at))


_COPY_ENTRIES = (
    "COPY (SELECT seq, at, actor, kind, action, agency, subject, body, prev_hash, hash "
    "FROM audit_entries WHERE seq IS NOT NULL ORDER BY seq) TO STDOUT"
)
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(.)")


def _uncopy(field: str) -> str:
    """A field of COPY's text format as it is stored (backslash escapes undone)."""
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPES.get(m[1], m[1]), field)


def _postgres_entries(connection: Connection, batch: int) -> Iterator[AuditEntry]:
    """The chained entries as one ``COPY ... TO STDOUT`` in text format, split here: a
    row is one tab-separated line (psycopg hands them over one by one), so a million
    entries cost one statement and no per-row type adaptation; reading them took about
    as long as verifying them through a server-side cursor. The timestamps come in ISO
    form in UTC (set for this transaction only)."""
    driver = connection.connection.driver_connection
    parse_at = datetime.fromisoformat
    make = _entry_maker()
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute("SET LOCAL DateStyle = 'ISO'")
        with cursor.copy(_COPY_ENTRIES) as copy:
            for row in copy:
                line = str(row, "utf-8")
                if "\\" in line and line.count("\\") != line.count("\t\\N"):
                    yield _escaped_entry(line)  # not only NULLs: an escaped character
                    continue
                seq, at, actor, kind, action, agency, subject, body, prev, hash = line.split("\t")
                yield make(
                    int(seq),
                    parse_at(at),
                    actor,
                    kind,
                    action,
                    None if agency == "\\N" else agency,
                    None if subject == "\\N" else subject,
                    body,
                    prev,
                    hash[:-1],  # the line's newline
                )


def _escaped_entry(line: str) -> AuditEntry:
    """A COPY line with a backslash in it: a NULL (``\\N``) or an escaped character."""
    seq, at, actor, kind, action, agency, subject, body, prev, hash = line[:-1].split("\t")
    return AuditEntry(
        int(seq),
        datetime.fromisoformat(at),
        _uncopy(actor),
        _uncopy(kind),
        _uncopy(action),
        None if agency == "\\N" else _uncopy(agency),
        None if subject == "\\N" else _uncopy(subject),
        _uncopy(body),
        prev,
        hash,
    )


def _entry_maker() -> Callable[..., AuditEntry]:
    """``AuditEntry(...)`` for a million rows: its slots filled directly (a frozen
    dataclass's ``__init__`` goes through ``object.__setattr__`` per field, which is
    twice the time). The same object, compared equal to one built the usual way."""
    cls = AuditEntry
    new = object.__new__
    s_seq, s_at, s_actor, s_kind, s_action, s_agency, s_subject, s_body, s_prev, s_hash = (
        getattr(cls, f.name).__set__ for f in dataclasses.fields(cls)
    )

    def make(
        seq: int,
        at: datetime,
        actor: str,
        kind: str,
        action: str,
        agency: str | None,
        subject: str | None,
        body: str,
        prev_hash: str,
        hash: str,
    ) -> AuditEntry:
        entry = new(cls)
        s_seq(entry, seq)
        s_at(entry, at)
        s_actor(entry, actor)
        s_kind(entry, kind)
        s_action(entry, action)
        s_agency(entry, agency)
        s_subject(entry, subject)
        s_body(entry, body)
        s_prev(entry, prev_hash)
        s_hash(entry, hash)
        return entry

    return make


def _audit_conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    """The ``WHERE`` of an audit search: each field given must match exactly; ``since``
    inclusive, ``until`` exclusive."""
    c = _ENTRIES.c
    conditions: list[ColumnElement[bool]] = [
        column == value
        for column, value in (
            (c.actor, where.actor),
            (c.kind, where.kind),
            (c.action, where.action),
            (c.agency, where.agency),
            (c.subject, where.subject),
        )
        if value is not None
    ]
    if where.since is not None:
        conditions.append(c.at >= where.since)
    if where.until is not None:
        conditions.append(c.at < where.until)
    return conditions


def _audit_entry(r: AuditEntryRow) -> AuditEntry:
    """The entry of a row; one still waiting to be chained has seq 0 and no hashes."""
    return AuditEntry(
        r.seq or 0,
        r.at,
        r.actor,
        r.kind,
        r.action,
        r.agency,
        r.subject,
        r.body,
        r.prev_hash or "",
        r.hash or "",
    )


#: How many waiting entries one chaining transaction links, at most.
CHAIN_BATCH = 2000
#: Link a batch and move the head in one statement: entry ``ids[i]`` gets seq
#: ``first + i`` and its hashes, the head the last of them.
_LINK_ALL = text(
    "WITH linked AS (UPDATE audit_entries AS e "
    "SET seq = :first + l.i - 1, prev_hash = l.prev, hash = l.hash "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:prevs AS varchar[]), CAST(:hashes AS varchar[])) "
    "WITH ORDINALITY AS l(id, prev, hash, i) WHERE e.id = l.id) "
    "UPDATE audit_head SET seq = :last, hash = :head WHERE id = 1"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(BigInteger)),
    bindparam("first", type_=BigInteger),
    bindparam("prevs", type_=postgresql.ARRAY(String)),
    bindparam("hashes", type_=postgresql.ARRAY(String)),
    bindparam("last", type_=BigInteger),
    bindparam("head", type_=String),
)


_HEAD = select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
#: The head, locked, only when an entry waits (one round trip for both): the lock is not
#: taken for nothing, nor waited for behind another chainer, when nothing waits.
_HEAD_IF_WAITING = _HEAD.where(select(AuditEntryRow.id).where(AuditEntryRow.seq.is_(None)).exists())
_HEAD_LOCKED = _HEAD_IF_WAITING.with_for_update()
_HEAD_SKIP_LOCKED = _HEAD_IF_WAITING.with_for_update(skip_locked=True)
_WAITING = (
    select(AuditEntryRow.id, AuditEntryRow.body)
    .where(AuditEntryRow.seq.is_(None))
    .order_by(AuditEntryRow.id)
    .limit(bindparam("batch"))
)


def chain_waiting(sessions: sessionmaker[Session] | Engine, *, wait: bool = False) -> int:
    """Chain the committed entries that wait (PostgreSQL), in id order, one batch a
    transaction; return how many. After a batch shorter than ``CHAIN_BATCH``, ``wait=True``
    stops (what committed after its read woke the chainer, whose next round takes it);
    ``wait=False`` looks again until none wait.

    ``wait=False`` (a writer that chains after its own commit) gives up when another
    chainer holds the head (``SKIP LOCKED``: the holder looks again after its commit);
    ``wait=True`` (the background chainer, a checkpoint's ``settle``) waits for the
    holder and then chains what it left. (On a bare connection, not a session.)"""
    engine = sessions if isinstance(sessions, Engine) else sessions.kw["bind"]
    head_query = _HEAD_LOCKED if wait else _HEAD_SKIP_LOCKED
    total = 0
    with engine.connect() as conn:
        while True:
            with conn.begin():
                head = conn.execute(head_query).first()
                if head is None:
                    # nothing waits, or (skipping) the holder looks again after its commit
                    return total
                waiting = conn.execute(_WAITING, {"batch": CHAIN_BATCH}).all()
                if not waiting:
                    return total
                first = int(head.seq) + 1
                hash = str(head.hash)
                ids, hashes = [], [hash]
                for id, body in waiting:
                    hash = digest(hash, body)
                    ids.append(id)
                    hashes.append(hash)
                # one statement for the batch (arrays unnested) and the head
                conn.execute(
                    _LINK_ALL,
                    {
                        "ids": ids,
                        "first": first,
                        "prevs": hashes[:-1],
                        "hashes": hashes[1:],
                        "last": first + len(ids) - 1,
                        "head": hash,
                    },
                )
            total += len(waiting)
            if wait and len(waiting) < CHAIN_BATCH:
                # all that had committed: what commits later wakes the chainer again (a
                # writer that skipped the lock has no one else to look for it: go on)
                return total

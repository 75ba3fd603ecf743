"""Row classes: how bluepool's aggregates are laid out in the database.

These are plain declarative rows; ``repositories`` translates between them and the
domain objects explicitly. Constraint names come from the naming convention, so the same
migration produces the same schema on SQLite and PostgreSQL.

Foreign keys hold where a dangling reference would be a bug (a unit's agency, an
assignment's unit). Incidents keep their jurisdiction and call type as plain values: an
incident is a historical record and must survive a jurisdiction or call type being
redrawn or retired.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bluepool.adapters.db.types import JSONDocument, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: The partial unique index that makes the database refuse a unit on two open
#: assignments.
OPEN_ASSIGNMENT_INDEX = "uq_assignments_open_unit"
#: The partial index of the outbox messages not yet published, in id order.
PENDING_OUTBOX_INDEX = "ix_outbox_pending"
#: The partial index of the audit entries waiting to be chained, in id order.
WAITING_AUDIT_INDEX = "ix_audit_entries_waiting"
#: The partial unique indexes of the chained audit entries: one entry at each seq, one
#: entry after each entry (no fork).
AUDIT_SEQ_INDEX = "uq_audit_entries_seq"
AUDIT_PREV_HASH_INDEX = "uq_audit_entries_prev_hash"
#: The partial unique index that makes the database refuse an item on two open loans.
OPEN_LOAN_INDEX = "uq_loans_open_resource"
#: The index the retention sweep deletes by (fixes older than the retention).
POSITION_AGE_INDEX = "ix_unit_positions_fix_at"


class Base(DeclarativeBase):
    metadata = metadata


class AgencyRow(Base):
    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)


class JurisdictionRow(Base):
    __tablename__ = "jurisdictions"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class StationRow(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String)
    capabilities: Mapped[list[str]] = mapped_column(JSONDocument)
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String, default="")
    status: Mapped[str] = mapped_column(String, index=True)
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)
    jurisdiction_id: Mapped[str | None] = mapped_column(String)
    incident_id: Mapped[str | None] = mapped_column(String)
    workload: Mapped[int] = mapped_column(Integer, default=0)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Why it is out of service ("" in any other status).
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class CallTypeRow(Base):
    __tablename__ = "call_types"

    code: Mapped[str] = mapped_column(String, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    default_priority: Mapped[int] = mapped_column(Integer)
    #: [{"capability": "patrol", "count": 2}, ...]
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    self_initiated: Mapped[bool] = mapped_column(Boolean, server_default=false())
    emergency: Mapped[bool] = mapped_column(Boolean, server_default=false())


class AgreementRow(Base):
    """A sharing agreement as it now stands: its latest version (``domain.sharing``)."""

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    #: The latest version whole: parties, clauses and rate cards (integer minor units),
    #: validity, stage, signatures, termination.
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class AgreementVersionRow(Base):
    """Every version of every agreement, as it was made: never changed nor deleted."""

    __tablename__ = "agreement_versions"

    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class ResourceRow(Base):
    """A resource of the catalogue (``domain.resources``): a typed unit capability or a
    piece of equipment, its owner, home station, condition and availability windows."""

    __tablename__ = "resources"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    type: Mapped[str] = mapped_column(String, index=True)
    name: Mapped[str] = mapped_column(String)
    owner_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    home_station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))
    condition: Mapped[str] = mapped_column(String)
    maintenance_notes: Mapped[str] = mapped_column(Text)
    #: [{"start": ISO 8601, "end": ISO 8601}, ...] in start order; []: at any time.
    windows: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    version: Mapped[int] = mapped_column(Integer)


class LoanRow(Base):
    """An equipment loan: out to an agency or an incident, and back (``domain.resources``)."""

    __tablename__ = "loans"
    __table_args__ = (
        Index(
            OPEN_LOAN_INDEX,
            "resource_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index(None, "returned_at", "due_at"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id"), index=True)
    resource_type: Mapped[str] = mapped_column(String)
    lender_id: Mapped[str] = mapped_column(String, index=True)
    borrower_id: Mapped[str] = mapped_column(String, index=True)
    # No foreign keys to incidents or agreements: a loan is history, as an incident is.
    incident_id: Mapped[str | None] = mapped_column(String)
    agreement_id: Mapped[str | None] = mapped_column(String)
    clause: Mapped[int | None] = mapped_column(Integer)
    out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    condition_out: Mapped[str] = mapped_column(String)
    out_by: Mapped[str] = mapped_column(String)
    notes: Mapped[str] = mapped_column(Text)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    condition_in: Mapped[str | None] = mapped_column(String)
    returned_by: Mapped[str] = mapped_column(String)
    return_notes: Mapped[str] = mapped_column(Text)
    overdue_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MutualAidRequestRow(Base):
    """A mutual-aid request as it now stands (``domain.aid``): the columns it is found by,
    and the request whole (items, approvals, routes and their rates in integer minor units,
    fulfilments, releases, extensions) as a document."""

    __tablename__ = "mutual_aid_requests"
    __table_args__ = (Index(None, "year", "sequence", unique=True),)

    #: "MA-2027-0001".
    id: Mapped[str] = mapped_column(String, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    requesting_agency: Mapped[str] = mapped_column(String, index=True)
    state: Mapped[str] = mapped_column(String)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class CollectiveSettingRow(Base):
    """The collective's settings, one row a section (``domain.collective.settings``)."""

    __tablename__ = "collective_settings"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class UserRow(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String, primary_key=True)
    role: Mapped[str] = mapped_column(String)
    password_hash: Mapped[str] = mapped_column(String)
    full_name: Mapped[str] = mapped_column(String)
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit_id: Mapped[str | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool]


class IncidentRow(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index(None, "status", "received_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    call_type: Mapped[str] = mapped_column(String)
    priority: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    jurisdiction_id: Mapped[str | None] = mapped_column(String, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Personal data (domain.shared.personal): the caller's name and callback number.
    caller_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    caller_phone: Mapped[str] = mapped_column(String, default="", server_default="")
    disposition: Mapped[str] = mapped_column(String, default="", server_default="")
    report_number: Mapped[str] = mapped_column(String, default="", server_default="")


class PremiseNoteRow(Base):
    """A premise or hazard note: a circle (centre, radius) and, when made for one, the
    address. Few enough to be read whole and matched in Python."""

    __tablename__ = "premise_notes"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    radius_m: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(Text)
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssignmentRow(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            OPEN_ASSIGNMENT_INDEX,
            "unit_id",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    #: Position in the incident's list of assignments (0, 1, ...).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The agreement and clause that lent the unit (None: an own unit, or sent over a rule).
    agreement_id: Mapped[str | None] = mapped_column(String)
    clause: Mapped[int | None] = mapped_column(Integer)


class TimelineEntryRow(Base):
    __tablename__ = "timeline_entries"

    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String)
    actor: Mapped[str] = mapped_column(String)
    # No foreign key: the timeline is history and keeps naming a unit that is gone.
    unit_id: Mapped[str | None] = mapped_column(String)
    detail: Mapped[str] = mapped_column(Text)


class ChangeLogRow(Base):
    __tablename__ = "change_log"
    __table_args__ = (Index(None, "entity", "entity_id"),)

    # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String)
    action: Mapped[str] = mapped_column(String)
    entity: Mapped[str] = mapped_column(String)
    entity_id: Mapped[str] = mapped_column(String)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class IdempotencyKeyRow(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OutboxRow(Base):
    """An event waiting to be published (``services.ports.Outbox``).

    A row is written for every event, so the table keeps a single index, and a partial
    one: the ids of the messages not yet published. ``pending()`` reads it in order, and
    it holds only the backlog, however long the table grows.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            PENDING_OUTBOX_INDEX,
            "id",
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    )
    type: Mapped[str] = mapped_column(String)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SessionRow(Base):
    """A sign-in session (``domain.access.sessions.Session``); its refresh token is kept
    only as a hash."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    stamp: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    refresh_hash: Mapped[str] = mapped_column(String)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StreamTicketRow(Base):
    """A single-use ticket that opens the event stream (kept as a hash)."""

    __tablename__ = "stream_tickets"

    ticket_hash: Mapped[str] = mapped_column(String, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditEntryRow(Base):
    """An entry of the audit log (``domain.audit``). ``body`` is what the hash covers;
    the other columns copy it for searching. ``id`` is the order entries were written in;
    ``seq``, ``prev_hash`` and ``hash`` are its link in the chain, empty while it waits to
    be chained (on PostgreSQL, a moment after its commit; see ``SqlAuditLog``). A unique
    ``prev_hash`` makes a fork (two entries after one) impossible even if the head lock
    were bypassed; a unique ``seq`` keeps one entry at each place. Both indexes hold the
    chained entries only, so a writer's insert does not write them (the link does);
    ``hash`` needs none: two entries with one hash would follow one entry, which the
    unique ``prev_hash`` refuses (migration 0006, decision 0013)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index(
            WAITING_AUDIT_INDEX,
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
        *(
            Index(
                name,
                column,
                unique=True,
                sqlite_where=text("seq IS NOT NULL"),
                postgresql_where=text("seq IS NOT NULL"),
            )
            for name, column in ((AUDIT_SEQ_INDEX, "seq"), (AUDIT_PREV_HASH_INDEX, "prev_hash"))
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String, index=True)
    kind: Mapped[str] = mapped_column(String, index=True)
    action: Mapped[str] = mapped_column(String)
    agency: Mapped[str | None] = mapped_column(String, index=True)
    subject: Mapped[str | None] = mapped_column(String, index=True)
    body: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The one row naming the last entry; appends lock it (FOR UPDATE) until commit."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpointRow(Base):
    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_key: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class AuditKeyRow(Base):
    """The development signing key, made when no key file is configured (never in
    production)."""

    __tablename__ = "audit_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UnitPositionRow(Base):
    """One position fix in a unit's history (``services.ports.Positions``).

    Keyed by unit and fix time, so a repeated fix is one row. No foreign key: the history
    outlives a removed unit, and a check per row would cost the ingest path. The units'
    latest positions are the ``units`` table's ``lat``/``lon``/``position_at``.
    """

    __tablename__ = "unit_positions"
    __table_args__ = (Index(POSITION_AGE_INDEX, "fix_at"),)

    unit_id: Mapped[str] = mapped_column(String, primary_key=True)
    fix_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    speed: Mapped[float | None] = mapped_column(Double)
    heading: Mapped[float | None] = mapped_column(Double)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


#: The index a month's balances are summed from, alone (period, account, amount: it covers
#: the query, so the close reads no table row).
LEDGER_PERIOD_ACCOUNT_INDEX = "ix_ledger_postings_period_account"


class LedgerTransactionRow(Base):
    """A ledger transaction (``domain.ledger.entries``): never updated nor deleted (a
    correction is a reversing transaction). ``source_key`` is unique: the event it posts
    is posted once. ``usage`` is the priced usage it charges (for statements), if any."""

    __tablename__ = "ledger_transactions"

    # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    source_key: Mapped[str] = mapped_column(String, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    period: Mapped[str] = mapped_column(String, index=True)
    memo: Mapped[str] = mapped_column(Text)
    incident: Mapped[str | None] = mapped_column(String, index=True)
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)


class LedgerPostingRow(Base):
    """One line of a transaction: ``amount`` minor units on ``account`` (a debit when
    positive). The database refuses a transaction whose lines do not sum to zero (a
    deferred constraint trigger on PostgreSQL), and any update or delete (triggers)."""

    __tablename__ = "ledger_postings"
    __table_args__ = (Index(LEDGER_PERIOD_ACCOUNT_INDEX, "period", "account", "amount"),)

    transaction_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("ledger_transactions.id"),
        primary_key=True,
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String)
    amount: Mapped[int] = mapped_column(BigInteger)
    #: The transaction's period, repeated so that a month's balances are one index range.
    period: Mapped[str] = mapped_column(String)


class LedgerPeriodRow(Base):
    """A closed month: frozen, with its accounts' balances at the close."""

    __tablename__ = "ledger_periods"

    period: Mapped[str] = mapped_column(String, primary_key=True)
    #: A month has a row once it is closed; true from then on.
    closed: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    balances: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class PersonRow(Base):
    """An officer of an agency (``domain.people``); ``full_name`` is personal data."""

    __tablename__ = "personnel"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    full_name: Mapped[str] = mapped_column(String)
    username: Mapped[str | None] = mapped_column(String, index=True)


class CrewAssignmentRow(Base):
    """A person on a unit in a role for a shift ``[starts_at, ends_at)``. The unit is a
    plain value: a shift is history and outlives the unit."""

    __tablename__ = "crew_assignments"
    __table_args__ = (Index(None, "unit_id", "ends_at"),)

    id: Mapped[str] = mapped_column(String, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String)
    person_id: Mapped[str] = mapped_column(ForeignKey("personnel.id"), index=True)
    role: Mapped[str] = mapped_column(String)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CertificationGrantRow(Base):
    """A certification granted to a person: its kind, issue day, first day no longer valid
    (None: never expires), who issued it and the grant that renewed it."""

    __tablename__ = "certification_grants"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("personnel.id"), index=True)
    kind: Mapped[str] = mapped_column(String)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String)
    superseded_by: Mapped[str | None] = mapped_column(String)

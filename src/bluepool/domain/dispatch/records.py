"""Read models of the dispatch context: units, incidents, recommendations, as the API, the
event stream and the CLI show them.

Each record is declared once, here: the use cases return them, the events carry them, and
the HTTP layer uses them as its response schemas. Field names are the wire names
(``agency``, not ``agency_id``); ``of(...)`` builds a record from the aggregate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.dispatch.closing import REPORT_NUMBER, ClosingRules, Disposition
from bluepool.domain.dispatch.command import DiversionOffer, Override
from bluepool.domain.dispatch.incidents import Incident, IncidentStatus, TimelineEntry
from bluepool.domain.dispatch.premises import NoteKind, PremiseNote
from bluepool.domain.dispatch.recommend import Candidate, Exclusion, Recommendation, Shortfall
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
)
from bluepool.domain.shared.money import format_amount
from bluepool.domain.sharing.lending import LendingClause


@dataclass(frozen=True, slots=True)
class UnitRecord:
    id: UnitId
    agency: AgencyId
    name: str
    kind: str
    capabilities: tuple[str, ...]
    station: StationId | None
    status: UnitStatus
    location: Location | None
    jurisdiction: JurisdictionId | None
    incident_id: IncidentId | None
    workload: int
    status_at: datetime | None
    position_at: datetime | None
    version: int
    #: Why it is out of service ("" in any other status).
    status_reason: str

    @classmethod
    def of(cls, u: Unit) -> UnitRecord:
        return cls(
            u.id,
            u.agency_id,
            u.name,
            u.kind,
            tuple(sorted(u.capabilities)),
            u.station_id,
            u.status,
            u.location,
            u.jurisdiction_id,
            u.incident_id,
            u.workload,
            u.status_at,
            u.position_at,
            u.version,
            u.status_reason,
        )


@dataclass(frozen=True, slots=True)
class UnitUpdateResult(UnitRecord):
    """A unit after a status or position update."""

    #: False when the update was a replay (same idempotency key) or older than the last.
    applied: bool

    @classmethod
    def after(cls, u: Unit, applied: bool) -> UnitUpdateResult:
        r = UnitRecord.of(u)
        return cls(
            r.id,
            r.agency,
            r.name,
            r.kind,
            r.capabilities,
            r.station,
            r.status,
            r.location,
            r.jurisdiction,
            r.incident_id,
            r.workload,
            r.status_at,
            r.position_at,
            r.version,
            r.status_reason,
            applied,
        )


@dataclass(frozen=True, slots=True)
class AssignmentRecord:
    unit_id: UnitId
    status: UnitStatus
    assigned_at: datetime
    cleared_at: datetime | None
    #: The agreement and clause that lent the unit ("" and 0: an own unit).
    agreement: str = ""
    clause: int = 0


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    id: IncidentId
    call_type: CallTypeCode
    priority: int
    location: Location
    jurisdiction: JurisdictionId | None
    description: str
    status: IncidentStatus
    received_at: datetime
    closed_at: datetime | None
    assignments: tuple[AssignmentRecord, ...]
    timeline: tuple[TimelineEntry, ...]
    version: int
    #: Received outside every jurisdiction (taken because the collective accepts such calls).
    outside: bool
    #: Where it is, as a person reads it ("" when no address is known).
    address: str = ""
    #: The caller's name and callback number: personal data, never logged nor audited
    #: (``domain.shared.personal``).
    caller_name: str = ""
    caller_phone: str = ""
    #: How it was closed (a disposition's code, "" while open or closed by its last
    #: unit's clear) and the report number given.
    disposition: str = ""
    report_number: str = ""

    @classmethod
    def of(cls, i: Incident) -> IncidentRecord:
        return cls(
            i.id,
            i.call_type,
            i.priority,
            i.location,
            i.jurisdiction_id,
            i.description,
            i.status,
            i.received_at,
            i.closed_at,
            tuple(
                AssignmentRecord(
                    a.unit_id, a.status, a.assigned_at, a.cleared_at, a.agreement, a.clause
                )
                for a in i.assignments
            ),
            tuple(i.timeline),
            i.version,
            i.jurisdiction_id is None,
            i.address,
            i.caller_name,
            i.caller_phone,
            i.disposition,
            i.report_number,
        )


@dataclass(frozen=True, slots=True)
class LendingRecord:
    """The agreement clause that lends a candidate of another agency, and its rate."""

    agreement: str
    clause: int
    #: "agreement VAD-SCH-2027-01 clause 2".
    citation: str
    #: The clause's rate for the unit's kind, per hour, in minor units (0: lent free) ...
    per_hour: int
    #: ... in words ("CHF 120.00 an hour", "free").
    rate: str

    @classmethod
    def of(cls, lent: LendingClause, kind: str) -> LendingRecord:
        per_hour = lent.clause.rates.hourly(kind)
        rate = f"{format_amount(per_hour)} an hour" if per_hour else "free"
        return cls(lent.agreement.id, lent.number, lent.citation, per_hour, rate)


@dataclass(frozen=True, slots=True)
class CandidateRecord:
    unit_id: UnitId
    agency: AgencyId
    eta_seconds: float
    fills: tuple[str, ...]
    own_agency: bool
    #: Part of the proposed response that fills the plan.
    proposed: bool
    reasons: tuple[str, ...]
    #: How this unit's ETA was estimated ("by road", "by straight line", "by air").
    method: str
    #: Metres of the trip off road, timed on foot (0: none) ...
    offroad_m: float
    #: ... which makes the ETA approximate.
    approximate: bool
    #: The clause that lends a unit of another agency (None: an own unit).
    lent_under: LendingRecord | None = None

    @classmethod
    def of(cls, c: Candidate, lent_under: LendingRecord | None = None) -> CandidateRecord:
        return cls(
            c.unit_id,
            c.agency_id,
            round(c.eta_seconds, 1),
            tuple(sorted(c.fills)),
            c.own_agency,
            c.proposed,
            c.reasons,
            c.method,
            round(c.offroad_m),
            c.approximate,
            lent_under,
        )


@dataclass(frozen=True, slots=True)
class ExclusionRecord:
    unit_id: UnitId
    agency: AgencyId
    #: Why, in words (for the dispatcher) ...
    reason: str
    #: ... and as the rule's code (for programs; see ``domain.dispatch.rules``).
    code: RuleCode

    @classmethod
    def of(cls, e: Exclusion) -> ExclusionRecord:
        return cls(e.unit_id, e.agency_id, e.reason, e.code)


@dataclass(frozen=True, slots=True)
class ProposedRecord:
    capability: str
    unit_id: UnitId


@dataclass(frozen=True, slots=True)
class RecommendationRecord:
    incident_id: IncidentId
    method: str
    candidates: tuple[CandidateRecord, ...]
    proposed: tuple[ProposedRecord, ...]
    shortfalls: tuple[Shortfall, ...]
    excluded: tuple[ExclusionRecord, ...]
    #: Units on less urgent calls that could come instead, nearest first
    #: (``domain.dispatch.command``).
    diversions: tuple[DiversionOffer, ...] = ()
    #: Whether the reader may override the exclusions a sharing rule made
    #: (``policy_forbids``, ``reserve_kept``), with a reason.
    may_override: bool = False

    @classmethod
    def of(
        cls,
        r: Recommendation,
        diversions: tuple[DiversionOffer, ...] = (),
        may_override: bool = False,
        lent: Mapping[UnitId, LendingRecord] | None = None,
    ) -> RecommendationRecord:
        lent = lent or {}
        return cls(
            r.incident_id,
            r.method,
            tuple(CandidateRecord.of(c, lent.get(c.unit_id)) for c in r.candidates),
            tuple(ProposedRecord(cap, uid) for cap, uid in r.proposed),
            r.shortfalls,
            tuple(ExclusionRecord.of(e) for e in r.excluded),
            diversions,
            may_override,
        )


@dataclass(frozen=True, slots=True)
class AssignResult:
    incident_id: IncidentId
    unit_id: UnitId
    eta_seconds: float
    reasons: tuple[str, ...]
    incident: IncidentRecord
    unit: UnitRecord
    #: The sharing rule set aside for this assignment, if one was.
    override: Override | None = None
    #: The incident the unit was diverted from, if it was.
    diverted_from: IncidentRecord | None = None


@dataclass(frozen=True, slots=True)
class RecallResult:
    """A unit taken off an incident."""

    incident: IncidentRecord
    unit: UnitRecord
    #: The incident went back to the queue (no unit was left on it).
    requeued: bool


@dataclass(frozen=True, slots=True)
class EmergencyResult:
    """What the emergency button did: the alert went out; the P1 incident opened for it
    (or the one already open for this unit: pressing twice opens one); None when the
    collective has no emergency call type."""

    unit: UnitRecord
    incident: IncidentRecord | None
    #: False: an emergency of this unit was already open, and is answered again.
    created: bool
    #: Where the position came from: "device" (sent with the press), "unit position" (its
    #: last fix) or "station" (no fix known).
    position_source: str


@dataclass(frozen=True, slots=True)
class UnitPage:
    items: tuple[UnitRecord, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class IncidentPage:
    items: tuple[IncidentRecord, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class PositionBatchResult:
    """A batch of position fixes, accepted as a whole."""

    #: Fixes in the batch, all kept in the history (a repeated fix once).
    received: int
    #: Units whose latest position moved (the others' fixes were not newer), by id.
    moved: tuple[UnitId, ...]


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """One fix of a unit's position history."""

    at: datetime
    location: Location
    speed: float | None
    heading: float | None


@dataclass(frozen=True, slots=True)
class PositionHistory:
    unit_id: UnitId
    #: Oldest first.
    items: tuple[PositionRecord, ...]


@dataclass(frozen=True, slots=True)
class NoteResult:
    """A note added to an incident's timeline, and the incident after it."""

    note: TimelineEntry
    incident: IncidentRecord


@dataclass(frozen=True, slots=True)
class DispositionRecord:
    code: str
    name: str
    #: The call types it closes; empty: every call type.
    call_types: tuple[CallTypeCode, ...]

    @classmethod
    def of(cls, d: Disposition) -> DispositionRecord:
        return cls(d.code, d.name, tuple(sorted(d.call_types)))


@dataclass(frozen=True, slots=True)
class ClosingRecord:
    """The collective's closing rules (for one call type, when asked for one)."""

    dispositions: tuple[DispositionRecord, ...]
    last_unit_clear_closes: bool
    #: The report number's format, as a regular expression.
    report_number_pattern: str

    @classmethod
    def of(cls, r: ClosingRules, call_type: CallTypeCode | None = None) -> ClosingRecord:
        shown = r.dispositions if call_type is None else r.for_call_type(call_type)
        return cls(
            tuple(DispositionRecord.of(d) for d in shown),
            r.last_unit_clear_closes,
            REPORT_NUMBER.pattern,
        )


@dataclass(frozen=True, slots=True)
class PremiseNoteRecord:
    id: str
    kind: NoteKind
    text: str
    location: Location
    radius_m: int
    address: str
    agency: AgencyId | None
    expires_at: datetime | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, n: PremiseNote) -> PremiseNoteRecord:
        return cls(
            n.id,
            n.kind,
            n.text,
            n.location,
            n.radius_m,
            n.address,
            n.agency_id,
            n.expires_at,
            n.created_by,
            n.created_at,
        )

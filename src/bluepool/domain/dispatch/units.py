"""Units: the cars, teams and aircraft the collective dispatches.

A unit belongs to one agency, is posted at a station, and has capabilities (patrol, k9, swat,
negotiator, air, crime_scene, ...). Its status moves through a state machine:

    available ──> dispatched ──> en_route ──> on_scene ──> busy
        ^  ^          │              │            │         │
        │  └──────────┴──────────────┴────────────┴─────────┘  (cleared / recalled)
        └──> out_of_service, off_duty  ──> available

A unit goes out of service (from available, or from an incident: a breakdown on the way,
radioed to dispatch) only with a reason, which it keeps until it leaves that status.

Status and position updates carry the time the device saw them; an update older than the last
one applied is ignored, so retries and out-of-order delivery do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bluepool.domain.shared.errors import Invalid, InvalidTransition, UnitUnavailable
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, IncidentId, JurisdictionId, StationId, UnitId


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    BUSY = "busy"
    OUT_OF_SERVICE = "out_of_service"
    OFF_DUTY = "off_duty"


S = UnitStatus
#: Allowed status changes. Assignment (available -> dispatched) happens only through an
#: incident; every other change is a status update.
TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    S.AVAILABLE: frozenset({S.DISPATCHED, S.BUSY, S.OUT_OF_SERVICE, S.OFF_DUTY}),
    S.DISPATCHED: frozenset({S.EN_ROUTE, S.ON_SCENE, S.AVAILABLE, S.OUT_OF_SERVICE}),
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.AVAILABLE, S.OUT_OF_SERVICE}),
    S.ON_SCENE: frozenset({S.BUSY, S.AVAILABLE, S.OUT_OF_SERVICE}),
    S.BUSY: frozenset({S.AVAILABLE, S.OUT_OF_SERVICE}),
    S.OUT_OF_SERVICE: frozenset({S.AVAILABLE, S.OFF_DUTY}),
    S.OFF_DUTY: frozenset({S.AVAILABLE, S.OUT_OF_SERVICE}),
}
#: Statuses in which a unit is committed to an incident.
COMMITTED = frozenset({S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE})
#: The longest reason dispatch may give (out of service, an override, a recall).
MAX_REASON = 500


def reason_given(reason: str, what: str) -> str:
    """The reason, its spaces tidied; Invalid when there is none or it is too long."""
    why = " ".join(reason.split())
    if not why:
        raise Invalid(f"{what} needs a reason", code="reason_required")
    if len(why) > MAX_REASON:
        raise Invalid(f"the reason is longer than {MAX_REASON} characters", code="reason_too_long")
    return why


@dataclass(slots=True)
class Unit:
    id: UnitId
    agency_id: AgencyId
    kind: str
    capabilities: frozenset[str]
    station_id: StationId | None = None
    name: str = ""
    status: UnitStatus = UnitStatus.AVAILABLE
    location: Location | None = None
    #: The jurisdiction the unit's last known position lies in (None: outside all of them).
    jurisdiction_id: JurisdictionId | None = None
    incident_id: IncidentId | None = None
    #: Number of assignments the unit has taken; the recommender prefers the less loaded.
    workload: int = 0
    status_at: datetime | None = None
    position_at: datetime | None = None
    version: int = 1
    #: Why the unit is out of service ("" in any other status).
    status_reason: str = ""

    @property
    def is_available(self) -> bool:
        return self.status is UnitStatus.AVAILABLE

    def dispatch_to(self, incident_id: IncidentId, at: datetime) -> None:
        """Commit the unit to an incident; only an available unit can be dispatched."""
        if self.status is not UnitStatus.AVAILABLE or self.incident_id is not None:
            where = f" to incident {self.incident_id}" if self.incident_id else ""
            raise UnitUnavailable(f"unit {self.id} is {self.status.value}{where}")
        self.status = UnitStatus.DISPATCHED
        self.incident_id = incident_id
        self.workload += 1
        self.status_at = at

    def change_status(self, new: UnitStatus, at: datetime, reason: str = "") -> bool:
        """Move to ``new`` as seen by the device at ``at``; ``reason`` says why a unit goes
        out of service (required then, ignored otherwise).

        Return False (and change nothing) when the update is older than the last one applied
        or repeats the current status; raise InvalidTransition when the move is not allowed,
        Invalid when a unit would go out of service without a reason.
        """
        if self.status_at is not None and at < self.status_at:
            return False
        if new is self.status:
            return False
        if new is UnitStatus.DISPATCHED:
            raise InvalidTransition(
                f"unit {self.id}: a unit is dispatched by assigning it to an incident"
            )
        if new not in TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"unit {self.id} cannot go from {self.status.value} to {new.value}"
            )
        out = new is UnitStatus.OUT_OF_SERVICE
        why = reason_given(reason, f"unit {self.id} going out of service") if out else ""
        self.status = new
        self.status_at = at
        self.status_reason = why
        if new not in COMMITTED and new is not UnitStatus.BUSY:
            self.incident_id = None
        return True

    def release(self, at: datetime) -> None:
        """Free the unit from its incident (the incident was closed, or dispatch took the
        unit off it)."""
        self.incident_id = None
        if self.status in COMMITTED or self.status is UnitStatus.BUSY:
            self.status = UnitStatus.AVAILABLE
            self.status_at = at

    def move_to(
        self, location: Location, at: datetime, jurisdiction_id: JurisdictionId | None
    ) -> bool:
        """Record a position fix; ignore one older than the last applied."""
        if self.position_at is not None and at <= self.position_at:
            return False
        self.location = location
        self.position_at = at
        self.jurisdiction_id = jurisdiction_id
        return True

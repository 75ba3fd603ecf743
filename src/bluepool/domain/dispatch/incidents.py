"""Incidents: the calls for service that central dispatch works.

An incident has a call type, a priority (1 is the most urgent), a location and the
jurisdiction that location lies in. Its timeline records every step (received, unit
dispatched, en route, on scene, cleared, closed) with the time and the actor.

    received ──> dispatched ──> en_route ──> on_scene ──> closed
        ^            │              │
        └────────────┴──────────────┘  (every unit recalled before reaching the scene)
        └──────────┴──────────────┴─────────────┴─────────> closed (by dispatch)

The incident's status follows its most advanced assigned unit; it closes when its last unit
clears after serving it (when the collective's closing rules say so), or when a dispatcher
closes it with a disposition. While it is open, dispatch edits it as the call develops (call
type, priority, location, the caller's details) and anyone working it adds notes: each
change is a timeline entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared import personal
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode, IncidentId, JurisdictionId, UnitId

PRIORITIES = (1, 2, 3, 4, 5)
#: The timeline kind of a crew's acknowledgement of its assignment (a floor timer's
#: acknowledgement is ``timers.ACKNOWLEDGED``).
ASSIGNMENT_ACKNOWLEDGED = "assignment_acknowledged"
MAX_NOTE = 4000


class IncidentStatus(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN = frozenset(
    {
        IncidentStatus.RECEIVED,
        IncidentStatus.DISPATCHED,
        IncidentStatus.EN_ROUTE,
        IncidentStatus.ON_SCENE,
    }
)
_PROGRESS = {
    UnitStatus.DISPATCHED: IncidentStatus.DISPATCHED,
    UnitStatus.EN_ROUTE: IncidentStatus.EN_ROUTE,
    UnitStatus.ON_SCENE: IncidentStatus.ON_SCENE,
    UnitStatus.BUSY: IncidentStatus.ON_SCENE,
}
_ORDER = [
    IncidentStatus.RECEIVED,
    IncidentStatus.DISPATCHED,
    IncidentStatus.EN_ROUTE,
    IncidentStatus.ON_SCENE,
]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str
    unit_id: UnitId | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class IncidentChange:
    """What an edit changes; None: left as it is. A new location comes with the
    jurisdiction it lies in (the caller locates it)."""

    call_type: CallTypeCode | None = None
    priority: int | None = None
    location: Location | None = None
    jurisdiction_id: JurisdictionId | None = None
    address: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None

    def __post_init__(self) -> None:
        if self.caller_name is not None:
            object.__setattr__(self, "caller_name", personal.check_caller_name(self.caller_name))
        if self.caller_phone is not None:
            number = personal.check_callback_number(self.caller_phone)
            object.__setattr__(self, "caller_phone", number)


@dataclass(slots=True)
class Assignment:
    unit_id: UnitId
    assigned_at: datetime
    status: UnitStatus = UnitStatus.DISPATCHED
    cleared_at: datetime | None = None
    #: The agreement and clause that lent the unit to this incident (another agency's unit
    #: sent under a sharing agreement; ``domain.sharing.lending``): the ledger prices the
    #: loan at that clause's rates. Empty and 0 for an own unit, or one sent over a rule.
    agreement: str = ""
    clause: int = 0

    @property
    def lent(self) -> bool:
        return bool(self.agreement)

    @property
    def active(self) -> bool:
        return self.cleared_at is None


@dataclass(slots=True)
class Incident:
    id: IncidentId
    call_type: CallTypeCode
    priority: int
    location: Location
    jurisdiction_id: JurisdictionId | None
    received_at: datetime
    description: str = ""
    status: IncidentStatus = IncidentStatus.RECEIVED
    assignments: list[Assignment] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    closed_at: datetime | None = None
    version: int = 1
    #: Where it is, as a person reads it ("Städtle 38, Vaduz"): as the caller gave it, or
    #: the gazetteer's nearest address to the location.
    address: str = ""
    #: The caller's name and callback number: personal data (``domain.shared.personal``).
    caller_name: str = ""
    caller_phone: str = ""
    #: How it was closed (a disposition's code) and the report written, if any.
    disposition: str = ""
    report_number: str = ""

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise Invalid(
                f"priority {self.priority} is not one of {PRIORITIES} (1 is most urgent)",
                code="bad_priority",
            )

    @classmethod
    def receive(
        cls,
        id: IncidentId,
        call_type: CallTypeCode,
        priority: int,
        location: Location,
        jurisdiction_id: JurisdictionId | None,
        at: datetime,
        actor: str,
        description: str = "",
        address: str = "",
    ) -> Incident:
        incident = cls(
            id, call_type, priority, location, jurisdiction_id, at, description, address=address
        )
        where = f"in {jurisdiction_id}" if jurisdiction_id else "outside every jurisdiction"
        incident.timeline.append(
            TimelineEntry(at, "received", actor, detail=f"{call_type} P{priority} {where}")
        )
        return incident

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def active_units(self) -> list[UnitId]:
        return [a.unit_id for a in self.assignments if a.active]

    def assign(
        self,
        unit: Unit,
        at: datetime,
        actor: str,
        detail: str = "",
        override: str = "",
        lent: tuple[str, int] = ("", 0),
    ) -> None:
        """Dispatch ``unit`` to this incident; the unit must be available. ``override``
        says which sharing rule dispatch set aside for it, and why (an ``override`` entry
        on the timeline, just before the dispatch); ``lent``, the agreement and clause
        number that lend it."""
        if not self.is_open:
            raise Conflict(f"incident {self.id} is {self.status.value}", code="incident_closed")
        unit.dispatch_to(self.id, at)
        self.assignments.append(Assignment(unit.id, at, agreement=lent[0], clause=lent[1]))
        if override:
            self.timeline.append(TimelineEntry(at, "override", actor, unit.id, override))
        self.timeline.append(TimelineEntry(at, "dispatched", actor, unit.id, detail))
        self._follow_units()

    def edit(self, at: datetime, actor: str, change: IncidentChange) -> tuple[str, ...]:
        """Apply what changed of the call; return the names of the fields that changed
        (each a timeline entry; personal values never written there)."""
        if not self.is_open:
            raise Conflict(f"incident {self.id} is {self.status.value}", code="incident_closed")
        changed: list[str] = []

        def entry(name: str, detail: str) -> None:
            changed.append(name)
            self.timeline.append(TimelineEntry(at, "edited", actor, detail=detail))

        if change.call_type is not None and change.call_type != self.call_type:
            entry("call_type", f"call type {self.call_type} → {change.call_type}")
            self.call_type = change.call_type
        if change.priority is not None and change.priority != self.priority:
            if change.priority not in PRIORITIES:
                raise Invalid(f"priority {change.priority} is not one of {PRIORITIES}")
            entry("priority", f"priority P{self.priority} → P{change.priority}")
            self.priority = change.priority
        if change.location is not None and change.location != self.location:
            where = change.jurisdiction_id or "outside every jurisdiction"
            entry(
                "location",
                f"moved to ({change.location.lat:.5f}, {change.location.lon:.5f}) in {where}",
            )
            self.location, self.jurisdiction_id = change.location, change.jurisdiction_id
        if change.address is not None and change.address != self.address:
            entry("address", f"address {change.address or '(none)'}")
            self.address = change.address
        for name, label in (("caller_name", "caller's name"), ("caller_phone", "callback number")):
            new = getattr(change, name)
            old = getattr(self, name)
            if new is not None and new != old:
                verb = "removed" if not new else "changed" if old else "given"
                entry(name, f"{label} {verb}")
                setattr(self, name, new)
        return tuple(changed)

    def add_note(self, at: datetime, actor: str, text: str) -> TimelineEntry:
        """A narrative entry by someone working the call (open or closed)."""
        text = text.strip()
        if not text or len(text) > MAX_NOTE:
            raise Invalid(f"a note has 1 to {MAX_NOTE} characters", code="bad_note")
        note = TimelineEntry(at, "note", actor, detail=text)
        self.timeline.append(note)
        return note

    def unit_moved(
        self, unit: Unit, at: datetime, actor: str, last_clear_closes: bool = True
    ) -> bool:
        """Record that an assigned unit changed status (en route, on scene, cleared);
        return True when that put the call back in the queue.

        A unit that clears after reaching the scene has served the call: when it was the
        last, the incident closes (``last_clear_closes``) or waits for dispatch to close
        it. A unit freed before it got there was recalled: when no unit is left, the call
        goes back to the queue (received) for another unit.
        """
        requeued = False
        for a in self.assignments:
            if a.unit_id == unit.id and a.active:
                if unit.incident_id == self.id:
                    a.status = unit.status
                    self.timeline.append(TimelineEntry(at, unit.status.value, actor, unit.id))
                else:
                    served = a.status in (UnitStatus.ON_SCENE, UnitStatus.BUSY)
                    a.cleared_at = at
                    kind = "cleared" if served else "recalled"
                    self.timeline.append(TimelineEntry(at, kind, actor, unit.id))
        if self.is_open and self.assignments and not self.active_units():
            if any(a.status in (UnitStatus.ON_SCENE, UnitStatus.BUSY) for a in self.assignments):
                if last_clear_closes:
                    self._close(at, actor, "last unit cleared")
                else:
                    detail = "every unit cleared; waiting for dispatch to close it"
                    self.timeline.append(TimelineEntry(at, "awaiting_close", actor, detail=detail))
            else:
                self.status = IncidentStatus.RECEIVED
                requeued = True
                self.timeline.append(
                    TimelineEntry(at, "requeued", actor, detail="no unit left on the call")
                )
        self._follow_units()
        return requeued

    def acknowledge(self, unit_id: UnitId, at: datetime, actor: str) -> bool:
        """The crew of ``unit_id`` acknowledged its assignment; False when it already had
        (acknowledging twice changes nothing)."""
        assignment = self._active_assignment(unit_id)
        if any(
            e.kind == ASSIGNMENT_ACKNOWLEDGED
            and e.unit_id == unit_id
            and e.at >= assignment.assigned_at
            for e in self.timeline
        ):
            return False
        self.timeline.append(TimelineEntry(at, ASSIGNMENT_ACKNOWLEDGED, actor, unit_id))
        return True

    def request_backup(self, unit_id: UnitId, at: datetime, actor: str, detail: str = "") -> None:
        """The crew of ``unit_id``, on this incident, asks for another unit."""
        self._active_assignment(unit_id)
        self.timeline.append(TimelineEntry(at, "backup_requested", actor, unit_id, detail))

    @property
    def backup_wanted(self) -> bool:
        """A backup request is waiting: no unit was assigned since the last one."""
        for e in reversed(self.timeline):
            if e.kind == "backup_requested":
                return True
            if e.kind == "dispatched":
                return False
        return False

    def _active_assignment(self, unit_id: UnitId) -> Assignment:
        if not self.is_open:
            raise Conflict(f"incident {self.id} is {self.status.value}", code="incident_closed")
        for a in self.assignments:
            if a.unit_id == unit_id and a.active:
                return a
        raise Conflict(f"unit {unit_id} is not on incident {self.id}", code="not_assigned")

    def take_off(self, unit: Unit, at: datetime, actor: str, kind: str, detail: str) -> bool:
        """Take ``unit`` off this incident by dispatch's decision (``kind``: ``recalled``,
        or ``diverted`` to a more urgent call), whatever it had done so far: the unit is
        free again (available), and the call goes back to the queue when no unit is left
        on it, since it was not served. Return True when it went back to the queue."""
        live = next((a for a in self.assignments if a.unit_id == unit.id and a.active), None)
        if live is None or unit.incident_id != self.id:
            raise Conflict(f"unit {unit.id} is not on incident {self.id}", code="not_on_incident")
        live.cleared_at = at
        unit.release(at)
        self.timeline.append(TimelineEntry(at, kind, actor, unit.id, detail))
        if self.active_units():
            return False
        self.status = IncidentStatus.RECEIVED
        self.timeline.append(TimelineEntry(at, "requeued", actor, detail=f"{unit.id} {kind}"))
        return True

    def close(
        self,
        at: datetime,
        actor: str,
        units: dict[UnitId, Unit],
        disposition: str = "",
        report_number: str = "",
    ) -> None:
        """Close the incident and free every unit still on it (the disposition was
        checked against the closing rules by the caller)."""
        if not self.is_open:
            raise Conflict(
                f"incident {self.id} is already {self.status.value}",
                code="incident_closed",
            )
        for a in self.assignments:
            if a.active:
                a.cleared_at = at
                unit = units.get(a.unit_id)
                if unit is not None and unit.incident_id == self.id:
                    unit.release(at)
        self.disposition, self.report_number = disposition, report_number
        detail = "closed by dispatch" + (f": {disposition}" if disposition else "")
        self._close(at, actor, detail + (f", report {report_number}" if report_number else ""))

    def _close(self, at: datetime, actor: str, detail: str) -> None:
        self.status = IncidentStatus.CLOSED
        self.closed_at = at
        self.timeline.append(TimelineEntry(at, "closed", actor, detail=detail))

    def _follow_units(self) -> None:
        if not self.is_open:
            return
        best = IncidentStatus.RECEIVED
        for a in self.assignments:
            if a.active:
                s = _PROGRESS.get(a.status, IncidentStatus.DISPATCHED)
                if _ORDER.index(s) > _ORDER.index(best):
                    best = s
        if _ORDER.index(best) > _ORDER.index(self.status):
            self.status = best

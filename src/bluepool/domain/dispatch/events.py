"""What happens on the dispatch floor: calls received, units assigned and moving, incidents
updated and closed, and the fleet's unit records kept by their agencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.dispatch.command import Override
from bluepool.domain.dispatch.incidents import TimelineEntry
from bluepool.domain.dispatch.positions import UnitPosition
from bluepool.domain.dispatch.records import IncidentRecord, PremiseNoteRecord, UnitRecord
from bluepool.domain.shared.events import Event, RecordChanged
from bluepool.domain.shared.ids import IncidentId


@dataclass(frozen=True, slots=True)
class IncidentReceived(Event):
    incident: IncidentRecord
    name: ClassVar[str] = "incident.created"


@dataclass(frozen=True, slots=True)
class UnitAssigned(Event):
    incident: IncidentRecord
    unit: UnitRecord
    eta_seconds: float
    #: The sharing rule set aside for it, and why (``domain.dispatch.command``).
    override: Override | None = None
    #: The less urgent incident the unit was diverted from.
    diverted_from: IncidentId | None = None
    name: ClassVar[str] = "unit.assigned"


@dataclass(frozen=True, slots=True)
class UnitStatusChanged(Event):
    """A unit's status changed (set by its crew or dispatch, or freed by a closed call)."""

    unit: UnitRecord
    name: ClassVar[str] = "unit.updated"


@dataclass(frozen=True, slots=True)
class UnitReleased(Event):
    """A unit was freed because its incident was closed by dispatch."""

    unit: UnitRecord
    name: ClassVar[str] = "unit.updated"


@dataclass(frozen=True, slots=True)
class UnitMoved(Event):
    """One unit's position, reported on its own (``POST /units/{id}/positions``)."""

    unit: UnitRecord
    name: ClassVar[str] = "unit.moved"


@dataclass(frozen=True, slots=True)
class PositionsReported(Event):
    """A batch of fixes (an AVL gateway) moved these units: one event per batch, with
    each moved unit's newest position; units whose latest did not change are left out."""

    positions: tuple[UnitPosition, ...]
    name: ClassVar[str] = "unit.positions"


@dataclass(frozen=True, slots=True)
class IncidentUpdated(Event):
    """An incident followed its units (en route, on scene, cleared, requeued)."""

    incident: IncidentRecord
    name: ClassVar[str] = "incident.updated"


@dataclass(frozen=True, slots=True)
class TimerAcknowledged(Event):
    """A dispatcher acknowledged a due timer (``domain.dispatch.timers``): the incident's
    timeline has the acknowledgement and the timer runs again from it."""

    incident: IncidentRecord
    timer: str
    unit_id: str | None
    name: ClassVar[str] = "incident.updated"


@dataclass(frozen=True, slots=True)
class IncidentClosed(Event):
    incident: IncidentRecord
    name: ClassVar[str] = "incident.closed"


@dataclass(frozen=True, slots=True)
class OfficerInDistress(Event):
    """An officer pressed the emergency button: every dispatcher is alerted, with the
    unit's last known position and the P1 incident opened for it (None when the collective
    has no emergency call type: the alert goes out all the same)."""

    unit: UnitRecord
    incident: IncidentRecord | None
    #: Where the officer was last known to be ("unit position", "device", "station").
    position_source: str
    name: ClassVar[str] = "alert.emergency"


@dataclass(frozen=True, slots=True)
class BackupRequested(Event):
    """A unit on an incident asked for another unit."""

    unit: UnitRecord
    incident: IncidentRecord
    name: ClassVar[str] = "alert.backup"


@dataclass(frozen=True, slots=True)
class UnitChanged(RecordChanged):
    """A unit record was added to a fleet, edited (name, kind, capabilities, station) or
    removed."""

    unit: UnitRecord | None = None
    entity: ClassVar[str] = "unit"


@dataclass(frozen=True, slots=True)
class UnitRecalled(Event):
    """Dispatch took a unit off an incident: recalled, or diverted to a more urgent one
    (``diverted_to``). The unit is free; ``incident`` is the one it left."""

    incident: IncidentRecord
    unit: UnitRecord
    reason: str
    diverted_to: IncidentId | None = None
    name: ClassVar[str] = "unit.recalled"


@dataclass(frozen=True, slots=True)
class IncidentEdited(Event):
    """Dispatch changed the call (call type, priority, location, address, the caller's
    details): ``fields`` names what changed."""

    incident: IncidentRecord
    fields: tuple[str, ...]
    name: ClassVar[str] = "incident.edited"


@dataclass(frozen=True, slots=True)
class IncidentNoted(Event):
    """A dispatcher or officer added a narrative note to the call's timeline."""

    incident: IncidentRecord
    note: TimelineEntry
    name: ClassVar[str] = "incident.noted"


@dataclass(frozen=True, slots=True)
class IncidentRequeued(Event):
    """An incident went back to the queue: no unit is left on it and it was not served (its
    units were recalled, diverted, or went out of service on the way). An alert for the
    floor."""

    incident: IncidentRecord
    reason: str
    name: ClassVar[str] = "incident.requeued"


@dataclass(frozen=True, slots=True)
class PremiseNoteChanged(RecordChanged):
    """A premise or hazard note was added, edited or removed."""

    premise_note: PremiseNoteRecord | None = None
    entity: ClassVar[str] = "premise_note"

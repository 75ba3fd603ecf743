"""What happens on the dispatch floor: calls received, units assigned and moving, incidents
updated and closed, and the fleet's unit records kept by their agencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.dispatch.incidents import TimelineEntry
from bluepool.domain.dispatch.positions import UnitPosition
from bluepool.domain.dispatch.records import IncidentRecord, PremiseNoteRecord, UnitRecord
from bluepool.domain.shared.events import Event, RecordChanged


@dataclass(frozen=True, slots=True)
class IncidentReceived(Event):
    incident: IncidentRecord
    name: ClassVar[str] = "incident.created"


@dataclass(frozen=True, slots=True)
class UnitAssigned(Event):
    incident: IncidentRecord
    unit: UnitRecord
    eta_seconds: float
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
class IncidentClosed(Event):
    incident: IncidentRecord
    name: ClassVar[str] = "incident.closed"


@dataclass(frozen=True, slots=True)
class UnitChanged(RecordChanged):
    """A unit record was added to a fleet, edited (name, kind, capabilities, station) or
    removed."""

    unit: UnitRecord | None = None
    entity: ClassVar[str] = "unit"


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
    """An alert: the call's last unit was freed before it got there (recalled, or an
    early clear confirmed), and the call is back in the queue with no unit on it."""

    incident: IncidentRecord
    unit_id: str
    name: ClassVar[str] = "incident.requeued"


@dataclass(frozen=True, slots=True)
class PremiseNoteChanged(RecordChanged):
    """A premise or hazard note was added, edited or removed."""

    premise_note: PremiseNoteRecord | None = None
    entity: ClassVar[str] = "premise_note"

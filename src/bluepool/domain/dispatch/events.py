"""What happens on the dispatch floor: calls received, units assigned and moving, incidents
updated and closed, and the fleet's unit records kept by their agencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.dispatch.positions import UnitPosition
from bluepool.domain.dispatch.records import IncidentRecord, UnitRecord
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
class UnitChanged(RecordChanged):
    """A unit record was added to a fleet, edited (name, kind, capabilities, station) or
    removed."""

    unit: UnitRecord | None = None
    entity: ClassVar[str] = "unit"

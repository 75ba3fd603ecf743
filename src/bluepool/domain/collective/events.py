"""Changes to the collective's standing records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.collective.records import (
    AgencyRecord,
    CallTypeRecord,
    DispatchRulesRecord,
    JurisdictionRecord,
    StationRecord,
)
from bluepool.domain.shared.events import Action, RecordChanged


@dataclass(frozen=True, slots=True)
class AgencyChanged(RecordChanged):
    agency: AgencyRecord | None = None
    entity: ClassVar[str] = "agency"


@dataclass(frozen=True, slots=True)
class JurisdictionChanged(RecordChanged):
    """A jurisdiction was drawn, redrawn or removed (the record carries no geometry)."""

    jurisdiction: JurisdictionRecord | None = None
    entity: ClassVar[str] = "jurisdiction"


@dataclass(frozen=True, slots=True)
class StationChanged(RecordChanged):
    station: StationRecord | None = None
    entity: ClassVar[str] = "station"


@dataclass(frozen=True, slots=True)
class CallTypeChanged(RecordChanged):
    call_type: CallTypeRecord | None = None
    entity: ClassVar[str] = "call_type"


@dataclass(frozen=True, slots=True)
class DispatchRulesChanged(RecordChanged):
    """The collective's dispatch rules were loaded (from the collective file)."""

    dispatch_rules: DispatchRulesRecord | None = None
    entity: ClassVar[str] = "dispatch_rules"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)

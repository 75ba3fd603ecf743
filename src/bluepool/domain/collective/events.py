"""Changes to the collective's standing records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.collective.records import (
    AgencyRecord,
    CallTypeRecord,
    JurisdictionRecord,
    StationRecord,
)
from bluepool.domain.collective.settings import Setting
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
class SettingChanged(RecordChanged):
    """A section of the collective's settings was stored (``domain.collective.settings``)."""

    setting: Setting | None = None
    entity: ClassVar[str] = "setting"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)

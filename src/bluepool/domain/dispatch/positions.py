"""Position fixes (AVL): where a unit was, when, as its device saw it.

A fix goes to the unit's position history whatever its age; it moves the unit's latest
position only when it is newer than the one the unit has (a late fix is history, not news).
The history keeps one fix per unit and time, so a repeated fix changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import JurisdictionId, UnitId


@dataclass(frozen=True, slots=True)
class PositionFix:
    unit_id: UnitId
    #: When the device took the fix.
    at: datetime
    location: Location
    #: Metres per second, and degrees clockwise from north, when the device says.
    speed: float | None = None
    heading: float | None = None


@dataclass(frozen=True, slots=True)
class UnitPosition:
    """A unit's latest position, as the live stream shows it after a batch."""

    id: UnitId
    location: Location
    position_at: datetime
    jurisdiction: JurisdictionId | None


def newest_per_unit(fixes: list[PositionFix]) -> dict[UnitId, PositionFix]:
    """The newest fix of each unit in ``fixes`` (the first of equals), by unit id."""
    newest: dict[UnitId, PositionFix] = {}
    for fix in fixes:
        seen = newest.get(fix.unit_id)
        if seen is None or fix.at > seen.at:
            newest[fix.unit_id] = fix
    return dict(sorted(newest.items()))

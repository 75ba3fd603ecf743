"""A resource of the catalogue: a typed unit capability or a piece of equipment, owned by
one agency, kept at a home station, in some condition, lendable in some windows.

``condition`` is the maintenance state: *serviceable* (it may be used and lent), *needs
repair* (usable by its owner at a pinch, never lent), *out of service*. ``windows`` are
the intervals when the owner lends it (none: whenever it is serviceable and not out).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import NewType

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, StationId, check_id

ResourceId = NewType("ResourceId", str)

#: The longest maintenance notes kept, in characters.
MAX_NOTES = 2000


class Condition(StrEnum):
    SERVICEABLE = "serviceable"
    NEEDS_REPAIR = "needs_repair"
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True, slots=True)
class Window:
    """An interval ``[start, end)`` when a resource may be lent."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise Invalid(
                f"an availability window must end after it starts: {self.end.isoformat()} "
                f"is not after {self.start.isoformat()}",
                code="bad_window",
            )

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.start <= start and end <= self.end

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end


def check_windows(windows: Iterable[Window]) -> tuple[Window, ...]:
    """The windows in start order; ``Invalid`` when two overlap (say it once)."""
    ordered = tuple(sorted(windows, key=lambda w: w.start))
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise Invalid(
                f"availability windows overlap: {a.start.isoformat()} to {a.end.isoformat()} "
                f"and {b.start.isoformat()} to {b.end.isoformat()}",
                code="bad_window",
            )
    return ordered


@dataclass(frozen=True, slots=True)
class Resource:
    id: ResourceId
    #: A type of the catalogue (``catalogue.catalogue``): ``drone``, ``swat-type-1``.
    type: str
    name: str
    owner: AgencyId
    home_station: StationId | None = None
    condition: Condition = Condition.SERVICEABLE
    maintenance_notes: str = ""
    #: When it may be lent; empty: at any time.
    windows: tuple[Window, ...] = ()
    #: 1 when created; each change is the next version (a stale change is refused).
    version: int = 1

    def __post_init__(self) -> None:
        check_id("resource id", self.id)
        check_id("resource type", self.type)
        if not self.name.strip():
            raise Invalid(f"resource {self.id} needs a name", code="bad_name")
        if len(self.maintenance_notes) > MAX_NOTES:
            raise Invalid(f"maintenance notes are at most {MAX_NOTES} characters")
        object.__setattr__(self, "windows", check_windows(self.windows))

    def lendable_between(self, start: datetime, end: datetime) -> bool:
        """True when one availability window holds all of ``[start, end]`` (or it has
        none)."""
        return not self.windows or any(w.covers(start, end) for w in self.windows)

    def lendable_at(self, at: datetime) -> bool:
        return not self.windows or any(w.holds(at) for w in self.windows)

    def changed(self, **fields: object) -> Resource:
        """The next version with ``fields`` changed (checked again)."""
        return replace(self, **fields, version=self.version + 1)  # type: ignore[arg-type]

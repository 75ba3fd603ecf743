"""Premise and hazard notes: what dispatch knows about a place ("dog on premises",
"weapons history"), shown on every new call there until the note expires.

A note covers a circle (a point and a radius) or an address: a note made for an address
stands at the gazetteer's point for it, with a small radius, and also covers any incident
with the same address. Hazards are officer safety and are shown first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location, distance_m
from bluepool.domain.shared.ids import AgencyId

MAX_RADIUS_M = 2000
#: The radius of a note made for an address (a house and its yard).
ADDRESS_RADIUS_M = 30
MAX_TEXT = 500


class NoteKind(StrEnum):
    HAZARD = "hazard"
    PREMISE = "premise"


@dataclass(slots=True)
class PremiseNote:
    id: str
    kind: NoteKind
    text: str
    location: Location
    radius_m: int
    created_by: str
    created_at: datetime
    address: str = ""
    #: The agency that keeps it (an agency admin's note); None: central dispatch's.
    agency_id: AgencyId | None = None
    #: None: until removed.
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        self.text = " ".join(self.text.split())
        if not self.text or len(self.text) > MAX_TEXT:
            raise Invalid(f"a note has 1 to {MAX_TEXT} characters", code="bad_note")
        if not 1 <= self.radius_m <= MAX_RADIUS_M:
            raise Invalid(f"radius_m must be 1 to {MAX_RADIUS_M} metres", code="bad_note")

    def live(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now

    def covers(self, location: Location, address: str = "") -> bool:
        if self.address and address and _same(self.address, address):
            return True
        return distance_m(self.location, location) <= self.radius_m


def covering(
    notes: Iterable[PremiseNote], location: Location, address: str, now: datetime
) -> list[PremiseNote]:
    """The live notes that cover a place: hazards first, then the newest."""
    found = [n for n in notes if n.live(now) and n.covers(location, address)]
    found.sort(key=lambda n: n.created_at, reverse=True)
    found.sort(key=lambda n: n.kind is not NoteKind.HAZARD)
    return found


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())

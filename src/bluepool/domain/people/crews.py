"""Crews: who is on a unit, in which role, for a shift.

A crew assignment puts one person on one unit in a role ("handler", "member", "driver")
from ``starts_at`` until ``ends_at`` (a shift, ``[starts_at, ends_at)``). The crew of a unit
at a moment is every assignment that holds then. A person is on one unit at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NewType

from bluepool.domain.people.personnel import PersonId
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import UnitId, check_id

CrewId = NewType("CrewId", str)

#: The longest shift, in hours.
MAX_SHIFT_HOURS = 24
#: The longest name of a role in a crew.
MAX_ROLE = 32


@dataclass(frozen=True, slots=True)
class CrewAssignment:
    id: CrewId
    unit_id: UnitId
    person_id: PersonId
    role: str
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(
        cls,
        id: str,
        unit_id: UnitId,
        person_id: PersonId,
        role: str,
        starts_at: datetime,
        ends_at: datetime,
    ) -> CrewAssignment:
        if ends_at <= starts_at:
            raise Invalid(
                f"a shift must end after it starts: {ends_at.isoformat()} is not after "
                f"{starts_at.isoformat()}",
                code="bad_shift",
            )
        if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
            raise Invalid(f"a shift lasts at most {MAX_SHIFT_HOURS} hours", code="bad_shift")
        if len(role) > MAX_ROLE:
            raise Invalid(f"a crew role has at most {MAX_ROLE} characters", code="bad_role")
        return cls(
            CrewId(check_id("crew assignment", id)),
            unit_id,
            person_id,
            check_id("crew role", role),
            starts_at,
            ends_at,
        )

    def holds(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def overlaps(self, other: CrewAssignment) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def crew_at(
    assignments: Iterable[CrewAssignment], unit_id: UnitId, at: datetime
) -> list[CrewAssignment]:
    """The crew of ``unit_id`` at ``at``."""
    return [a for a in assignments if a.unit_id == unit_id and a.holds(at)]


def check_free(new: CrewAssignment, existing: Iterable[CrewAssignment]) -> None:
    """Conflict when the person of ``new`` is on a shift that overlaps it already."""
    for a in existing:
        if a.person_id == new.person_id and a.id != new.id and a.overlaps(new):
            raise Conflict(
                f"person {new.person_id} is on unit {a.unit_id} from {a.starts_at.isoformat()} "
                f"until {a.ends_at.isoformat()}",
                code="already_on_shift",
            )

"""What happens to the people of the agencies: persons added, crews put on units,
certifications granted and renewed. Each event carries the agency of the person it is
about (``agency_id``): who may see it on the live stream is decided by it
(``services.people.policy.may_see``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.people.certifications import Grant
from bluepool.domain.people.crews import CrewAssignment
from bluepool.domain.people.personnel import Person
from bluepool.domain.shared.events import Action, RecordChanged
from bluepool.domain.shared.ids import AgencyId


@dataclass(frozen=True, slots=True)
class PersonChanged(RecordChanged):
    """A person was added to an agency's roll (the name is personal data)."""

    person: Person | None = None
    agency_id: AgencyId | None = None
    entity: ClassVar[str] = "person"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)


@dataclass(frozen=True, slots=True)
class CrewChanged(RecordChanged):
    """A person was put on a unit for a shift."""

    crew_assignment: CrewAssignment | None = None
    agency_id: AgencyId | None = None
    entity: ClassVar[str] = "crew_assignment"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED,)


@dataclass(frozen=True, slots=True)
class CertificationChanged(RecordChanged):
    """A certification was granted (created), or renewed (the old grant updated, its
    ``superseded_by`` set, and the new one created)."""

    certification: Grant | None = None
    agency_id: AgencyId | None = None
    entity: ClassVar[str] = "certification"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)


#: The wire names of every people event.
PEOPLE_EVENTS = frozenset(
    (*PersonChanged.types(), *CrewChanged.types(), *CertificationChanged.types())
)

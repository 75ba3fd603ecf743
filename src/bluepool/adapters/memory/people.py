"""The people of the agencies in memory: personnel, crews, certification grants."""

from __future__ import annotations

from collections.abc import Collection

from bluepool.adapters.memory.repositories import MemoryRepository, MemoryStore, _same
from bluepool.domain.people.certifications import Grant, GrantId
from bluepool.domain.people.crews import CrewAssignment, CrewId
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.ids import AgencyId, Username
from bluepool.services.ports import CrewFilter


class MemoryPersonnel(MemoryRepository[PersonId, Person]):
    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "personnel", lambda p: p.id, _same, "person")

    def find(
        self, agency: AgencyId | None = None, username: Username | None = None
    ) -> list[Person]:
        return [
            p
            for p in self.list()
            if (agency is None or p.agency_id == agency)
            and (username is None or p.username == username)
        ]


class MemoryCrews(MemoryRepository[CrewId, CrewAssignment]):
    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "crew_assignments", lambda a: a.id, _same, "crew assignment")

    def find(self, where: CrewFilter) -> list[CrewAssignment]:
        found = [a for a in self._items() if where.matches(a)]
        return sorted(found, key=lambda a: (a.starts_at, a.id))


class MemoryGrants(MemoryRepository[GrantId, Grant]):
    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, "certification_grants", lambda g: g.id, _same, "certification")

    def of_people(self, people: Collection[PersonId]) -> list[Grant]:
        wanted = set(people)
        return [g for g in self.list() if g.person_id in wanted]

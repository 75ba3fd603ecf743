"""The people of the agencies in the database: personnel, crews, certification grants
(``services.ports.PersonnelRepository``, ``CrewRepository``, ``GrantRepository``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bluepool.adapters.db.repositories import SqlRepository
from bluepool.adapters.db.tables import CertificationGrantRow, CrewAssignmentRow, PersonRow
from bluepool.domain.people.certifications import Grant, GrantId
from bluepool.domain.people.crews import CrewAssignment, CrewId
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.services.ports import CrewFilter


def person_values(p: Person) -> dict[str, Any]:
    return {"id": p.id, "agency_id": p.agency_id, "full_name": p.full_name, "username": p.username}


def person_from_row(r: PersonRow) -> Person:
    return Person(
        PersonId(r.id),
        AgencyId(r.agency_id),
        r.full_name,
        Username(r.username) if r.username else None,
    )


class SqlPersonnel(SqlRepository[PersonId, Person, PersonRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(
            session,
            PersonRow,
            PersonRow.id,
            lambda p: p.id,
            person_from_row,
            person_values,
            "person",
        )

    def find(
        self, agency: AgencyId | None = None, username: Username | None = None
    ) -> list[Person]:
        q = select(PersonRow).order_by(PersonRow.id)
        if agency is not None:
            q = q.where(PersonRow.agency_id == agency)
        if username is not None:
            q = q.where(PersonRow.username == username)
        return [person_from_row(r) for r in self._rows(q)]


def crew_values(a: CrewAssignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "unit_id": a.unit_id,
        "person_id": a.person_id,
        "role": a.role,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
    }


def crew_from_row(r: CrewAssignmentRow) -> CrewAssignment:
    return CrewAssignment(
        CrewId(r.id), UnitId(r.unit_id), PersonId(r.person_id), r.role, r.starts_at, r.ends_at
    )


class SqlCrews(SqlRepository[CrewId, CrewAssignment, CrewAssignmentRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(
            session,
            CrewAssignmentRow,
            CrewAssignmentRow.id,
            lambda a: a.id,
            crew_from_row,
            crew_values,
            "crew assignment",
        )

    def find(self, where: CrewFilter) -> list[CrewAssignment]:
        row = CrewAssignmentRow
        q = select(row).order_by(row.starts_at, row.id)
        if where.unit is not None:
            q = q.where(row.unit_id == where.unit)
        if where.person is not None:
            q = q.where(row.person_id == where.person)
        if where.people is not None:
            q = q.where(row.person_id.in_(sorted(where.people)))
        if where.at is not None:
            q = q.where(row.starts_at <= where.at, row.ends_at > where.at)
        return [crew_from_row(r) for r in self._rows(q)]


def grant_values(g: Grant) -> dict[str, Any]:
    return {
        "id": g.id,
        "person_id": g.person_id,
        "kind": g.kind,
        "issued_on": g.issued_on,
        "expires_on": g.expires_on,
        "issued_by": g.issued_by,
        "superseded_by": g.superseded_by,
    }


def grant_from_row(r: CertificationGrantRow) -> Grant:
    return Grant(
        GrantId(r.id),
        PersonId(r.person_id),
        r.kind,
        r.issued_on,
        r.expires_on,
        Username(r.issued_by),
        GrantId(r.superseded_by) if r.superseded_by else None,
    )


class SqlGrants(SqlRepository[GrantId, Grant, CertificationGrantRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(
            session,
            CertificationGrantRow,
            CertificationGrantRow.id,
            lambda g: g.id,
            grant_from_row,
            grant_values,
            "certification",
        )

    def of_people(self, people: Collection[PersonId]) -> list[Grant]:
        if not people:
            return []
        row = CertificationGrantRow
        q = select(row).where(row.person_id.in_(sorted(people))).order_by(row.id)
        return [grant_from_row(r) for r in self._rows(q)]

"""The people's stores: personnel, crews and certification grants, the same contract on
memory, SQLite and PostgreSQL (``BLUEPOOL_TEST_POSTGRES_URL``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bluepool.domain.collective.agencies import Agency
from bluepool.domain.people.certifications import Grant
from bluepool.domain.people.crews import CrewAssignment
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.errors import Duplicate
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.services.ports import CrewFilter
from tests.builders import T0
from tests.conftest import UowFactory

A1, A2 = AgencyId("A-1"), AgencyId("A-2")
P1, P2 = PersonId("p-1"), PersonId("p-2")
HOUR = timedelta(hours=1)


@pytest.fixture
def uows(uow_factory: UowFactory) -> UowFactory:
    with uow_factory() as uow:
        uow.agencies.add(Agency(A1, "Metro Police"))
        uow.agencies.add(Agency(A2, "County Sheriff"))
        uow.personnel.add(Person.of(P1, A1, "Ann Handler", "ann"))
        uow.personnel.add(Person.of(P2, A2, "Bo Member"))
        uow.commit()
    return uow_factory


def test_personnel_round_trip_and_are_found_by_agency_and_account(uows: UowFactory) -> None:
    with uows() as uow:
        assert uow.personnel.get(P1) == Person.of(P1, A1, "Ann Handler", "ann")
        assert [p.id for p in uow.personnel.find(agency=A2)] == [P2]
        assert [p.id for p in uow.personnel.find(username=Username("ann"))] == [P1]
        with pytest.raises(Duplicate):
            uow.personnel.add(Person.of(P1, A1, "Again"))


def test_crews_are_found_by_unit_person_and_moment(uows: UowFactory) -> None:
    first = CrewAssignment.of("c1", UnitId("dog-1"), P1, "handler", T0, T0 + 8 * HOUR)
    later = CrewAssignment.of("c2", UnitId("car-1"), P1, "member", T0 + 8 * HOUR, T0 + 16 * HOUR)
    other = CrewAssignment.of("c3", UnitId("dog-1"), P2, "member", T0 + HOUR, T0 + 2 * HOUR)
    with uows() as uow:
        for a in (later, first, other):
            uow.crews.add(a)
        uow.commit()
    with uows() as uow:
        assert uow.crews.find(CrewFilter()) == [first, other, later]
        assert uow.crews.find(CrewFilter(unit=UnitId("dog-1"))) == [first, other]
        assert uow.crews.find(CrewFilter(person=P1)) == [first, later]
        assert uow.crews.find(CrewFilter(people=frozenset({P2}))) == [other]
        # A shift holds from its start, up to (not at) its end.
        assert uow.crews.find(CrewFilter(at=T0 + 8 * HOUR)) == [later]
        assert uow.crews.find(CrewFilter(at=T0 + 90 * timedelta(minutes=1))) == [first, other]


def test_grants_round_trip_with_their_dates_and_renewals(uows: UowFactory) -> None:
    old = Grant.issue("g1", P1, "k9_handler", date(2024, 1, 1), Username("t"), valid_days=365)
    new = Grant.issue("g2", P1, "k9_handler", date(2024, 12, 1), Username("t"))
    theirs = Grant.issue(
        "g3", P2, "tactical", date(2024, 1, 1), Username("t"), expires_on=date(2026, 3, 1)
    )
    with uows() as uow:
        for g in (old, new, theirs):
            uow.certifications.add(g)
        uow.commit()
    with uows() as uow:
        uow.certifications.update(old.renewed_by(new))
        uow.commit()
    with uows() as uow:
        assert uow.certifications.of_people([P1]) == [old.renewed_by(new), new]
        assert uow.certifications.of_people([P1, P2])[2] == theirs
        assert uow.certifications.of_people([]) == []
        assert uow.certifications.get(old.id) == old.renewed_by(new)

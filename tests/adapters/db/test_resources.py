"""The catalogue's and the loans' stores: the same contract on memory, SQLite and
PostgreSQL (``BLUEPOOL_TEST_POSTGRES_URL``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bluepool.domain.collective.agencies import Agency
from bluepool.domain.resources.loans import LoanId
from bluepool.domain.resources.resources import Condition, ResourceId, Window
from bluepool.domain.shared.errors import ConcurrentUpdate, Duplicate
from bluepool.domain.shared.ids import AgencyId, IncidentId, StationId
from bluepool.domain.sharing.agreements import AgreementId
from bluepool.services.ports import LoanFilter
from tests.builders import T0, a_loan, a_resource, a_station
from tests.conftest import UowFactory

A1, A2 = AgencyId("A-1"), AgencyId("A-2")
DRONE = ResourceId("drone-1")
DAY = timedelta(days=1)


@pytest.fixture
def uows(uow_factory: UowFactory) -> UowFactory:
    """A store with agencies A-1 and A-2, station S-1 and A-1's drone."""
    with uow_factory() as uow:
        uow.agencies.add(Agency(A1, "Metro Police"))
        uow.agencies.add(Agency(A2, "County Sheriff"))
        uow.stations.add(a_station(id=StationId("S-1"), agency_id=A1))
        uow.resources.add(a_resource(id=DRONE, owner=A1))
        uow.commit()
    return uow_factory


def test_a_resource_round_trips_and_moves_on_by_version(uows: UowFactory) -> None:
    kit = a_resource(
        id=ResourceId("kit-1"),
        type="surveillance-kit",
        name="Surveillance kit 1",
        home_station=StationId("S-1"),
        maintenance_notes="battery swapped",
        windows=(Window(T0, T0 + 7 * DAY), Window(T0 + 14 * DAY, T0 + 21 * DAY)),
    )
    with uows() as uow:
        uow.resources.add(kit)
        uow.commit()
    with uows() as uow:
        assert uow.resources.get(kit.id) == kit
        assert [r.id for r in uow.resources.list()] == ["drone-1", "kit-1"]
        uow.resources.update(kit.changed(condition=Condition.NEEDS_REPAIR))
        uow.commit()
    with uows() as uow:
        assert uow.resources.get(kit.id) == kit.changed(condition=Condition.NEEDS_REPAIR)
        with pytest.raises(ConcurrentUpdate):  # written against version 1, now at 2
            uow.resources.update(kit.changed(name="stale"))
        with pytest.raises(Duplicate):
            uow.resources.add(kit)


def test_a_loan_round_trips_and_is_found_by_filter(uows: UowFactory) -> None:
    loan = a_loan(
        id=LoanId("loan-1"),
        resource=DRONE,
        incident=IncidentId("I-7"),
        agreement=AgreementId("A1-A2"),
        clause=2,
        out_by="admin-a1",
        notes="two batteries",
    )
    with uows() as uow:
        uow.loans.add(loan)
        uow.commit()
    with uows() as uow:
        assert uow.loans.get(loan.id) == loan
        assert uow.loans.find(LoanFilter(open=True)) == [loan]
        assert uow.loans.find(LoanFilter(agency=A2)) == [loan]
        assert uow.loans.find(LoanFilter(agency=AgencyId("A-9"))) == []
        assert uow.loans.find(LoanFilter(overdue_at=T0 + DAY)) == []
        assert uow.loans.find(LoanFilter(overdue_at=T0 + 2 * DAY)) == [loan]
        back = loan.returned(T0 + DAY, Condition.NEEDS_REPAIR, "admin-a1", "prop cracked")
        uow.loans.update(back)
        uow.commit()
    with uows() as uow:
        assert uow.loans.get(loan.id) == back
        assert uow.loans.find(LoanFilter(open=True)) == []
        assert uow.loans.find(LoanFilter(open=False, resource=DRONE)) == [back]


def test_the_store_refuses_an_item_on_two_open_loans(uows: UowFactory) -> None:
    with uows() as uow:
        uow.loans.add(a_loan(id=LoanId("loan-1"), resource=DRONE))
        uow.commit()
    with uows() as uow:
        with pytest.raises(ConcurrentUpdate):
            uow.loans.add(a_loan(id=LoanId("loan-2"), resource=DRONE))
        uow.commit()
    with uows() as uow:
        assert [loan.id for loan in uow.loans.find(LoanFilter())] == ["loan-1"]


def test_the_memory_store_refuses_the_second_of_two_racing_loans() -> None:
    """Two units of work each see the drone in and lend it; the second to commit loses,
    as the database's partial unique index makes it lose (here one thread cannot hold two
    database transactions on one row without waiting for itself)."""
    from bluepool.adapters.memory.repositories import MemoryStore
    from bluepool.adapters.memory.uow import MemoryUnitOfWork

    store = MemoryStore()
    first, second = MemoryUnitOfWork(store), MemoryUnitOfWork(store)
    with first, second:
        first.loans.add(a_loan(id=LoanId("loan-1"), resource=DRONE))
        second.loans.add(a_loan(id=LoanId("loan-2"), resource=DRONE))
        first.commit()
        with pytest.raises(ConcurrentUpdate):
            second.commit()
    with MemoryUnitOfWork(store) as uow:
        assert [loan.id for loan in uow.loans.find(LoanFilter())] == ["loan-1"]

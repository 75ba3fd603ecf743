"""The incident search and the timers' store: the same contract on memory, SQLite and
PostgreSQL (the search's Python form, ``IncidentFilter.matches``, and its SQL form agree)."""

from __future__ import annotations

import pytest

from bluepool.domain.dispatch.timers import TimerLimits
from bluepool.domain.shared.ids import AgencyId, IncidentId, UnitId
from bluepool.services.ports import IncidentFilter, Page
from tests.builders import a_unit, an_agency, an_incident, at
from tests.conftest import UowFactory

EVERYTHING = Page()


@pytest.fixture
def searched(uow_factory: UowFactory) -> UowFactory:
    """Three incidents: a burglary at Städtle 38 (unit u-1 on it), a noise complaint at
    Im Rietacker 6 ("music 100% too loud"), a burglary an hour later."""
    with uow_factory() as uow:
        uow.agencies.add(an_agency(id=AgencyId("A-1")))
        unit = a_unit(id=UnitId("u-1"), status_at=at(0))
        uow.units.add(unit)
        first = an_incident(id=IncidentId("first"), address="Städtle 38, Vaduz", at=at(0))
        first.assign(unit, at(1), "dana")
        uow.incidents.add(first)
        uow.incidents.add(
            an_incident(
                id=IncidentId("noise"),
                call_type="noise_complaint",
                address="Im Rietacker 6, Schaan",
                description="Music 100% too loud",
                at=at(10),
            )
        )
        uow.incidents.add(an_incident(id=IncidentId("later"), at=at(60)))
        uow.commit()
    return uow_factory


@pytest.mark.parametrize(
    ("where", "found"),
    [
        (IncidentFilter(), ["later", "noise", "first"]),
        (IncidentFilter(address="STÄDTLE 38".lower()), ["first"]),
        (IncidentFilter(address="rietacker"), ["noise"]),
        (IncidentFilter(unit_id=UnitId("u-1")), ["first"]),
        (IncidentFilter(text="LOUD music"), ["noise"]),
        (IncidentFilter(text="100%"), ["noise"]),
        (IncidentFilter(text="10_%"), []),
        (IncidentFilter(text="noise_complaint"), ["noise"]),
        (IncidentFilter(received_from=at(10)), ["later", "noise"]),
        (IncidentFilter(received_until=at(10)), ["first"]),
        (IncidentFilter(received_from=at(5), received_until=at(60)), ["noise"]),
    ],
)
def test_the_search_finds_the_same_on_every_store(
    searched: UowFactory, where: IncidentFilter, found: list[str]
) -> None:
    with searched() as uow:
        items, total = uow.incidents.find(where, EVERYTHING)
    assert [i.id for i in items] == found
    assert total == len(found)


def test_the_timers_are_replaced_whole_and_read_back(uow_factory: UowFactory) -> None:
    limits = [TimerLimits(1, 60, 90, 600), TimerLimits(3, unassigned_s=900)]
    with uow_factory() as uow:
        assert uow.timers.get() == {}
        uow.timers.put(limits)
        uow.commit()
    with uow_factory() as uow:
        assert uow.timers.get() == {1: limits[0], 3: limits[1]}
        uow.timers.put([TimerLimits(2, welfare_check_s=300)])
        # Not committed: the store keeps what it had.
    with uow_factory() as uow:
        assert list(uow.timers.get()) == [1, 3]

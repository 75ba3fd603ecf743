"""The mutual-aid requests kept and read back alike in memory, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bluepool.domain.aid.requests import Category, Item, Route, Step, Terms
from bluepool.domain.shared.errors import ConcurrentUpdate, Duplicate
from bluepool.domain.shared.ids import AgencyId, IncidentId
from tests.builders import T0, an_aid_request, an_incident
from tests.conftest import UowFactory

A1, A2 = AgencyId("A-1"), AgencyId("A-2")
LATER = T0 + timedelta(minutes=5)


def test_a_request_round_trips_with_every_field(uow_factory: UowFactory) -> None:
    incident = an_incident(id=IncidentId("I-aid"))
    terms = Terms("A1-A2-2027-01", 1, 12050, 5000)
    request = an_aid_request(
        items=(
            Item(2, Category.UNIT, "k9", "Type 1", 1, "dogs", LATER, "Gate 3", "patrol"),
            Item(1, Category.EQUIPMENT, "drone", requested_arrival=None),
        ),
        routes=(Route(A1, (terms, Terms("A1-A2-2027-01", 2, 25000))),),
    )
    with uow_factory() as uow:
        uow.incidents.add(incident)
        uow.mutual_aid.add(request)
        uow.commit()
    steps = [
        lambda r: r.approve(Step.REQUESTING_SUPERVISOR, "sup", A2, LATER, "go"),
        lambda r: r.approve(Step.SUPPLYING_AGENCY, "adm", A1, LATER, "", "A1-9", LATER),
        lambda r: r.approve(Step.FINANCE, "fin", AgencyId("collective"), LATER),
        lambda r: r.fulfil(1, "K9-1", "disp", LATER),
        lambda r: r.fulfil(1, "K9-2", "disp", LATER),
        lambda r: r.extend(T0 + timedelta(hours=8), "longer", "sup", LATER),
        lambda r: r.release(["K9-1"], "disp", LATER),
    ]
    moved = request
    for step in steps:
        moved = step(moved)
        with uow_factory() as uow:
            uow.mutual_aid.update(moved)
            uow.commit()
    with uow_factory() as uow:
        assert uow.mutual_aid.get(request.id) == moved
        assert uow.mutual_aid.list(IncidentId("I-aid")) == [moved]
        assert uow.mutual_aid.list(IncidentId("I-other")) == []
        assert uow.mutual_aid.last_sequence(2025) == 1
        assert uow.mutual_aid.last_sequence(2026) == 0
        assert uow.mutual_aid.get("MA-2025-0999") is None


def test_a_stale_version_or_a_taken_number_is_refused(uow_factory: UowFactory) -> None:
    request = an_aid_request()
    with uow_factory() as uow:
        uow.incidents.add(an_incident(id=IncidentId("I-aid")))
        uow.mutual_aid.add(request)
        uow.commit()
    with uow_factory() as uow:
        uow.mutual_aid.update(request.decline("sup", LATER, "no"))
        uow.commit()
    with uow_factory() as uow, pytest.raises(ConcurrentUpdate):
        uow.mutual_aid.update(request.cancel("sup", LATER, "no"))
    with uow_factory() as uow, pytest.raises(Duplicate):
        uow.mutual_aid.add(request)


def test_newest_first(uow_factory: UowFactory) -> None:
    first = an_aid_request()
    second = an_aid_request(id="MA-2025-0002", requested_at=LATER)
    with uow_factory() as uow:
        uow.incidents.add(an_incident(id=IncidentId("I-aid")))
        uow.mutual_aid.add(first)
        uow.mutual_aid.add(second)
        uow.commit()
    with uow_factory() as uow:
        assert [r.id for r in uow.mutual_aid.list()] == ["MA-2025-0002", "MA-2025-0001"]
        assert uow.mutual_aid.last_sequence(2025) == 2

"""Events commit with their change or not at all: the change, its change-log line and its
outbox row land in one transaction, and after-commit handlers see only committed events.
On memory, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from bluepool.domain.collective.agencies import Agency
from bluepool.domain.collective.events import AgencyChanged
from bluepool.domain.collective.records import AgencyRecord
from bluepool.domain.dispatch.events import UnitStatusChanged
from bluepool.domain.dispatch.records import UnitRecord
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.errors import ConcurrentUpdate
from bluepool.domain.shared.events import Action, Event
from bluepool.domain.shared.ids import AgencyId, UnitId
from bluepool.services import changelog
from bluepool.services.messagebus import MessageBus
from bluepool.services.ports import Page, UnitOfWork
from tests.builders import T0, a_unit, an_agency, at
from tests.conftest import UowFactory


class Boom(Exception):
    pass


@dataclass
class Recorder:
    seen: list[Event]

    def __call__(self, event: Event) -> None:
        self.seen.append(event)


def bound(uows: UowFactory, bus: MessageBus) -> UnitOfWork:
    uow = uows()
    uow.bus = bus  # type: ignore[attr-defined]  # both adapters take their bus as an attribute
    return uow


def a_bus() -> tuple[MessageBus, Recorder]:
    bus, after = MessageBus(), Recorder([])
    bus.within(Event, changelog.record)
    bus.after(Event, after)
    return bus, after


def created(agency: Agency) -> AgencyChanged:
    return AgencyChanged(T0, "test", Action.CREATED, agency.id, AgencyRecord.of(agency))


def state(uows: UowFactory, agency_id: str) -> tuple[bool, int, list[str]]:
    """(agency stored?, change-log lines about it, outbox types)."""
    with uows() as uow:
        stored = uow.agencies.get(AgencyId(agency_id)) is not None
        _, logged = uow.changes.find("agency", agency_id, Page(10, 0))
        outbox = [m.type for m in uow.outbox.pending(100)]
    return stored, logged, outbox


def test_a_committed_change_brings_its_log_line_outbox_row_and_handlers(
    uow_factory: UowFactory,
) -> None:
    bus, after = a_bus()
    agency = an_agency()
    with bound(uow_factory, bus) as uow:
        uow.agencies.add(agency)
        event = created(agency)
        uow.raise_event(event)
        uow.commit()
    assert state(uow_factory, agency.id) == (True, 1, ["agency.created"])
    assert after.seen == [event]
    with uow_factory() as uow:
        (message,) = uow.outbox.pending(1)
    assert message.payload["agency"] == {"id": agency.id, "name": agency.name}
    assert message.payload["type"] == "agency.created"
    assert message.created_at == T0


def test_a_handler_failing_inside_the_transaction_leaves_neither_change_nor_event(
    uow_factory: UowFactory,
) -> None:
    bus, after = a_bus()

    def boom(uow: UnitOfWork, event: Event) -> None:
        raise Boom

    bus.within(AgencyChanged, boom)
    agency = an_agency()
    with bound(uow_factory, bus) as uow:
        uow.agencies.add(agency)
        uow.raise_event(created(agency))
        with pytest.raises(Boom):
            uow.commit()
    assert state(uow_factory, agency.id) == (False, 0, [])
    assert after.seen == []


@dataclass(frozen=True, slots=True)
class Unstorable(Event):
    """An event carrying something that is no plain data: the outbox refuses it."""

    thing: object
    name: ClassVar[str] = "test.unstorable"


def test_an_event_the_outbox_cannot_store_rolls_the_change_back(uow_factory: UowFactory) -> None:
    bus, after = a_bus()
    agency = an_agency()
    with bound(uow_factory, bus) as uow:
        uow.agencies.add(agency)
        uow.raise_event(created(agency))
        uow.raise_event(Unstorable(T0, "test", object()))
        with pytest.raises(TypeError):
            uow.commit()
    assert state(uow_factory, agency.id) == (False, 0, [])
    assert after.seen == []


def test_the_writer_that_loses_a_race_leaves_no_event(uow_factory: UowFactory) -> None:
    bus, after = a_bus()
    with uow_factory() as uow:
        uow.agencies.add(an_agency(id=AgencyId("a")))
        uow.units.add(a_unit(id=UnitId("u-1"), agency_id=AgencyId("a")))
        uow.commit()
    with uow_factory() as uow:
        theirs = uow.units.get(UnitId("u-1"))  # read before the first writer commits
    assert theirs is not None
    with bound(uow_factory, bus) as first:
        mine = first.units.get(UnitId("u-1"))
        assert mine is not None
        mine.change_status(UnitStatus.OUT_OF_SERVICE, at(1), "flat tyre")
        first.units.update(mine)
        first.raise_event(UnitStatusChanged(at(1), "first", UnitRecord.of(mine)))
        first.commit()

    def lose() -> None:  # as a use case does: the error leaves the unit of work uncommitted
        with bound(uow_factory, bus) as second:
            theirs.change_status(UnitStatus.OFF_DUTY, at(2))
            second.raise_event(UnitStatusChanged(at(2), "second", UnitRecord.of(theirs)))
            second.units.update(theirs)
            second.commit()

    with pytest.raises(ConcurrentUpdate):
        lose()
    with uow_factory() as uow:
        outbox = uow.outbox.pending(100)
        logged, _ = uow.changes.find("unit", "u-1", Page(10, 0))
    assert [(m.type, m.payload["actor"]) for m in outbox] == [("unit.updated", "first")]
    assert [c.actor for c in logged] == ["first"]
    assert [e.actor for e in after.seen] == ["first"]

"""Dispatch and fleet use cases on the in-memory adapters, with a fake clock and the message
bus of bootstrap recording what reaches the live stream: what they write, what they log,
what they publish."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import Agency, CallType, Jurisdiction, Requirement
from bluepool.domain.dispatch.events import IncidentReceived
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import (
    ConcurrentUpdate,
    Forbidden,
    NotFound,
    PolicyForbids,
    UnitUnavailable,
)
from bluepool.domain.shared.events import Event
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, UnitId, Username
from bluepool.domain.sharing.policies import SharingPolicy
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents, units
from bluepool.services.ports import Page
from tests.builders import T0, a_square, lend

HERE = Location(47.0, 9.0)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.at = now

    def now(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, event: Event) -> None:
        self.events.append(event)


class PlainHasher:
    def hash(self, password: str) -> str:
        return "plain:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain:" + password


DISPATCHER = User(Username("dora"), Role.DISPATCHER)
OFFICER = User(Username("olaf"), Role.OFFICER, agency_id=AgencyId("a"), unit_id=UnitId("a-1"))


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        uow.agencies.add(Agency(AgencyId("a"), "Alpha"))
        uow.agencies.add(Agency(AgencyId("b"), "Bravo"))
        uow.jurisdictions.add(
            Jurisdiction(
                JurisdictionId("ja"), "A-town", AgencyId("a"), a_square(HERE.lat, HERE.lon, 0.1)
            )
        )
        lend(uow, SharingPolicy(AgencyId("b")))  # lends nothing: no agreement
        uow.call_types.add(CallType(CallTypeCode("theft"), "Theft", 3, (Requirement("patrol"),)))
        for uid, agency in (("a-1", "a"), ("a-2", "a"), ("b-1", "b")):
            uow.units.add(
                Unit(
                    UnitId(uid),
                    AgencyId(agency),
                    "patrol",
                    frozenset({"patrol"}),
                    location=HERE,
                    jurisdiction_id=JurisdictionId("ja"),
                )
            )
        uow.commit()
    return store


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def ctx(store: MemoryStore, publisher: RecordingPublisher) -> Context:
    with MemoryUnitOfWork(store) as uow:
        index = JurisdictionIndex(uow.jurisdictions.list())
    bus = message_bus(publisher.publish, lambda: None)
    return Context(
        uow=lambda: MemoryUnitOfWork(store, bus),
        clock=FakeClock(),
        locator=lambda: index,
        travel=StraightLine(),
        hasher=PlainHasher(),
    )


def test_create_incident_logs_and_publishes(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    assert inc.jurisdiction == "ja"
    assert inc.priority == 3
    assert [(e.type, e.incident) for e in publisher.events] == [("incident.created", inc)]
    assert isinstance(publisher.events[0], IncidentReceived)
    with MemoryUnitOfWork(store) as uow:
        changes, _ = uow.changes.find("incident", inc.id, Page(10, 0))
        outbox = uow.outbox.pending(10)
    assert [(c.actor, c.action) for c in changes] == [("dora", "create")]
    assert [m.type for m in outbox] == ["incident.created"]
    assert outbox[0].payload["incident"]["id"] == inc.id


def test_assign_commits_unit_and_incident_together(ctx: Context, store: MemoryStore) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    result = incidents.assign(ctx, DISPATCHER, inc.id, "a-1")
    assert result.unit.status == "dispatched"
    with MemoryUnitOfWork(store) as uow:
        unit = uow.units.get(UnitId("a-1"))
        incident = uow.incidents.get(inc.id)
    assert unit is not None
    assert incident is not None
    assert unit.incident_id == incident.id
    assert incident.active_units() == ["a-1"]


def test_assigning_an_unknown_unit_is_not_found(ctx: Context) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    with pytest.raises(NotFound, match="no unit a-404") as refused:
        incidents.assign(ctx, DISPATCHER, inc.id, "a-404")
    assert refused.value.code == "unit_not_found"


def test_assigning_a_busy_unit_changes_nothing(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    first = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    second = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, first.id, "a-1")
    published = len(publisher.events)
    with pytest.raises(UnitUnavailable):
        incidents.assign(ctx, DISPATCHER, second.id, "a-1")
    assert len(publisher.events) == published
    with MemoryUnitOfWork(store) as uow:
        incident = uow.incidents.get(second.id)
    assert incident is not None
    assert incident.assignments == []


def test_a_unit_whose_agency_lends_nothing_cannot_be_assigned(ctx: Context) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    with pytest.raises(PolicyForbids, match="does not lend"):
        incidents.assign(ctx, DISPATCHER, inc.id, "b-1")


def test_the_second_of_two_stale_writers_loses(ctx: Context, store: MemoryStore) -> None:
    first = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    with MemoryUnitOfWork(store) as uow:
        stale = uow.units.get(UnitId("a-2"))
        incidents.assign(ctx, DISPATCHER, first.id, "a-2")  # commits meanwhile
        assert stale is not None
        stale.change_status(UnitStatus.OUT_OF_SERVICE, T0 + timedelta(hours=1), "flat tyre")
        with pytest.raises(ConcurrentUpdate):
            uow.units.update(stale)


def test_officer_moves_own_unit_and_the_incident_follows(ctx: Context, store: MemoryStore) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, inc.id, "a-1")
    for status in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE):
        assert units.set_status(ctx, OFFICER, "a-1", status).applied
    with MemoryUnitOfWork(store) as uow:
        incident = uow.incidents.get(inc.id)
    assert incident is not None
    assert incident.status.value == "closed"
    with pytest.raises(Forbidden):
        units.set_status(ctx, OFFICER, "a-2", UnitStatus.BUSY)


def test_position_replay_with_same_key_is_not_applied(ctx: Context) -> None:
    moved = Location(47.01, 9.01)
    first = units.report_position(ctx, OFFICER, "a-1", moved, T0 - timedelta(minutes=2), "fix-1")
    again = units.report_position(ctx, OFFICER, "a-1", moved, T0 - timedelta(minutes=1), "fix-1")
    assert first.applied is True
    assert again.applied is False
    assert again.position_at == first.position_at

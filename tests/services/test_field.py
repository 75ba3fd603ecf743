"""The officer's phone (services.dispatch.field): the emergency button, backup, incidents
the crew starts itself, and acknowledging an assignment; on the in-memory adapters with the
message bus of bootstrap recording what reaches the live stream."""

from __future__ import annotations

import pytest

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import message_bus
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    Jurisdiction,
    Requirement,
    Station,
)
from bluepool.domain.dispatch.incidents import Incident
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    IncidentId,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.context import Context
from bluepool.services.dispatch import field, incidents, units
from tests.builders import a_square
from tests.services.test_dispatch import FakeClock, PlainHasher, RecordingPublisher

HERE = Location(47.0, 9.0)
STATION = Location(47.01, 9.01)
FAR = Location(10.0, 10.0)  # outside every jurisdiction
DISPATCHER = User(Username("dora"), Role.DISPATCHER)
OFFICER = User(Username("olaf"), Role.OFFICER, agency_id=AgencyId("a"), unit_id=UnitId("a-1"))
OTHER_OFFICER = User(Username("otto"), Role.OFFICER, agency_id=AgencyId("a"), unit_id=UnitId("a-2"))


def _call_types(emergency: bool = True) -> list[CallType]:
    patrol = (Requirement("patrol"),)
    types = [
        CallType(CallTypeCode("theft"), "Theft", 3, patrol),
        CallType(CallTypeCode("traffic_stop"), "Traffic stop", 4, patrol, self_initiated=True),
    ]
    if emergency:
        three = (Requirement("patrol", 3),)
        types.append(
            CallType(CallTypeCode("distress"), "Officer in distress", 2, three, emergency=True)
        )
    return types


def _store(emergency: bool = True) -> MemoryStore:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        uow.agencies.add(Agency(AgencyId("a"), "Alpha"))
        uow.jurisdictions.add(
            Jurisdiction(
                JurisdictionId("ja"), "A-town", AgencyId("a"), a_square(HERE.lat, HERE.lon, 0.1)
            )
        )
        uow.stations.add(Station(StationId("s"), AgencyId("a"), "HQ", STATION))
        for ct in _call_types(emergency):
            uow.call_types.add(ct)
        for uid, where in (("a-1", HERE), ("a-2", HERE), ("a-3", None)):
            uow.units.add(
                Unit(
                    UnitId(uid),
                    AgencyId("a"),
                    "patrol",
                    frozenset({"patrol"}),
                    station_id=StationId("s"),
                    location=where,
                    jurisdiction_id=JurisdictionId("ja") if where else None,
                )
            )
        uow.commit()
    return store


@pytest.fixture
def store() -> MemoryStore:
    return _store()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


def _ctx(store: MemoryStore, publisher: RecordingPublisher) -> Context:
    with MemoryUnitOfWork(store) as uow:
        index = JurisdictionIndex(uow.jurisdictions.list())
    return Context(
        uow=lambda: MemoryUnitOfWork(store, message_bus(publisher.publish, lambda: None)),
        clock=FakeClock(),
        locator=lambda: index,
        travel=StraightLine(),
        hasher=PlainHasher(),
    )


@pytest.fixture
def ctx(store: MemoryStore, publisher: RecordingPublisher) -> Context:
    return _ctx(store, publisher)


def _unit(store: MemoryStore, unit_id: str) -> Unit:
    with MemoryUnitOfWork(store) as uow:
        unit = uow.units.get(UnitId(unit_id))
    assert unit is not None
    return unit


# the emergency button


def test_the_emergency_button_alerts_and_opens_a_p1_with_the_officer_on_scene(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    result = field.emergency(ctx, OFFICER, "a-1")
    assert result.created
    assert result.position_source == "unit position"
    incident = result.incident
    assert incident is not None
    assert (incident.call_type, incident.priority) == ("distress", 1)  # P1 whatever the type says
    assert incident.location == HERE
    assert incident.jurisdiction == "ja"
    assert [(e.kind, e.unit_id) for e in incident.timeline] == [
        ("received", None),
        ("emergency", "a-1"),
        ("dispatched", "a-1"),
        ("on_scene", "a-1"),
    ]
    assert _unit(store, "a-1").status is UnitStatus.ON_SCENE
    types = [e.type for e in publisher.events]
    assert types[-1] == "alert.emergency"
    assert "incident.created" in types
    # the rest of the plan is still wanted: the recommendation offers the other patrol car
    rec = incidents.recommendation(ctx, DISPATCHER, incident.id)
    assert [c.unit_id for c in rec.proposed] == ["a-2"]


def test_pressing_again_answers_with_the_open_emergency_and_alerts_again(
    ctx: Context, publisher: RecordingPublisher
) -> None:
    first = field.emergency(ctx, OFFICER, "a-1")
    again = field.emergency(ctx, OFFICER, "a-1")
    assert not again.created
    assert again.incident is not None
    assert first.incident is not None
    assert again.incident.id == first.incident.id
    assert [e.type for e in publisher.events].count("alert.emergency") == 2
    assert [e.type for e in publisher.events].count("incident.created") == 1


def test_the_position_comes_from_the_device_then_the_last_fix_then_the_station(
    ctx: Context,
) -> None:
    sent = Location(47.02, 9.02)
    by_device = field.emergency(ctx, OFFICER, "a-1", sent)
    assert by_device.incident is not None
    assert by_device.incident.location == sent
    assert by_device.position_source == "device"
    by_station = field.emergency(ctx, DISPATCHER, "a-3")  # no fix: its station's
    assert by_station.incident is not None
    assert by_station.incident.location == STATION
    assert by_station.position_source == "station"


def test_an_emergency_outside_every_jurisdiction_is_taken_and_marked_outside(
    ctx: Context,
) -> None:
    result = field.emergency(ctx, OFFICER, "a-1", FAR)
    assert result.incident is not None
    assert result.incident.outside


def test_an_officer_on_another_call_keeps_it_and_that_call_points_to_the_emergency(
    ctx: Context, store: MemoryStore
) -> None:
    theft = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, theft.id, "a-1")
    result = field.emergency(ctx, OFFICER, "a-1")
    assert result.incident is not None
    assert _unit(store, "a-1").incident_id == theft.id
    after = incidents.get_incident(ctx, DISPATCHER, theft.id)
    assert after.timeline[-1].kind == "emergency"
    assert result.incident.id in after.timeline[-1].detail


def test_without_an_emergency_call_type_the_alert_still_goes_out(
    publisher: RecordingPublisher,
) -> None:
    ctx = _ctx(_store(emergency=False), publisher)
    result = field.emergency(ctx, OFFICER, "a-1")
    assert result.incident is None
    assert not result.created
    assert [e.type for e in publisher.events] == ["alert.emergency"]


def test_an_officer_presses_only_for_their_own_unit(ctx: Context) -> None:
    with pytest.raises(Forbidden):
        field.emergency(ctx, OTHER_OFFICER, "a-1")


# backup, acknowledge


def _incident(store: MemoryStore, incident_id: str) -> Incident:
    with MemoryUnitOfWork(store) as uow:
        incident = uow.incidents.get(IncidentId(incident_id))
    assert incident is not None
    return incident


def test_backup_marks_the_incident_until_a_unit_is_assigned(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    theft = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, theft.id, "a-1")
    record = field.request_backup(ctx, OFFICER, "a-1", "  suspect   fled on foot ")
    assert (record.timeline[-1].kind, record.timeline[-1].detail) == (
        "backup_requested",
        "suspect fled on foot",
    )
    assert publisher.events[-1].type == "alert.backup"
    assert _incident(store, theft.id).backup_wanted
    incidents.assign(ctx, DISPATCHER, theft.id, "a-2")
    assert not _incident(store, theft.id).backup_wanted


def test_backup_and_acknowledge_need_an_assignment(ctx: Context) -> None:
    for act in (field.request_backup, field.acknowledge):
        with pytest.raises(Conflict) as refused:
            act(ctx, OFFICER, "a-1")
        assert refused.value.code == "not_assigned"


def test_an_assignment_is_acknowledged_once(ctx: Context, publisher: RecordingPublisher) -> None:
    theft = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, theft.id, "a-1")
    first = field.acknowledge(ctx, OFFICER, "a-1")
    published = len(publisher.events)
    again = field.acknowledge(ctx, OFFICER, "a-1")
    assert [e.kind for e in first.timeline].count("assignment_acknowledged") == 1
    assert again.timeline == first.timeline
    assert len(publisher.events) == published  # nothing new happened


# incidents the crew starts


def test_a_self_initiated_incident_opens_with_the_unit_on_scene(
    ctx: Context, store: MemoryStore
) -> None:
    record = field.self_initiate(ctx, OFFICER, "a-1", "traffic_stop", description=" FL 1234 ")
    assert (record.call_type, record.priority, record.status) == ("traffic_stop", 4, "on_scene")
    assert record.description == "FL 1234"
    assert record.location == HERE
    assert _unit(store, "a-1").incident_id == record.id
    # it closes like any other call: the crew clears
    units.set_status(ctx, OFFICER, "a-1", UnitStatus.AVAILABLE)
    assert _incident(store, record.id).status == "closed"


def test_only_self_initiated_call_types_start_from_the_field(ctx: Context) -> None:
    with pytest.raises(Invalid, match="these are: traffic_stop") as refused:
        field.self_initiate(ctx, OFFICER, "a-1", "theft")
    assert refused.value.code == "not_self_initiated"


def test_a_busy_unit_or_an_unknown_position_cannot_start_one(
    ctx: Context, store: MemoryStore
) -> None:
    field.self_initiate(ctx, OFFICER, "a-1", "traffic_stop")
    with pytest.raises(Conflict, match="clear it first"):
        field.self_initiate(ctx, OFFICER, "a-1", "traffic_stop")
    with pytest.raises(Invalid) as refused:
        field.self_initiate(ctx, DISPATCHER, "a-3", "traffic_stop")
    assert refused.value.code == "no_position"
    assert _unit(store, "a-3").incident_id is None


def test_a_self_initiated_incident_follows_the_jurisdiction_rule(ctx: Context) -> None:
    with pytest.raises(Invalid) as refused:
        field.self_initiate(ctx, OFFICER, "a-1", "traffic_stop", FAR)
    assert refused.value.code == "outside_jurisdictions"

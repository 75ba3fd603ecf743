"""Incidents: assignment, the timeline, following the units, closing."""

from __future__ import annotations

import pytest

from bluepool.domain.dispatch.incidents import Incident, IncidentStatus
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import Conflict, Invalid, UnitUnavailable
from tests.domain.builders_local import a_unit, an_incident, at

S = UnitStatus


def move(incident: Incident, unit: Unit, status: UnitStatus, minutes: float) -> None:
    """What the service does on a status update: change the unit, tell its incident."""
    assert unit.change_status(status, at(minutes), "radioed")
    incident.unit_moved(unit, at(minutes), "device")


@pytest.mark.parametrize("priority", [0, 6, -1])
def test_priority_outside_1_to_5_is_invalid(priority: int) -> None:
    with pytest.raises(Invalid) as e:
        an_incident(priority=priority)
    assert e.value.code == "bad_priority"


def test_received_incident_opens_its_timeline() -> None:
    incident = an_incident(call_type="assault", priority=1, jurisdiction=None)

    assert incident.status is IncidentStatus.RECEIVED
    assert incident.is_open
    [entry] = incident.timeline
    assert (entry.kind, entry.at, entry.actor) == ("received", at(0), "dispatcher")
    assert entry.detail == "assault P1 outside every jurisdiction"


def test_timeline_records_every_step_in_order() -> None:
    incident, unit = an_incident(), a_unit("u1")

    incident.assign(unit, at(1), "alice", "nearest")
    move(incident, unit, S.EN_ROUTE, 2)
    move(incident, unit, S.ON_SCENE, 9)
    move(incident, unit, S.AVAILABLE, 30)

    steps = [(e.kind, e.at, e.unit_id) for e in incident.timeline]
    assert steps == [
        ("received", at(0), None),
        ("dispatched", at(1), "u1"),
        ("en_route", at(2), "u1"),
        ("on_scene", at(9), "u1"),
        ("cleared", at(30), "u1"),
        ("closed", at(30), None),
    ]
    assert incident.timeline[1].actor == "alice"
    assert incident.timeline[1].detail == "nearest"
    assert incident.timeline[-1].detail == "last unit cleared"


def test_status_follows_the_most_advanced_unit() -> None:
    incident = an_incident()
    first, second = a_unit("u1"), a_unit("u2")
    incident.assign(first, at(1), "alice")
    incident.assign(second, at(1), "alice")
    statuses = [incident.status]

    move(incident, second, S.ON_SCENE, 5)
    statuses.append(incident.status)
    move(incident, first, S.EN_ROUTE, 6)  # a slower unit does not pull the incident back
    statuses.append(incident.status)

    assert statuses == [IncidentStatus.DISPATCHED, IncidentStatus.ON_SCENE, IncidentStatus.ON_SCENE]


def test_busy_on_scene_counts_as_on_scene() -> None:
    incident, unit = an_incident(), a_unit()
    incident.assign(unit, at(1), "alice")
    move(incident, unit, S.ON_SCENE, 3)
    move(incident, unit, S.BUSY, 4)

    assert incident.status is IncidentStatus.ON_SCENE
    assert incident.active_units() == ["u1"]


def test_stays_open_while_a_unit_is_still_on_it() -> None:
    incident = an_incident()
    first, second = a_unit("u1"), a_unit("u2")
    incident.assign(first, at(1), "alice")
    incident.assign(second, at(1), "alice")

    move(incident, first, S.AVAILABLE, 10)

    assert incident.is_open
    assert incident.active_units() == ["u2"]


def test_closes_when_last_unit_clears() -> None:
    incident = an_incident()
    first, second = a_unit("u1"), a_unit("u2")
    incident.assign(first, at(1), "alice")
    incident.assign(second, at(1), "alice")
    move(incident, first, S.ON_SCENE, 5)

    move(incident, first, S.AVAILABLE, 10)
    move(incident, second, S.AVAILABLE, 12)

    assert incident.status is IncidentStatus.CLOSED
    assert incident.closed_at == at(12)
    assert incident.active_units() == []


def test_recalling_every_unit_before_the_scene_puts_the_call_back_in_the_queue() -> None:
    incident = an_incident()
    unit = a_unit("u1")
    incident.assign(unit, at(1), "alice")
    move(incident, unit, S.EN_ROUTE, 2)

    move(incident, unit, S.AVAILABLE, 3)

    assert incident.is_open
    assert incident.status is IncidentStatus.RECEIVED
    assert [e.kind for e in incident.timeline][-2:] == ["recalled", "requeued"]


def test_unit_going_out_of_service_from_busy_clears_it() -> None:
    incident, unit = an_incident(), a_unit()
    incident.assign(unit, at(1), "alice")
    move(incident, unit, S.ON_SCENE, 2)
    move(incident, unit, S.BUSY, 3)
    move(incident, unit, S.OUT_OF_SERVICE, 4)

    assert unit.incident_id is None
    assert incident.status is IncidentStatus.CLOSED


def test_close_frees_every_unit_still_on_it() -> None:
    incident = an_incident()
    units: dict[str, Unit] = {u.id: u for u in (a_unit("u1"), a_unit("u2"), a_unit("u3"))}
    for u in units.values():
        incident.assign(u, at(1), "alice")
    move(incident, units["u2"], S.ON_SCENE, 4)
    move(incident, units["u3"], S.AVAILABLE, 5)

    incident.close(at(20), "bob", units)  # type: ignore[arg-type]

    assert incident.status is IncidentStatus.CLOSED
    assert incident.closed_at == at(20)
    assert all(a.cleared_at is not None for a in incident.assignments)
    for u in units.values():
        assert (u.status, u.incident_id) == (S.AVAILABLE, None)
    assert units["u1"].status_at == at(20)
    assert units["u3"].status_at == at(5)  # cleared earlier: left alone
    assert incident.timeline[-1].detail == "closed by dispatch"


def test_close_does_not_free_a_unit_already_on_another_incident() -> None:
    first, second = an_incident("i1"), an_incident("i2")
    unit = a_unit()
    first.assign(unit, at(1), "alice")
    unit.change_status(S.AVAILABLE, at(2))  # cleared, but the service has not told i1 yet
    second.assign(unit, at(3), "alice")

    first.close(at(4), "bob", {unit.id: unit})

    assert (unit.status, unit.incident_id) == (S.DISPATCHED, "i2")


def test_closing_a_closed_incident_is_a_conflict() -> None:
    incident = an_incident()
    incident.close(at(1), "bob", {})

    with pytest.raises(Conflict):
        incident.close(at(2), "bob", {})


def test_cannot_assign_to_a_closed_incident() -> None:
    incident, unit = an_incident(), a_unit()
    incident.close(at(1), "bob", {})

    with pytest.raises(Conflict) as e:
        incident.assign(unit, at(2), "alice")

    assert e.value.code == "incident_closed"
    assert unit.status is S.AVAILABLE
    assert incident.assignments == []


def test_assigning_an_unavailable_unit_raises_and_records_nothing() -> None:
    incident = an_incident()
    unit = a_unit(status=S.ON_SCENE, incident="i9")

    with pytest.raises(UnitUnavailable):
        incident.assign(unit, at(1), "alice")

    assert incident.assignments == []
    assert len(incident.timeline) == 1
    assert incident.status is IncidentStatus.RECEIVED
    assert unit.incident_id == "i9"

"""Units: the status state machine, dispatch, and stale updates."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest

from bluepool.domain.dispatch.units import COMMITTED, TRANSITIONS, Unit, UnitStatus
from bluepool.domain.shared.errors import InvalidTransition, UnitUnavailable
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import IncidentId, JurisdictionId
from tests.domain.builders_local import a_unit, at

S = UnitStatus

#: The state machine as the module docstring draws it, written out independently.
ALLOWED = {
    (S.AVAILABLE, S.DISPATCHED),
    (S.AVAILABLE, S.BUSY),
    (S.AVAILABLE, S.OUT_OF_SERVICE),
    (S.AVAILABLE, S.OFF_DUTY),
    (S.DISPATCHED, S.EN_ROUTE),
    (S.DISPATCHED, S.ON_SCENE),
    (S.DISPATCHED, S.AVAILABLE),
    (S.DISPATCHED, S.OUT_OF_SERVICE),
    (S.EN_ROUTE, S.ON_SCENE),
    (S.EN_ROUTE, S.AVAILABLE),
    (S.EN_ROUTE, S.OUT_OF_SERVICE),
    (S.ON_SCENE, S.BUSY),
    (S.ON_SCENE, S.AVAILABLE),
    (S.ON_SCENE, S.OUT_OF_SERVICE),
    (S.BUSY, S.AVAILABLE),
    (S.BUSY, S.OUT_OF_SERVICE),
    (S.OUT_OF_SERVICE, S.AVAILABLE),
    (S.OUT_OF_SERVICE, S.OFF_DUTY),
    (S.OFF_DUTY, S.AVAILABLE),
    (S.OFF_DUTY, S.OUT_OF_SERVICE),
}
PAIRS = [(a, b) for a, b in product(UnitStatus, UnitStatus) if a is not b]


def a_unit_in(status: UnitStatus) -> Unit:
    on_incident = status in COMMITTED or status is S.BUSY
    return a_unit(status=status, incident="i1" if on_incident else None, status_at=at(0))


def test_transition_table_matches_the_documented_state_machine() -> None:
    assert {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts} == ALLOWED


@pytest.mark.parametrize(
    ("old", "new"), [p for p in PAIRS if p in ALLOWED and p[1] is not S.DISPATCHED]
)
def test_allowed_status_change_is_applied(old: UnitStatus, new: UnitStatus) -> None:
    unit = a_unit_in(old)

    assert unit.change_status(new, at(1), "flat tyre") is True

    assert unit.status is new
    assert unit.status_at == at(1)


@pytest.mark.parametrize(
    ("old", "new"), [p for p in PAIRS if p not in ALLOWED or p[1] is S.DISPATCHED]
)
def test_forbidden_status_change_raises_and_changes_nothing(
    old: UnitStatus, new: UnitStatus
) -> None:
    unit = a_unit_in(old)
    before = replace(unit)

    with pytest.raises(InvalidTransition):
        unit.change_status(new, at(1))

    assert unit == before


def test_a_unit_is_dispatched_only_by_assignment() -> None:
    unit = a_unit()

    with pytest.raises(InvalidTransition, match="assigning it to an incident"):
        unit.change_status(S.DISPATCHED, at(1))


@pytest.mark.parametrize("status", list(UnitStatus))
def test_repeating_the_current_status_is_ignored(status: UnitStatus) -> None:
    unit = a_unit_in(status)
    before = replace(unit)

    assert unit.change_status(status, at(1)) is False
    assert unit == before


def test_stale_status_update_is_ignored() -> None:
    unit = a_unit(status=S.EN_ROUTE, incident="i1", status_at=at(10))
    before = replace(unit)

    assert unit.change_status(S.ON_SCENE, at(9)) is False
    assert unit == before


def test_stale_update_is_ignored_even_when_it_would_be_forbidden() -> None:
    unit = a_unit(status=S.OFF_DUTY, status_at=at(10))

    assert unit.change_status(S.ON_SCENE, at(5)) is False
    assert unit.status is S.OFF_DUTY


def test_update_at_the_same_instant_as_the_last_is_applied() -> None:
    unit = a_unit(status=S.EN_ROUTE, incident="i1", status_at=at(10))

    assert unit.change_status(S.ON_SCENE, at(10)) is True
    assert unit.status is S.ON_SCENE


def test_dispatch_commits_unit_and_counts_workload() -> None:
    unit = a_unit(workload=2)

    unit.dispatch_to(IncidentId("i7"), at(1))

    assert unit.status is S.DISPATCHED
    assert unit.incident_id == "i7"
    assert unit.workload == 3
    assert unit.status_at == at(1)


@pytest.mark.parametrize("status", [s for s in UnitStatus if s is not S.AVAILABLE])
def test_dispatch_of_a_non_available_unit_raises_unit_unavailable(status: UnitStatus) -> None:
    unit = a_unit_in(status)
    before = replace(unit)

    with pytest.raises(UnitUnavailable):
        unit.dispatch_to(IncidentId("i2"), at(1))

    assert unit == before


def test_going_available_frees_the_unit_from_its_incident() -> None:
    unit = a_unit(status=S.ON_SCENE, incident="i1")

    unit.change_status(S.AVAILABLE, at(1))

    assert unit.incident_id is None


def test_busy_on_scene_stays_on_the_incident() -> None:
    unit = a_unit(status=S.ON_SCENE, incident="i1")

    unit.change_status(S.BUSY, at(1))

    assert unit.incident_id == "i1"


def test_release_makes_a_committed_unit_available() -> None:
    unit = a_unit(status=S.EN_ROUTE, incident="i1", status_at=at(0))

    unit.release(at(5))

    assert (unit.status, unit.incident_id, unit.status_at) == (S.AVAILABLE, None, at(5))


def test_release_leaves_an_out_of_service_unit_out_of_service() -> None:
    unit = a_unit(status=S.OUT_OF_SERVICE, status_at=at(0))

    unit.release(at(5))

    assert (unit.status, unit.status_at) == (S.OUT_OF_SERVICE, at(0))


def test_position_fix_moves_the_unit() -> None:
    unit = a_unit(location=None, jurisdiction=None)
    here = Location(45.01, -75.02)

    assert unit.move_to(here, at(1), JurisdictionId("n2")) is True

    assert (unit.location, unit.position_at, unit.jurisdiction_id) == (here, at(1), "n2")


@pytest.mark.parametrize("minutes", [5, 4], ids=["same-instant", "older"])
def test_stale_or_repeated_position_fix_is_ignored(minutes: int) -> None:
    unit = a_unit()
    unit.move_to(Location(45.01, -75.0), at(5), JurisdictionId("n1"))
    before = replace(unit)

    assert unit.move_to(Location(45.09, -74.9), at(minutes), None) is False
    assert unit == before

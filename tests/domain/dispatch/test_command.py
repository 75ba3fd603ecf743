"""Dispatch in command, the domain's part: taking a unit off a call, which units may be
diverted, the reasons dispatch must give, and who may override a sharing rule."""

from __future__ import annotations

import pytest

from bluepool.domain.access.roles import Role, User
from bluepool.domain.dispatch.command import (
    OVERRIDABLE,
    Committed,
    FloorRules,
    divertable,
)
from bluepool.domain.dispatch.incidents import IncidentStatus
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import CallTypeCode, IncidentId, Username
from bluepool.services.dispatch import policy
from tests.domain.builders_local import a_unit, an_incident, at

S = UnitStatus


def test_taking_off_the_last_unit_requeues_the_call_even_from_the_scene() -> None:
    incident, unit = an_incident(), a_unit()
    incident.assign(unit, at(1), "dora")
    assert unit.change_status(S.ON_SCENE, at(2))
    incident.unit_moved(unit, at(2), "device")

    requeued = incident.take_off(unit, at(3), "dora", "recalled", "needed elsewhere")

    assert requeued is True
    assert incident.status is IncidentStatus.RECEIVED
    assert (unit.status, unit.incident_id) == (S.AVAILABLE, None)
    assert [e.kind for e in incident.timeline][-2:] == ["recalled", "requeued"]
    assert incident.timeline[-2].detail == "needed elsewhere"
    assert incident.active_units() == []


def test_taking_off_one_of_two_units_keeps_the_call_going() -> None:
    incident, one, two = an_incident(), a_unit("u1"), a_unit("u2")
    incident.assign(one, at(1), "dora")
    incident.assign(two, at(1), "dora")

    assert incident.take_off(one, at(2), "dora", "diverted", "to a P1") is False

    assert incident.status is IncidentStatus.DISPATCHED
    assert incident.active_units() == ["u2"]


def test_a_unit_not_on_the_call_cannot_be_taken_off_it() -> None:
    incident, unit = an_incident(), a_unit()

    with pytest.raises(Conflict) as refused:
        incident.take_off(unit, at(1), "dora", "recalled", "")

    assert refused.value.code == "not_on_incident"


def test_an_override_marks_the_timeline_just_before_the_dispatch() -> None:
    incident, unit = an_incident(), a_unit()

    incident.assign(unit, at(1), "sue", "eta 2 min", "policy_forbids overridden (...): riot")

    assert [(e.kind, e.unit_id) for e in incident.timeline][-2:] == [
        ("override", "u1"),
        ("dispatched", "u1"),
    ]


def test_only_units_on_less_urgent_open_calls_are_divertable() -> None:
    on = {
        IncidentId("p4"): Committed(IncidentId("p4"), 4, CallTypeCode("noise")),
        IncidentId("p1"): Committed(IncidentId("p1"), 1, CallTypeCode("robbery")),
    }
    units = [
        a_unit("on-p4", status=S.EN_ROUTE, incident="p4"),
        a_unit("on-p1", status=S.EN_ROUTE, incident="p1"),
        a_unit("busy-p4", status=S.BUSY, incident="p4"),
        a_unit("free"),
        a_unit("on-closed", status=S.DISPATCHED, incident="gone"),
    ]

    free = divertable(units, 2, IncidentId("here"), on)

    assert [u.id for u in free] == ["on-p4"]
    copy = free[0]
    assert (copy.status, copy.incident_id, copy.jurisdiction_id) == (S.AVAILABLE, None, None)
    assert units[0].status is S.EN_ROUTE  # the fleet itself is untouched
    assert divertable(units, 4, IncidentId("here"), on) == []  # equally urgent: no


def test_out_of_service_needs_a_reason_kept_until_it_leaves() -> None:
    unit = a_unit()
    with pytest.raises(Invalid) as refused:
        unit.change_status(S.OUT_OF_SERVICE, at(1), "  ")
    assert refused.value.code == "reason_required"
    assert unit.status is S.AVAILABLE
    with pytest.raises(Invalid):
        unit.change_status(S.OUT_OF_SERVICE, at(1), "x" * 501)

    assert unit.change_status(S.OUT_OF_SERVICE, at(1), " flat\ttyre ")
    assert unit.status_reason == "flat tyre"
    assert unit.change_status(S.AVAILABLE, at(2), "ignored")
    assert unit.status_reason == ""


def test_a_unit_on_a_call_may_go_out_of_service_and_its_call_is_requeued() -> None:
    incident, unit = an_incident(), a_unit()
    incident.assign(unit, at(1), "dora")
    assert unit.change_status(S.EN_ROUTE, at(2))
    incident.unit_moved(unit, at(2), "device")

    assert unit.change_status(S.OUT_OF_SERVICE, at(3), "engine")
    incident.unit_moved(unit, at(3), "dora")

    assert unit.incident_id is None
    assert incident.status is IncidentStatus.RECEIVED


def test_only_the_sharing_rules_can_be_overridden() -> None:
    assert {RuleCode.POLICY_FORBIDS, RuleCode.RESERVE_KEPT} == OVERRIDABLE


@pytest.mark.parametrize(
    ("role", "allowed", "expected"),
    [
        (Role.SUPERVISOR, False, True),
        (Role.COLLECTIVE_ADMIN, False, True),
        (Role.DISPATCHER, False, False),
        (Role.DISPATCHER, True, True),
        (Role.ANALYST, True, False),
        (Role.OFFICER, True, False),
        (Role.AGENCY_ADMIN, True, False),
    ],
)
def test_who_may_override(role: Role, allowed: bool, expected: bool) -> None:
    user = User(Username("u"), role)
    assert policy.may_override(user, FloorRules(dispatchers_may_override=allowed)) is expected


def test_floor_rules_read_only_a_true_flag() -> None:
    assert FloorRules.of(None) == FloorRules()
    assert FloorRules.of({"dispatchers_may_override": "yes"}) == FloorRules()
    rules = FloorRules(dispatchers_may_override=True)
    assert FloorRules.of(rules.value()) == rules

"""The floor's timers: which run on an incident, when each falls due, and what an
acknowledgement does; and the supervisor's figures (reserves, workload)."""

from __future__ import annotations

import pytest

from bluepool.domain.dispatch.floor import reserves, waiting_order, workload
from bluepool.domain.dispatch.timers import (
    ACKNOWLEDGED,
    TimerKind,
    TimerLimits,
    acknowledge,
    due,
    running,
)
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import AgencyId, UnitId
from bluepool.domain.sharing.policies import SharingPolicy
from tests.domain.builders_local import a_collective, a_unit, an_incident, at

LIMITS = {
    1: TimerLimits(1, unassigned_s=60, dispatched_not_enroute_s=120, welfare_check_s=600),
    2: TimerLimits(2, unassigned_s=300),
}


def test_a_waiting_call_falls_due_after_its_priority_s_unassigned_limit() -> None:
    call = an_incident(priority=1, received=at(0))

    (timer,) = running([call], LIMITS)

    assert timer.kind is TimerKind.UNASSIGNED
    assert timer.unit_id is None
    assert timer.due_at == at(1)
    assert due([timer], at(0.99)) == []
    assert due([timer], at(1)) == [timer]


def test_a_priority_without_timers_and_a_closed_call_run_none() -> None:
    quiet = an_incident("quiet", priority=4)
    closed = an_incident("closed", priority=1)
    closed.close(at(1), "dispatcher", {})

    assert running([quiet, closed], LIMITS) == []


def test_a_dispatched_unit_that_does_not_set_off_then_its_welfare_check() -> None:
    call = an_incident(priority=1, received=at(0))
    unit = a_unit("u1")
    call.assign(unit, at(2), "dispatcher")

    (late,) = running([call], LIMITS)
    assert (late.kind, late.unit_id, late.due_at) == (
        TimerKind.DISPATCHED_NOT_ENROUTE,
        "u1",
        at(4),
    )

    unit.change_status(UnitStatus.ON_SCENE, at(5))
    call.unit_moved(unit, at(5), "officer")
    (welfare,) = running([call], LIMITS)
    assert (welfare.kind, welfare.started_at, welfare.due_at) == (
        TimerKind.WELFARE_CHECK,
        at(5),
        at(15),
    )


def test_acknowledging_writes_the_timeline_and_restarts_the_timer() -> None:
    call = an_incident(priority=1, received=at(0))
    unit = a_unit("u1")
    call.assign(unit, at(0), "dispatcher")
    unit.change_status(UnitStatus.ON_SCENE, at(1))
    call.unit_moved(unit, at(1), "officer")

    again = acknowledge(call, LIMITS, TimerKind.WELFARE_CHECK, UnitId("u1"), at(12), "dana")

    assert again.started_at == at(12)
    assert again.due_at == at(22)
    last = call.timeline[-1]
    assert (last.kind, last.actor, last.unit_id, last.detail) == (
        ACKNOWLEDGED,
        "dana",
        "u1",
        "welfare_check",
    )
    assert due(running([call], LIMITS), at(21)) == []


def test_only_a_running_timer_can_be_acknowledged() -> None:
    call = an_incident(priority=1)
    with pytest.raises(Conflict):
        acknowledge(call, LIMITS, TimerKind.WELFARE_CHECK, UnitId("u1"), at(1), "dana")


def test_a_requeued_call_waits_again_from_when_it_went_back() -> None:
    call = an_incident(priority=1, received=at(0))
    unit = a_unit("u1")
    call.assign(unit, at(1), "dispatcher")
    unit.change_status(UnitStatus.AVAILABLE, at(3))
    call.unit_moved(unit, at(3), "officer")

    (timer,) = running([call], LIMITS)
    assert timer.kind is TimerKind.UNASSIGNED
    assert timer.started_at == at(3)


def test_due_timers_come_most_urgent_first() -> None:
    p2 = an_incident("p2", priority=2, received=at(0))
    p1 = an_incident("p1", priority=1, received=at(10))

    assert [t.incident_id for t in due(running([p2, p1], LIMITS), at(20))] == ["p1", "p2"]


def test_timer_limits_must_be_positive() -> None:
    with pytest.raises(Invalid):
        TimerLimits(1, unassigned_s=0)
    with pytest.raises(Invalid):
        TimerLimits(6)


def test_waiting_calls_most_urgent_then_longest_waiting() -> None:
    old_p2 = an_incident("a", priority=2, received=at(0))
    new_p1 = an_incident("b", priority=1, received=at(5))
    old_p1 = an_incident("c", priority=1, received=at(1))
    taken = an_incident("d", priority=1, received=at(0))
    taken.assign(a_unit("u1"), at(1), "dispatcher")

    assert [i.id for i in waiting_order([old_p2, new_p1, old_p1, taken])] == ["c", "b", "a"]


def test_reserves_count_available_units_at_home_against_the_reserve() -> None:
    collective = a_collective([SharingPolicy(AgencyId("north"), 2)])
    units = [
        a_unit("n1", agency="north", jurisdiction="n1"),
        a_unit("n2", agency="north", jurisdiction="n1"),
        a_unit("n3", agency="north", status=UnitStatus.DISPATCHED),
    ]

    north = next(r for r in reserves(units, collective) if r.agency == "north")

    assert (north.units, north.available, north.available_at_home) == (3, 2, 2)
    assert north.home_reserve == 2
    assert north.at_reserve


def test_workload_counts_calls_taken_and_units_assigned_in_the_shift() -> None:
    early = an_incident("early", received=at(0))
    late = an_incident("late", received=at(60))
    late.assign(a_unit("u1"), at(61), "sam")
    early.assign(a_unit("u2"), at(62), "dana")

    loads = workload([early, late], at(30))

    assert [(d.actor, d.created, d.assigned) for d in loads] == [
        ("dana", 0, 1),
        ("dispatcher", 1, 0),
        ("sam", 0, 1),
    ]

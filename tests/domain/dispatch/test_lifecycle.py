"""The dispatch lifecycle as a state machine over the domain objects.

Hypothesis drives units and incidents through whole shifts: incidents come in, units are
assigned (or refused), devices report statuses (some forbidden, some stale), dispatchers
close incidents. After every step no unit may be committed to two open incidents, and units
and incidents must agree on who is where.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from bluepool.domain.dispatch.incidents import Incident, IncidentStatus
from bluepool.domain.dispatch.units import COMMITTED, TRANSITIONS, Unit, UnitStatus
from bluepool.domain.shared.errors import Conflict, InvalidTransition, UnitUnavailable
from bluepool.domain.shared.ids import CallTypeCode, IncidentId, UnitId
from tests.domain.builders_local import SCENE, a_unit
from tests.strategies import CALL_TYPES, T0, jurisdiction_ids

S = UnitStatus


def snapshot(unit: Unit, incidents: dict[IncidentId, Incident]) -> tuple[object, ...]:
    """Everything an operation on ``unit`` might touch, for 'changes nothing' checks."""
    return (
        replace(unit),
        {
            i.id: (i.status, len(i.timeline), [replace(a) for a in i.assignments])
            for i in incidents.values()
        },
    )


class DispatchLifecycle(RuleBasedStateMachine):
    units = Bundle("units")
    incidents = Bundle("incidents")

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.all_units: dict[UnitId, Unit] = {}
        self.all_incidents: dict[IncidentId, Incident] = {}

    def tick(self, seconds: int) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    @initialize(target=units)
    def shift_starts(self) -> object:
        return multiple(*(self.new_unit() for _ in range(3)))

    @rule(target=units)
    def new_unit(self) -> Unit:
        unit = a_unit(f"u{len(self.all_units)}")
        self.all_units[unit.id] = unit
        return unit

    @rule(
        target=incidents,
        call_type=st.sampled_from(CALL_TYPES),
        priority=st.integers(1, 5),
        jurisdiction=jurisdiction_ids(),
        wait=st.integers(0, 600),
    )
    def receive_call(
        self, call_type: CallTypeCode, priority: int, jurisdiction: str | None, wait: int
    ) -> Incident:
        incident = Incident.receive(
            IncidentId(f"i{len(self.all_incidents)}"),
            call_type,
            priority,
            SCENE,
            jurisdiction,  # type: ignore[arg-type]
            self.tick(wait),
            "dispatcher",
        )
        self.all_incidents[incident.id] = incident
        return incident

    @rule(incident=incidents, unit=units, wait=st.integers(0, 120))
    def assign(self, incident: Incident, unit: Unit, wait: int) -> None:
        before = snapshot(unit, self.all_incidents)
        was_available = unit.status is S.AVAILABLE
        when = self.tick(wait)
        if not incident.is_open:
            with pytest.raises(Conflict):
                incident.assign(unit, when, "dispatcher")
            assert snapshot(unit, self.all_incidents) == before
        elif not was_available:
            with pytest.raises(UnitUnavailable):
                incident.assign(unit, when, "dispatcher")
            assert snapshot(unit, self.all_incidents) == before
        else:
            incident.assign(unit, when, "dispatcher")
            assert unit.status is S.DISPATCHED
            assert unit.incident_id == incident.id
            assert unit.id in incident.active_units()
            assert incident.status is not IncidentStatus.RECEIVED

    @rule(incident=incidents, data=st.data(), wait=st.integers(0, 120))
    def assign_an_available_unit(self, incident: Incident, data: st.DataObject, wait: int) -> None:
        """Most assignments a dispatcher makes are of an available unit to an open call."""
        free = sorted(uid for uid, u in self.all_units.items() if u.is_available)
        if free and incident.is_open:
            self.assign(incident, self.all_units[data.draw(st.sampled_from(free))], wait)

    @rule(unit=units, data=st.data(), wait=st.integers(0, 300))
    def device_reports_a_step(self, unit: Unit, data: st.DataObject, wait: int) -> None:
        """A device reports one of the moves the state machine allows from here."""
        steps = sorted(TRANSITIONS[unit.status] - {S.DISPATCHED})
        self.device_reports(unit, data.draw(st.sampled_from(steps)), wait)

    @rule(data=st.data(), wait=st.integers(0, 300))
    def crew_on_a_call_reports_a_step(self, data: st.DataObject, wait: int) -> None:
        """A unit on an incident moves on: en route, on scene, busy, cleared."""
        on_calls = sorted(uid for uid, u in self.all_units.items() if u.incident_id is not None)
        if on_calls:
            unit = self.all_units[data.draw(st.sampled_from(on_calls))]
            self.device_reports_a_step(unit, data, wait)

    @rule(unit=units, new=st.sampled_from(list(UnitStatus)), wait=st.integers(0, 300))
    def device_reports(self, unit: Unit, new: UnitStatus, wait: int) -> None:
        """A device reports any status at all, allowed or not."""
        when = self.tick(wait)
        on = self.all_incidents.get(unit.incident_id) if unit.incident_id else None
        old = unit.status
        before = snapshot(unit, self.all_incidents)
        if new is old:
            assert unit.change_status(new, when) is False
            assert snapshot(unit, self.all_incidents) == before
        elif new is S.DISPATCHED or new not in TRANSITIONS[old]:
            with pytest.raises(InvalidTransition):
                unit.change_status(new, when)
            assert snapshot(unit, self.all_incidents) == before
        else:
            assert unit.change_status(new, when, "radioed") is True
            assert unit.status is new
            if on is not None:
                on.unit_moved(unit, when, "device")

    @rule(unit=units, new=st.sampled_from(list(UnitStatus)), late=st.integers(1, 600))
    def late_report_arrives(self, unit: Unit, new: UnitStatus, late: int) -> None:
        if unit.status_at is None:
            return
        before = snapshot(unit, self.all_incidents)

        assert unit.change_status(new, unit.status_at - timedelta(seconds=late)) is False

        assert snapshot(unit, self.all_incidents) == before

    @rule(incident=incidents, wait=st.integers(0, 3600))
    def dispatcher_closes(self, incident: Incident, wait: int) -> None:
        when = self.tick(wait)
        if not incident.is_open:
            with pytest.raises(Conflict):
                incident.close(when, "dispatcher", self.all_units)
            return
        was_on_it = incident.active_units()

        incident.close(when, "dispatcher", self.all_units)

        assert incident.status is IncidentStatus.CLOSED
        for uid in was_on_it:
            unit = self.all_units[uid]
            assert unit.incident_id != incident.id
            assert unit.status not in COMMITTED

    # -- invariants -----------------------------------------------------------------------

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.all_incidents.values() if i.is_open]

    @invariant()
    def no_unit_is_committed_to_two_open_incidents(self) -> None:
        seen: dict[UnitId, IncidentId] = {}
        for incident in self.open_incidents():
            for uid in incident.active_units():
                assert uid not in seen, f"{uid} is on {seen[uid]} and {incident.id}"
                seen[uid] = incident.id

    @invariant()
    def a_units_incident_is_open_and_lists_it(self) -> None:
        for unit in self.all_units.values():
            if unit.incident_id is not None:
                incident = self.all_incidents[unit.incident_id]
                assert incident.is_open
                assert unit.id in incident.active_units()

    @invariant()
    def open_incidents_units_point_back(self) -> None:
        for incident in self.open_incidents():
            for uid in incident.active_units():
                assert self.all_units[uid].incident_id == incident.id

    @invariant()
    def committed_units_have_an_incident(self) -> None:
        for unit in self.all_units.values():
            if unit.status in COMMITTED:
                assert unit.incident_id is not None
            if unit.status is S.AVAILABLE:
                assert unit.incident_id is None

    @invariant()
    def open_incident_follows_its_most_advanced_active_unit(self) -> None:
        order = [
            IncidentStatus.RECEIVED,
            IncidentStatus.DISPATCHED,
            IncidentStatus.EN_ROUTE,
            IncidentStatus.ON_SCENE,
        ]
        progress = {S.DISPATCHED: 1, S.EN_ROUTE: 2, S.ON_SCENE: 3, S.BUSY: 3}
        for incident in self.open_incidents():
            for uid in incident.active_units():
                unit = self.all_units[uid]
                assert order.index(incident.status) >= progress[unit.status]

    @invariant()
    def incident_closes_when_its_last_unit_clears_after_serving(self) -> None:
        served = {S.ON_SCENE, S.BUSY}
        for incident in self.all_incidents.values():
            if incident.assignments and not incident.active_units():
                if any(a.status in served for a in incident.assignments):
                    assert not incident.is_open
                else:  # every unit was recalled before the scene: back in the queue
                    assert incident.status in (IncidentStatus.RECEIVED, IncidentStatus.CLOSED)

    @invariant()
    def closed_incidents_hold_no_unit(self) -> None:
        for incident in self.all_incidents.values():
            if not incident.is_open:
                assert incident.active_units() == []
                assert incident.closed_at is not None
                assert incident.timeline[-1].kind == "closed"

    @invariant()
    def timelines_run_forward_from_received(self) -> None:
        for incident in self.all_incidents.values():
            times = [e.at for e in incident.timeline]
            assert times == sorted(times)
            assert incident.timeline[0].kind == "received"


TestDispatchLifecycle = DispatchLifecycle.TestCase

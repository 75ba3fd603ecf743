"""Dispatch in command on the in-memory adapters: what an override, a diversion and a recall
write, log and publish, and a rejected one leaves nothing."""

from __future__ import annotations

import pytest

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.ids import IncidentId, UnitId, Username
from bluepool.services.context import Context
from bluepool.services.dispatch import command, incidents, units
from bluepool.services.dispatch.units import UnitStatus
from bluepool.services.ports import AuditFilter, Page
from tests.services.test_dispatch import (  # the same collective: b lends nothing
    DISPATCHER,
    HERE,
    RecordingPublisher,
    ctx,
    publisher,
    store,
)

__all__ = ["ctx", "publisher", "store"]  # fixtures

SUPERVISOR = User(Username("sue"), Role.SUPERVISOR)


def test_an_override_is_written_logged_and_published_with_its_rule(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)

    result = incidents.assign(ctx, SUPERVISOR, inc.id, "b-1", " nearest  car ")

    assert result.override is not None
    assert (result.override.rule, result.override.reason) == (
        RuleCode.POLICY_FORBIDS,
        "nearest car",
    )
    assigned = publisher.events[-1]
    assert assigned.type == "unit.assigned"
    assert getattr(assigned, "override", None) == result.override
    with MemoryUnitOfWork(store) as uow:
        line = uow.changes.find("incident", inc.id, Page())[0][0]
        entries = [
            e for e in uow.audit.find(AuditFilter(), Page())[0] if e.action == "unit.assigned"
        ]
    assert line.data["override"]["rule"] == "policy_forbids"
    assert entries[0].data["override"]["rule"] == "policy_forbids"


@pytest.mark.parametrize(
    ("user", "reason", "error"),
    [
        (DISPATCHER, "nearest", Forbidden),
        (SUPERVISOR, "  ", Invalid),
    ],
)
def test_a_refused_override_changes_nothing(
    ctx: Context, store: MemoryStore, user: User, reason: str, error: type[Exception]
) -> None:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)

    with pytest.raises(error):
        incidents.assign(ctx, user, inc.id, "b-1", reason)

    with MemoryUnitOfWork(store) as uow:
        assert uow.incidents.get(IncidentId(inc.id)).assignments == []  # type: ignore[union-attr]
        assert uow.units.get(UnitId("b-1")).incident_id is None  # type: ignore[union-attr]


def test_the_floor_rules_let_dispatchers_override(ctx: Context, store: MemoryStore) -> None:
    with MemoryUnitOfWork(store) as uow:
        uow.settings.add(Setting(FloorRules.SETTING, FloorRules(True).value()))
        uow.commit()
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)

    assert incidents.assign(ctx, DISPATCHER, inc.id, "b-1", "nearest").override is not None
    assert incidents.recommendation(ctx, DISPATCHER, inc.id).may_override is True


def test_a_diversion_moves_the_unit_and_requeues_the_old_call(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    low = incidents.create_incident(ctx, DISPATCHER, "theft", HERE, priority=4)
    incidents.assign(ctx, DISPATCHER, low.id, "a-1")
    incidents.assign(ctx, DISPATCHER, low.id, "a-2")
    high = incidents.create_incident(ctx, DISPATCHER, "theft", HERE, priority=1)
    rec = incidents.recommendation(ctx, DISPATCHER, high.id)
    assert {o.unit_id for o in rec.diversions} == {"a-1", "a-2"}  # b-1: b lends nothing
    assert rec.candidates == ()

    first = command.divert(ctx, DISPATCHER, high.id, "a-1")
    assert first.diverted_from is not None
    assert first.diverted_from.status == "dispatched"  # a-2 is still on it
    published = len(publisher.events)
    command.divert(ctx, DISPATCHER, high.id, "a-2")

    types = [e.type for e in publisher.events[published:]]
    assert types == ["unit.recalled", "incident.requeued", "unit.assigned"]
    with MemoryUnitOfWork(store) as uow:
        old = uow.incidents.get(IncidentId(low.id))
        new = uow.incidents.get(IncidentId(high.id))
    assert old is not None
    assert new is not None
    assert old.status.value == "received"
    assert sorted(new.active_units()) == ["a-1", "a-2"]
    with pytest.raises(Conflict):  # nothing left to divert from
        command.divert(ctx, DISPATCHER, low.id, "a-1")


def test_a_recall_and_a_breakdown_both_requeue(ctx: Context, publisher: RecordingPublisher) -> None:
    first = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, first.id, "a-1")
    result = command.recall(ctx, DISPATCHER, first.id, "a-1", "")
    assert result.requeued is True
    assert publisher.events[-1].type == "incident.requeued"

    second = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    incidents.assign(ctx, DISPATCHER, second.id, "a-2")
    with pytest.raises(Invalid):
        units.set_status(ctx, DISPATCHER, "a-2", UnitStatus.OUT_OF_SERVICE)
    units.set_status(ctx, DISPATCHER, "a-2", UnitStatus.OUT_OF_SERVICE, reason="engine")
    alert = publisher.events[-1]
    assert alert.type == "incident.requeued"
    assert getattr(alert, "reason", "") == "a-2 out_of_service: engine"

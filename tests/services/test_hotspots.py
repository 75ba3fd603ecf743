"""The hot-spot report as a use case: the board's readers only; citizen-initiated calls
only by default, the self-initiated ones counted as left out and counted in when asked;
by jurisdiction and time of week."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bluepool.adapters.spatial.hotspots import H3HotSpots
from bluepool.domain.access.roles import Role
from bluepool.domain.analytics.hotspots import Options
from bluepool.domain.collective.agencies import CallType
from bluepool.domain.shared.errors import Forbidden, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode
from bluepool.services.analytics.hotspots import hotspot_report
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents
from tests.builders import T0
from tests.services.test_authorization import HERE, USERS, collective

DAY = timedelta(days=1)


def with_calls() -> Context:
    ctx = dataclasses.replace(collective(), spatial=H3HotSpots())
    with ctx.uow() as uow:
        uow.call_types.add(
            CallType(CallTypeCode("traffic_stop"), "Traffic stop", 3, self_initiated=True)
        )
        uow.commit()
    dora = USERS[Role.DISPATCHER]
    for i in range(6):
        spot = Location(HERE.lat + 0.001 * i, HERE.lon)
        incidents.create_incident(ctx, dora, "theft", spot)
    for _ in range(4):
        incidents.create_incident(ctx, dora, "traffic_stop", HERE)
    return ctx


def test_only_the_boards_readers_read_it() -> None:
    ctx = with_calls()
    for role in (Role.DISPATCHER, Role.OFFICER):
        with pytest.raises(Forbidden):
            hotspot_report(ctx, USERS[role], T0, T0 + DAY)
    assert hotspot_report(ctx, USERS[Role.ANALYST], T0, T0 + DAY).counted == 6


def test_self_initiated_calls_are_left_out_by_default_and_said_so() -> None:
    ctx = with_calls()
    made = hotspot_report(ctx, USERS[Role.SUPERVISOR], T0, T0 + DAY)
    assert (made.calls, made.counted, made.self_initiated_left_out) == (10, 6, 4)
    assert made.basis == "Citizen-initiated calls only: self-initiated activity is left out"
    assert sum(c.count for c in made.cells) == 6
    assert [(j.jurisdiction, j.calls) for j in made.by_jurisdiction] == [("ja", 6)]
    assert sum(map(sum, made.time_of_week)) == 6
    assert made.without_location == 0
    every = hotspot_report(
        ctx, USERS[Role.SUPERVISOR], T0, T0 + DAY, options=Options(include_self_initiated=True)
    )
    assert (every.counted, every.self_initiated_left_out) == (10, 0)
    assert sum(c.count for c in every.cells) == 10
    assert "included" in every.basis


def test_the_jurisdictions_of_the_calls_are_in_the_study_area() -> None:
    made = hotspot_report(with_calls(), USERS[Role.ANALYST], T0, T0 + DAY)
    # Jurisdiction "ja" is a square of 0.2 degrees: hundreds of cells, most without a call.
    assert len(made.cells) > 100
    assert sum(1 for c in made.cells if c.count) <= 6


def test_bad_periods_and_a_runtime_without_statistics_are_refused() -> None:
    ctx = with_calls()
    analyst = USERS[Role.ANALYST]
    with pytest.raises(Invalid):
        hotspot_report(ctx, analyst, T0, T0)
    with pytest.raises(Invalid, match="at most"):
        hotspot_report(ctx, analyst, T0, T0 + timedelta(weeks=2000))
    with pytest.raises(Invalid, match="time zone"):
        hotspot_report(ctx, analyst, T0, T0 + DAY, time_zone="Mars/Olympus")
    with pytest.raises(Invalid, match="no spatial"):
        hotspot_report(dataclasses.replace(ctx, spatial=None), analyst, T0, T0 + DAY)

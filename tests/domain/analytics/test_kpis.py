"""The KPI definitions on calls with known stage times: each interval, a missing stage
left out (never assumed), a negative interval counted as doubtful, quantiles as numpy
computes them, groups by dimension (hour of week in the collective's zone), and
cross-boundary assistance."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.analytics import kpis
from bluepool.domain.analytics.kpis import BY_NAME, Call, Dimension, Stage
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId
from tests.builders import T0, a_unit, an_incident, at

S = Stage


def call(n: int = 1, **stages_minutes: float | None) -> Call:
    fields = {"priority": 1, "call_type": "burglary", "jurisdiction": "vaduz", "agency": "vaduz"}
    stages = {
        Stage(name): at(m) for name, m in {"received": 0, **stages_minutes}.items() if m is not None
    }
    return Call(f"c{n}", unit_kind="patrol", self_initiated=False, stages=stages, **fields)  # type: ignore[arg-type]


def test_each_kpi_is_the_time_between_its_two_stages() -> None:
    c = call(entered=1, dispatched=2, en_route=3, on_scene=8, cleared=38)
    got = {k.name: c.seconds(k) for k in kpis.KPIS}
    assert got == {
        "call_processing": 120,
        "queue": 60,
        "turnout": 60,
        "travel": 300,
        "on_scene": 1800,
        "total_response": 480,
    }


def test_travel_starts_at_dispatch_when_there_is_no_en_route_and_a_missing_stage_is_none() -> None:
    c = call(dispatched=2, on_scene=8)
    assert c.seconds(BY_NAME["travel"]) == 360
    assert c.seconds(BY_NAME["turnout"]) is None
    assert c.seconds(BY_NAME["queue"]) is None


def test_missing_and_doubtful_are_counted_apart_never_in_the_figures() -> None:
    calls = [
        call(1, dispatched=2, on_scene=6),
        call(2, dispatched=2, on_scene=10),
        call(3, dispatched=2),  # never reached: missing
        call(4, dispatched=5, on_scene=-1),  # on scene before received: doubtful
    ]
    rows = {r.kpi: r for r in kpis.summarise(calls)}
    total = rows["total_response"]
    assert (total.count, total.missing, total.doubtful) == (2, 1, 1)
    assert (total.median_s, total.p90_s) == (480, 576)  # 360 s and 600 s: linear


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50), st.floats(0, 1))
def test_quantiles_are_numpys_linear_ones(values: list[float], q: float) -> None:
    got = kpis.percentile(sorted(values), q)
    assert np.isclose(got, np.percentile(values, 100 * q), rtol=1e-9, atol=1e-6)


def test_groups_by_dimension_and_hour_of_week_in_the_zone() -> None:
    monday_0730_utc = datetime(2025, 3, 3, 7, 30, tzinfo=ZoneInfo("UTC"))
    c = Call(
        "x",
        2,
        "burglary",
        "vaduz",
        "vaduz",
        "patrol",
        False,
        {S.RECEIVED: monday_0730_utc, S.ON_SCENE: monday_0730_utc + timedelta(minutes=5)},
    )
    rows = kpis.summarise(
        [c], (Dimension.HOUR_OF_WEEK, Dimension.PRIORITY), ZoneInfo("Europe/Vaduz")
    )
    assert {(r.group["hour_of_week"], r.group["priority"]) for r in rows} == {("008", "2")}
    (total,) = [r for r in rows if r.kpi == "total_response"]
    assert total.median_s == 300


def test_a_live_incident_reduced_to_its_stages() -> None:
    unit = a_unit(id=UnitId("p1"), agency_id=AgencyId("schaan"))
    incident = an_incident(jurisdiction_id=JurisdictionId("vaduz"))
    incident.assign(unit, at(2), "dispatcher")
    unit.status = UnitStatus.EN_ROUTE
    incident.unit_moved(unit, at(3), "officer")
    unit.status = UnitStatus.ON_SCENE
    incident.unit_moved(unit, at(9), "officer")
    owners = {JurisdictionId("vaduz"): AgencyId("vaduz")}
    c = kpis.call_of(incident, owners, {UnitId("p1"): (AgencyId("schaan"), "patrol")}, False)
    assert c.stages == {S.RECEIVED: T0, S.DISPATCHED: at(2), S.EN_ROUTE: at(3), S.ON_SCENE: at(9)}
    assert (c.unit_kind, c.unit_agency, c.served_by_other) == ("patrol", "schaan", True)
    (vaduz, schaan) = sorted(kpis.assistance([c]), key=lambda a: a.agency, reverse=True)
    assert (vaduz.agency, vaduz.calls, vaduz.received, vaduz.given) == ("vaduz", 1, 1, 0)
    assert (schaan.agency, schaan.received, schaan.given) == ("schaan", 0, 1)
    assert vaduz.share_received == 1.0

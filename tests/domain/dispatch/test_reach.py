"""Never refuse to recommend: places far from the roads, air units, units with no route.

A place far from every road is reached off road (the travel model says how many metres, and
the candidate says its ETA is approximate); air units fly straight at their cruise speed,
never asking the roads; only a unit with no route at all is excluded, as ``no_route``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import Collective, IncidentView, recommend
from bluepool.domain.dispatch.records import RecommendationRecord
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.travel import Flight, StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.geo import Location, distance_m
from tests.domain.builders_local import SCENE, a_collective, a_unit, an_incident_view, east_of_scene
from tests.strategies import GRID, collectives, fleets, incident_views, response_plans

PATROL = (Requirement("patrol"),)
HELICOPTER = Flight({"air": 220.0}, lift_off_s=300.0)


@dataclass(frozen=True)
class Roads:
    """Straight-line ETAs plus a walk of ``offroad_m`` to the incident; no route at all from
    the ``islands``; fails the test if asked about a place in ``never_asked``."""

    offroad_m: float = 0.0
    islands: frozenset[Location] = frozenset()
    never_asked: frozenset[Location] = frozenset()
    method: str = "by road"

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]:
        return self.trips(origins, destination)[0]

    def trips(
        self, origins: Sequence[Location], destination: Location
    ) -> tuple[list[float | None], list[float]]:
        assert not self.never_asked & set(origins), "an air unit was timed by road"
        line = StraightLine()
        walk = self.offroad_m * 1.3 / (5 / 3.6)
        seconds: list[float | None] = [
            None if o in self.islands else line.seconds(o, destination) + walk for o in origins
        ]
        return seconds, [self.offroad_m] * len(origins)


def test_a_place_far_from_the_roads_gets_an_approximate_eta_with_the_walk_in_its_reason() -> None:
    units = [a_unit("p1", location=east_of_scene(2))]

    rec = recommend(an_incident_view(), PATROL, units, a_collective(), Roads(offroad_m=1_400))

    [c] = rec.candidates
    assert rec.proposed == (("patrol", "p1"),)
    assert c.approximate
    assert c.reasons[0].startswith("eta by road: ")
    assert c.reasons[0].endswith(", includes 1.4 km off road, approximate")
    record = RecommendationRecord.of(rec).candidates[0]
    assert (record.approximate, record.offroad_m, record.method) == (True, 1_400, "by road")


def test_a_trip_on_the_roads_all_the_way_is_not_approximate() -> None:
    rec = recommend(
        an_incident_view(),
        PATROL,
        [a_unit("p1", location=east_of_scene(2))],
        a_collective(),
        Roads(),
    )

    [c] = rec.candidates
    assert not c.approximate
    assert "approximate" not in " ".join(c.reasons)


def test_a_helicopter_flies_straight_at_cruise_speed_after_lift_off_never_by_road() -> None:
    base = east_of_scene(11)
    heli = a_unit("heli", kind="air", capabilities={"air", "patrol"}, location=base)
    car = a_unit("car", location=east_of_scene(5))
    roads = Roads(offroad_m=1_400, islands=frozenset({base}), never_asked=frozenset({base}))

    rec = recommend(an_incident_view(), PATROL, [heli, car], a_collective(), roads, air=HELICOPTER)

    by_id = {c.unit_id: c for c in rec.candidates}
    assert by_id["heli"].eta_seconds == pytest.approx(300 + distance_m(base, SCENE) / (220 / 3.6))
    assert by_id["heli"].method == "by air"
    assert not by_id["heli"].approximate
    assert by_id["heli"].reasons[0].startswith("eta by air: ")
    assert by_id["heli"].reasons[0].endswith(", straight line at cruise speed, lift-off included")
    assert by_id["car"].method == "by road"
    assert rec.method == "by road"


def test_without_flight_a_helicopter_is_timed_like_any_unit() -> None:
    heli = a_unit("heli", kind="air", capabilities={"patrol"}, location=east_of_scene(3))

    rec = recommend(an_incident_view(), PATROL, [heli], a_collective(), StraightLine())

    assert rec.candidates[0].method == "by straight line"
    assert rec.candidates[0].eta_seconds == pytest.approx(
        StraightLine().seconds(east_of_scene(3), SCENE)
    )


def test_a_unit_with_no_route_is_excluded_with_a_reason_and_the_rest_still_serve() -> None:
    island = east_of_scene(1)
    units = [a_unit("stranded", location=island), a_unit("p2", location=east_of_scene(3))]

    rec = recommend(
        an_incident_view(), PATROL, units, a_collective(), Roads(islands=frozenset({island}))
    )

    assert rec.proposed == (("patrol", "p2"),)
    [e] = rec.excluded
    assert (e.unit_id, e.code) == ("stranded", RuleCode.NO_ROUTE)
    assert e.reason == "no route by road from its position to the incident"


@given(
    incident_views(),
    response_plans(),
    fleets(min_size=0, max_size=12),
    collectives(),
    st.floats(0, 20_000),
    st.frozensets(st.sampled_from(GRID)),
    st.booleans(),
)
def test_never_an_error_and_every_unit_is_a_candidate_or_excluded_with_a_code(
    view: IncidentView,
    plan: tuple[Requirement, ...],
    fleet: list[Unit],
    collective: Collective,
    offroad: float,
    islands: frozenset[Location],
    flying: bool,
) -> None:
    air = Flight({"car": 220.0}) if flying else Flight()
    rec = recommend(view, plan, fleet, collective, Roads(offroad, islands), air=air)

    seen = [c.unit_id for c in rec.candidates] + [e.unit_id for e in rec.excluded]
    assert sorted(seen) == sorted(u.id for u in fleet)
    for c in rec.candidates:
        assert c.approximate == (offroad > 0 and not flying)
        assert ("approximate" in c.reasons[0]) == c.approximate
    for e in rec.excluded:
        if e.code is RuleCode.NO_ROUTE:
            assert not flying
            assert next(u for u in fleet if u.id == e.unit_id).location in islands

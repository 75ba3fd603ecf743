"""Better picks: specialists kept free, ties to the commoner kind, never to the name.

A specialist is a unit whose kind is not the capability of the line it would fill (a dog
team on a patrol line). It is not sent there while a unit of the line's own kind arrives
within the collective's margin of it; equal ranks go to the kind the fleet has more of.
"""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import (
    Collective,
    Recommendation,
    recommend,
    slots_filled,
)
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.ids import UnitId
from tests.domain.builders_local import a_collective, a_unit, an_incident_view, east_of_scene
from tests.strategies import AGENCY_NAMES, GRID, JURISDICTION_AGENCY

PATROL = (Requirement("patrol"),)
ROBBERY = (Requirement("patrol", count=2), Requirement("k9"))
LINE = StraightLine()


def with_margin(margin: float, **counts: int) -> Collective:
    return replace(a_collective(), specialist_margin_s=margin, kind_counts=counts)


def a_dog(id: str, km: float) -> Unit:
    return a_unit(id, kind="k9", capabilities={"k9", "patrol"}, location=east_of_scene(km))


def a_car(id: str, km: float) -> Unit:
    return a_unit(id, kind="patrol", location=east_of_scene(km))


def seconds(km: float) -> float:
    return LINE.seconds(east_of_scene(km), east_of_scene(0))


def test_a_dog_team_is_kept_free_when_a_patrol_car_is_within_the_margin() -> None:
    units = [a_dog("dog", 1.0), a_car("car", 2.0)]
    assert seconds(2.0) - seconds(1.0) < 120

    rec = recommend(an_incident_view(), PATROL, units, with_margin(120), LINE)

    assert rec.proposed == (("patrol", "car"),)
    by_id = {c.unit_id: c for c in rec.candidates}
    assert not by_id["dog"].proposed
    assert by_id["dog"].reasons[-1] == (
        "passed over for patrol: car (patrol) arrives within 2 min of it, keeping the k9 free"
    )
    assert by_id["car"].reasons[-1] == "sent for patrol instead of k9 unit dog"
    # The ranking itself is by ETA still: the dog is first, and says why it is not sent.
    assert [c.unit_id for c in rec.candidates] == ["dog", "car"]


def test_the_dog_team_goes_when_the_nearest_patrol_car_is_beyond_the_margin() -> None:
    units = [a_dog("dog", 1.0), a_car("car", 6.0)]
    assert seconds(6.0) - seconds(1.0) > 120

    rec = recommend(an_incident_view(), PATROL, units, with_margin(120), LINE)

    assert rec.proposed == (("patrol", "dog"),)
    assert all(len(c.reasons) == 4 for c in rec.candidates)


def test_without_a_margin_the_nearest_capable_unit_goes_whatever_its_kind() -> None:
    units = [a_dog("dog", 1.0), a_car("car", 2.0)]

    rec = recommend(an_incident_view(), PATROL, units, with_margin(0), LINE)

    assert rec.proposed == (("patrol", "dog"),)


def test_on_a_robbery_the_dog_fills_the_dog_line_and_a_second_dog_is_spared() -> None:
    units = [a_dog("dog-1", 0.5), a_dog("dog-2", 0.6), a_car("car-1", 1.0), a_car("car-2", 1.5)]

    rec = recommend(an_incident_view(), ROBBERY, units, with_margin(120), LINE)

    assert rec.proposed == (("patrol", "car-1"), ("patrol", "car-2"), ("k9", "dog-1"))
    assert rec.shortfalls == ()


def test_equal_etas_go_to_the_commoner_kind_never_to_the_name() -> None:
    # Same spot, same agency, same workload: only the kind (and the id) differ.
    for dog_id, car_id in (("a-dog", "z-car"), ("z-dog", "a-car")):
        units = [a_dog(dog_id, 1.0), a_car(car_id, 1.0)]
        rec = recommend(an_incident_view(), PATROL, units, with_margin(0, patrol=10, k9=1), LINE)
        assert rec.proposed == (("patrol", UnitId(car_id)),)


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def mixed_fleets(draw: st.DrawFn) -> list[Unit]:
    """Dog teams (that also patrol) and patrol cars of one agency, crowded on a few spots."""
    n = draw(st.integers(1, 8))
    units = []
    for i in range(n):
        dog = draw(st.booleans())
        units.append(
            a_unit(
                f"u{i}",
                kind="k9" if dog else "patrol",
                capabilities={"k9", "patrol"} if dog else {"patrol"},
                location=draw(st.sampled_from(GRID)),
                workload=draw(st.integers(0, 2)),
            )
        )
    return units


plans = st.sampled_from([PATROL, (Requirement("patrol", count=2),), ROBBERY])
margins = st.sampled_from([0.0, 60.0, 120.0, 600.0])


def run(units: list[Unit], plan: tuple[Requirement, ...], margin: float) -> Recommendation:
    counts = {"patrol": sum(u.kind == "patrol" for u in units)}
    counts["k9"] = len(units) - counts["patrol"]
    collective = Collective(
        JURISDICTION_AGENCY, {}, AGENCY_NAMES, specialist_margin_s=margin, kind_counts=counts
    )
    return recommend(an_incident_view(location=GRID[0]), plan, units, collective, LINE)


@given(mixed_fleets(), plans, margins)
def test_no_specialist_fills_a_patrol_line_while_a_free_patrol_car_is_within_the_margin(
    units: list[Unit], plan: tuple[Requirement, ...], margin: float
) -> None:
    rec = run(units, plan, margin)

    eta = {c.unit_id: c.eta_seconds for c in rec.candidates}
    kind = {u.id: u.kind for u in units}
    chosen = {uid for _, uid in rec.proposed}
    for cap, uid in rec.proposed:
        if kind[uid] != cap and margin > 0:
            spare = [
                other
                for other in eta
                if other not in chosen and kind[other] == cap and eta[other] <= eta[uid] + margin
            ]
            assert spare == []


@given(mixed_fleets(), plans, margins)
def test_sparing_specialists_never_leaves_a_line_unfilled(
    units: list[Unit], plan: tuple[Requirement, ...], margin: float
) -> None:
    spared, plain = run(units, plan, margin), run(units, plan, 0.0)

    assert spared.shortfalls == plain.shortfalls
    slots = [r.capability for r in plan for _ in range(r.count)]
    caps = {u.id: u.capabilities for u in units}
    assert slots_filled(slots, [caps[uid] for _, uid in spared.proposed]) == len(spared.proposed)


@given(mixed_fleets(), plans, margins, st.randoms(use_true_random=False))
def test_what_is_proposed_does_not_depend_on_the_units_names(
    units: list[Unit], plan: tuple[Requirement, ...], margin: float, rnd: random.Random
) -> None:
    names = [f"u{i}" for i in range(len(units))]
    rnd.shuffle(names)
    renamed = [replace(u, id=UnitId(n)) for u, n in zip(units, names, strict=True)]

    def proposed(fleet: list[Unit]) -> list[tuple[str, str, int, int]]:
        """Each line with the kind, place and workload of its unit: units alike in all of
        these are interchangeable, so only a name could tell them apart."""
        rec = run(fleet, plan, margin)
        by = {u.id: u for u in fleet}
        return sorted(
            (cap, by[uid].kind, GRID.index(by[uid].location or GRID[0]), by[uid].workload)
            for cap, uid in rec.proposed
        )

    assert proposed(units) == proposed(renamed)

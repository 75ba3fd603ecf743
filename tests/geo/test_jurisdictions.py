"""Jurisdiction lookups: inside, overlaps made explicit, gaps left empty or given to the nearest."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.collective.agencies import Jurisdiction
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, JurisdictionId
from bluepool.geo.jurisdictions import JurisdictionIndex, Overlap, Placement

LAT = 47.0
M_PER_DEG_LAT = 111_195.0


def box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def jurisdiction(name: str, geometry: dict[str, Any]) -> Jurisdiction:
    return Jurisdiction(JurisdictionId(name), name, AgencyId(name), geometry)


# West (9.50-9.51) and Middle (9.509-9.52) overlap by 0.001 degrees of longitude;
# East (9.53-9.54) leaves a gap of 0.01 degrees (about 760 m) after Middle.
WEST = jurisdiction("west", box(9.50, LAT, 9.51, LAT + 0.01))
MIDDLE = jurisdiction("middle", box(9.509, LAT, 9.52, LAT + 0.01))
EAST = jurisdiction("east", box(9.53, LAT, 9.54, LAT + 0.01))
ALL = [WEST, MIDDLE, EAST]


def test_finds_the_jurisdiction_a_point_is_in() -> None:
    index = JurisdictionIndex(ALL)
    assert index.locate(Location(LAT + 0.005, 9.505)) == "west"
    assert index.locate(Location(LAT + 0.005, 9.535)) == "east"
    assert index.locate_many([]) == []


def test_an_overlap_goes_to_the_first_listed_and_names_the_others() -> None:
    in_both = Location(LAT + 0.005, 9.5095)
    assert JurisdictionIndex(ALL).locate(in_both) == "west"
    assert JurisdictionIndex([MIDDLE, WEST, EAST]).locate(in_both) == "middle"
    placement = JurisdictionIndex(ALL).place(in_both)
    assert placement == Placement(
        JurisdictionId("west"), "inside", 0.0, (JurisdictionId("middle"),)
    )


def test_lists_overlapping_pairs_with_their_area() -> None:
    [overlap] = JurisdictionIndex(ALL).overlaps()
    assert (overlap.first, overlap.second) == ("west", "middle")
    expected = 0.001 * 0.01 * M_PER_DEG_LAT**2 * 0.682  # cos(47 degrees) is about 0.682
    assert overlap.area_m2 == pytest.approx(expected, rel=0.01)
    assert JurisdictionIndex(ALL).overlaps(min_area_m2=1e9) == []


def test_neighbours_sharing_a_border_do_not_overlap() -> None:
    touching = [WEST, jurisdiction("next", box(9.51, LAT, 9.52, LAT + 0.01))]
    assert JurisdictionIndex(touching).overlaps() == []
    assert JurisdictionIndex([WEST]).overlaps() == []


def test_a_gap_belongs_to_no_one_by_default() -> None:
    gap = Location(LAT + 0.005, 9.521)  # about 76 m east of Middle
    index = JurisdictionIndex(ALL)
    assert index.locate(gap) is None
    placement = index.place(gap)
    assert (placement.jurisdiction_id, placement.how) == (None, "gap")


def test_a_gap_can_go_to_the_nearest_jurisdiction_within_a_distance() -> None:
    index = JurisdictionIndex(ALL, on_gap="nearest", max_gap_m=300)
    near_middle = Location(LAT + 0.005, 9.521)  # ~76 m from Middle, ~680 m from East
    near_east = Location(LAT + 0.005, 9.5285)  # ~114 m from East
    midway = Location(LAT + 0.005, 9.525)  # ~380 m from both: too far
    assert index.locate_many([near_middle, near_east, midway]) == ["middle", "east", None]
    placement = index.place(near_middle)
    assert placement.how == "nearest"
    assert placement.distance_m == pytest.approx(0.001 * M_PER_DEG_LAT * 0.682, rel=0.01)
    assert index.place(midway).how == "gap"


def test_refuses_an_unknown_gap_policy() -> None:
    with pytest.raises(Invalid):
        JurisdictionIndex(ALL, on_gap="closest")  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        JurisdictionIndex(ALL, max_gap_m=-1)


def test_an_empty_index_places_nothing() -> None:
    index = JurisdictionIndex([], on_gap="nearest")
    assert index.locate(Location(LAT, 9.5)) is None
    assert index.overlaps() == []


@given(
    lat=st.floats(LAT - 0.01, LAT + 0.02),
    lon=st.floats(9.49, 9.55),
)
def test_nearest_never_overrides_a_point_inside(lat: float, lon: float) -> None:
    place = Location(lat, lon)
    plain = JurisdictionIndex(ALL).locate(place)
    nearest = JurisdictionIndex(ALL, on_gap="nearest", max_gap_m=1_000).place(place)
    if plain is not None:
        assert nearest.jurisdiction_id == plain
        assert nearest.how == "inside"
    else:
        assert nearest.how in ("nearest", "gap")


def test_an_overlap_is_a_value() -> None:
    assert Overlap(JurisdictionId("a"), JurisdictionId("b"), 1.0).area_m2 == 1.0

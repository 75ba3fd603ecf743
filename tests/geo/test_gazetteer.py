"""The gazetteer: built from OSM, saved and loaded, searched by text and by position."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bluepool.domain.shared.errors import Invalid
from bluepool.geo.gazetteer import (
    Gazetteer,
    Kind,
    Query,
    demo_gazetteer_path,
    load_gazetteer,
    normalise,
    open_gazetteer,
    save_gazetteer,
)
from bluepool.geo.gazetteer_build import build_gazetteer, import_addresses

HAND = Path(__file__).parent / "data" / "gazetteer.osm"
EXTRACTS = Path(__file__).parents[3] / "shared" / "data" / "osm-extracts"
LIECHTENSTEIN = EXTRACTS / "liechtenstein-latest.osm.pbf"
MONACO = EXTRACTS / "monaco.osm.pbf"
needs_shared = pytest.mark.skipif(
    not LIECHTENSTEIN.is_file(),
    reason=f"the OSM extracts of ../shared are not here ({EXTRACTS})",
)


@pytest.fixture(scope="module")
def hand() -> Gazetteer:
    return Gazetteer(build_gazetteer(HAND, progress=False))


def labels(g: Gazetteer, query: str, limit: int = 5) -> list[str]:
    return [m.entry.label for m in g.search(query, limit)]


def test_normalises_case_accents_and_abbreviations() -> None:
    assert normalise("Städtle") == "stadtle"
    assert normalise("Landstr. 5") == normalise("Landstrasse 5") == "landstrasse 5"
    assert normalise("Hauptstraße") == "hauptstrasse"
    assert normalise("N High St") == "north high street"


def test_a_query_sets_house_numbers_aside() -> None:
    assert Query.parse("Städtle 38, Vaduz") == Query(("stadtle", "vaduz"), ("38",), True)
    assert Query.parse("38 Städtle ") == Query(("stadtle",), ("38",), False)
    assert Query.parse("12 b Main St").numbers == ("12b",)


def test_reads_addresses_streets_intersections_places_and_pois(hand: Gazetteer) -> None:
    kinds = {(e.kind, e.label) for e in (hand.entry(i) for i in range(len(hand)))}
    assert (Kind.ADDRESS, "Städtle 38, Vaduz") in kinds
    # A building way's address, at the middle of the building.
    assert (Kind.ADDRESS, "Städtle 40, Vaduz") in kinds
    # An address without addr:city takes its street's locality.
    assert (Kind.ADDRESS, "Landstrasse 5, Vaduz") in kinds
    assert (Kind.STREET, "Städtle, Vaduz") in kinds
    assert (Kind.INTERSECTION, "Landstrasse & Städtle, Vaduz") in kinds
    assert (Kind.PLACE, "Vaduz") in kinds
    assert (Kind.POI, "Landespolizei, Vaduz") in kinds
    # Two streets of one name in two villages stay two.
    assert (Kind.STREET, "Hauptstrasse, Schaan") in kinds
    assert (Kind.STREET, "Hauptstrasse, Triesen") in kinds


def test_an_intersection_lies_where_the_streets_cross(hand: Gazetteer) -> None:
    (match,) = hand.search("Landstrasse & Städtle", 1)
    assert match.entry.kind is Kind.INTERSECTION
    assert (match.entry.lat, match.entry.lon) == (47.1, 9.515)


@pytest.mark.parametrize(
    "query",
    ["Städtle 38, Vaduz", "Stadtle 38 Vaduz", "38 Städtle", "Stadtel 38", "stÄdtle 38 vaduz"],
)
def test_finds_an_address_however_it_is_written(hand: Gazetteer, query: str) -> None:
    assert labels(hand, query)[0] == "Städtle 38, Vaduz"


def test_the_locality_picks_between_streets_of_one_name(hand: Gazetteer) -> None:
    assert labels(hand, "Hauptstr. 1 Triesen")[0] == "Hauptstrasse 1, Triesen"
    assert labels(hand, "1 Hauptstrasse, Schaan")[0] == "Hauptstrasse 1, Schaan"


def test_a_word_being_typed_matches_as_a_prefix(hand: Gazetteer) -> None:
    assert labels(hand, "Städ")[0] == "Städtle, Vaduz"
    assert labels(hand, "Landespol")[0] == "Landespolizei, Vaduz"


def test_an_unknown_number_offers_the_street(hand: Gazetteer) -> None:
    assert labels(hand, "Städtle 99")[0] == "Städtle, Vaduz"


def test_nothing_to_search_finds_nothing(hand: Gazetteer) -> None:
    assert hand.search("", 5) == []
    assert hand.search("38", 5) == []
    assert hand.search("qqqqqqqq zzzzzz", 5) == []


def test_results_are_ranked_and_limited(hand: Gazetteer) -> None:
    found = hand.search("Städtle", 2)
    assert len(found) == 2
    assert found[0].score >= found[1].score


def test_reverse_gives_the_nearest_address_else_the_nearest_street(hand: Gazetteer) -> None:
    near = hand.reverse(47.1003, 9.5131)
    assert near is not None
    assert near.entry.label == "Städtle 38, Vaduz"
    assert near.distance_m is not None
    assert near.distance_m < 10
    street = hand.reverse(47.1050, 9.5150)  # on Landstrasse, far from any house
    assert street is not None
    assert street.entry.kind is Kind.STREET
    assert street.entry.label == "Landstrasse, Vaduz"
    assert hand.reverse(47.3, 9.5) is None  # nothing within 2 km


def test_saves_and_loads_the_same_gazetteer(hand: Gazetteer, tmp_path: Path) -> None:
    path = tmp_path / "hand.addresses.npz"
    save_gazetteer(hand.data, path)
    loaded = open_gazetteer(path)
    assert loaded.labels() == hand.labels()
    assert np.array_equal(loaded.data.street_entry, hand.data.street_entry)
    assert loaded.data.meta["format"] == "bluepool-gazetteer/1"


def test_refuses_a_file_that_is_not_a_gazetteer(tmp_path: Path) -> None:
    other = tmp_path / "x.npz"
    np.savez(other, meta=np.frombuffer(b'{"format": "other"}', dtype=np.uint8))
    with pytest.raises(Invalid, match="not a bluepool gazetteer"):
        load_gazetteer(other)
    with pytest.raises(Invalid, match="no gazetteer"):
        load_gazetteer(tmp_path / "missing.npz")


def test_import_writes_the_file_and_counts_what_it_read(tmp_path: Path) -> None:
    summary = import_addresses(HAND, tmp_path / "hand.addresses.npz", progress=False)
    assert summary.counts["addresses"] == 7
    assert summary.counts["intersections"] == 1
    assert "wrote" in summary.lines()[-1]


def test_the_demo_gazetteer_is_shipped_and_finds_vaduz() -> None:
    demo = open_gazetteer(demo_gazetteer_path())
    assert demo.data.meta["source"] == "liechtenstein-latest.osm.pbf"
    assert labels(demo, "Stadtle 43 Vaduz")[0] == "Städtle 43, Vaduz"


@needs_shared
def test_built_from_the_liechtenstein_extract(tmp_path: Path) -> None:
    g = Gazetteer(build_gazetteer(LIECHTENSTEIN, progress=False))
    counts = np.bincount(g.data.kind, minlength=5)
    assert counts[Kind.ADDRESS] > 900
    assert counts[Kind.STREET] > 500
    # Typos: a letter dropped, two swapped, the accent left out.
    for query in ("Stadtle 43 Vaduz", "Städle 43, Vaduz", "Sädtle 43 Vaduz"):
        assert labels(g, query)[0] == "Städtle 43, Vaduz", query
    assert labels(g, "Kunstmuseum")[0] == "Kunstmuseum Liechtenstein, Vaduz"
    assert labels(g, "Landstr. Schaan")[0] == "Landstrasse, Schaan"


@needs_shared
def test_built_from_the_monaco_extract() -> None:
    g = Gazetteer(build_gazetteer(MONACO, progress=False))
    assert any(m.entry.kind is Kind.STREET for m in g.search("Boulevard Albert", 5))

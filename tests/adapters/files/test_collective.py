"""The collective file: the demo reads, and every kind of mistake is named precisely."""

from __future__ import annotations

import copy
import json
import math
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bluepool.adapters.files.collective import CollectiveFileError, read_collective
from bluepool.domain.access.roles import Role
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, CallTypeCode
from bluepool.domain.sharing.agreements import COLLECTIVE, Stage
from bluepool.geo.jurisdictions import MIN_OVERLAP_M2, JurisdictionIndex

DEMO = Path(__file__).parents[3] / "src/bluepool/demo/collective.yaml"

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[9.50, 47.10], [9.56, 47.10], [9.56, 47.16], [9.50, 47.16], [9.50, 47.10]]],
}
NEXT_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[9.56, 47.10], [9.62, 47.10], [9.62, 47.16], [9.56, 47.16], [9.56, 47.10]]],
}


def a_collective() -> dict[str, Any]:
    """A small valid collective: two agencies, each with jurisdiction and station."""
    return {
        "agencies": [
            {"id": "east", "name": "East PD"},
            {"id": "west", "name": "West PD"},
        ],
        "agreements": [
            {
                "id": "EAST-collective",
                "title": "East lends anything, keeping 1 at home",
                "parties": ["east", "collective"],
                "valid_from": "2026-01-01",
                "clauses": [{"lender": "east", "home_reserve": 1}],
            }
        ],
        "jurisdictions": [
            {
                "id": "east-town",
                "name": "East Town",
                "agency": "east",
                "geometry": SQUARE,
            },
            {
                "id": "west-town",
                "name": "West Town",
                "agency": "west",
                "geometry": NEXT_SQUARE,
            },
        ],
        "stations": [
            {
                "id": "east-hq",
                "agency": "east",
                "name": "East HQ",
                "lat": 47.13,
                "lon": 9.53,
            },
            {
                "id": "west-hq",
                "agency": "west",
                "name": "West HQ",
                "lat": 47.13,
                "lon": 9.59,
            },
        ],
        "units": [
            {"id": "east-1", "agency": "east", "kind": "patrol", "station": "east-hq"},
            {
                "id": "east-k9",
                "agency": "east",
                "kind": "k9",
                "station": "east-hq",
                "capabilities": ["k9", "patrol"],
            },
            {"id": "west-1", "agency": "west", "kind": "patrol", "station": "west-hq"},
        ],
        "call_types": [
            {
                "code": "burglary",
                "name": "Burglary",
                "default_priority": 3,
                "plan": [{"capability": "patrol"}],
            },
        ],
        "users": [
            {"username": "dispatcher", "role": "dispatcher", "password": "dispatcher"},
            {
                "username": "officer",
                "role": "officer",
                "unit": "east-1",
                "password": "o",
            },
        ],
    }


def write(tmp_path: Path, data: dict[str, Any], name: str = "collective.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error_of(tmp_path: Path, data: dict[str, Any]) -> CollectiveFileError:
    path = write(tmp_path, data)
    with pytest.raises(CollectiveFileError) as raised:
        read_collective(path)
    return raised.value


# -- the demo ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Any:
    return read_collective(DEMO)


def test_demo_collective_reads_without_warnings(demo: Any) -> None:
    assert len(demo.agencies) == 4
    assert len(demo.jurisdictions) == 11
    assert len(demo.units) >= 40
    assert demo.warnings == ()


def test_demo_has_several_kinds_of_unit(demo: Any) -> None:
    kinds = Counter(u.kind for u in demo.units)
    assert set(kinds) == {"patrol", "k9", "swat", "negotiator", "air", "crime_scene"}
    assert kinds["air"] == 1
    assert kinds["patrol"] > len(demo.units) / 2
    assert all("patrol" in u.capabilities for u in demo.units if u.kind == "k9")


def test_demo_response_plans_can_be_filled(demo: Any) -> None:
    have = Counter(c for u in demo.units for c in u.capabilities)
    for call_type in demo.call_types:
        for req in call_type.plan:
            assert have[req.capability] >= req.count, (call_type.code, req.capability)


def test_demo_agreements_lend_differently_and_one_awaits_signatures(demo: Any) -> None:
    signed = [a for a in demo.agreements if a.stage is Stage.SIGNED]
    lenders = {c.lender for a in signed for c in a.clauses}
    assert lenders == {a.id for a in demo.agencies}
    assert len({str(a.clauses) for a in signed}) == len(signed)
    assert all(a.signed_by(p) for a in signed for p in a.parties)
    (proposal,) = (a for a in demo.agreements if a.stage is Stage.PROPOSED)
    assert proposal.signatures == ()
    assert any(c.rates.per_hour for a in signed for c in a.clauses)  # rate cards priced


def test_demo_has_a_user_for_every_role(demo: Any) -> None:
    users = {u.username: u for u in demo.users}
    assert {u.role for u in demo.users} == set(Role)
    assert users["dispatcher"].password == "dispatcher"
    assert users["admin"].role is Role.COLLECTIVE_ADMIN
    assert users["officer"].unit_id == "vaduz-p1"
    assert all(u.password == u.username for u in demo.users)
    admins = {u.agency_id for u in demo.users if u.role is Role.AGENCY_ADMIN}
    assert admins == {a.id for a in demo.agencies}


def test_demo_jurisdictions_are_valid_polygons(demo: Any) -> None:
    assert {j.geometry["type"] for j in demo.jurisdictions} <= {
        "Polygon",
        "MultiPolygon",
    }
    assert (DEMO.parent / "jurisdictions.geojson").stat().st_size < 300_000


# -- reading -------------------------------------------------------------------


def test_a_valid_file_becomes_domain_objects(tmp_path: Path) -> None:
    spec = read_collective(write(tmp_path, a_collective()))

    east_1 = next(u for u in spec.units if u.id == "east-1")
    assert east_1.capabilities == {"patrol"}  # the kind, when capabilities are omitted
    assert east_1.location is not None
    assert (east_1.location.lat, east_1.location.lon) == (47.13, 9.53)
    officer = next(u for u in spec.users if u.username == "officer")
    assert officer.agency_id == "east"  # taken from the unit
    (agreement,) = spec.agreements
    assert agreement.parties == ("east", "collective")
    assert agreement.stage is Stage.SIGNED  # in a collective file: signed unless said
    assert agreement.signed_by(AgencyId("east"))
    assert agreement.signed_by(COLLECTIVE)
    assert agreement.clauses[0].capabilities is None  # omitted means any
    assert agreement.clauses[0].home_reserve == 1
    assert spec.warnings == ()


def test_the_error_names_the_file_the_field_and_the_reason(tmp_path: Path) -> None:
    data = a_collective()
    data["units"][2]["station"] = "west-north"

    error = error_of(tmp_path, data)

    assert isinstance(error, Invalid)
    assert error.code == "bad_collective_file"
    assert error.field == "units[2].station"
    assert error.reason == 'no station "west-north" in agency "west" (did you mean "west-hq"?)'
    assert str(error).startswith(f"{tmp_path / 'collective.yaml'}: units[2].station: no station")
    assert error.problems[0].line is not None


def test_every_problem_is_listed(tmp_path: Path) -> None:
    data = a_collective()
    data["units"][0]["station"] = "nowhere"
    data["users"][1]["unit"] = "nobody"

    error = error_of(tmp_path, data)

    assert [p.field for p in error.problems] == ["units[0].station", "users[1].unit"]
    assert len(str(error).splitlines()) == 2


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            lambda d: d["units"][1].update(capabilties=["k9"]),
            "units[1].capabilties",
            'unknown key (did you mean "capabilities"?)',
        ),
        (lambda d: d.update(vehicles=[]), "vehicles", "unknown key"),
        (lambda d: d["stations"][0].pop("lat"), "stations[0].lat", "required"),
        (
            lambda d: d["stations"][0].update(lat=147.1),
            "stations[0].lat",
            "Input should be less than or equal to 90",
        ),
        (
            lambda d: d["agencies"][0].update(id="East PD"),
            "agencies[0].id",
            "\"East PD\" is not a valid id: it contains ' '",
        ),
        (
            lambda d: d["call_types"][0].update(default_priority="high"),
            "call_types[0].default_priority",
            "Input should be a valid integer",
        ),
        (
            lambda d: d["call_types"][0]["plan"][0].update(count=0),
            "call_types[0].plan[0].count",
            "Input should be greater than or equal to 1",
        ),
        (
            lambda d: d["users"][0].update(role="sheriff"),
            "users[0].role",
            "Input should be",
        ),
        (
            lambda d: d["agreements"][0]["clauses"][0].update(call_types=[]),
            "agreements[0].clauses[0].call_types",
            "List should have at least 1 item",
        ),
        (
            lambda d: d["jurisdictions"][0].update(geometry="east.geojson"),
            "jurisdictions[0].geometry",
            "give a GeoJSON geometry (type, coordinates) or a GeoJSON file",
        ),
        (
            lambda d: d["jurisdictions"][0]["geometry"].update(type="Point"),
            "jurisdictions[0].geometry.type",
            "Input should be 'Polygon' or 'MultiPolygon'",
        ),
    ],
)
def test_a_field_that_breaks_the_schema_is_named(
    tmp_path: Path, change: Any, field: str, reason: str
) -> None:
    data = copy.deepcopy(a_collective())
    change(data)

    error = error_of(tmp_path, data)

    assert error.field == field
    assert error.reason.startswith(reason)
    assert f"collective.yaml: {field}: {reason}" in str(error)


def test_ids_the_api_accepts_read_from_the_file(tmp_path: Path) -> None:
    # One id grammar (docs/decisions/0005): a record made through the API can be written
    # into a collective file as it is.
    data = a_collective()
    data["agencies"][1]["id"] = "West.PD"
    for section in ("jurisdictions", "stations", "units"):
        for item in data[section]:
            if item["agency"] == "west":
                item["agency"] = "West.PD"
    data["units"][2].update(id="West.PD-1", station="west-hq")
    data["users"][0]["username"] = "dana.dispatcher"

    spec = read_collective(write(tmp_path, data))

    assert [a.id for a in spec.agencies] == ["east", "West.PD"]
    assert "West.PD-1" in [u.id for u in spec.units]
    assert spec.users[0].username == "dana.dispatcher"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            lambda d: d["units"].append(dict(d["units"][0])),
            "units[3].id",
            'duplicate id "east-1" (also units[0])',
        ),
        (
            lambda d: d["jurisdictions"][1].update(agency="north"),
            "jurisdictions[1].agency",
            'no agency "north"',
        ),
        (
            lambda d: d["stations"][1].update(agency="nort"),
            "stations[1].agency",
            'no agency "nort"',
        ),
        (
            lambda d: d["units"][0].update(agency="west"),
            "units[0].station",
            'no station "east-hq" in agency "west" (it belongs to "east")',
        ),
        (
            lambda d: d["call_types"][0]["plan"].append({"capability": "k-9"}),
            "call_types[0].plan[1].capability",
            'no unit has capability "k-9" (units have: k9, patrol)',
        ),
        (
            lambda d: d["call_types"][0]["plan"].append({"capability": "patrol"}),
            "call_types[0].plan[1].capability",
            '"patrol" is already in this plan',
        ),
        (
            lambda d: d["agreements"][0]["clauses"].append(
                {"lender": "east", "jurisdictions": ["west-town", "south-town"]}
            ),
            "agreements[0].clauses[1].jurisdictions[1]",
            'no jurisdiction "south-town"',
        ),
        (
            lambda d: d["agreements"][0]["clauses"].append(
                {"lender": "east", "call_types": ["arson"]}
            ),
            "agreements[0].clauses[1].call_types[0]",
            'no call type "arson"',
        ),
        (
            lambda d: d["agreements"][0]["clauses"].append(
                {"lender": "east", "capabilities": ["swat"]}
            ),
            "agreements[0].clauses[1].capabilities[0]",
            'no unit has capability "swat"',
        ),
        (
            lambda d: d["agreements"][0].update(parties=["east", "south"]),
            "agreements[0].parties[1]",
            'no agency "south"',
        ),
        (
            lambda d: d["agreements"][0]["clauses"][0].update(lender="west"),
            "agreements[0]",
            "clause 1: the lender 'west' must be an agency party to the agreement",
        ),
        (
            lambda d: d["agreements"][0].update(valid_until="2025-12-31"),
            "agreements[0]",
            "valid_until (2025-12-31T00:00:00+00:00) must be after valid_from",
        ),
        (
            lambda d: d["agreements"][0]["clauses"][0].update(rates={"per_hour": {"k9": -5}}),
            "agreements[0].clauses[0].rates.per_hour.k9",
            "-5 is below zero",
        ),
        (
            lambda d: d["agreements"].append(dict(d["agreements"][0])),
            "agreements[1].id",
            'duplicate id "EAST-collective"',
        ),
        (
            lambda d: d["agencies"][0].update(sharing={"home_reserve": 1}),
            "agencies[0].sharing",
            "sharing policies were replaced by agreements",
        ),
        (
            lambda d: d["users"][1].pop("unit"),
            "users[1].unit",
            "an officer must crew a unit",
        ),
        (
            lambda d: d["users"][1].update(agency="west"),
            "users[1].unit",
            'no unit "east-1" in agency "west" (it belongs to "east")',
        ),
        (
            lambda d: d["users"][0].update(unit="east-1"),
            "users[0].unit",
            "only officers crew a unit, not a dispatcher",
        ),
        (
            lambda d: d["users"].append(
                {"username": "boss", "role": "agency_admin", "password": "b"}
            ),
            "users[2].agency",
            "an agency admin needs the agency they run",
        ),
        (
            lambda d: d["users"][0].update(password_hash="$argon2id$..."),
            "users[0].password",
            "give password or password_hash, not both",
        ),
        (
            lambda d: d["users"][0].pop("password"),
            "users[0]",
            "give a password (demo, development) or a password_hash",
        ),
        (
            lambda d: d["users"].append(dict(d["users"][0])),
            "users[2].username",
            'duplicate username "dispatcher" (also users[0])',
        ),
    ],
)
def test_a_broken_reference_is_named(tmp_path: Path, change: Any, field: str, reason: str) -> None:
    data = copy.deepcopy(a_collective())
    change(data)

    error = error_of(tmp_path, data)

    assert error.field == field
    assert error.reason.startswith(reason)
    assert f"collective.yaml: {field}: {reason}" in str(error)


def test_an_invalid_polygon_is_repaired_with_a_warning_giving_shapely_reason(
    tmp_path: Path,
) -> None:
    data = a_collective()
    bowtie = [[9.50, 47.10], [9.56, 47.16], [9.56, 47.10], [9.50, 47.16], [9.50, 47.10]]
    data["jurisdictions"][0]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}

    spec = read_collective(write(tmp_path, data))

    assert spec.jurisdictions[0].geometry["type"] == "MultiPolygon"
    assert spec.warnings[0].startswith(
        "jurisdictions[0].geometry: invalid Polygon (Self-intersection[9.53 47.13]): repaired"
    )


def test_a_polygon_without_area_is_refused(tmp_path: Path) -> None:
    data = a_collective()
    line = [[9.50, 47.10], [9.50, 47.13], [9.50, 47.16], [9.50, 47.10]]
    data["jurisdictions"][0]["geometry"] = {"type": "Polygon", "coordinates": [line]}

    error = error_of(tmp_path, data)

    assert error.field == "jurisdictions[0].geometry"
    assert error.reason.startswith("zero area (invalid Polygon: Self-intersection")


@pytest.mark.parametrize(
    ("coordinates", "reason"),
    [
        ([[[9.5, 47.1], [9.6, 47.1]]], "malformed Polygon coordinates"),
        (
            [[[47.1, 9.5], [47.1, 190.0], [47.2, 190.0], [47.1, 9.5]]],
            "coordinates outside",
        ),
        ([], "empty Polygon"),
    ],
)
def test_malformed_coordinates_are_refused(tmp_path: Path, coordinates: Any, reason: str) -> None:
    data = a_collective()
    data["jurisdictions"][0]["geometry"] = {
        "type": "Polygon",
        "coordinates": coordinates,
    }

    error = error_of(tmp_path, data)

    assert error.field == "jurisdictions[0].geometry"
    assert error.reason.startswith(reason)


def test_yaml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    path = tmp_path / "collective.yaml"
    path.write_text("agencies:\n  - id: a\n    name: [unclosed\n", encoding="utf-8")

    with pytest.raises(CollectiveFileError) as raised:
        read_collective(path)

    assert raised.value.reason.startswith("not valid YAML")
    assert raised.value.problems[0].line is not None


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "collective.yaml"
    path.write_text("agencies:\n  - id: a\n    name: A\n    id: b\n", encoding="utf-8")

    with pytest.raises(CollectiveFileError) as raised:
        read_collective(path)

    assert 'duplicate key "id"' in raised.value.reason
    assert raised.value.problems[0].line == 4


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "the file is empty"), ("- a\n- b\n", "the file must be a YAML mapping")],
)
def test_a_file_that_is_not_a_collective_is_refused(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "collective.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CollectiveFileError) as raised:
        read_collective(path)

    assert raised.value.reason.startswith(reason)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CollectiveFileError, match=r"nope\.yaml: no such file"):
        read_collective(tmp_path / "nope.yaml")


def test_errors_point_at_the_line(tmp_path: Path) -> None:
    data = a_collective()
    data["units"][2]["station"] = "nowhere"
    path = write(tmp_path, data)
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if "station: nowhere" in text
    )

    with pytest.raises(CollectiveFileError) as raised:
        read_collective(path)

    assert raised.value.problems[0].line == line
    assert str(raised.value).endswith(f"(line {line})")


# -- GeoJSON files -------------------------------------------------------------


def write_geojson(path: Path) -> None:
    features = [
        {"type": "Feature", "properties": {"name": "East", "n": 1}, "geometry": SQUARE},
        {
            "type": "Feature",
            "properties": {"name": "West", "n": 2},
            "geometry": NEXT_SQUARE,
        },
        {
            "type": "Feature",
            "properties": {"name": "West", "n": 3},
            "geometry": NEXT_SQUARE,
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def with_reference(tmp_path: Path, **reference: Any) -> dict[str, Any]:
    write_geojson(tmp_path / "areas.geojson")
    data = a_collective()
    data["jurisdictions"][0]["geometry"] = reference
    return data


def test_a_geojson_feature_is_taken_by_its_properties(tmp_path: Path) -> None:
    data = with_reference(tmp_path, file="areas.geojson", where={"name": "West", "n": 3})

    spec = read_collective(write(tmp_path, data))

    assert spec.jurisdictions[0].geometry == NEXT_SQUARE


def test_geojson_files_are_found_beside_the_collective_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shapes").mkdir()
    write_geojson(tmp_path / "shapes" / "areas.geojson")
    data = a_collective()
    data["jurisdictions"][0]["geometry"] = {
        "file": "shapes/areas.geojson",
        "where": {"name": "East"},
    }
    path = write(tmp_path, data)
    monkeypatch.chdir("/")

    spec = read_collective(path)

    assert spec.jurisdictions[0].geometry == SQUARE


def test_a_single_geometry_file_needs_no_where(tmp_path: Path) -> None:
    (tmp_path / "east.geojson").write_text(json.dumps(SQUARE))
    data = a_collective()
    data["jurisdictions"][0]["geometry"] = {"file": "east.geojson"}

    spec = read_collective(write(tmp_path, data))

    assert spec.jurisdictions[0].geometry == SQUARE


@pytest.mark.parametrize(
    ("reference", "field", "reason"),
    [
        (
            {"file": "areas.geojson", "where": {"name": "North"}},
            "jurisdictions[0].geometry.where",
            'no feature in "areas.geojson" has name = "North"',
        ),
        (
            {"file": "areas.geojson", "where": {"name": "West"}},
            "jurisdictions[0].geometry.where",
            '2 features in "areas.geojson" have name = "West": name just one',
        ),
        (
            {"file": "areas.geojson"},
            "jurisdictions[0].geometry.where",
            '"areas.geojson" holds 3 features: say which',
        ),
        (
            {"file": "missing.geojson"},
            "jurisdictions[0].geometry.file",
            '"missing.geojson": no such file',
        ),
        (
            {"file": "../outside.geojson"},
            "jurisdictions[0].geometry.file",
            '"../outside.geojson" must be inside the collective\'s folder',
        ),
        (
            {"file": "areas.geojson", "wher": {"name": "East"}},
            "jurisdictions[0].geometry.wher",
            'unknown key (did you mean "where"?)',
        ),
    ],
)
def test_a_bad_geojson_reference_is_named(
    tmp_path: Path, reference: dict[str, Any], field: str, reason: str
) -> None:
    data = with_reference(tmp_path, **reference)

    error = error_of(tmp_path, data)

    assert error.field == field
    assert error.reason.startswith(reason)


def test_a_geojson_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.geojson").write_text('{"type": "FeatureCollection",')
    data = a_collective()
    data["jurisdictions"][0]["geometry"] = {"file": "broken.geojson"}

    error = error_of(tmp_path, data)

    assert error.field == "jurisdictions[0].geometry.file"
    assert error.reason.startswith('"broken.geojson": not valid JSON')


def test_a_point_feature_is_not_a_jurisdiction(tmp_path: Path) -> None:
    point = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [9.5, 47.1]},
    }
    (tmp_path / "point.geojson").write_text(json.dumps(point))
    data = a_collective()
    data["jurisdictions"][0]["geometry"] = {"file": "point.geojson"}

    error = error_of(tmp_path, data)

    assert error.field == "jurisdictions[0].geometry"
    assert error.reason == "must be a Polygon or MultiPolygon, not Point (point.geojson, feature 0)"


# -- warnings ------------------------------------------------------------------


def test_a_station_outside_its_agency_is_a_warning(tmp_path: Path) -> None:
    data = a_collective()
    data["stations"][0].update(lon=9.59)

    spec = read_collective(write(tmp_path, data))

    assert len(spec.warnings) == 1
    assert spec.warnings[0].startswith(
        'stations[0]: station "east-hq" lies outside the jurisdictions of agency "east"'
    )


def test_overlapping_jurisdictions_are_a_warning(tmp_path: Path) -> None:
    data = a_collective()
    data["jurisdictions"][1]["geometry"] = SQUARE
    data["stations"][1].update(lon=9.53)

    spec = read_collective(write(tmp_path, data))

    [overlap] = JurisdictionIndex(spec.jurisdictions).overlaps()
    assert spec.warnings == (
        f'jurisdictions[1]: overlaps jurisdiction "east-town" by {overlap.area_m2:,.0f} m2: '
        "a call there goes to the one listed first (line 33)",
    )


@pytest.mark.parametrize("area_m2", [MIN_OVERLAP_M2 * 2, MIN_OVERLAP_M2 / 2])
def test_an_overlap_is_reported_from_the_same_square_metres_as_the_index(
    tmp_path: Path, area_m2: float
) -> None:
    # West Town reaches a hair's breadth into East Town along their shared border.
    data = a_collective()
    border_m = 0.06 * 111_195  # the shared border runs 0.06 degrees of latitude
    reach = area_m2 / border_m / (111_195 * math.cos(math.radians(47.13)))
    west = copy.deepcopy(NEXT_SQUARE)
    for point in west["coordinates"][0]:
        if point[0] == 9.56:
            point[0] -= reach
    data["jurisdictions"][1]["geometry"] = west

    spec = read_collective(write(tmp_path, data))

    said = [float(w.split(" by ")[1].split(" m2")[0]) for w in spec.warnings]
    if area_m2 >= MIN_OVERLAP_M2:
        assert said == [pytest.approx(area_m2, abs=0.5)]
    else:
        assert said == []


def test_the_documented_example_reads(tmp_path: Path) -> None:
    docs = Path(__file__).parents[3] / "docs/collective-file.md"
    example = docs.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "collective.yaml").write_text(example, encoding="utf-8")
    shutil.copy(DEMO.parent / "jurisdictions.geojson", tmp_path)

    spec = read_collective(tmp_path / "collective.yaml")

    assert len(spec.units) == 4
    assert spec.warnings == ()


def test_a_collective_of_agencies_alone_reads(tmp_path: Path) -> None:
    spec = read_collective(write(tmp_path, {"agencies": [{"id": "a", "name": "A"}]}))

    assert [a.id for a in spec.agencies] == ["a"]
    assert spec.warnings == ('agencies[0]: agency "a" answers for no jurisdiction (line 2)',)


# -- the dispatch floor --------------------------------------------------------


def test_the_dispatch_floor_rules_are_read(tmp_path: Path) -> None:
    data = a_collective()
    assert read_collective(write(tmp_path, data)).floor is None
    data["dispatch"] = {"dispatchers_may_override": True}

    spec = read_collective(write(tmp_path, data))

    assert spec.floor is not None
    assert spec.floor.dispatchers_may_override is True


def test_the_dispatch_floor_rules_are_strict(tmp_path: Path) -> None:
    data = a_collective()
    data["dispatch"] = {"dispatchers_may_overide": True}
    assert "did you mean" in str(error_of(tmp_path, data))
    data["dispatch"] = {"dispatchers_may_override": "yes"}
    assert "dispatch.dispatchers_may_override" in str(error_of(tmp_path, data))


def test_the_dispatch_section_sets_the_specialist_margin(tmp_path: Path) -> None:
    spec = read_collective(
        write(tmp_path, {**a_collective(), "dispatch": {"specialist_margin_s": 90}})
    )

    assert spec.floor == FloorRules(specialist_margin_s=90)


def test_without_a_dispatch_section_the_defaults_apply(tmp_path: Path) -> None:
    spec = read_collective(write(tmp_path, a_collective()))

    assert spec.floor is None
    assert FloorRules().specialist_margin_s == 120


@pytest.mark.parametrize(
    ("dispatch", "reason"),
    [
        ({"specialist_margin_s": -1}, "greater than or equal to 0"),
        ({"specialist_margin_s": 7200}, "less than or equal to 3600"),
        ({"specialist_margin_s": "2 min"}, "valid integer"),
        ({"specialist_margn_s": 60}, 'did you mean "specialist_margin_s"'),
    ],
)
def test_a_bad_dispatch_section_is_refused(tmp_path: Path, dispatch: Any, reason: str) -> None:
    with pytest.raises(CollectiveFileError) as err:
        read_collective(write(tmp_path, {**a_collective(), "dispatch": dispatch}))

    assert any(reason in str(p) for p in err.value.problems), err.value.problems


def test_the_demo_closes_with_its_own_dispositions(demo: Any) -> None:
    closing = demo.closing
    assert closing is not None
    assert closing.last_unit_clear_closes is True
    codes = [d.code for d in closing.for_call_type(CallTypeCode("traffic_collision"))]
    assert "citation" in codes
    assert "citation" not in [d.code for d in closing.for_call_type(CallTypeCode("burglary"))]


def test_a_closing_section_is_read_and_checked(tmp_path: Path) -> None:
    data = a_collective()
    code = data["call_types"][0]["code"]
    data["closing"] = {
        "last_unit_clear_closes": False,
        "dispositions": [
            {"code": "arrest", "name": "Arrest made"},
            {"code": "citation", "name": "Citation", "call_types": [code]},
        ],
    }
    spec = read_collective(write(tmp_path, data))
    assert spec.closing is not None
    assert spec.closing.last_unit_clear_closes is False
    assert [d.code for d in spec.closing.dispositions] == ["arrest", "citation"]

    data["closing"]["dispositions"].append(
        {"code": "arrest", "name": "Again", "call_types": ["nope"]}
    )
    message = str(error_of(tmp_path, data))
    assert 'duplicate code "arrest"' in message
    assert 'closing.dispositions[2].call_types[0]: no call type "nope"' in message


def test_without_a_closing_section_the_defaults_hold(tmp_path: Path) -> None:
    assert read_collective(write(tmp_path, a_collective())).closing is None

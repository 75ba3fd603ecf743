"""The collective file's resource catalogue: the collective's own types and each agency's
resources; every mistake named by file, field and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bluepool.adapters.files.collective import CollectiveFileError, read_collective
from bluepool.domain.resources.catalogue import ResourceKind, catalogue
from bluepool.domain.resources.resources import Condition
from tests.adapters.files.test_collective import DEMO, a_collective, error_of, write


def with_resources(**resource: Any) -> dict[str, Any]:
    data = a_collective()
    data["resource_types"] = [{"id": "sonar", "name": "Side-scan sonar", "kind": "equipment"}]
    data["resources"] = [
        {
            "id": "east-drone",
            "type": "drone",
            "name": "East drone",
            "owner": "east",
            "station": "east-hq",
        }
        | resource
    ]
    return data


def test_the_demo_has_a_small_realistic_catalogue() -> None:
    demo = read_collective(DEMO)
    types = catalogue(demo.resource_types)
    by_type = {r.type for r in demo.resources}
    assert {
        "helicopter",
        "drone",
        "crime-scene-unit",
        "mobile-command-post",
        "surveillance-kit",
    } <= by_type
    assert len({r.owner for r in demo.resources}) >= 3
    assert all(types[r.type] for r in demo.resources)
    assert any(r.windows for r in demo.resources)
    assert any(r.condition is Condition.NEEDS_REPAIR for r in demo.resources)
    assert any(c.rates.per_day for a in demo.agreements for c in a.clauses)  # priced by the day


def test_resources_and_own_types_are_read(tmp_path: Path) -> None:
    data = with_resources(
        windows=[{"start": "2027-01-01", "end": "2027-02-01T12:00:00+01:00"}],
        condition="needs_repair",
        maintenance_notes="props",
    )
    data["resources"].append(
        {"id": "east-sonar", "type": "sonar", "name": "Sonar", "owner": "east"}
    )
    spec = read_collective(write(tmp_path, data))
    drone, sonar = spec.resources
    assert (drone.owner, drone.home_station, drone.condition) == (
        "east",
        "east-hq",
        Condition.NEEDS_REPAIR,
    )
    assert drone.windows[0].start.isoformat() == "2027-01-01T00:00:00+00:00"
    assert (sonar.type, sonar.home_station) == ("sonar", None)
    assert spec.resource_types[0].kind is ResourceKind.EQUIPMENT


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"type": "sonr"}, "resources[0].type", 'no resource type "sonr" (did you mean "sonar"?)'),
        ({"owner": "north"}, "resources[0].owner", 'no agency "north"'),
        (
            {"station": "east-hqq"},
            "resources[0].station",
            'no station "east-hqq" (did you mean "east-hq"?)',
        ),
        (
            {"station": "west-hq"},
            "resources[0].station",
            'no station "west-hq" in agency "east" (it belongs to "west")',
        ),
        (
            {"windows": [{"start": "2027-02-01", "end": "2027-01-01"}]},
            "resources[0].windows[0]",
            "an availability window must end after it starts",
        ),
        (
            {
                "windows": [
                    {"start": "2027-01-01", "end": "2027-03-01"},
                    {"start": "2027-02-01", "end": "2027-04-01"},
                ]
            },
            "resources[0].windows",
            "availability windows overlap",
        ),
        ({"condition": "broken"}, "resources[0].condition", "Input should be"),
        ({"colour": "blue"}, "resources[0].colour", "unknown key"),
    ],
)
def test_a_bad_resource_is_named_with_its_line(
    tmp_path: Path, change: dict[str, Any], field: str, reason: str
) -> None:
    error = error_of(tmp_path, with_resources(**change))
    assert error.field == field
    assert error.reason.startswith(reason)
    assert error.problems[0].line is not None
    assert str(error).startswith(f"{tmp_path / 'collective.yaml'}: {field}: ")


def test_a_bad_resource_type_is_named(tmp_path: Path) -> None:
    data = with_resources()
    data["resource_types"].append({"id": "sonar", "name": "Again", "kind": "gadget"})
    error = error_of(tmp_path, data)
    assert isinstance(error, CollectiveFileError)
    assert error.field == "resource_types[1].kind"
    data["resource_types"][1]["kind"] = "equipment"
    assert error_of(tmp_path, data).reason == 'duplicate id "sonar" (also resource_types[0])'


def test_a_resource_id_given_twice_is_named(tmp_path: Path) -> None:
    data = with_resources()
    data["resources"].append(dict(data["resources"][0]))
    assert error_of(tmp_path, data).field == "resources[1].id"

"""Reading scenario files: every field checked, problems named by field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from bluepool.sim.scenario import (
    DataMissing,
    GeneratedCalls,
    ReplayCalls,
    ScenarioError,
    TravelConfig,
    load_mapping,
    load_scenario,
)

SCENARIOS = Path(__file__).parents[2] / "scenarios"

REPLAY = """
name = "t"
collective = "c.yaml"
[calls]
file = "log.csv"
[calls.mapping]
time = "when"
lat = "y"
lon = "x"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_the_shipped_scenarios_load() -> None:
    demo = load_scenario(SCENARIOS / "demo-week.toml")
    assert isinstance(demo.calls, GeneratedCalls)
    assert demo.collective.exists()
    assert demo.policies.compare == ("siloed", "pooled", "pooled_reserve", "configured")
    sd = load_scenario(SCENARIOS / "sandiego-week.toml")
    assert isinstance(sd.calls, ReplayCalls)
    assert sd.calls.mapping.priority_map == {"0": 1, "1": 2, "2": 3, "3": 4, "4": 5}
    assert sd.calls.mapping.exclude["disposition"] == frozenset({"CAN", "DUP"})


def test_paths_are_relative_to_the_scenario_file(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, REPLAY))
    assert s.collective == (tmp_path / "c.yaml").resolve()
    assert isinstance(s.calls, ReplayCalls)
    assert s.calls.path == (tmp_path / "log.csv").resolve()
    assert s.missing_data() == (s.collective, s.calls.path)


@pytest.mark.parametrize(
    ("top", "table", "field"),
    [
        ("colour = 1", "", "colour: unknown key"),
        ("seed = -3", "", "seed"),
        ("", '[travel]\nmodel = "teleport"', "travel.model"),
        ("", '[service]\nmodel = "weibull"', "service.model"),
        ("", "[service]\nmean_minutes = { 7 = 3 }", "service.mean_minutes.7"),
        ("", '[policies]\ncompare = ["everyone"]', "policies.compare"),
        ("", "[policies]\nhome_reserve = -1", "policies.home_reserve"),
    ],
)
def test_a_bad_field_is_named(tmp_path: Path, top: str, table: str, field: str) -> None:
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")):
        load_scenario(write(tmp_path, f"{top}\n{REPLAY}\n{table}\n"))


def test_a_mapping_needs_a_location_or_an_area(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="lat and lon columns, or an area"):
        load_scenario(write(tmp_path, REPLAY.replace('lat = "y"\n', "")))


def test_a_mapping_reads_alone_or_from_a_scenario(tmp_path: Path) -> None:
    alone = tmp_path / "m.toml"
    alone.write_text('time = "t"\narea = "beat"\narea_chars = 1\narea_map = { "1" = "north" }')
    m = load_mapping(alone)
    assert (m.area, m.area_chars, m.area_map) == ("beat", 1, {"1": "north"})
    assert load_mapping(SCENARIOS / "sandiego-week.toml").lon == "lng"


def test_not_toml_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write(tmp_path, "name = "))


def test_every_problem_is_named_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, f"seed = -1\n{REPLAY}\n[travel]\nwarp = 9\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.detail.splitlines() == [
        f"{path}: travel.warp: unknown key (known: detour_factor, fit, max_speed_kmh, model, "
        "network, speed_kmh)",
        f"{path}: seed: must be a whole number, 0 or more",
    ]


def test_the_file_says_call_types_and_file_the_fields_say_otherwise(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"s\.toml: service\.call_types\.fight: must be"):
        load_scenario(write(tmp_path, f"{REPLAY}\n[service]\ncall_types = {{ fight = 0 }}\n"))
    s = load_scenario(write(tmp_path, f"{REPLAY}\n[service]\ncall_types = {{ fight = 90 }}\n"))
    assert s.service.call_type_minutes == {"fight": 90.0}
    with pytest.raises(ScenarioError, match=r"calls\.path: unknown key"):
        load_scenario(write(tmp_path, REPLAY.replace("file =", "path =")))
    with pytest.raises(ScenarioError, match=r"^.*s\.toml: source: unknown key"):
        load_scenario(write(tmp_path, f'source = "elsewhere.toml"\n{REPLAY}'))


def test_a_scenario_made_in_code_is_validated_too(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, REPLAY))
    faster = dataclasses.replace(s, travel=TravelConfig("straight_line", 1.3, 25.0))
    assert faster.travel.speed_kmh == 25.0
    assert faster.collective == s.collective  # a path given in code is taken as it is
    with pytest.raises(ValidationError, match="must be a number above 0"):
        TravelConfig("straight_line", 1.3, -25.0)
    assert isinstance(s.calls, ReplayCalls)
    with pytest.raises(ValidationError, match="lat and lon columns, or an area"):
        dataclasses.replace(s.calls.mapping, lat=None)


def test_missing_data_names_every_absent_file(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, REPLAY))
    with pytest.raises(DataMissing, match=r"scenario t: missing .*c\.yaml, .*log\.csv"):
        s.require_data()
    (tmp_path / "log.csv").write_text("when,y,x\n")
    s.require_data(collective=False)  # the collective comes from elsewhere
    with pytest.raises(DataMissing, match=r"c\.yaml$"):
        s.require_data()

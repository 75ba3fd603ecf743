"""Reading scenario files: every field checked, problems named by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluepool.sim.scenario import (
    GeneratedCalls,
    ReplayCalls,
    ScenarioError,
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

"""The mapping file of a CAD export: a good one gives the mapping, each problem is named
by file, field and line (an unknown EPSG code, an unknown time zone, two kinds of
location, a column missing), and the shipped examples read."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluepool.adapters.files.call_mapping import MappingFileError, read_mapping
from bluepool.domain.analytics.history import ByArea, Projected, WktPoint
from bluepool.domain.analytics.kpis import Stage

MAPPINGS = Path(__file__).parents[3] / "src" / "bluepool" / "demo" / "mappings"

GOOD = """\
time_format: "%Y-%m-%d %H:%M:%S"
time_zone: Europe/Zurich
id: nr
stages:
  received: t0
  on_scene: t4
priority: {column: prio, values: {HIGH: 1, LOW: 3}}
call_type: {column: kind, unmapped: drop, values: {EINBRUCH: burglary}}
agency: {value: zurich}
self_initiated: {column: origin, values: [EIGEN]}
location: {x: e, y: n, epsg: 2056}
dates: {from: 2024-01-01, to: 2025-01-01}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return path


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(MappingFileError) as caught:
        read_mapping(write(tmp_path, text))
    return caught.value.detail


def test_a_good_mapping(tmp_path: Path) -> None:
    m = read_mapping(write(tmp_path, GOOD))
    assert m.stages == {Stage.RECEIVED: "t0", Stage.ON_SCENE: "t4"}
    assert m.priority.values == {"HIGH": "1", "LOW": "3"}
    assert m.drop_unmapped_call_types
    assert m.agency.constant == "zurich"
    assert m.location == Projected("e", "n", 2056)
    assert m.received_from is not None
    assert m.received_from.year == 2024
    assert m.columns()["location.x"] == "e"


def test_an_unknown_epsg_code_is_named_with_its_line(tmp_path: Path) -> None:
    message = problem(tmp_path, GOOD.replace("epsg: 2056", "epsg: 99999"))
    assert message == f"{tmp_path / 'm.yaml'}: location.epsg: unknown EPSG code 99999 (line 11)"


def test_each_problem_is_named(tmp_path: Path) -> None:
    assert "unknown time zone 'Mars/Olympus'" in problem(
        tmp_path, GOOD.replace("Europe/Zurich", "Mars/Olympus")
    )
    assert "give one of lat and lon, wkt" in problem(
        tmp_path, GOOD.replace("{x: e, y: n, epsg: 2056}", "{x: e, y: n, epsg: 2056, wkt: p}")
    )
    assert "stages.received" in problem(tmp_path, GOOD.replace("  received: t0\n", ""))
    assert "priority.values.LOW: a priority is a whole number" in problem(
        tmp_path, GOOD.replace("LOW: 3", "LOW: low")
    )
    assert "colour" in problem(tmp_path, GOOD + "colour: red\n")
    assert "not valid YAML" in problem(tmp_path, "stages: [\n")
    with pytest.raises(MappingFileError, match="no such file"):
        read_mapping(tmp_path / "absent.yaml")


def test_the_shipped_examples_read() -> None:
    sf = read_mapping(MAPPINGS / "sf-dispatched-calls.yaml")
    assert sf.location == WktPoint("intersection_point")
    assert sf.time_zone == "America/Los_Angeles"
    sd = read_mapping(MAPPINGS / "sandiego-sdpd-cfs.yaml")
    assert isinstance(sd.location, ByArea)
    assert sd.location.areas["523"].jurisdiction == "sd-central"

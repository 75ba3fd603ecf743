"""Speeds: posted limits in their many spellings, class defaults, and speed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bluepool.domain.shared.errors import Invalid
from bluepool.routing.speeds import (
    DEFAULT_CLASS_SPEEDS_KMH,
    SpeedProfile,
    load_speed_profile,
    speed_profile_from_mapping,
)


@pytest.mark.parametrize(
    ("tag", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("50kmh", 50.0),
        ("30 mph", 30 * 1.609344),
        ("10 knots", 18.52),
        ("CH:urban", 50.0),
        ("CH:rural", 80.0),
        ("DE:rural", 100.0),
        ("XX:rural", 90.0),
        ("DE:zone30", 30.0),
        ("DE:zone:30", 30.0),
        ("none", 130.0),
        ("walk", 7.0),
        ("50;30", 30.0),
        ("signals", None),
        ("fast", None),
        ("", None),
        (None, None),
        ("0", None),
    ],
)
def test_reads_posted_limits_in_their_usual_spellings(tag: str | None, kmh: float | None) -> None:
    got = SpeedProfile().parse_maxspeed(tag)
    if kmh is None:
        assert got is None
    else:
        assert got == pytest.approx(kmh)


def test_a_way_without_a_readable_limit_drives_at_its_class_default() -> None:
    profile = SpeedProfile()
    assert profile.way_speed("residential", None) == DEFAULT_CLASS_SPEEDS_KMH["residential"]
    assert profile.way_speed("residential", "variable") == DEFAULT_CLASS_SPEEDS_KMH["residential"]
    assert profile.way_speed("primary", "80") == 80.0
    assert profile.way_speed("footway", "50") is None


def test_the_maxspeed_factor_scales_posted_limits_only() -> None:
    profile = SpeedProfile(maxspeed_factor=0.5)
    assert profile.way_speed("primary", "80") == 40.0
    assert profile.way_speed("primary", None) == DEFAULT_CLASS_SPEEDS_KMH["primary"]


def test_rejects_a_speed_that_is_not_positive() -> None:
    with pytest.raises(Invalid):
        SpeedProfile(classes={"residential": 0.0})
    with pytest.raises(Invalid):
        SpeedProfile(maxspeed_factor=-1.0)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "speeds.toml",
            'maxspeed_factor = 0.9\n[classes]\nresidential = 25\n[zones]\n"CH:rural" = 70\n',
        ),
        (
            "speeds.yaml",
            "maxspeed_factor: 0.9\nclasses:\n  residential: 25\nzones:\n  'CH:rural': 70\n",
        ),
        (
            "speeds.json",
            json.dumps(
                {"maxspeed_factor": 0.9, "classes": {"residential": 25}, "zones": {"CH:rural": 70}}
            ),
        ),
    ],
)
def test_loads_a_speed_file_in_toml_yaml_or_json(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    profile = load_speed_profile(path)
    assert profile.classes["residential"] == 25.0
    assert profile.classes["primary"] == DEFAULT_CLASS_SPEEDS_KMH["primary"]
    assert profile.parse_maxspeed("CH:rural") == 70.0
    assert profile.maxspeed_factor == 0.9


def test_a_flat_speed_file_maps_classes_and_can_open_new_ones() -> None:
    profile = speed_profile_from_mapping({"service": 10, "busway": 40})
    assert profile.way_speed("service", None) == 10.0
    assert profile.way_speed("busway", None) == 40.0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("speeds.txt", "residential = 25"),
        ("speeds.toml", "residential = "),
        ("speeds.json", "[1, 2]"),
        ("speeds.json", '{"residential": "fast"}'),
    ],
)
def test_refuses_a_speed_file_it_cannot_use(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(Invalid) as err:
        load_speed_profile(path)
    assert err.value.code == "bad_speeds"

"""Bad input files give a ScenarioError naming the file, line and field, never a traceback;
rows a log cannot use are dropped and counted."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from bluepool.sim.calls import read_log, read_mix, read_rates, replay
from bluepool.sim.fleet import build_fleet
from bluepool.sim.plots import figures
from bluepool.sim.runner import run
from bluepool.sim.scenario import CallLogMapping, ScenarioError, load_scenario
from tests.sim.builders import District, Post, collective

MAPPING = CallLogMapping(time="when", lat="y", lon="x", on_scene_minutes="mins")
SPEC = collective(
    [
        District("north", 0.0, 0.1, 0.1, [Post(0.15, 0.05)]),
        District("south", 0.0, 0.0, 0.1, [Post(0.05, 0.05)]),
    ]
)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_short_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    log = write(
        tmp_path / "log.csv",
        "when,y,x,mins\n"
        "2024-01-01 00:10,0.05,0.05,20\n"
        "2024-01-01 00:20,0.05\n"  # no x, no mins
        "2024-01-01 00:30,0.15,0.05\n"  # no mins
        "2024-01-01 00:40\n",
    )
    rows, dropped = read_log(log, MAPPING)
    assert [r.at.minute for r in rows] == [10]
    assert dropped == {"short row (missing cells)": 3}
    stream = replay(log, MAPPING, build_fleet(SPEC), np.random.default_rng(0))
    assert len(stream) == 1
    assert stream.dropped == {"short row (missing cells)": 3}


def test_times_with_and_without_an_offset_are_refused(tmp_path: Path) -> None:
    log = write(
        tmp_path / "log.csv",
        "when,y,x,mins\n2024-01-01 00:10,0.05,0.05,20\n2024-01-01 00:20+01:00,0.05,0.05,20\n",
    )
    with pytest.raises(ScenarioError, match=r"log\.csv: column when: line 3 .* line 2"):
        read_log(log, MAPPING)


def test_times_all_with_an_offset_are_read(tmp_path: Path) -> None:
    log = write(
        tmp_path / "log.csv",
        "when,y,x,mins\n2024-01-01 00:20+01:00,0.05,0.05,20\n2024-01-01 00:10+01:00,0.05,0.05,20\n",
    )
    rows, _ = read_log(log, MAPPING)
    assert len(rows) == 2


RATES = "area,hour_of_week,priority,rate_per_hour\n"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("north,3,0,1.0", "line 2: priority: 0 is not from 1 to 5"),
        ("north,3,6,1.0", "line 2: priority: 6 is not from 1 to 5"),
        ("north,3,2.5,1.0", "line 2: priority: '2.5' is not a whole number"),
        ("north,-1,2,1.0", "line 2: hour_of_week: -1 is not from 0 to 167"),
        ("north,168,2,1.0", "line 2: hour_of_week: 168 is not from 0 to 167"),
        ("north,3,2,-0.5", "line 2: rate_per_hour: -0.5 must be"),
        ("north,3,2,nan", "line 2: rate_per_hour: nan must be"),
        ("north,3,2", "line 2: rate_per_hour: None is not a number"),
        ("east,3,2,1.0", "line 2: area: no 'east' in the collective"),
    ],
)
def test_a_bad_rate_is_named(tmp_path: Path, row: str, field: str) -> None:
    path = write(tmp_path / "rates.csv", RATES + row + "\n")
    with pytest.raises(ScenarioError, match=r"rates\.csv: " + _escape(field)):
        read_rates(path, build_fleet(SPEC))


def test_good_rates_are_read(tmp_path: Path) -> None:
    path = write(tmp_path / "rates.csv", RATES + "north,0,1,2.0\nsouth,167,5,0.5\nsouth,*,3,1\n")
    rates = read_rates(path, build_fleet(SPEC))
    assert rates[0, 0, 0] == 2.0
    assert rates[1, 167, 4] == 0.5
    assert (rates[1, :, 2] == 1.0).all()
    assert rates.sum() == 2.0 + 0.5 + 168


MIX = "priority,call_type,share\n"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("one,fight,0.5", "line 2: priority: 'one' is not a whole number"),
        ("1.5,fight,0.5", "line 2: priority: '1.5' is not a whole number"),
        ("9,fight,0.5", "line 2: priority: 9 is not from 1 to 5"),
        ("1,fight,-0.5", "line 2: share: -0.5 must be"),
        ("1,fight,lots", "line 2: share: 'lots' is not a number"),
    ],
)
def test_a_bad_mix_is_named(tmp_path: Path, row: str, field: str) -> None:
    path = write(tmp_path / "mix.csv", MIX + row + "\n")
    with pytest.raises(ScenarioError, match=r"mix\.csv: " + _escape(field)):
        read_mix(path)


def test_a_good_mix_is_read(tmp_path: Path) -> None:
    mix = read_mix(write(tmp_path / "mix.csv", MIX + "1,fight,3\n1,noise,1\n2,x,0\n"))
    codes, shares = mix[1]
    assert codes == ["fight", "noise"]
    assert shares.tolist() == [0.75, 0.25]
    assert 2 not in mix  # no share at all


SCENARIO = """
name = "t"
collective = "c.yaml"
[calls]
file = "log.csv"
[calls.mapping]
time = "when"
lat = "y"
lon = "x"
"""


def test_reserve_for_an_agency_not_in_the_collective_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "log.csv", "when,y,x\n2024-01-01 00:10,0.05,0.05\n")
    path = write(
        tmp_path / "s.toml",
        SCENARIO + "[policies]\nreserve_by_agency = { north = 1, nowhere = 2 }\n",
    )
    with pytest.raises(ScenarioError, match="reserve_by_agency: no agency 'nowhere'"):
        run(load_scenario(path), SPEC, progress=False)


def test_an_empty_run_draws_its_figures_without_warnings(tmp_path: Path) -> None:
    write(tmp_path / "log.csv", "when,y,x\n2024-01-01 00:10,5.0,5.0\n")  # outside them all
    report = run(load_scenario(write(tmp_path / "s.toml", SCENARIO)), SPEC, progress=False)
    assert len(report.calls) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = figures(report)
    assert len(drawn) == 6
    import matplotlib.pyplot as plt

    for fig in drawn.values():
        plt.close(fig)


def _escape(text: str) -> str:
    import re

    return re.escape(text)

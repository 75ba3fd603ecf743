"""The simulator learns from history and is checked against it: a simulator calibrated on
its own output must give back what it was run with (the loop), and thin observed data
must be reported as such."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bluepool.domain.analytics.kpis import Call, Stage
from bluepool.domain.spec import CollectiveSpec
from bluepool.sim import load_scenario
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import build_fleet
from bluepool.sim.history import Observed, calibrate_history, observed, posts_of
from bluepool.sim.policies import collective_for
from bluepool.sim.runner import load_calls
from bluepool.sim.travel import make_travel
from bluepool.sim.validate import THIN, validate
from tests.sim.builders import District, Post, collective

START = datetime(2024, 1, 1)  # noqa: DTZ001 - a Monday, local wall-clock time
UTCZ = ZoneInfo("UTC")


def spec() -> CollectiveSpec:
    return collective(
        [
            District("north", 0.0, 0.1, 0.1, [Post(0.15, 0.03, 2), Post(0.15, 0.08, 2)]),
            District("south", 0.0, 0.0, 0.1, [Post(0.05, 0.03, 2), Post(0.05, 0.08, 2)]),
        ]
    )


def truth_files(tmp: Path, rng: np.random.Generator) -> Path:
    """A scenario with known delays and travel law, generating two days of calls."""
    with (tmp / "rates.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "hour_of_week", "priority", "rate_per_hour"])
        for area in ("north", "south"):
            w.writerow([area, "*", 1, 1.0])
            w.writerow([area, "*", 3, 2.0])
    with (tmp / "delays.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["delay", "priority", "call_type", "seconds"])
        for p, median in ((1, 60.0), (3, 180.0)):
            for s in median * np.exp(0.5 * rng.standard_normal(2000)):
                w.writerow(["call_processing", p, "call", f"{s:.0f}"])
            for s in 45.0 * np.exp(0.4 * rng.standard_normal(2000)):
                w.writerow(["turnout", p, "call", f"{s:.0f}"])
    (tmp / "truth.model.json").write_text(
        json.dumps({"travel": {"a_s": 60.0, "b": 6.0, "critical_m": 8000.0}})
    )
    scenario = tmp / "truth.toml"
    scenario.write_text(
        """
name = "truth"
collective = "unused.yaml"
[calls]
source = "generated"
calibration = "rates.csv"
days = 2
[travel]
model = "fitted"
fit = "truth.model.json"
[service]
mean_minutes = { 1 = 30, 3 = 20 }
call_processing = "lognormal"
turnout = "empirical"
delays = "delays.csv"
[policies]
compare = ["siloed"]
"""
    )
    return scenario


def history_of(scenario_path: Path, spec: CollectiveSpec) -> list[Observed]:
    """Run the truth scenario and record its calls as a CAD would: every stage."""
    scenario = load_scenario(scenario_path)
    fleet = build_fleet(spec)
    rng = np.random.default_rng(5)
    calls = load_calls(scenario, fleet, rng)
    travel = make_travel(scenario.travel)
    out = simulate(fleet, calls, collective_for("siloed", fleet), travel, policy="siloed")
    assert calls.processing is not None
    assert calls.turnout is not None
    origin = START.replace(tzinfo=UTC)
    rows = []
    for i in range(len(calls)):
        received = origin + timedelta(seconds=float(calls.t[i]))
        stages = {
            Stage.RECEIVED: received,
            Stage.ENTERED: received + timedelta(seconds=float(calls.processing[i])),
        }
        if not math.isnan(out.first_arrival[i]):
            dispatched = origin + timedelta(seconds=float(out.first_dispatch[i]))
            on_scene = origin + timedelta(seconds=float(out.first_arrival[i]))
            stages |= {
                Stage.DISPATCHED: dispatched,
                Stage.EN_ROUTE: dispatched + timedelta(seconds=float(calls.turnout[i])),
                Stage.ON_SCENE: on_scene,
                Stage.CLEARED: on_scene + timedelta(seconds=float(calls.on_scene[i])),
            }
        j = str(fleet.jurisdictions[int(calls.jurisdiction[i])].id)
        call = Call(
            str(i),
            int(calls.priority[i]),
            str(calls.call_type[i]),
            j,
            j,
            "patrol",
            False,
            stages,
            lat=float(calls.lat[i]),
            lon=float(calls.lon[i]),
        )
        rows.append(call)
    got, dropped = observed(rows, UTCZ)
    assert not dropped
    return got


def with_stages(c: Observed, stages: dict[Stage, datetime], located: bool = True) -> Observed:
    """The call ``c`` with other stage times (and without its location unless
    ``located``)."""
    call = dataclasses.replace(c.call, stages=stages)
    return Observed(call, c.at, *((c.lat, c.lon) if located else ()))


def without_cleared(c: Observed, located: bool = True) -> Observed:
    return with_stages(
        c, {s: t for s, t in c.call.stages.items() if s is not Stage.CLEARED}, located
    )


def calibrated(tmp: Path) -> Path:
    path = tmp / "calibrated.toml"
    path.write_text(
        """
name = "calibrated"
collective = "unused.yaml"
[calls]
source = "generated"
calibration = "cal.csv"
[travel]
model = "fitted"
fit = "cal.model.json"
[service]
model = "empirical"
samples = "cal.on_scene.csv"
call_processing = "empirical"
turnout = "empirical"
delays = "cal.delays.csv"
missing_on_scene = "impute"
[policies]
compare = ["siloed"]
"""
    )
    return path


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Observed]]:
    tmp = tmp_path_factory.mktemp("loop")
    truth = truth_files(tmp, np.random.default_rng(1))
    return tmp, history_of(truth, spec())


def test_a_simulator_calibrated_on_its_own_output_gives_it_back(
    loop: tuple[Path, list[Observed]],
) -> None:
    tmp, history = loop
    made = calibrate_history(history, tmp / "cal.csv", posts=posts_of(spec()))
    fit = json.loads((tmp / "cal.model.json").read_text())["travel"]
    assert fit["areas_fitted"] == 2
    # the call taking is received -> entered, the truth's own delay
    assert made.counts["delays"]["call_processing"]["from"].startswith("received -> entered")  # type: ignore[index]
    result = validate(load_scenario(calibrated(tmp)), spec(), history)
    rows = {(c.dimension, c.group, c.kpi): c for c in result.comparisons["siloed"]}
    for kpi, tolerance in (
        ("call_processing", 0.15),
        ("turnout", 0.1),
        ("travel", 0.25),
        ("total_response", 0.15),
    ):
        c = rows[("all", "all", kpi)]
        assert not c.thin
        for which in ("median_s", "p90_s"):
            err = c.error(which)
            assert err is not None, (kpi, which)
            assert abs(err) < tolerance, (kpi, which, err)
    assert result.unserved["siloed"] == 0


def test_a_wrong_model_shows_in_the_error(loop: tuple[Path, list[Observed]]) -> None:
    tmp, history = loop
    calibrate_history(history, tmp / "cal.csv", posts=posts_of(spec()))
    scenario = calibrated(tmp)
    scenario.write_text(
        scenario.read_text().replace('call_processing = "empirical"', 'call_processing = "none"')
    )
    result = validate(load_scenario(scenario), spec(), history)
    c = next(
        c
        for c in result.comparisons["siloed"]
        if (c.dimension, c.kpi) == ("all", "call_processing")
    )
    err = c.error("median_s")
    assert err is not None
    assert err < -0.5


def test_thin_observed_data_is_reported(loop: tuple[Path, list[Observed]]) -> None:
    tmp, history = loop
    calibrate_history(history, tmp / "cal.csv", posts=posts_of(spec()))
    few = history[:8]
    result = validate(load_scenario(calibrated(tmp)), spec(), few)
    rows = result.comparisons["siloed"]
    assert rows
    assert all(c.thin for c in rows)
    assert any(f"fewer than {THIN} observed" in w for w in result.warnings)


def test_calibration_warns_and_counts(tmp_path: Path, loop: tuple[Path, list[Observed]]) -> None:
    _, history = loop
    # one call loses its on-scene time and location, one has clocks that disagree
    first, second = history[0], history[1]
    stages = dict(second.call.stages)
    stages[Stage.CLEARED] = stages[Stage.ON_SCENE] - timedelta(minutes=1)
    broken = [
        without_cleared(first, located=False),
        with_stages(second, stages),
        *history[2:],
    ]
    made = calibrate_history(broken, tmp_path / "c.csv", dropped={"self-initiated": 3})
    text = "\n".join(made.warnings)
    assert "3 calls left out: self-initiated" in text
    assert "1 calls lack a stage of on scene" in text
    assert "1 calls have a negative on scene" in text
    assert "1 calls have no location" in text
    assert made.counts["on_scene"]["samples"] == len(history) - 2  # type: ignore[index]
    mix = list(csv.DictReader((tmp_path / "c.call_mix.csv").open()))
    assert sum(int(r["calls"]) for r in mix) == len(history)


def test_missing_on_scene_drop_leaves_calls_out_and_counts_them(
    loop: tuple[Path, list[Observed]],
) -> None:
    tmp, history = loop
    calibrate_history(history, tmp / "cal.csv", posts=posts_of(spec()))
    scenario = calibrated(tmp)
    scenario.write_text(scenario.read_text().replace('"impute"', '"drop"'))
    without = without_cleared(history[0])
    result = validate(load_scenario(scenario), spec(), [without, *history[1:]])
    assert result.dropped == {"no on-scene time (missing_on_scene = drop)": 1}
    assert result.calls == len(history) - 1

"""Optional unit shifts: off by default; on, no off-shift unit is ever sent."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from bluepool.sim import ScenarioError, load_scenario
from bluepool.sim.calls import from_arrays
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import Fleet, build_fleet
from bluepool.sim.metrics import summarize
from bluepool.sim.policies import collective_for
from bluepool.sim.scenario import ShiftConfig
from bluepool.sim.shifts import schedule
from bluepool.sim.travel import straight_line
from tests.sim.builders import District, Post, collective, run_scenario
from tests.sim.test_pool import CALL_TYPES, random_fleet

SCENARIOS = Path(__file__).parents[2] / "scenarios"
HOUR = 3600.0
START = datetime(2024, 1, 1)  # noqa: DTZ001  (wall clock, midnight)


def _scenario(tmp_path: Path, extra: str, days: int = 1) -> Path:
    text = (SCENARIOS / "demo-week.toml").read_text()
    text = text.replace('"../src/', f'"{SCENARIOS.parent}/src/')
    text = text.replace('"demo/calibration.csv"', f'"{SCENARIOS}/demo/calibration.csv"')
    text = text.replace("days = 7", f"days = {days}")
    path = tmp_path / "s.toml"
    path.write_text(text + extra)
    return path


def test_shifts_off_is_the_run_without_the_section(tmp_path: Path) -> None:
    plain = run_scenario(load_scenario(_scenario(tmp_path, "")), progress=False)
    off = load_scenario(_scenario(tmp_path, '\n[shifts]\nenabled = false\npattern = "12x2"\n'))
    assert off.shifts is None
    assert json.dumps(run_scenario(off, progress=False).as_dict()) == json.dumps(plain.as_dict())
    on = load_scenario(_scenario(tmp_path, '\n[shifts]\npattern = "12x2"\nstart_hour = 6\n'))
    assert on.shifts == ShiftConfig(((6.0, 18.0), (18.0, 6.0)))
    report = run_scenario(on, progress=False).as_dict()
    assert report["shifts"] == {"hours": [[6.0, 18.0], [18.0, 6.0]]}
    for p in report["policies"][:-1]:
        assert sum(p["unit_hours_on_shift"].values()) > 0
    assert "unit_hours_on_shift" not in plain.as_dict()["policies"][0]


def _two_units() -> Fleet:
    # One agency, two units at one post: unit 0 works 06-18, unit 1 works 18-06.
    return build_fleet(collective([District("a", 0.0, 0.0, 0.1, [Post(0.05, 0.05, units=2)])]))


def _on_duty(hours: tuple[float, float], t: float) -> bool:
    h = (t / HOUR) % 24.0
    s, e = hours
    return s <= h < e if s < e else (h >= s or h < e)


@pytest.mark.parametrize("verify", [True, False])
def test_no_call_is_served_by_an_off_shift_unit(verify: bool) -> None:
    fleet = _two_units()
    config = ShiftConfig(((6.0, 18.0), (18.0, 6.0)))
    rng = np.random.default_rng(3)
    n = 60  # about half the load one unit can carry
    t = np.sort(rng.uniform(0.0, 3 * 24 * HOUR, n))
    calls = from_arrays(
        fleet,
        t,
        rng.uniform(0.01, 0.09, n),
        rng.uniform(0.01, 0.09, n),
        on_scene=rng.exponential(40 * 60.0, n),
        start=START,
    )
    shifts = schedule(config, fleet, calls.start, calls.horizon)
    assert shifts.shift_of == [0, 1]
    out = simulate(
        fleet, calls, collective_for("pooled", fleet), straight_line(), shifts=shifts, verify=verify
    )
    assert len(out.unit) > 0
    for u, start in zip(out.unit.tolist(), out.start.tolist(), strict=True):
        assert _on_duty(config.hours[u], start), (u, start / HOUR)
        assert shifts.on_duty(u, start)
    # Both shifts served calls, and every call got a unit in the end.
    assert set(out.unit.tolist()) == {0, 1}
    assert not np.isnan(out.first_dispatch).any()
    # Utilisation is over the time on shift: half the run for each unit.
    result = summarize(fleet, calls, out)
    assert out.on_shift is not None
    assert out.on_shift.sum() == pytest.approx(calls.horizon)
    assert result.on_shift_hours is not None
    assert result.on_shift_hours["a"] == pytest.approx(calls.horizon / HOUR)
    busy = np.minimum(out.end, calls.horizon) - np.minimum(out.start, calls.horizon)
    assert result.utilisation == pytest.approx(busy.sum() / calls.horizon)


def test_a_unit_whose_shift_ends_mid_call_finishes_it() -> None:
    fleet = build_fleet(collective([District("a", 0.0, 0.0, 0.1, [Post(0.05, 0.05)])]))
    config = ShiftConfig(((0.0, 12.0),))
    # A call at 11:30 with an hour on scene; a call at 12:30; the next day begins at 24:00.
    calls = from_arrays(
        fleet,
        [11.5 * HOUR, 12.5 * HOUR, 30 * HOUR],
        [0.05, 0.05, 0.05],
        [0.06, 0.06, 0.06],
        on_scene=[HOUR, 600.0, 600.0],
        start=START,
    )
    shifts = schedule(config, fleet, calls.start, calls.horizon)
    out = simulate(
        fleet, calls, collective_for("siloed", fleet), straight_line(), shifts=shifts, verify=True
    )
    assert out.call.tolist() == [0, 1, 2]
    # The first call is served in full, past the shift's end.
    assert out.start[0] == 11.5 * HOUR
    assert out.end[0] > 12.5 * HOUR
    # The second waits for the next shift, at midnight; the third finds the unit on duty.
    assert out.start[1] == 24 * HOUR
    assert out.start[2] == 30 * HOUR


def test_the_shift_schedule_follows_the_wall_clock() -> None:
    fleet = _two_units()
    shifts = schedule(
        ShiftConfig(((6.0, 18.0), (18.0, 6.0))), fleet, START.replace(hour=7), 24 * HOUR
    )
    # At 07:00 the day unit is on, the night unit off until 18:00 (11 h later).
    assert shifts.on_at_start == [True, False]
    assert shifts.events[0] == (11 * HOUR, 0, 0)
    assert shifts.on_seconds.tolist() == [12 * HOUR, 12 * HOUR]


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("hours = [[6, 30]]", "shifts.hours[0]"),
        ("hours = [[-1, 8]]", "shifts.hours[0]"),
        ("hours = [[8, 8]]", "shifts.hours[0]"),
        ("hours = [[0, 24]]", "shifts.hours[0]"),
        ("hours = [[6]]", "shifts.hours[0]"),
        ('hours = [["6", 14]]', "shifts.hours[0]"),
        ("hours = []", "shifts.hours"),
        ('pattern = "7x3"', "shifts.pattern"),
        ('pattern = "24x1"', "shifts.pattern"),
        ('pattern = "eight"', "shifts.pattern"),
        ('pattern = "8x3"\nstart_hour = 24', "shifts.start_hour"),
        ('pattern = "8x3"\nhours = [[6, 14]]', "shifts"),
        ("enabled = true", "shifts"),
        ("hours = [[6, 14]]\nstart = 6", "shifts.start"),
    ],
)
def test_bad_shifts_are_refused(tmp_path: Path, section: str, field: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(f"{field}:")):
        load_scenario(_scenario(tmp_path, f"\n[shifts]\n{section}\n"))


def test_the_example_scenario_loads() -> None:
    scenario = load_scenario(SCENARIOS / "demo-week-shifts.toml")
    assert scenario.shifts is not None
    assert len(scenario.shifts.hours) == 3


def test_with_shifts_pools_still_give_the_fleets_recommendation() -> None:
    """``verify=True`` under load, with reserves and multi-unit plans: units going off and
    on duty keep the pool exact and never leave a queued call that could get a unit."""
    fleet = random_fleet(random.Random(99))
    g = np.random.default_rng(2)
    n = 400
    xmax = max(p.lon for p in fleet.posts) + 0.05
    ymax = max(p.lat for p in fleet.posts) + 0.05
    calls = from_arrays(
        fleet,
        np.cumsum(g.exponential(240.0, n)),
        g.random(n) * ymax,
        g.random(n) * xmax,
        priority=g.integers(1, 6, n),
        call_type=[c.code for c in g.choice(np.array(CALL_TYPES, dtype=object), n)],
        on_scene=g.exponential(2400.0, n),
        start=START.replace(hour=5),
    )
    shifts = schedule(
        ShiftConfig(((6.0, 14.0), (14.0, 22.0), (22.0, 6.0))), fleet, calls.start, calls.horizon
    )
    assert len(shifts.events) > len(fleet.units)
    for policy in ("pooled_reserve", "configured"):
        out = simulate(
            fleet,
            calls,
            collective_for(policy, fleet, home_reserve=1),
            straight_line(),
            verify=True,
            shifts=shifts,
        )
        for u, start in zip(out.unit.tolist(), out.start.tolist(), strict=True):
            assert shifts.on_duty(u, start)
        served = ~np.isnan(out.first_dispatch)
        assert ((out.first_dispatch[served] - calls.t[served]) > 0).mean() > 0.05

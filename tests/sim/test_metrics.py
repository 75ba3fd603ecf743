"""The report's figures from an outcome."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bluepool.sim.calls import from_arrays
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import build_fleet
from bluepool.sim.metrics import summarize
from bluepool.sim.policies import collective_for
from bluepool.sim.travel import straight_line
from tests.sim.builders import District, Post, collective


def test_the_headline_utilisation_is_fleet_wide() -> None:
    fleet = build_fleet(
        collective(
            [
                District("big", 0.0, 0.0, 0.1, [Post(0.05, 0.05, units=3)]),
                District("small", 0.1, 0.0, 0.1, [Post(0.05, 0.15)]),
                District("none", 0.2, 0.0, 0.1),  # an agency without units
            ]
        )
    )
    calls = from_arrays(
        fleet,
        [0.0, 600.0, 1200.0, 7200.0],
        [0.05, 0.05, 0.05, 0.05],
        [0.15, 0.15, 0.05, 0.05],
        on_scene=[1800.0, 1800.0, 600.0, 0.0],
    )
    outcome = simulate(fleet, calls, collective_for("siloed", fleet), straight_line())
    result = summarize(fleet, calls, outcome)
    horizon = calls.horizon
    busy = np.minimum(outcome.end, horizon) - np.minimum(outcome.start, horizon)
    by_agency = result.utilisation_by_agency
    assert math.isnan(by_agency["none"])
    assert not math.isnan(result.utilisation)
    assert result.utilisation == pytest.approx(busy.sum() / (4 * horizon))
    # Weighted by units: not the plain mean of the two agencies that have some.
    assert result.utilisation == pytest.approx((3 * by_agency["big"] + by_agency["small"]) / 4)
    assert result.utilisation != pytest.approx((by_agency["big"] + by_agency["small"]) / 2)

"""Calibration: rates by area x hour of week x priority, recovered from a call log, and
calls generated from them at those rates."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bluepool.sim.calibrate import calibrate
from bluepool.sim.calls import generate, read_rates
from bluepool.sim.fleet import build_fleet
from bluepool.sim.scenario import CallLogMapping, GeneratedCalls
from tests.sim.builders import District, Post, collective

START = datetime(2024, 1, 1)  # noqa: DTZ001 - a Monday, local wall-clock time
MAPPING = CallLogMapping(
    time="when",
    priority="prio",
    priority_map={"A": 1, "B": 3},
    call_type="kind",
    area="beat",
    area_chars=1,
    area_map={"1": "north", "2": "south"},
)


def rate(area: str, how: int) -> float:
    """Calls per hour: busier by day, and the north twice the south."""
    day = 2.0 if 8 <= how % 24 < 20 else 0.5
    return day * (2.0 if area == "north" else 1.0)


def write_log(path: Path, weeks: int, rng: np.random.Generator) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["when", "prio", "kind", "beat"])
        for h in range(weeks * 168):
            for area, beat in (("north", "1"), ("south", "2")):
                for _ in range(rng.poisson(rate(area, h % 168))):
                    at = START + timedelta(hours=h + rng.random())
                    prio = "A" if rng.random() < 0.25 else "B"
                    w.writerow(
                        [
                            at.isoformat(sep=" "),
                            prio,
                            "fight" if prio == "A" else "noise",
                            f"{beat}{rng.integers(10, 99)}",
                        ]
                    )
        w.writerow([START.isoformat(sep=" "), "Z", "x", "101"])  # priority not mapped: dropped


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log") / "calls.csv"
    write_log(path, 12, np.random.default_rng(3))
    return path


def fleet():  # type: ignore[no-untyped-def]
    return build_fleet(
        collective(
            [
                District("north", 0.0, 0.1, 0.1, [Post(0.15, 0.05)]),
                District("south", 0.0, 0.0, 0.1, [Post(0.05, 0.05)]),
            ]
        )
    )


@pytest.mark.parametrize("method", ["product", "raw"])
def test_calibration_recovers_the_rates(log: Path, tmp_path: Path, method: str) -> None:
    out, mix = calibrate(log, MAPPING, tmp_path / "rates.csv", method=method)
    rates = read_rates(out, fleet())  # jurisdiction x hour of week x priority
    total = rates.sum(axis=2)
    expected = np.array([[rate(a, h) for h in range(168)] for a in ("north", "south")])
    # daytime and night-time means, per area: 12 weeks x 12 hours each
    for mask in (np.arange(168) % 24 >= 8) & (np.arange(168) % 24 < 20), np.arange(168) % 24 < 8:
        np.testing.assert_allclose(
            total[:, mask].mean(axis=1), expected[:, mask].mean(axis=1), rtol=0.08
        )
    assert rates[:, :, 0].sum() / rates.sum() == pytest.approx(0.25, abs=0.02)  # priority 1
    shares = {
        (r["priority"], r["call_type"]): float(r["share"]) for r in csv.DictReader(mix.open())
    }
    assert shares == {("1", "fight"): 1.0, ("3", "noise"): 1.0}


def test_generated_calls_arrive_at_the_calibrated_rates(log: Path, tmp_path: Path) -> None:
    out, _ = calibrate(log, MAPPING, tmp_path / "rates.csv")
    f = fleet()
    calls = generate(GeneratedCalls(out, START, days=28), f, np.random.default_rng(1))
    expected = 28 * sum(rate(a, h) for a in ("north", "south") for h in range(168)) / 7
    assert len(calls) == pytest.approx(expected, rel=0.05)
    assert set(calls.call_type) == {"fight", "noise"}
    assert (np.diff(calls.t) >= 0).all()
    north = calls.jurisdiction == 0
    assert north.mean() == pytest.approx(2 / 3, abs=0.02)
    assert (calls.lat[north] > 0.1).all()
    assert (calls.lat[~north] < 0.1).all()


@pytest.mark.parametrize("method", ["product", "raw"])
def test_a_last_call_exactly_on_the_hour_counts_that_hour_as_seen(
    tmp_path: Path, method: str
) -> None:
    log = tmp_path / "calls.csv"
    log.write_text(
        "when,prio,kind,beat\n2024-01-01 00:10,B,noise,11\n2024-01-01 02:00,B,noise,11\n"
    )
    out = tmp_path / "rates.csv"
    calibrate(log, MAPPING, out, method=method)
    with out.open() as f:
        rates = {
            (r["area"], int(r["hour_of_week"])): float(r["rate_per_hour"])
            for r in csv.DictReader(f)
        }
    # Three hours seen (00, 01, 02), one call at 00 and one at 02.
    if method == "raw":
        assert rates == {("north", 0): 1.0, ("north", 2): 1.0}
    else:  # two calls in three hours: an hour the log never saw gets the average rate
        assert rates[("north", 0)] == rates[("north", 2)] == pytest.approx(1.0)
        assert ("north", 1) not in rates
        assert rates[("north", 5)] == pytest.approx(2 / 3)

"""The service model's delays in the simulated timeline, the KPIs by the domain's names,
the travel law, and unserved calls in the headline table with a warning."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bluepool.domain.analytics.kpis import BY_NAME
from bluepool.domain.shared.geo import Location, distance_m
from bluepool.sim.calls import from_arrays
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import build_fleet
from bluepool.sim.metrics import SIMULATED_KPIS, summarize
from bluepool.sim.policies import collective_for
from bluepool.sim.report import Report, summary_table
from bluepool.sim.runner import compare, warnings
from bluepool.sim.scenario import GeneratedCalls, Scenario, ServiceConfig
from bluepool.sim.service import DELAY_MIN_SAMPLES, LognormalFit, draw_delays
from bluepool.sim.travel import SquareRootLaw, fit_square_root, straight_line
from tests.sim.builders import District, Post, call_type, collective


def one_district(*types):  # type: ignore[no-untyped-def]
    return build_fleet(
        collective([District("d", 0.0, 0.0, 0.1, [Post(0.05, 0.05)])], call_types=types)
    )


def test_processing_delays_the_dispatch_and_turnout_the_arrival() -> None:
    fleet = one_district()
    calls = from_arrays(fleet, [0.0, 100.0], [0.06, 0.04], [0.05, 0.05], on_scene=[60.0, 60.0])
    calls = calls.with_delays(np.array([120.0, 30.0]), np.array([45.0, 15.0]))
    travel = straight_line()
    out = simulate(fleet, calls, collective_for("siloed", fleet), travel)
    post = fleet.posts[0]
    eta = [
        distance_m(post, Location(float(a), float(b))) * travel.seconds_per_metre
        for a, b in zip(calls.lat, calls.lon, strict=True)
    ]
    # The first call is dispatchable at 120 s; the second at 130 s finds the unit busy.
    assert out.first_dispatch[0] == pytest.approx(120.0)
    assert out.first_arrival[0] == pytest.approx(120.0 + 45.0 + eta[0])
    back = out.first_arrival[0] + 60.0 + eta[0]
    assert out.first_dispatch[1] == pytest.approx(back)
    assert out.first_arrival[1] == pytest.approx(back + 15.0 + eta[1])
    result = summarize(fleet, calls, out)
    assert set(result.kpis) == set(SIMULATED_KPIS) <= set(BY_NAME)
    assert result.kpis["turnout"].p50 == pytest.approx(30.0 / 60.0)
    assert result.kpis["total_response"].p50 == pytest.approx(result.response.p50)
    # the wait for a unit counts from the end of processing
    assert result.queue_delay_by_priority[3].p90 > 0
    assert np.nanmin(result.queue_minutes) == pytest.approx(0.0)


def test_unserved_calls_are_in_the_headline_table_and_warned() -> None:
    fleet = one_district(call_type("dog", ("k9", 1)))
    calls = from_arrays(
        fleet, [0.0, 60.0], [0.05, 0.05], [0.05, 0.05], call_type=["dog", "call"],
        on_scene=[60.0, 60.0],
    )  # fmt: skip
    scenario = Scenario(
        name="t",
        collective=Path("c.yaml"),
        calls=GeneratedCalls(calibration=Path("r.csv")),
        policies={"compare": ("siloed",)},  # type: ignore[arg-type]
    )
    results = compare(fleet, calls, straight_line(), scenario)
    siloed = results[0]
    assert (siloed.served, siloed.unserved) == (1, 1)
    told = warnings(calls, scenario, results)
    assert told == ["siloed: 1 calls never got a unit before the run ended"]
    report = Report("t", "", 1, fleet, calls, "by straight line", scenario.service, results)
    head, _, row = summary_table(report).splitlines()[1:4]
    assert "unserved" in head.split()
    assert row.split()[1:3] == ["1", "1"]


def test_the_square_root_law_is_fitted_back_and_bounds_its_etas() -> None:
    rng = np.random.default_rng(2)
    truth = SquareRootLaw(40.0, 9.0, 5000.0)
    pairs = []
    for _ in range(3):
        d = rng.uniform(100.0, 4000.0, 400)
        pairs.append((d, np.array([truth.at(x) for x in d])))
    got = fit_square_root(pairs)
    assert got is not None
    law, areas = got
    assert areas == 3
    assert law.a_s == pytest.approx(truth.a_s, abs=1.0)
    assert law.b == pytest.approx(truth.b, rel=0.01)
    for d in (1.0, 300.0, law.critical_m, 5 * law.critical_m, 50_000.0):
        assert law.at(d) >= law.slope * d
    assert law.at(law.critical_m * (1 + 1e-9)) == pytest.approx(law.at(law.critical_m))
    assert fit_square_root([(np.ones(5), np.ones(5))]) is None  # too few calls


def test_a_lognormal_delay_keeps_its_zeros() -> None:
    samples = np.concatenate((np.zeros(300), np.exp(np.random.default_rng(3).normal(4, 0.5, 700))))
    fit = LognormalFit.of(samples)
    assert fit.zero == pytest.approx(0.3)
    assert fit.mu == pytest.approx(4, abs=0.1)
    drawn = fit.draw(20_000, np.random.default_rng(4))
    assert (drawn == 0).mean() == pytest.approx(0.3, abs=0.02)
    assert math.log(np.median(drawn[drawn > 0])) == pytest.approx(4, abs=0.05)


def test_an_empirical_delay_uses_a_call_type_s_own_samples_only_when_there_are_enough(
    tmp_path: Path,
) -> None:
    path = tmp_path / "delays.csv"
    rows = ["delay,priority,call_type,seconds"]
    rows += [f"call_processing,1,fight,{s}" for s in [600] * DELAY_MIN_SAMPLES]
    rows += ["call_processing,1,noise,5"]  # one sample only: pooled with its priority
    rows += [f"call_processing,1,theft,{s}" for s in [60] * DELAY_MIN_SAMPLES]
    path.write_text("\n".join(rows) + "\n")
    service = ServiceConfig(call_processing="empirical", delays=path)
    kinds = ["fight", "noise", "theft"] * 200
    processing, turnout = draw_delays(
        service, kinds, np.ones(len(kinds), dtype=np.int64), np.random.default_rng(1)
    )
    assert not turnout.any()
    by = {k: processing[np.array(kinds) == k] for k in ("fight", "noise", "theft")}
    assert set(by["fight"]) == {600.0}
    assert set(by["theft"]) == {60.0}
    assert set(by["noise"]) == {600.0, 5.0, 60.0}  # drawn from the whole priority

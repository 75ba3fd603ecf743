"""The hot spots' rules: Mann-Kendall on known series (with ties), the Gi* classes at
each confidence, the emerging classes one by one, which calls are counted (citizen
calls only by default; no location counted apart), time steps and time of week."""

from __future__ import annotations

import math
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bluepool.domain.analytics import hotspots
from bluepool.domain.analytics.hotspots import (
    Emerging,
    Options,
    Point,
    Spot,
    Step,
    Trend,
    emerging,
    mann_kendall,
    spot,
)
from bluepool.domain.shared.errors import Invalid
from tests.builders import T0

FLAT = Trend(0, 1.0, 0.0, 1.0)
RISING = Trend(40, 100.0, 3.9, 0.0001)
FALLING = Trend(-40, 100.0, -3.9, 0.0001)


def test_mann_kendall_of_a_rising_series_without_ties() -> None:
    # 1..5: every pair rises, S = 10; Var = 5*4*15/18; Z = (10 - 1) / sqrt(Var).
    got = mann_kendall([1, 2, 3, 4, 5])
    assert got.s == 10
    assert got.var_s == pytest.approx(50 / 3)
    assert got.z == pytest.approx(9 / math.sqrt(50 / 3))
    assert got.p == pytest.approx(0.0275, abs=1e-4)
    assert got.direction() == 1


def test_mann_kendall_corrects_the_variance_for_ties() -> None:
    # [1, 1, 2, 3]: five rising pairs, one tie; Var = (4*3*13 - 2*1*9) / 18.
    got = mann_kendall([1, 1, 2, 3])
    assert got.s == 5
    assert got.var_s == pytest.approx((156 - 18) / 18)
    assert got.z == pytest.approx(4 / math.sqrt(138 / 18))
    assert got.direction() == 0  # four values are too few for 95 %


def test_mann_kendall_on_a_long_rise_is_significant_and_a_flat_series_is_not() -> None:
    noisy_rise = [i + (3 if i % 2 else -3) for i in range(30)]
    assert mann_kendall(noisy_rise).p < 0.001
    assert mann_kendall([float(-i) for i in range(30)]).direction() == -1
    flat = mann_kendall([2.0] * 10)
    assert (flat.s, flat.z, flat.p, flat.direction()) == (0, 0.0, 1.0, 0)


CUTS = {99: 0.001, 95: 0.01, 90: 0.02}


@pytest.mark.parametrize(
    ("z", "p_norm", "p_sim", "expected"),
    [
        (4.0, 0.0001, 0.001, Spot.HOT_99),
        (3.0, 0.005, 0.001, Spot.HOT_95),
        (2.0, 0.015, 0.03, Spot.HOT_90),
        (-3.0, 0.005, 0.002, Spot.COLD_95),
        (2.0, 0.03, 0.001, Spot.NONE),  # over every FDR cut-off
        (4.0, 0.0001, 0.2, Spot.NONE),  # the permutation test disagrees
        (4.0, 0.0001, 0.02, Spot.HOT_95),  # not under 1 %: at 95 % only
        (0.0, 0.0, 0.0, Spot.NONE),
    ],
)
def test_the_class_of_a_cell(z: float, p_norm: float, p_sim: float, expected: Spot) -> None:
    assert spot(z, p_norm, p_sim, CUTS) is expected


H, C, N = 1, -1, 0


@pytest.mark.parametrize(
    ("states", "trend", "expected"),
    [
        ([N] * 9 + [H], FLAT, Emerging.NEW_HOT),
        ([N] * 7 + [H] * 3, FLAT, Emerging.CONSECUTIVE_HOT),
        ([H] * 10, RISING, Emerging.INTENSIFYING_HOT),
        ([N] + [H] * 9, FLAT, Emerging.PERSISTENT_HOT),
        ([H] * 10, FALLING, Emerging.DIMINISHING_HOT),
        ([H, N, H, N, N, H, N, N, N, H], FLAT, Emerging.SPORADIC_HOT),
        ([C, N, N, H, N, N, N, N, N, H], FLAT, Emerging.OSCILLATING_HOT),
        ([H] * 9 + [N], FLAT, Emerging.HISTORICAL_HOT),
        ([N] * 9 + [C], FLAT, Emerging.NEW_COLD),
        ([C] * 10, FALLING, Emerging.INTENSIFYING_COLD),  # ever colder
        ([C] * 10, RISING, Emerging.DIMINISHING_COLD),
        ([H, N, N, N, N, N, N, N, N, C], FLAT, Emerging.OSCILLATING_COLD),
        ([N, H, N, N, N, N, N, N, N, N], FLAT, Emerging.NO_PATTERN),
        ([N] * 10, RISING, Emerging.NO_PATTERN),
    ],
)
def test_the_emerging_classes(states: list[int], trend: Trend, expected: Emerging) -> None:
    assert emerging(states, trend) is expected


def test_a_run_after_an_earlier_hot_step_is_sporadic_not_consecutive() -> None:
    assert emerging([H, N, N, N, N, N, N, H, H, H], FLAT) is Emerging.SPORADIC_HOT


def at_hours(h: float, **kw: object) -> Point:
    fields: dict[str, object] = {
        "lat": 47.1,
        "lon": 9.5,
        "call_type": "theft",
        "priority": 2,
        "jurisdiction": "vaduz",
        "self_initiated": False,
    }
    fields.update(kw)
    return Point(T0 + timedelta(hours=h), **fields)  # type: ignore[arg-type]


def test_citizen_calls_only_by_default_and_calls_without_location_counted_apart() -> None:
    calls = [
        at_hours(0),
        at_hours(1, self_initiated=True),
        at_hours(2, lat=None, lon=None),
        at_hours(3, self_initiated=True, lat=None, lon=None),
    ]
    public = hotspots.select(calls)
    assert (len(public.located), len(public.counted)) == (1, 2)
    assert (public.self_initiated_left_out, public.without_location) == (2, 1)
    assert hotspots.basis(False).startswith("Citizen-initiated calls only")
    every = hotspots.select(calls, include_self_initiated=True)
    assert (len(every.located), every.self_initiated_left_out, every.without_location) == (2, 0, 2)
    assert "included" in hotspots.basis(True)


def test_time_of_week_is_in_the_zone_asked_and_jurisdictions_most_first() -> None:
    # T0 is Saturday 08:00 UTC: 09:00 in Vaduz (winter time).
    calls = [at_hours(0), at_hours(0.5, jurisdiction="schaan"), at_hours(24, jurisdiction=None)]
    table = hotspots.time_of_week(calls, ZoneInfo("Europe/Vaduz"))
    assert (len(table), {len(r) for r in table}) == (7, {24})
    assert table[5][9] == 2
    assert table[6][9] == 1
    assert sum(map(sum, table)) == 3
    assert hotspots.by_jurisdiction([*calls, at_hours(2)]) == {"vaduz": 2, "": 1, "schaan": 1}


def test_weeks_for_a_long_period_days_for_a_short_one_and_a_bound() -> None:
    assert hotspots.step_for(T0, T0 + timedelta(weeks=10)) is Step.WEEK
    assert hotspots.step_for(T0, T0 + timedelta(weeks=9)) is Step.DAY
    assert hotspots.steps_in(T0, T0 + timedelta(days=10, hours=1), Step.DAY) == 11
    with pytest.raises(Invalid, match="at most"):
        hotspots.steps_in(T0, T0 + timedelta(weeks=hotspots.MAX_STEPS + 1), Step.WEEK)


@pytest.mark.parametrize(
    "bad", [{"resolution": 4}, {"resolution": 11}, {"bandwidth_m": 1.0}, {"permutations": 5}]
)
def test_options_out_of_bounds_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(Invalid):
        Options(**bad)  # type: ignore[arg-type]


def test_silverman_bandwidth_shrinks_with_more_calls_and_stays_in_bounds() -> None:
    few, many = hotspots.silverman_m(1000, 1000, 100), hotspots.silverman_m(1000, 1000, 10_000)
    assert many < few
    assert few == pytest.approx(1000 * 100 ** (-1 / 6))
    assert hotspots.silverman_m(0, 0, 100) == hotspots.BANDWIDTHS_M[0]

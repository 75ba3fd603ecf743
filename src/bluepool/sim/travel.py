"""The travel model of a run: the production travel-time port plus what the simulator's
candidate index needs to know of it.

``seconds_per_metre`` bounds an ETA from below by the great-circle distance: no unit can
reach a place ``d`` metres away in less than ``d * seconds_per_metre`` seconds. For the
straight-line model that bound is the ETA itself; for a road network it is the distance
at the fastest speed any unit drives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bluepool.domain.dispatch.travel import StraightLine, TravelTimes
from bluepool.domain.shared.geo import Location, distance_m
from bluepool.sim.fleet import FloatArray
from bluepool.sim.scenario import DataMissing, ScenarioError, TravelConfig

#: Quantiles of an area's observed travel times matched to those of its distances.
FIT_QUANTILES = np.linspace(0.05, 0.95, 19)
#: Fewer travel times than this in an area: the area takes no part in the fit.
FIT_MIN_CALLS = 20


@dataclass(frozen=True, slots=True)
class TravelModel:
    port: TravelTimes
    seconds_per_metre: float
    #: The ETA is exactly distance x seconds_per_metre, the same both ways.
    straight_line: bool


def straight_line(detour_factor: float = 1.4, speed_kmh: float = 50.0) -> TravelModel:
    return TravelModel(
        StraightLine(detour_factor, speed_kmh),
        detour_factor / (speed_kmh / 3.6),
        straight_line=True,
    )


@dataclass(frozen=True, slots=True)
class SquareRootLaw:
    """Kolesar's travel-time law on the great-circle distance ``d`` (metres):
    ``a + b * sqrt(d)`` up to ``critical_m``, then linear beyond it along the tangent
    there (continuous, with the same slope), since no unit accelerates for ever."""

    a_s: float
    b: float
    critical_m: float

    @property
    def method(self) -> str:
        return "by the fitted square-root law"

    @property
    def slope(self) -> float:
        """Seconds per metre beyond the critical distance, and a lower bound of
        ``seconds(d) / d`` at every distance (for ``a >= 0``: below the critical distance
        ``b sqrt(d) >= slope d``, beyond it the line has a positive intercept)."""
        return self.b / (2.0 * math.sqrt(self.critical_m))

    def at(self, metres: float) -> float:
        if metres <= self.critical_m:
            return self.a_s + self.b * math.sqrt(metres)
        return (
            self.a_s + self.b * math.sqrt(self.critical_m) + self.slope * (metres - self.critical_m)
        )

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]:
        return [self.at(distance_m(o, destination)) for o in origins]

    def trips(
        self, origins: Sequence[Location], destination: Location
    ) -> tuple[list[float | None], list[float]]:
        return self.to_destination(origins, destination), [0.0] * len(origins)


def fit_square_root(
    pairs: Sequence[tuple[FloatArray, FloatArray]],
) -> tuple[SquareRootLaw, int] | None:
    """Fit ``T = a + b sqrt(d)`` by least squares to quantile pairs: for each area, the
    quantiles ``FIT_QUANTILES`` of its observed travel times (seconds) against the same
    quantiles of the distances (metres) from its calls to where the simulator's units
    wait. Areas with fewer than ``FIT_MIN_CALLS`` of either take no part. Returns the law
    and the number of areas fitted, or None when none has enough; ``a`` is kept 0 or more
    (a negative intercept refits through the origin)."""
    ds: list[FloatArray] = []
    ts: list[FloatArray] = []
    for dist, times in pairs:
        if len(dist) < FIT_MIN_CALLS or len(times) < FIT_MIN_CALLS:
            continue
        ds.append(np.quantile(dist, FIT_QUANTILES))
        ts.append(np.quantile(times, FIT_QUANTILES))
    if not ds:
        return None
    d = np.sqrt(np.concatenate(ds))
    t = np.concatenate(ts)
    (a, b), *_ = np.linalg.lstsq(np.column_stack((np.ones_like(d), d)), t, rcond=None)
    if a < 0 or b <= 0:
        a = 0.0
        b = float((d @ t) / (d @ d)) if (d @ d) > 0 else 0.0
    if b <= 0:
        return None
    critical = float(max(np.concatenate(ds).max(), 1.0))
    return SquareRootLaw(float(a), float(b), critical), len(ds)


def read_fit(path: Path) -> SquareRootLaw:
    """The travel fit of a calibration's ``<stem>.model.json``."""
    if not path.exists():
        raise DataMissing(f"travel fit {path} is absent")
    try:
        fit = json.loads(path.read_text(encoding="utf-8"))["travel"]
        law = SquareRootLaw(float(fit["a_s"]), float(fit["b"]), float(fit["critical_m"]))
    except (ValueError, KeyError, TypeError):
        raise ScenarioError(
            f"{path}: no travel fit (travel.a_s, travel.b, travel.critical_m): the history "
            "had too few calls with a location and travel time; use another travel model"
        ) from None
    if not (law.a_s >= 0 and law.b > 0 and law.critical_m > 0):
        raise ScenarioError(f"{path}: travel: a_s must be 0 or more, b and critical_m above 0")
    return law


def make_travel(config: TravelConfig, road: TravelTimes | None = None) -> TravelModel:
    """The scenario's travel model; ``road`` is the collective's road-network oracle (else
    the scenario's ``travel.network`` is loaded)."""
    if config.model == "straight_line":
        return straight_line(config.detour_factor, config.speed_kmh)
    if config.model == "fitted":
        assert config.fit is not None
        law = read_fit(config.fit)
        return TravelModel(law, law.slope, straight_line=False)
    if road is None and config.network is not None:
        from bluepool.routing.oracle import RoadTravelTimes

        road = RoadTravelTimes.from_file(config.network)
    if road is None:
        raise ScenarioError(
            'travel.model "road" needs a road network: give travel.network, or pass the '
            'travel-time oracle to run(..., road=...), or use "straight_line"'
        )
    top = fastest_ms(road) or config.max_speed_kmh / 3.6
    return TravelModel(road, 1.0 / top, straight_line=False)


def fastest_ms(road: TravelTimes) -> float | None:
    """The top speed (m/s) anywhere on a road oracle's network, its snapping legs included,
    or None when the oracle does not say. No trip is faster than its length at that speed,
    nor shorter than the straight line."""
    network = getattr(road, "network", None)
    if network is None:
        return None
    lengths = np.asarray(network.edge_lengths_m(), dtype=np.float64)
    times = np.asarray(network.weights, dtype=np.float64)
    moving = times > 0
    if not moving.any():
        return None
    top = float((lengths[moving] / times[moving]).max())
    return max(top, float(getattr(road, "snap_speed_ms", 0.0)))

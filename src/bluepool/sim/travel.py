"""The travel model of a run: the production travel-time port plus what the simulator's
candidate index needs to know of it.

``seconds_per_metre`` bounds an ETA from below by the great-circle distance: no unit can
reach a place ``d`` metres away in less than ``d * seconds_per_metre`` seconds. For the
straight-line model that bound is the ETA itself; for a road network it is the distance
at the fastest speed any unit drives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bluepool.domain.dispatch.travel import StraightLine, TravelTimes
from bluepool.sim.scenario import ScenarioError, TravelConfig


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


def make_travel(config: TravelConfig, road: TravelTimes | None = None) -> TravelModel:
    """The scenario's travel model; ``road`` is the collective's road-network oracle (else
    the scenario's ``travel.network`` is loaded)."""
    if config.model == "straight_line":
        return straight_line(config.detour_factor, config.speed_kmh)
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

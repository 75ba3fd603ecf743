"""Hot spots and patterns across agencies: the rules, with no numbers crunched here
(issue 13; docs/hotspots.md). The numeric work (H3 cells, Getis-Ord Gi*, kernel density)
is the ``SpatialStats`` port's (``adapters.spatial``); what a result *means* is decided here.

- **Which calls.** Citizen-initiated calls only by default: self-initiated activity (a
  crew's traffic stop, a patrol check) goes where patrols already are, and counting it
  would send patrols back to where they were. ``include_self_initiated`` counts them too;
  a report always says which, and how many were left out. A call without a location is
  counted as *without location* and left out of the map's statistics (never silently);
  it still counts by jurisdiction and in the time-of-week table.
- **Hot and cold cells.** Gi* z-score per H3 cell, its normal p-value (two-sided) and its
  permutation p-value; the normal p-values corrected for false discoveries
  (Benjamini-Hochberg): a cell is hot (z > 0) or cold (z < 0) at 99, 95 or 90 % confidence
  when its normal p-value is under that level's FDR cut-off *and* its permutation
  p-value under the level (docs/decisions/0030: a permutation p-value is never under
  1 / (permutations + 1), so over a thousand cells no correction would let one through).
- **Emerging hot spots.** Each cell's counts per time step (a week; a day when the period
  is shorter than ``WEEKS_FOR_WEEKLY`` weeks); Gi* in every step; the Mann-Kendall trend of
  the cell's z-scores; then the classes of ``emerging`` (the space-time pattern mining
  classes: new, consecutive, intensifying, persistent, diminishing, sporadic,
  oscillating, historical; hot and cold).
- **Time of week.** Calls by weekday (Monday first) and hour, in the report's time zone.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bluepool.domain.analytics.kpis import Call, Stage
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geojson import Feature, FeatureCollection

#: H3 resolutions offered: 5 (about 250 km² a cell) to 10 (about 0.015 km²); 8 is about
#: 0.7 km², a few blocks: the scale of a patrol's hot spot.
RESOLUTIONS = range(5, 11)
DEFAULT_RESOLUTION = 8
#: Permutations of the Gi* pseudo p-value (999: the smallest p is 0.001).
PERMUTATIONS = 999
#: The kernel density's bandwidth, when given, in metres.
BANDWIDTHS_M = (50.0, 20_000.0)
#: The confidence levels of a hot or cold cell, the highest first.
CONFIDENCES = (99, 95, 90)
#: A period of at least this many weeks is cut into weeks; a shorter one into days.
WEEKS_FOR_WEEKLY = 10
#: The most time steps of a period (about 19 years of weeks).
MAX_STEPS = 1000
#: Fewer time steps than this give no emerging classes (a trend needs a series).
MIN_STEPS = 4
#: A time step's hot or cold cells, and a significant trend: at this level (FDR-corrected
#: within each step).
STEP_ALPHA = 0.05
#: The share of steps a persistent, intensifying, diminishing or historical spot was hot.
MOSTLY = 0.9


@dataclass(frozen=True, slots=True)
class Point:
    """A call as the hot spots see it."""

    received: datetime
    lat: float | None
    lon: float | None
    call_type: str
    priority: int | None
    jurisdiction: str | None
    self_initiated: bool

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def point_of(call: Call) -> Point:
    return Point(
        call.stages[Stage.RECEIVED],
        call.lat,
        call.lon,
        call.call_type,
        call.priority,
        call.jurisdiction,
        call.self_initiated,
    )


class Step(StrEnum):
    DAY = "day"
    WEEK = "week"

    @property
    def length(self) -> timedelta:
        return timedelta(days=7 if self is Step.WEEK else 1)


def step_for(start: datetime, end: datetime) -> Step:
    """Weeks for a period of ``WEEKS_FOR_WEEKLY`` weeks or more; days for a shorter one."""
    return Step.WEEK if end - start >= timedelta(weeks=WEEKS_FOR_WEEKLY) else Step.DAY


def steps_in(start: datetime, end: datetime, step: Step) -> int:
    """How many steps cover ``[start, end)`` (the last may be cut short); Invalid past
    ``MAX_STEPS``."""
    steps = max(1, math.ceil((end - start) / step.length))
    if steps > MAX_STEPS:
        raise Invalid(
            f"the period has {steps:,} {step.value}s: hot spots cover at most {MAX_STEPS:,}",
            code="period_too_long",
        )
    return steps


@dataclass(frozen=True, slots=True)
class Options:
    resolution: int = DEFAULT_RESOLUTION
    include_self_initiated: bool = False
    #: None: Silverman's rule of thumb on the calls' spread.
    bandwidth_m: float | None = None
    permutations: int = PERMUTATIONS
    #: None: ``step_for`` the period.
    step: Step | None = None
    #: The permutations' random seed: the same calls give the same answer.
    seed: int = 13

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise Invalid(
                f"H3 resolution {self.resolution} is outside {RESOLUTIONS.start}.."
                f"{RESOLUTIONS.stop - 1}",
                code="bad_resolution",
            )
        low, high = BANDWIDTHS_M
        if self.bandwidth_m is not None and not low <= self.bandwidth_m <= high:
            raise Invalid(
                f"bandwidth {self.bandwidth_m} m is outside {low:.0f}..{high:.0f} m",
                code="bad_bandwidth",
            )
        if not 99 <= self.permutations <= 9999:
            raise Invalid("permutations must be 99..9999", code="bad_permutations")


@dataclass(frozen=True, slots=True)
class Selection:
    """The calls of a period the map's statistics take, and those they leave out."""

    #: Located calls of the kinds counted.
    located: tuple[Point, ...]
    #: The calls of the kinds counted, located or not (by jurisdiction, time of week).
    counted: tuple[Point, ...]
    self_initiated_left_out: int
    without_location: int


def select(points: Iterable[Point], include_self_initiated: bool = False) -> Selection:
    counted = []
    left_out = 0
    for p in points:
        if p.self_initiated and not include_self_initiated:
            left_out += 1
        else:
            counted.append(p)
    located = tuple(p for p in counted if p.located)
    return Selection(located, tuple(counted), left_out, len(counted) - len(located))


def basis(include_self_initiated: bool) -> str:
    """The sentence a page or a file shows beside the map: which calls it counts."""
    if include_self_initiated:
        return "All calls: self-initiated activity is included"
    return "Citizen-initiated calls only: self-initiated activity is left out"


def by_jurisdiction(points: Iterable[Point]) -> dict[str, int]:
    """Calls per jurisdiction (beat), "" for a call in none, most first."""
    counts = Counter(p.jurisdiction or "" for p in points)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def time_of_week(points: Iterable[Point], zone: ZoneInfo) -> list[list[int]]:
    """Calls by weekday (Monday first) and hour in ``zone``: 7 rows of 24."""
    counts = [[0] * 24 for _ in range(7)]
    for p in points:
        local = p.received.astimezone(zone)
        counts[local.weekday()][local.hour] += 1
    return counts


def silverman_m(sd_x_m: float, sd_y_m: float, n: int) -> float:
    """Silverman's rule of thumb for a 2-D Gaussian kernel, in metres: the calls' spread
    (the root mean square of the two standard deviations) times n^(-1/6); clamped to
    ``BANDWIDTHS_M``."""
    low, high = BANDWIDTHS_M
    if n < 2:
        return low
    spread = math.sqrt((sd_x_m**2 + sd_y_m**2) / 2)
    return float(min(high, max(low, spread * n ** (-1 / 6))))


# -- hot and cold cells --------------------------------------------------------------------


class Spot(StrEnum):
    HOT_99 = "hot_99"
    HOT_95 = "hot_95"
    HOT_90 = "hot_90"
    NONE = "none"
    COLD_90 = "cold_90"
    COLD_95 = "cold_95"
    COLD_99 = "cold_99"


def spot(z: float, p_norm: float, p_sim: float, cutoffs: Mapping[int, float]) -> Spot:
    """A cell's class: hot (z > 0) or cold (z < 0) at the highest confidence c whose FDR
    cut-off (``cutoffs``, by confidence; on the normal p-values) ``p_norm`` is under,
    and whose level (1 - c) the permutation p-value ``p_sim`` is under too."""
    if not math.isfinite(z) or z == 0:
        return Spot.NONE
    for confidence in CONFIDENCES:
        if p_norm < cutoffs[confidence] and p_sim < 1 - confidence / 100:
            return Spot(f"{'hot' if z > 0 else 'cold'}_{confidence}")
    return Spot.NONE


# -- Mann-Kendall ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trend:
    """The Mann-Kendall test of a series: S, its variance (tie-corrected), the normal
    score Z (continuity-corrected) and the two-sided p-value."""

    s: int
    var_s: float
    z: float
    p: float

    def direction(self, alpha: float = STEP_ALPHA) -> int:
        """+1 a significant rise, -1 a significant fall, 0 none."""
        if self.p >= alpha or self.s == 0:
            return 0
        return 1 if self.s > 0 else -1


def mann_kendall(series: Sequence[float]) -> Trend:
    """S = the sum of sign(x_j - x_i) over every i < j; Var(S) = (n(n-1)(2n+5) - the sum
    over groups of t tied values of t(t-1)(2t+5)) / 18; Z = (S - sign S) / sqrt(Var S)."""
    n = len(series)
    s = 0
    for i, a in enumerate(series):
        for b in series[i + 1 :]:
            s += (b > a) - (b < a)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(series).values() if t > 1)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18
    if var_s <= 0 or s == 0:
        return Trend(s, max(var_s, 0.0), 0.0, 1.0)
    z = (s - (1 if s > 0 else -1)) / math.sqrt(var_s)
    return Trend(s, var_s, z, math.erfc(abs(z) / math.sqrt(2)))


# -- emerging hot spots ----------------------------------------------------------------------


class Emerging(StrEnum):
    NO_PATTERN = "no_pattern"
    NEW_HOT = "new_hot"
    CONSECUTIVE_HOT = "consecutive_hot"
    INTENSIFYING_HOT = "intensifying_hot"
    PERSISTENT_HOT = "persistent_hot"
    DIMINISHING_HOT = "diminishing_hot"
    SPORADIC_HOT = "sporadic_hot"
    OSCILLATING_HOT = "oscillating_hot"
    HISTORICAL_HOT = "historical_hot"
    NEW_COLD = "new_cold"
    CONSECUTIVE_COLD = "consecutive_cold"
    INTENSIFYING_COLD = "intensifying_cold"
    PERSISTENT_COLD = "persistent_cold"
    DIMINISHING_COLD = "diminishing_cold"
    SPORADIC_COLD = "sporadic_cold"
    OSCILLATING_COLD = "oscillating_cold"
    HISTORICAL_COLD = "historical_cold"


def emerging(states: Sequence[int], trend: Trend) -> Emerging:
    """A cell's class from its state in each step (+1 hot, -1 cold, 0 neither) and the
    trend of its z-scores. Hot first (as the classes are usually read), then cold:

    - *intensifying* / *diminishing*: hot in 90 % of the steps or more, the last among
      them, with a significant rise / fall of the z-scores;
    - *persistent*: hot in 90 % or more, the last among them, with no significant trend;
    - *historical*: hot in 90 % or more, but not in the last step;
    - then, hot in the last step and in less than 90 % of them:
      *oscillating*: cold in some earlier step; *new*: hot in the last step only;
      *consecutive*: one unbroken run of two or more hot steps at the end, never hot
      before it; *sporadic*: on and off, never cold;
    - *no pattern*: none of these.

    A cold class is the same with cold for hot (intensifying: the z-scores fall).
    """
    for sign in (1, -1):
        found = _emerging(states, sign, trend.direction() * sign)
        if found is not None:
            return Emerging(f"{found}_{'hot' if sign > 0 else 'cold'}")
    return Emerging.NO_PATTERN


def _emerging(states: Sequence[int], sign: int, rising: int) -> str | None:
    n = len(states)
    hot = [s == sign for s in states]
    share = sum(hot) / n if n else 0.0
    last = bool(hot) and hot[-1]
    if share >= MOSTLY:
        if not last:
            return "historical"
        return {1: "intensifying", -1: "diminishing"}.get(rising, "persistent")
    if not last:
        return None
    if any(s == -sign for s in states[:-1]):
        return "oscillating"
    if sum(hot) == 1:
        return "new"
    run = len(hot) - next(i for i in range(len(hot) - 1, -1, -1) if not hot[i]) - 1
    if run == sum(hot):
        return "consecutive"
    return "sporadic"


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """An H3 cell of the study area: its calls and what the statistics say of it."""

    id: str
    #: Its centre.
    lat: float
    lon: float
    #: Its outline as GeoJSON has it: [lon, lat] pairs, the first repeated last.
    boundary: tuple[tuple[float, float], ...]
    count: int
    gi_z: float
    #: The permutation (pseudo) p-value of Gi*.
    p: float
    #: The normal two-sided p-value of the z-score.
    p_norm: float
    #: ``p_norm`` adjusted by Benjamini-Hochberg (its q-value).
    p_fdr: float
    spot: Spot
    #: None: no call in the cell in the period, or too few time steps.
    emerging: Emerging | None
    #: The Mann-Kendall trend of the cell's Gi* z-scores per step (None as ``emerging``).
    trend_z: float | None
    trend_p: float | None


@dataclass(frozen=True, slots=True)
class Density:
    """A square of the kernel-density grid: its centre and calls per km²."""

    lat: float
    lon: float
    per_km2: float


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the ``SpatialStats`` port gives for the located calls of a period."""

    cells: tuple[Cell, ...]
    #: The normal p-value cut-off of each confidence level after the FDR correction.
    cutoffs: Mapping[int, float]
    density: tuple[Density, ...]
    bandwidth_m: float
    #: The side of the density grid's squares.
    grid_m: float
    step: Step
    steps: int


def feature_collection(cells: Iterable[Cell], basis_text: str) -> FeatureCollection:
    """The cells as GeoJSON (RFC 7946): a closed hexagon each, [lon, lat], with its figures
    and classes as properties; ``basis_text`` says which calls they count."""
    features: list[Feature] = [
        {
            "type": "Feature",
            "id": c.id,
            "geometry": {"type": "Polygon", "coordinates": [[list(xy) for xy in c.boundary]]},
            "properties": {
                "h3": c.id,
                "count": c.count,
                "gi_z": round(c.gi_z, 4),
                "p": c.p,
                "p_norm": c.p_norm,
                "p_fdr": c.p_fdr,
                "class": c.spot.value,
                "emerging": None if c.emerging is None else c.emerging.value,
                "calls_counted": basis_text,
            },
        }
        for c in cells
    ]
    return {"type": "FeatureCollection", "features": features}

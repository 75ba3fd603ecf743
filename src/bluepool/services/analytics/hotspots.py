"""Hot spots and patterns across agencies over a period, from the live incidents or the
call history (``domain.analytics.hotspots``; docs/hotspots.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.analytics import hotspots
from bluepool.domain.analytics.hotspots import Cell, Density, Options, Point
from bluepool.domain.analytics.utilisation import Period
from bluepool.domain.shared.errors import Invalid
from bluepool.services.analytics import policy
from bluepool.services.analytics.kpis import Source, history_of, live_calls, zone_of
from bluepool.services.context import Context


@dataclass(frozen=True, slots=True)
class JurisdictionCount:
    #: "" for the calls in no jurisdiction.
    jurisdiction: str
    calls: int


@dataclass(frozen=True, slots=True)
class HotSpotReport:
    start: datetime
    end: datetime
    source: Source
    time_zone: str
    resolution: int
    include_self_initiated: bool
    #: Which calls are counted, in words (the page shows it beside the map).
    basis: str
    #: Every call received in the period.
    calls: int
    #: The calls counted (citizen-initiated only, unless self-initiated are included).
    counted: int
    #: Self-initiated calls left out (0 when they are included).
    self_initiated_left_out: int
    #: Counted calls without a location: by jurisdiction and time of week, not on the map.
    without_location: int
    by_jurisdiction: tuple[JurisdictionCount, ...]
    #: Counted calls by weekday (Monday first) and hour in ``time_zone``: 7 rows of 24.
    time_of_week: tuple[tuple[int, ...], ...]
    #: The emerging classes' time step ("week" or "day") and how many there are.
    step: str
    steps: int
    #: The p-value cut-off of each confidence level (99, 95, 90) after the FDR correction.
    fdr_cutoffs: Mapping[str, float]
    bandwidth_m: float
    grid_m: float
    cells: tuple[Cell, ...]
    density: tuple[Density, ...]


def hotspot_report(
    ctx: Context,
    user: User,
    start: datetime,
    end: datetime,
    source: Source = "live",
    options: Options | None = None,
    time_zone: str = "UTC",
) -> HotSpotReport:
    """H3 counts, Gi* hot and cold cells (FDR-corrected), emerging classes, kernel
    density, counts by jurisdiction and by hour of week of the calls received in
    ``[start, end)``: citizen-initiated only unless ``options`` include self-initiated."""
    policy.read(user)
    Period(start, end)
    opts = options or Options()
    zone = zone_of(time_zone)
    hotspots.steps_in(start, end, opts.step or hotspots.step_for(start, end))
    if ctx.spatial is None:
        raise Invalid("this runtime has no spatial statistics", code="no_spatial")
    points = _points(ctx, start, end, source)
    chosen = hotspots.select(points, opts.include_self_initiated)
    in_play = {p.jurisdiction for p in chosen.located if p.jurisdiction}
    with ctx.reader() as uow:
        areas = [j.geometry for j in uow.jurisdictions.list() if str(j.id) in in_play]
    made = ctx.spatial.analyse(chosen.located, areas, opts, start, end)
    return HotSpotReport(
        start,
        end,
        source,
        time_zone,
        opts.resolution,
        opts.include_self_initiated,
        hotspots.basis(opts.include_self_initiated),
        len(points),
        len(chosen.counted),
        chosen.self_initiated_left_out,
        chosen.without_location,
        tuple(JurisdictionCount(j, n) for j, n in hotspots.by_jurisdiction(chosen.counted).items()),
        tuple(tuple(row) for row in hotspots.time_of_week(chosen.counted, zone)),
        made.step.value,
        made.steps,
        {str(c): v for c, v in made.cutoffs.items()},
        made.bandwidth_m,
        made.grid_m,
        made.cells,
        made.density,
    )


def _points(ctx: Context, start: datetime, end: datetime, source: Source) -> list[Point]:
    if source == "history":
        return history_of(ctx).points(start, end)
    return [hotspots.point_of(c) for c in live_calls(ctx, start, end)]

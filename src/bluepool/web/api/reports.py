"""The board's reports: how the pooled fleet is used, what lies idle, what is owned twice
within a short drive and what pooling it would save, and the hours agencies lend each other
(docs/board-reports.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import Response

from bluepool.adapters.charts import board as charts
from bluepool.adapters.charts import hotspots as hotspot_charts
from bluepool.adapters.charts import kpis as kpi_charts
from bluepool.adapters.charts import svg
from bluepool.domain.analytics.hotspots import (
    BANDWIDTHS_M,
    DEFAULT_RESOLUTION,
    RESOLUTIONS,
    Options,
    feature_collection,
)
from bluepool.domain.analytics.kpis import Dimension
from bluepool.domain.shared.errors import Invalid
from bluepool.services.analytics import board, goals, hotspots, kpis, report
from bluepool.services.analytics.board import BoardReport
from bluepool.services.analytics.goals import GoalRecord
from bluepool.services.analytics.hotspots import HotSpotReport
from bluepool.services.analytics.kpis import KpiReport, Source
from bluepool.services.analytics.report import KpiDocument
from bluepool.services.lookup import not_found
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.analytics import GoalIn
from bluepool.web.schemas.common import Problem

router = APIRouter(tags=["reports"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 404, 409, 422)}
#: The answers of a figure's route: the SVG, or a problem.
SVG_ERRORS: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}}, **ERRORS}
Zone = Annotated[str, Query(max_length=64, description="IANA time zone")]
SourceQ = Annotated[
    Source, Query(description="live incidents, or the call history (imported CAD calls)")
]
Week = Annotated[
    str | None,
    Query(
        max_length=8,
        description="ISO week (2026-W48) in the zone tz (default: the last complete week)",
    ),
]
F = TypeVar("F")


def _named(figures: Mapping[str, F], name: str) -> F:
    """The figure drawn by that name; 404 naming the ones there are."""
    draw = figures.get(name)
    if draw is None:
        raise not_found("figure", f"{name} (the figures are {', '.join(figures)})")
    return draw


def _svg(fig: Any) -> Response:
    return Response(svg(fig), media_type="image/svg+xml")


#: A report without a period covers the last 30 days.
DEFAULT_SPAN = timedelta(days=30)

From = Annotated[
    datetime | None, Query(alias="from", description="start (default: 30 days before until)")
]
Until = Annotated[datetime | None, Query(description="end, not included (default: now)")]
IdleBelow = Annotated[float | None, Query(gt=0, le=1, description="idle below this share")]
Within = Annotated[float | None, Query(gt=0, le=240, description="duplicates within minutes")]


def _period(
    ctx: ContextDep, start: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    end = until or ctx.clock.now()
    begin = start or end - DEFAULT_SPAN
    if begin.tzinfo is None or end.tzinfo is None:
        raise Invalid("give the period's times with a UTC offset", code="naive_time")
    return begin.astimezone(UTC), end.astimezone(UTC)


def _report(
    ctx: ContextDep,
    user: CurrentUser,
    start: datetime | None,
    until: datetime | None,
    idle_below: float | None,
    within_minutes: float | None,
) -> BoardReport:
    begin, end = _period(ctx, start, until)
    return board.board_report(ctx, user, begin, end, idle_below, within_minutes)


@router.get("/reports/board", response_model=BoardReport, responses=ERRORS)
def board_report(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    idle_below: IdleBelow = None,
    within_minutes: Within = None,
) -> BoardReport:
    """Utilisation by agency and kind, idle specialised units, duplicated resources with
    the yearly saving of pooling them, and unit-hours lent and borrowed per month."""
    return _report(ctx, user, start, until, idle_below, within_minutes)


@router.get(
    "/reports/board/{figure}.svg",
    response_class=Response,
    responses=SVG_ERRORS,
)
def board_figure(
    figure: str,
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    idle_below: IdleBelow = None,
    within_minutes: Within = None,
) -> Response:
    """One figure of the board report (utilisation, idle, lent-borrowed) as SVG."""
    draw = _named(charts.FIGURES, figure)
    return _svg(draw(_report(ctx, user, start, until, idle_below, within_minutes)))


@router.get("/kpis", response_model=KpiReport, responses={**ERRORS, 409: {"model": Problem}})
def kpi_report(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    by: Annotated[list[Dimension] | None, Query(description="group by (repeat)")] = None,
    tz: Zone = "UTC",
    source: SourceQ = "live",
) -> KpiReport:
    """The KPIs of the incidents received in the period (call processing, queue, turnout,
    travel, on scene, total response: median, 90th percentile, count, missing, doubtful)
    by the dimensions given, self-initiated calls apart; and cross-boundary assistance. The
    same definitions on the live incidents or, with ``source=history``, on the history."""
    begin, end = _period(ctx, start, until)
    return kpis.kpi_report(ctx, user, begin, end, tuple(by or ()), tz, source)


@router.get("/goals", response_model=tuple[GoalRecord, ...], responses=ERRORS)
def goal_status(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    source: SourceQ = "live",
) -> tuple[GoalRecord, ...]:
    """Every goal judged over the period (default the last 30 days) and week by week:
    its statistic, the calls it rests on, and met, at risk, missed or no data; on the
    live incidents or (``source=history``) the call history."""
    begin, end = _period(ctx, start, until)
    return goals.goal_status(ctx, user, begin, end, source)


@router.get(
    "/goals/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
)
def weekly_goals(
    ctx: ContextDep,
    user: CurrentUser,
    week: Week = None,
    tz: Zone = "UTC",
    source: SourceQ = "live",
) -> Response:
    """The weekly goals report for the board (PDF): each goal's target, the week's value,
    its status and the trend of its last weeks; a bad week is 422 ``bad_week``."""
    from bluepool.adapters.formats.goals_pdf import goals_pdf

    made = goals.weekly_goals(ctx, user, week, tz, source)
    return Response(
        goals_pdf(made),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="goals-{made.week}.pdf"'},
    )


@router.post("/goals", status_code=201, response_model=GoalIn, responses=ERRORS)
def set_goal(body: GoalIn, ctx: ContextDep, user: CurrentUser) -> GoalIn:
    """Set a target for a KPI statistic in a jurisdiction (or all) at a priority (or any):
    a collective admin for any, an agency admin in their agency's jurisdictions; one per
    jurisdiction, priority, KPI and statistic (409 for a second)."""
    goals.set_goal(ctx, user, body.goal())
    return body


@router.delete("/goals/{goal_id}", status_code=204, responses=ERRORS)
def drop_goal(goal_id: str, ctx: ContextDep, user: CurrentUser) -> None:
    """Drop a goal (its id, as ``GET /goals`` gives it: ``vaduz:p1:total_response:median``)."""
    goals.drop_goal(ctx, user, goal_id)


@router.get(
    "/reports/goals.svg",
    response_class=Response,
    responses=SVG_ERRORS,
)
def goals_figure(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    source: SourceQ = "live",
) -> Response:
    """Each goal's statistic over its target, week by week, as SVG."""
    begin, end = _period(ctx, start, until)
    return _svg(charts.goals(goals.goal_status(ctx, user, begin, end, source)))


def _document(
    ctx: ContextDep,
    user: CurrentUser,
    start: datetime | None,
    until: datetime | None,
    tz: str,
    source: Source,
) -> KpiDocument:
    begin, end = _period(ctx, start, until)
    return report.kpi_document(ctx, user, begin, end, tz, source)


@router.get("/reports/kpis.json", response_model=KpiDocument, responses=ERRORS)
def kpi_document(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    tz: Zone = "UTC",
    source: SourceQ = "live",
) -> KpiDocument:
    """The KPI report of the period (default the last 30 days) as JSON: the counts, the
    KPIs overall, by priority and by jurisdiction, the figures' numbers, assistance and
    each goal's status; the same figures as ``kpis.html`` and ``kpis.csv``."""
    return _document(ctx, user, start, until, tz, source)


@router.get(
    "/reports/kpis.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
)
def kpi_csv(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    tz: Zone = "UTC",
    source: SourceQ = "live",
) -> Response:
    """The KPI report as CSV: one row per figure (section, group, kpi, figure, value)."""
    from bluepool.adapters.charts.report import csv_text

    made = _document(ctx, user, start, until, tz, source)
    return Response(csv_text(made), media_type="text/csv; charset=utf-8")


@router.get(
    "/reports/kpis.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **ERRORS},
)
def kpi_html(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    tz: Zone = "UTC",
    source: SourceQ = "live",
) -> Response:
    """The KPI report as one self-contained page: its figures inline SVG, no script."""
    from bluepool.adapters.charts.report import html

    made = _document(ctx, user, start, until, tz, source)
    return Response(html(made, kpis.shapes_of(ctx)), media_type="text/html; charset=utf-8")


@router.get(
    "/reports/kpis/{figure}.svg",
    response_class=Response,
    responses=SVG_ERRORS,
)
def kpi_figure(
    figure: str,
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    tz: Zone = "UTC",
    source: SourceQ = "live",
) -> Response:
    """One figure of the KPI report as SVG: ``by-priority`` (total response's
    distribution), ``time-of-week`` (calls by day and hour) or ``by-jurisdiction`` (the
    median total response on a map)."""
    draw = _named(kpi_charts.FIGURES, figure)
    begin, end = _period(ctx, start, until)
    return _svg(draw(*kpis.figures_and_shapes(ctx, user, begin, end, tz, source)))


Resolution = Annotated[
    int,
    Query(
        ge=RESOLUTIONS.start,
        le=RESOLUTIONS.stop - 1,
        description="H3 resolution (5 coarse .. 10 fine; 8 is about 0.7 km² a cell)",
    ),
]
SelfInitiated = Annotated[
    bool, Query(description="count self-initiated activity too (default: citizen calls only)")
]
Bandwidth = Annotated[
    float | None,
    Query(
        ge=BANDWIDTHS_M[0],
        le=BANDWIDTHS_M[1],
        description="kernel density bandwidth in metres (default: Silverman's rule)",
    ),
]
HistorySource = Annotated[
    Source, Query(description="live incidents, or the call history (imported CAD calls)")
]


def _hotspots(
    ctx: ContextDep,
    user: CurrentUser,
    start: datetime | None,
    until: datetime | None,
    source: Source,
    resolution: int,
    include_self_initiated: bool,
    bandwidth_m: float | None,
    tz: str,
) -> HotSpotReport:
    begin, end = _period(ctx, start, until)
    options = Options(resolution, include_self_initiated, bandwidth_m)
    return hotspots.hotspot_report(ctx, user, begin, end, source, options, tz)


@router.get("/hotspots", response_model=HotSpotReport, responses=ERRORS)
def hotspot_report(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    source: HistorySource = "live",
    resolution: Resolution = DEFAULT_RESOLUTION,
    include_self_initiated: SelfInitiated = False,
    bandwidth_m: Bandwidth = None,
    tz: Zone = "UTC",
) -> HotSpotReport:
    """Hot spots of the calls received in the period: counts per H3 cell and per
    jurisdiction, Getis-Ord Gi* classes (hot or cold at 99, 95, 90 %, FDR-corrected),
    emerging classes over the weeks (days for a short period), kernel density and calls
    by hour of week. Citizen-initiated calls only unless ``include_self_initiated``; the
    answer says which (``basis``) and how many were left out."""
    return _hotspots(
        ctx, user, start, until, source, resolution, include_self_initiated, bandwidth_m, tz
    )


@router.get(
    "/hotspots.geojson",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}, **ERRORS},
)
def hotspot_geojson(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    source: HistorySource = "live",
    resolution: Resolution = DEFAULT_RESOLUTION,
    include_self_initiated: SelfInitiated = False,
    bandwidth_m: Bandwidth = None,
    tz: Zone = "UTC",
) -> Response:
    """The hot-spot cells as a GeoJSON FeatureCollection: an H3 hexagon each with its
    count, gi_z, p, p_norm, p_fdr, class and emerging class."""
    made = _hotspots(
        ctx, user, start, until, source, resolution, include_self_initiated, bandwidth_m, tz
    )
    body = feature_collection(made.cells, made.basis)
    return Response(json.dumps(body), media_type="application/geo+json")


@router.get("/reports/hotspots.svg", response_class=Response, responses=SVG_ERRORS)
def hotspot_figure(
    ctx: ContextDep,
    user: CurrentUser,
    start: From = None,
    until: Until = None,
    source: HistorySource = "live",
    resolution: Resolution = DEFAULT_RESOLUTION,
    include_self_initiated: SelfInitiated = False,
) -> Response:
    """The hot-spot map as SVG: the cells coloured by class, with a legend and the
    sentence saying which calls it counts."""
    made = _hotspots(
        ctx, user, start, until, source, resolution, include_self_initiated, None, "UTC"
    )
    return _svg(hotspot_charts.hotspot_map(made))

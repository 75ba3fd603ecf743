"""The KPI report of a period, live or from the call history: one document the HTML page,
the CSV and the JSON are all written from (docs/kpis.md#the-report), so the three carry
the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.analytics.figures import Figures, figures_of
from bluepool.domain.analytics.kpis import Assistance, Dimension, KpiRow
from bluepool.domain.analytics.utilisation import Period
from bluepool.services.analytics import goals, kpis, policy
from bluepool.services.analytics.goals import GoalRecord
from bluepool.services.analytics.kpis import Source
from bluepool.services.context import Context


@dataclass(frozen=True, slots=True)
class KpiDocument:
    start: datetime
    end: datetime
    time_zone: str
    source: Source
    calls: int
    self_initiated: int
    #: Every KPI of all calls, public and self-initiated apart: the missing and doubtful.
    totals: tuple[KpiRow, ...]
    #: The KPIs by priority (public and self-initiated apart).
    by_priority: tuple[KpiRow, ...]
    #: The KPIs by jurisdiction (public and self-initiated apart).
    by_jurisdiction: tuple[KpiRow, ...]
    figures: Figures
    assistance: tuple[Assistance, ...]
    #: Each goal over the whole period (no weekly trend: see the weekly goals report).
    goals: tuple[GoalRecord, ...]


def kpi_document(
    ctx: Context,
    user: User,
    start: datetime,
    end: datetime,
    time_zone: str = "UTC",
    source: Source = "live",
) -> KpiDocument:
    """The KPI report of the calls received in ``[start, end)`` (``source``: the live
    incidents or the call history): counts, KPIs overall, by priority and by
    jurisdiction, the figures' numbers, assistance, and each goal's status."""
    policy.read(user)
    Period(start, end)
    zone = kpis.zone_of(time_zone)
    if source == "history":
        history = kpis.history_of(ctx)

        def table(*by: Dimension) -> kpis.KpiReport:
            return kpis.kpi_report(ctx, user, start, end, by, time_zone, source)

        figures = history.figures(start, end, time_zone)
        judge: goals.Judge = history.judge
    else:
        calls = kpis.live_calls(ctx, start, end)

        def table(*by: Dimension) -> kpis.KpiReport:
            return kpis.report_of(calls, start, end, kpis.dimensions(by), time_zone, source)

        figures = figures_of(calls, zone)
        judge = goals.judge_of_calls(calls)
    overall = table()
    return KpiDocument(
        start,
        end,
        time_zone,
        source,
        overall.calls,
        overall.self_initiated,
        overall.rows,
        table(Dimension.PRIORITY).rows,
        table(Dimension.JURISDICTION).rows,
        figures,
        overall.assistance,
        goals.records_of(goals.stored_goals(ctx), judge, start, end, ()),
    )

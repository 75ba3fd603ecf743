"""The KPIs of a period of live dispatch, by the dimensions asked for, with self-initiated
calls always apart (``domain.analytics.kpis``; docs/kpis.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, available_timezones

from bluepool.domain.access.roles import User
from bluepool.domain.analytics import kpis
from bluepool.domain.analytics.figures import Figures, figures_of
from bluepool.domain.analytics.kpis import Assistance, Call, Dimension, KpiRow
from bluepool.domain.analytics.utilisation import Period
from bluepool.domain.shared.errors import Invalid
from bluepool.services.analytics import policy
from bluepool.services.context import Context
from bluepool.services.ports import CallHistory, IncidentFilter, Page

_ALL = Page(limit=10_000_000)
Source = Literal["live", "history"]


@dataclass(frozen=True, slots=True)
class KpiReport:
    start: datetime
    end: datetime
    #: The dimensions the rows are grouped by (``self_initiated`` first, always).
    by: tuple[Dimension, ...]
    time_zone: str
    calls: int
    self_initiated: int
    rows: tuple[KpiRow, ...]
    assistance: tuple[Assistance, ...]
    #: Where the calls came from: the live incidents or the call history.
    source: Source = "live"


@functools.cache
def _zone_names() -> frozenset[str]:
    # The IANA zones of the system's database, without the host's own "localtime" (not a
    # zone's name, and DuckDB knows no such zone).
    return frozenset(available_timezones() - {"localtime"})


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (a folder such as "Europe", "right/UTC" or the host's
    "localtime" is no zone: Invalid)."""
    if name not in _zone_names():
        raise Invalid(f"unknown time zone {name!r} (an IANA name such as Europe/Vaduz)")
    return ZoneInfo(name)


def dimensions(by: tuple[Dimension, ...]) -> tuple[Dimension, ...]:
    """``by`` once each, ``self_initiated`` first (always)."""
    rest = (d for d in dict.fromkeys(by) if d is not Dimension.SELF_INITIATED)
    return (Dimension.SELF_INITIATED, *rest)


def live_calls(ctx: Context, start: datetime, end: datetime) -> list[Call]:
    """The incidents received in ``[start, end)`` as the KPIs see them."""
    with ctx.reader() as uow:
        found, _ = uow.incidents.find(IncidentFilter(received_from=start, received_until=end), _ALL)
        units = {u.id: (u.agency_id, u.kind) for u in uow.units.list()}
        owners = uow.jurisdictions.owners()
        crew_started = {c.code for c in uow.call_types.list() if c.self_initiated}
    return [kpis.call_of(i, owners, units, i.call_type in crew_started) for i in found]


def kpi_report(
    ctx: Context,
    user: User,
    start: datetime,
    end: datetime,
    by: tuple[Dimension, ...] = (),
    time_zone: str = "UTC",
    source: Source = "live",
) -> KpiReport:
    """The KPIs of the incidents (``source`` live) or of the calls in the history
    (``history``) received in ``[start, end)``, by the same definitions."""
    policy.read(user)
    Period(start, end)
    zone_of(time_zone)
    dims = dimensions(by)
    if source == "history":
        made = history_of(ctx).summarise(start, end, dims, time_zone)
        return KpiReport(
            start,
            end,
            dims,
            time_zone,
            made.calls,
            made.self_initiated,
            made.rows,
            made.assistance,
            "history",
        )
    return report_of(live_calls(ctx, start, end), start, end, dims, time_zone)


def report_of(
    calls: list[Call],
    start: datetime,
    end: datetime,
    dims: tuple[Dimension, ...],
    time_zone: str,
    source: Source = "live",
) -> KpiReport:
    """The report of calls at hand, ``dims`` with ``self_initiated`` first."""
    zone = zone_of(time_zone)
    return KpiReport(
        start,
        end,
        dims,
        time_zone,
        len(calls),
        sum(1 for c in calls if c.self_initiated),
        tuple(kpis.summarise(calls, dims, zone)),
        tuple(kpis.assistance(c for c in calls if not c.self_initiated)),
        source,
    )


Shapes = list[tuple[str, dict[str, Any]]]


def shapes_of(ctx: Context) -> Shapes:
    """Each jurisdiction's geometry (GeoJSON), for the map."""
    with ctx.reader() as uow:
        return [(str(j.id), j.geometry) for j in uow.jurisdictions.list()]


def figures_and_shapes(
    ctx: Context,
    user: User,
    start: datetime,
    end: datetime,
    time_zone: str = "UTC",
    source: Source = "live",
) -> tuple[Figures, Shapes]:
    """The figures' numbers over the period's calls (live, or in the history: SQL), and
    each jurisdiction's geometry, for the figures."""
    policy.read(user)
    Period(start, end)
    zone = zone_of(time_zone)
    if source == "history":
        made = history_of(ctx).figures(start, end, time_zone)
    else:
        made = figures_of(live_calls(ctx, start, end), zone)
    return made, shapes_of(ctx)


def history_of(ctx: Context) -> CallHistory:
    if ctx.history is None:
        raise Invalid("this runtime has no call history", code="no_history")
    return ctx.history

"""The numbers behind the KPI report's figures, from the KPI definitions: the total
response's distribution by priority (a box: quartiles, the whiskers the 10th and 90th
percentiles), public calls by hour of week, and the median total response by
jurisdiction (docs/kpis.md#the-report). The figures are drawn from these and the report's
CSV and JSON carry them, so a figure never shows a number the data does not."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bluepool.domain.analytics import kpis
from bluepool.domain.analytics.kpis import Call, Dimension

TOTAL = kpis.BY_NAME["total_response"]
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Box:
    """The total response of one priority's public calls (seconds)."""

    #: "" for calls without a priority.
    priority: str
    count: int
    p10_s: float
    q1_s: float
    median_s: float
    q3_s: float
    p90_s: float


@dataclass(frozen=True, slots=True)
class JurisdictionMedian:
    jurisdiction: str
    #: Public calls with a total response.
    count: int
    median_s: float


@dataclass(frozen=True, slots=True)
class Figures:
    time_zone: str
    by_priority: tuple[Box, ...]
    #: Public calls received, by day (Monday first) and hour in ``time_zone``.
    time_of_week: tuple[tuple[int, ...], ...]
    by_jurisdiction: tuple[JurisdictionMedian, ...]


def _total(call: Call) -> float | None:
    s = call.seconds(TOTAL)
    return s if s is not None and s >= 0 and not call.self_initiated else None


def figures_of(calls: Iterable[Call], zone: ZoneInfo) -> Figures:
    """The three figures' numbers over ``calls`` (public ones; self-initiated apart)."""
    utc = ZoneInfo("UTC")
    by_priority: dict[str, list[float]] = defaultdict(list)
    by_jurisdiction: dict[str, list[float]] = defaultdict(list)
    counts = [[0] * 24 for _ in DAYS]
    for c in calls:
        if c.self_initiated:
            continue
        local = c.stages[kpis.Stage.RECEIVED].astimezone(zone)
        counts[local.weekday()][local.hour] += 1
        s = _total(c)
        if s is None:
            continue
        by_priority[c.key(Dimension.PRIORITY, utc)].append(s)
        if c.jurisdiction:
            by_jurisdiction[c.jurisdiction].append(s)
    boxes = []
    for priority, values in sorted(by_priority.items()):
        got = sorted(values)
        q = [kpis.percentile(got, p) for p in (0.1, 0.25, 0.5, 0.75, 0.9)]
        boxes.append(Box(priority, len(got), *q))
    medians = tuple(
        JurisdictionMedian(j, len(v), kpis.percentile(sorted(v), 0.5))
        for j, v in sorted(by_jurisdiction.items())
    )
    return Figures(zone.key, tuple(boxes), tuple(tuple(day) for day in counts), medians)

"""The KPI report's figures: total response by priority (its distribution), calls by hour
of week (a heat map), and the median total response by jurisdiction (a map)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bluepool.adapters.charts import empty, figure
from bluepool.domain.analytics import kpis
from bluepool.domain.analytics.kpis import Call, Dimension

TOTAL = kpis.BY_NAME["total_response"]
if TYPE_CHECKING:
    from matplotlib.figure import Figure

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _minutes(calls: Sequence[Call]) -> dict[str, list[float]]:
    by: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        s = c.seconds(TOTAL)
        if s is not None and s >= 0 and not c.self_initiated:
            by[c.key(Dimension.PRIORITY, ZoneInfo("UTC")) or "none"].append(s / 60)
    return dict(sorted(by.items()))


def by_priority(calls: Sequence[Call], zone: ZoneInfo, shapes: Sequence[Any]) -> Figure:
    """Total response by priority, public calls: each priority's distribution."""
    fig, ax = figure(7, 3.5)
    got = _minutes(calls)
    if not got:
        empty(ax, "no call reached the scene in the period")
        return fig
    ax.boxplot(list(got.values()), tick_labels=[f"P{p}" for p in got], showfliers=True)
    ax.set_ylabel("total response (minutes)")
    ax.set_title("Total response by priority (received to first unit on scene)")
    ax.grid(axis="y", alpha=0.3)
    return fig


def time_of_week(calls: Sequence[Call], zone: ZoneInfo, shapes: Sequence[Any]) -> Figure:
    """Public calls by day of week and hour, in the report's time zone."""
    fig, ax = figure(8, 3.2)
    counts = [[0] * 24 for _ in DAYS]
    public = [c for c in calls if not c.self_initiated]
    for c in public:
        local = c.stages[kpis.Stage.RECEIVED].astimezone(zone)
        counts[local.weekday()][local.hour] += 1
    if not public:
        empty(ax, "no call in the period")
        return fig
    image = ax.imshow(counts, aspect="auto", cmap="viridis")
    ax.set_yticks(range(7), DAYS)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    ax.set_xlabel(f"hour ({zone.key})")
    ax.set_title("Calls by hour of week")
    fig.colorbar(image, ax=ax, label="calls")
    return fig


def by_jurisdiction(calls: Sequence[Call], zone: ZoneInfo, shapes: Sequence[Any]) -> Figure:
    """Each jurisdiction coloured by its median total response (grey: no data)."""
    import matplotlib
    from matplotlib.patches import Polygon

    fig, ax = figure(6, 6)
    values: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        s = c.seconds(TOTAL)
        if c.jurisdiction and s is not None and s >= 0 and not c.self_initiated:
            values[c.jurisdiction].append(s)
    medians = {j: kpis.percentile(sorted(v), 0.5) / 60 for j, v in values.items()}
    if not shapes:
        empty(ax, "no jurisdictions")
        return fig
    top = max(medians.values(), default=1.0) or 1.0
    cmap = matplotlib.colormaps["RdYlGn_r"]
    for jurisdiction_id, geometry in shapes:
        median = medians.get(jurisdiction_id)
        colour = cmap(median / top) if median is not None else "#9aa0a6"
        for ring in _outer_rings(geometry):
            ax.add_patch(Polygon(ring, closed=True, facecolor=colour, edgecolor="#222", lw=0.6))
        label = f"{jurisdiction_id}\n{median:.1f} min" if median is not None else jurisdiction_id
        x, y = _centre(_outer_rings(geometry))
        ax.text(x, y, label, ha="center", va="center", fontsize=7)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title("Median total response by jurisdiction")
    return fig


def _outer_rings(geometry: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    if geometry["type"] == "Polygon":
        return [[(x, y) for x, y, *_ in geometry["coordinates"][0]]]
    return [[(x, y) for x, y, *_ in poly[0]] for poly in geometry["coordinates"]]


def _centre(rings: list[list[tuple[float, float]]]) -> tuple[float, float]:
    biggest = max(rings, key=len)
    return sum(p[0] for p in biggest) / len(biggest), sum(p[1] for p in biggest) / len(biggest)


#: The figures by name, as served at ``/api/v1/reports/kpis/{name}.svg``.
FIGURES: dict[str, Callable[[Sequence[Call], ZoneInfo, Sequence[Any]], Figure]] = {
    "by-priority": by_priority,
    "time-of-week": time_of_week,
    "by-jurisdiction": by_jurisdiction,
}

"""The KPI report's figures: total response by priority (its distribution), calls by hour
of week (a heat map), and the median total response by jurisdiction (a map). Each is drawn
from the numbers of ``domain.analytics.figures``, which the report's CSV and JSON carry."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bluepool.adapters.charts import empty, figure
from bluepool.domain.analytics.figures import DAYS, Figures

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def by_priority(data: Figures, shapes: Sequence[Any]) -> Figure:
    """Total response by priority, public calls: the box the quartiles, the whiskers the
    10th and 90th percentiles."""
    fig, ax = figure(7, 3.5)
    if not data.by_priority:
        empty(ax, "no call reached the scene in the period")
        return fig
    stats = [
        {
            "label": f"P{b.priority or '?'} ({b.count})",
            "whislo": b.p10_s / 60,
            "q1": b.q1_s / 60,
            "med": b.median_s / 60,
            "q3": b.q3_s / 60,
            "whishi": b.p90_s / 60,
            "fliers": [],
        }
        for b in data.by_priority
    ]
    ax.bxp(stats, showfliers=False)
    ax.set_ylabel("total response (minutes)")
    ax.set_title("Total response by priority (received to first unit on scene)")
    ax.grid(axis="y", alpha=0.3)
    return fig


def time_of_week(data: Figures, shapes: Sequence[Any]) -> Figure:
    """Public calls by day of week and hour, in the report's time zone."""
    fig, ax = figure(8, 3.2)
    if not any(any(day) for day in data.time_of_week):
        empty(ax, "no call in the period")
        return fig
    image = ax.imshow([list(day) for day in data.time_of_week], aspect="auto", cmap="viridis")
    ax.set_yticks(range(7), DAYS)
    ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    ax.set_xlabel(f"hour ({data.time_zone})")
    ax.set_title("Calls by hour of week")
    fig.colorbar(image, ax=ax, label="calls")
    return fig


def by_jurisdiction(data: Figures, shapes: Sequence[Any]) -> Figure:
    """Each jurisdiction coloured by its median total response (grey: no data)."""
    import matplotlib
    from matplotlib.patches import Polygon

    fig, ax = figure(6, 6)
    medians = {m.jurisdiction: m.median_s / 60 for m in data.by_jurisdiction}
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
FIGURES: dict[str, Callable[[Figures, Sequence[Any]], Figure]] = {
    "by-priority": by_priority,
    "time-of-week": time_of_week,
    "by-jurisdiction": by_jurisdiction,
}

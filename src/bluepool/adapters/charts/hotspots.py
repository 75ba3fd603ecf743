"""The hot-spot map: the study area's H3 cells coloured by their Gi* class, drawn from the
cells' own outlines (no map tiles), with a legend and the sentence saying which calls
it counts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bluepool.adapters.charts import empty, figure
from bluepool.domain.analytics.hotspots import Spot
from bluepool.services.analytics.hotspots import HotSpotReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Each class's colour (the usual diverging reds and blues) and legend label.
COLOURS: dict[Spot, tuple[str, str]] = {
    Spot.HOT_99: ("#b2182b", "hot, 99 % confidence"),
    Spot.HOT_95: ("#ef8a62", "hot, 95 %"),
    Spot.HOT_90: ("#fddbc7", "hot, 90 %"),
    Spot.NONE: ("#f2f2f2", "not significant"),
    Spot.COLD_90: ("#d1e5f0", "cold, 90 %"),
    Spot.COLD_95: ("#67a9cf", "cold, 95 %"),
    Spot.COLD_99: ("#2166ac", "cold, 99 %"),
}


def hotspot_map(report: HotSpotReport) -> Figure:
    """Hexagons coloured by class, outlined where they have calls."""
    from matplotlib.patches import Patch, Polygon

    fig, ax = figure(6.5, 6.5)
    if not report.cells:
        empty(ax, f"no located call in the period. {report.basis}")
        return fig
    for cell in report.cells:
        colour = COLOURS[cell.spot][0]
        edge = "#555" if cell.count else "#ddd"
        ax.add_patch(Polygon(cell.boundary, closed=True, facecolor=colour, edgecolor=edge, lw=0.3))
    ax.autoscale_view()
    # A degree of longitude is shorter than one of latitude by the cosine of the latitude.
    mid = sum(c.lat for c in report.cells) / len(report.cells)
    ax.set_aspect(1 / math.cos(math.radians(mid)))
    ax.set_axis_off()
    ax.set_title(
        f"Hot spots: Getis-Ord Gi* on H3 cells (resolution {report.resolution}), "
        f"FDR-corrected\n{report.basis}",
        fontsize=9,
    )
    ax.legend(
        handles=[
            Patch(facecolor=c, edgecolor="#555", label=label) for c, label in COLOURS.values()
        ],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        frameon=False,
    )
    return fig

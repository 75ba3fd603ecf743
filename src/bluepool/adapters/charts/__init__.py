"""Figures drawn with matplotlib, off-screen, as SVG the same bytes for the same data."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of that size (inches) with one plot, drawn off-screen."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def svg(fig: Figure) -> bytes:
    """The figure as SVG, with no date and fixed ids: the same data gives the same bytes."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "bluepool", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def empty(ax: Axes, what: str) -> None:
    """Say in the plot's middle why there is nothing to draw."""
    ax.text(0.5, 0.5, what, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_axis_off()

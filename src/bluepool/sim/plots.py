"""The report's figures (matplotlib, drawn off-screen), one function per figure."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from bluepool.sim.fleet import FloatArray
from bluepool.sim.metrics import PolicyResult
from bluepool.sim.policies import LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bluepool.sim.report import Report
    from bluepool.sim.validate import Validation

COLOURS = {
    "siloed": "#c0392b",
    "pooled": "#2471a3",
    "pooled_reserve": "#229954",
    "configured": "#8e44ad",
    "lower_bound": "#7f8c8d",
}


def figures(report: Report) -> dict[str, Figure]:
    """Every figure of the report, by file stem."""
    return {
        "sim-response-by-priority": response_by_priority(report),
        "sim-response-by-jurisdiction": response_by_jurisdiction(report),
        "sim-queue-delay": queue_delay(report),
        "sim-utilisation": utilisation(report),
        "sim-cross-boundary": cross_boundary(report),
        "sim-lent-borrowed": lent_borrowed(report),
    }


def png(fig: Figure) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _figure(width: float, height: float, cols: int = 1) -> tuple[Figure, list[Axes]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, cols, figsize=(width, height), squeeze=False)
    return fig, list(axes[0])


def _colour(policy: str) -> str:
    return COLOURS.get(policy, "#333333")


def _legend(ax: Axes, **kwargs: object) -> None:
    """A legend, if anything labelled was drawn (an empty run draws nothing)."""
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(**kwargs)


def _ecdf(ax: Axes, values: FloatArray, r: PolicyResult) -> None:
    v = np.sort(values[~np.isnan(values)])
    if len(v) == 0:
        return
    ax.step(
        v,
        np.arange(1, len(v) + 1) / len(v),
        where="post",
        color=_colour(r.policy),
        label=r.label,
        linestyle="--" if r.policy == "lower_bound" else "-",
    )


def response_by_priority(report: Report) -> Figure:
    priorities = sorted({int(p) for p in np.unique(report.calls.priority)})
    fig, axes = _figure(3.0 * max(1, len(priorities)), 3.2, cols=max(1, len(priorities)))
    for ax, p in zip(axes, priorities, strict=False):
        sel = report.calls.priority == p
        upper = 0.0
        for r in report.results:
            if r.response_minutes is None:
                continue
            values = r.response_minutes[sel]
            _ecdf(ax, values, r)
            finite = values[~np.isnan(values)]
            if len(finite):
                upper = max(upper, float(np.percentile(finite, 97)))
        ax.set_title(f"priority {p} ({int(sel.sum())} calls)")
        ax.set_xlabel("response time, minutes")
        ax.set_xlim(0, upper or 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share of calls answered within")
    _legend(axes[-1], loc="lower right", fontsize=8)
    fig.suptitle("Response time (arrival of the first unit) by priority", y=1.03)
    return fig


def _grouped_bars(
    ax: Axes, labels: Sequence[str], series: list[tuple[PolicyResult, list[float]]]
) -> None:
    x = np.arange(len(labels))
    width = 0.8 / max(1, len(series))
    for k, (r, values) in enumerate(series):
        ax.bar(
            x + k * width - 0.4 + width / 2, values, width, label=r.label, color=_colour(r.policy)
        )
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def response_by_jurisdiction(report: Report) -> Figure:
    names = [j.id for j in report.fleet.jurisdictions]
    fig, (left, right) = _figure(max(8.0, 1.1 * len(names) * 2), 3.6, cols=2)
    for ax, stat, title in ((left, "p50", "median"), (right, "p90", "90th percentile")):
        series = [
            (r, [getattr(r.response_by_jurisdiction[n], stat) for n in names])
            for r in report.results
        ]
        _grouped_bars(ax, names, series)
        ax.set_title(f"response time, {title}, minutes")
    _legend(right, fontsize=8)
    fig.suptitle("Response time by jurisdiction", y=1.03)
    return fig


def queue_delay(report: Report) -> Figure:
    fig, (left, right) = _figure(10.0, 3.4, cols=2)
    runs = [r for r in report.results if r.policy != "lower_bound"]
    for r in runs:
        if r.queue_minutes is None:
            continue
        q = r.queue_minutes[~np.isnan(r.queue_minutes)]
        waited = np.sort(q[q > 0])
        if len(waited):
            left.step(
                waited,
                np.arange(1, len(waited) + 1) / len(q),
                where="post",
                color=_colour(r.policy),
                label=r.label,
            )
    left.set_xscale("symlog", linthresh=1.0)
    left.set_xlabel("queue delay, minutes (calls that waited)")
    left.set_ylabel("share of all calls")
    left.set_title("who waits, and how long")
    left.grid(alpha=0.3)
    _legend(left, fontsize=8)
    priorities = sorted({p for r in runs for p in r.queue_delay_by_priority})
    series = [
        (
            r,
            [
                r.queue_delay_by_priority[p].mean if p in r.queue_delay_by_priority else 0.0
                for p in priorities
            ],
        )
        for r in runs
    ]
    _grouped_bars(right, [f"P{p}" for p in priorities], series)
    right.set_title("mean queue delay by priority, minutes")
    fig.suptitle("Queue delay (arrival to first dispatch)", y=1.03)
    return fig


def utilisation(report: Report) -> Figure:
    names = [str(a) for a in report.fleet.agencies]
    runs = [r for r in report.results if r.utilisation_by_agency]
    fig, (ax,) = _figure(max(7.0, 0.9 * len(names) * 1.5), 3.4)
    _grouped_bars(ax, names, [(r, [100 * r.utilisation_by_agency[n] for n in names]) for r in runs])
    ax.set_ylabel("% of unit time busy")
    _legend(ax, fontsize=8)
    fig.suptitle("Utilisation by agency", y=1.03)
    return fig


def cross_boundary(report: Report) -> Figure:
    names = [j.id for j in report.fleet.jurisdictions]
    runs = [r for r in report.results if r.policy != "lower_bound"]
    fig, (ax,) = _figure(max(7.0, 0.9 * len(names) * 1.5), 3.4)
    served_in = {n: int((report.calls.jurisdiction == j).sum()) for j, n in enumerate(names)}
    _grouped_bars(
        ax,
        names,
        [
            (r, [100 * r.cross_by_jurisdiction.get(n, 0) / max(1, served_in[n]) for n in names])
            for r in runs
        ],
    )
    ax.set_ylabel("units from another agency, per 100 calls")
    _legend(ax, fontsize=8)
    fig.suptitle("Cross-boundary dispatches by jurisdiction of the call", y=1.03)
    return fig


def lent_borrowed(report: Report) -> Figure:
    names = [str(a) for a in report.fleet.agencies]
    runs = [r for r in report.results if r.lent_hours and r.policy != "siloed"]
    fig, axes = _figure(max(7.0, 0.9 * len(names) * 1.5), 3.4, cols=max(1, len(runs)))
    for ax, r in zip(axes, runs, strict=False):
        x = np.arange(len(names))
        ax.bar(x - 0.2, [r.lent_hours[n] for n in names], 0.4, label="lent", color="#2471a3")
        ax.bar(
            x + 0.2, [r.borrowed_hours[n] for n in names], 0.4, label="borrowed", color="#e67e22"
        )
        ax.set_xticks(x, names, rotation=35, ha="right", fontsize=8)
        ax.set_title(r.label)
        ax.set_ylabel("unit-hours")
        ax.grid(axis="y", alpha=0.3)
        _legend(ax, fontsize=8)
    fig.suptitle("Unit-hours lent and borrowed per agency", y=1.03)
    return fig


def validation(v: Validation, kpi: str = "total_response") -> Figure:
    """Observed against simulated ``kpi`` by priority, median and 90th percentile, one bar
    per policy beside the observed one (minutes, log scale: errors are ratios)."""
    from matplotlib import ticker

    policies = list(v.comparisons)
    rows = {
        p: {c.group: c for c in v.comparisons[p] if c.dimension == "priority" and c.kpi == kpi}
        for p in policies
    }
    groups = sorted({g for by in rows.values() for g in by})
    fig, axes = _figure(max(7.0, 1.6 * len(groups) * 2), 3.4, cols=2)
    x = np.arange(len(groups))
    width = 0.8 / (len(policies) + 1)
    for ax, which, title in zip(
        axes, ("median_s", "p90_s"), ("median", "90th percentile"), strict=True
    ):
        first = rows[policies[0]] if policies else {}
        observed = [
            _minutes(getattr(first[g].observed, which)) if g in first else np.nan for g in groups
        ]
        ax.bar(x - 0.4 + width / 2, observed, width, label="observed", color="#222222")
        for k, p in enumerate(policies, start=1):
            simulated = [
                _minutes(getattr(rows[p][g].simulated, which)) if g in rows[p] else np.nan
                for g in groups
            ]
            ax.bar(
                x - 0.4 + (k + 0.5) * width,
                simulated,
                width,
                label=f"simulated, {LABELS.get(p, p)}",
                color=_colour(p),
            )
        ax.set_xticks(x, [f"P{g}" for g in groups])
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_title(f"{kpi.replace('_', ' ')}, {title}, minutes")
        ax.grid(axis="y", alpha=0.3)
    _legend(axes[-1], fontsize=8)
    fig.suptitle(f"{v.scenario}: observed against simulated, {v.calls} calls", y=1.03)
    return fig


def _minutes(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds / 60.0

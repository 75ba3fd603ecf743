"""The board report's figures: utilisation by agency and kind, the idle specialised units,
and the unit-hours lent and borrowed per agency and month."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bluepool.adapters.charts import empty, figure, svg
from bluepool.domain.shared.money import format_amount
from bluepool.services.analytics.board import BoardReport
from bluepool.services.analytics.goals import GoalRecord

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR = "#229954"
IDLE = "#7f8c8d"
MISSED = "#c0392b"
AT_RISK = "#d68910"


def utilisation(report: BoardReport) -> Figure:
    rows = report.utilisation
    fig, ax = figure(7, max(2.0, 0.35 * len(rows) + 1))
    if not rows:
        empty(ax, "no units")
        return fig
    labels = [f"{r.agency_id} · {r.kind} ({r.units})" for r in rows]
    shares = [100 * r.share for r in rows]
    ax.barh(labels, shares, color=BAR)
    ax.invert_yaxis()
    ax.set_xlabel("share of unit-hours committed to incidents (%)")
    ax.set_title("Utilisation by agency and kind")
    ax.grid(axis="x", alpha=0.3)
    return fig


def idle(report: BoardReport) -> Figure:
    rows = report.idle
    fig, ax = figure(7, max(2.0, 0.35 * len(rows) + 1))
    if not rows:
        empty(ax, f"no specialised unit below {100 * report.rules.idle_below:g}% use")
        return fig
    ax.barh([f"{r.unit_id} ({r.kind})" for r in rows], [r.busy_hours for r in rows], color=IDLE)
    ax.invert_yaxis()
    ax.set_xlabel("hours committed in the period")
    ax.set_title(f"Specialised units used less than {100 * report.rules.idle_below:g}% of the time")
    ax.grid(axis="x", alpha=0.3)
    return fig


def lent_borrowed(report: BoardReport) -> Figure:
    rows = report.lent_borrowed
    fig, ax = figure(7, 3.5)
    if not rows:
        empty(ax, "nothing lent or borrowed under an agreement")
        return fig
    months = sorted({r.month for r in rows})
    lent: dict[str, dict[str, float]] = defaultdict(dict)
    borrowed: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        lent[r.agency_id][r.month] = r.lent_hours
        borrowed[r.agency_id][r.month] = r.borrowed_hours
    agencies = sorted(lent)
    width = 0.8 / len(agencies)
    for n, agency in enumerate(agencies):
        xs = [m + n * width for m in range(len(months))]
        ax.bar(xs, [lent[agency].get(m, 0.0) for m in months], width, label=f"{agency} lent")
        ax.bar(
            xs,
            [-borrowed[agency].get(m, 0.0) for m in months],
            width,
            label=f"{agency} borrowed",
            alpha=0.55,
        )
    ax.axhline(0, color="#333", linewidth=0.8)
    ax.set_xticks([m + 0.4 - width / 2 for m in range(len(months))], months)
    ax.set_ylabel("unit-hours (lent up, borrowed down)")
    ax.set_title("Unit-hours lent and borrowed under agreements")
    ax.legend(fontsize="small", ncols=2)
    ax.grid(axis="y", alpha=0.3)
    return fig


#: The figures by name, as served at ``/api/v1/reports/board/{name}.svg``.
FIGURES: dict[str, Callable[[BoardReport], Figure]] = {
    "utilisation": utilisation,
    "idle": idle,
    "lent-borrowed": lent_borrowed,
}


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Board report {{ r.start.strftime('%Y-%m-%d') }} to {{ r.end.strftime('%Y-%m-%d') }}
· bluepool</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{padding:.2rem .6rem;
border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}img{max-width:100%}</style>
</head><body>
<h1>Board report</h1>
<p>{{ r.start.strftime('%Y-%m-%d %H:%M') }} to {{ r.end.strftime('%Y-%m-%d %H:%M') }} UTC ·
{{ r.incidents }} incidents ·
idle below {{ "%g"|format(100 * r.rules.idle_below) }}% use · duplicates within
{{ "%g"|format(r.rules.within_minutes) }} min · yearly saving of pooling: {{ money(r.saving) }}</p>
<h2>Utilisation by agency and kind</h2>
<img src="utilisation.svg" alt="Utilisation by agency and kind">
<table><tr><th>Agency</th><th>Kind</th><th>Units</th><th>Hours committed</th><th>Share</th></tr>
{% for u in r.utilisation %}<tr><td>{{ u.agency_id }}</td><td>{{ u.kind }}</td>
<td class="n">{{ u.units }}</td><td class="n">{{ "%.1f"|format(u.busy_hours) }}</td>
<td class="n">{{ "%.1f"|format(100 * u.share) }}%</td></tr>{% endfor %}</table>
<h2>Idle specialised units</h2>
<img src="idle.svg" alt="Idle specialised units">
<table><tr><th>Unit</th><th>Agency</th><th>Kind</th><th>Hours committed</th></tr>
{% for i in r.idle %}<tr><td>{{ i.unit_id }}</td><td>{{ i.agency_id }}</td><td>{{ i.kind }}</td>
<td class="n">{{ "%.1f"|format(i.busy_hours) }}</td></tr>
{% else %}<tr><td colspan="4">none</td></tr>{% endfor %}</table>
<h2>Duplicated resources</h2>
<table><tr><th>Kind</th><th>Units</th><th>Agencies</th><th>Furthest apart</th><th>Needed pooled</th>
<th>Yearly saving</th></tr>
{% for d in r.duplication %}<tr><td>{{ d.kind }}</td><td>{{ d.units|join(", ") }}</td>
<td>{{ d.agencies|join(", ") }}</td><td class="n">{{ "%.0f"|format(d.spread_minutes) }} min</td>
<td class="n">{{ d.needed }}</td><td class="n">{{ money(d.saving) }}</td></tr>
{% else %}<tr><td colspan="6">none</td></tr>{% endfor %}</table>
<h2>Unit-hours lent and borrowed</h2>
<img src="lent-borrowed.svg" alt="Unit-hours lent and borrowed per agency and month">
<table><tr><th>Month</th><th>Agency</th><th>Lent</th><th>Borrowed</th></tr>
{% for l in r.lent_borrowed %}<tr><td>{{ l.month }}</td><td>{{ l.agency_id }}</td>
<td class="n">{{ "%.1f"|format(l.lent_hours) }} h</td>
<td class="n">{{ "%.1f"|format(l.borrowed_hours) }} h</td></tr>
{% else %}<tr><td colspan="4">none</td></tr>{% endfor %}</table>
</body></html>
"""


def html(report: BoardReport) -> str:
    """The report as one page, its figures beside it (``NAME.svg``, as ``write`` saves)."""
    from jinja2 import Environment

    env = Environment(autoescape=True)
    return env.from_string(_PAGE).render(r=report, money=format_amount)


def write(report: BoardReport, folder: Path) -> list[Path]:
    """Save the page (``board.html``), its figures and the figures' data (``board.json``)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        path = folder / f"{name}.svg"
        path.write_bytes(svg(draw(report)))
        written.append(path)
    page = folder / "board.html"
    page.write_text(html(report), encoding="utf-8")
    data = folder / "board.json"
    data.write_text(json.dumps(asdict(report), default=str, indent=2) + "\n", encoding="utf-8")
    return [page, data, *written]


def goals(records: Sequence[GoalRecord]) -> Figure:
    """Each goal's statistic over its target, week by week: below 1 the target is met."""
    fig, ax = figure(7, 3.5)
    shown = [r for r in records if any(w.value_s is not None for w in r.trend)]
    if not shown:
        empty(ax, "no goal has data in the period")
        return fig
    for r in shown:
        points = [
            (n, w.value_s / r.target_s) for n, w in enumerate(r.trend) if w.value_s is not None
        ]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=r.description)
    weeks = [f"{w.start:%d %b}" for w in shown[0].trend]
    ax.set_xticks(range(len(weeks)), weeks)
    ax.axhline(1.0, color=MISSED, linewidth=1, linestyle="--", label="target")
    ax.axhline(0.9, color=AT_RISK, linewidth=1, linestyle=":", label="at risk above")
    ax.set_ylabel("statistic / target")
    ax.set_title("Goals week by week")
    ax.legend(fontsize="x-small")
    ax.set_xlabel("week from")
    ax.grid(alpha=0.3)
    return fig

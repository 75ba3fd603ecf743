"""The KPI report as one self-contained HTML page (its figures inline SVG, no script, no
external file), as CSV (one row per figure) and as JSON, all three written from the same
``KpiDocument`` (docs/kpis.md#the-report). The page is rendered by Jinja2, autoescaped."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from bluepool.adapters.charts import kpis as charts
from bluepool.adapters.charts import svg
from bluepool.domain.analytics.figures import DAYS
from bluepool.domain.analytics.goals import STATUS_WORDS, mmss
from bluepool.domain.analytics.kpis import BY_NAME, KpiRow
from bluepool.services.analytics.report import KpiDocument

#: The CSV's columns: the part of the report, the group (``name=value;...``), the KPI
#: (or what is counted), the figure, its value.
CSV_HEADER = ("section", "group", "kpi", "figure", "value")

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>KPI report {{ d.start.strftime('%Y-%m-%d') }} to {{ d.end.strftime('%Y-%m-%d') }}
· bluepool</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{padding:.2rem .6rem;
border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}figure{margin:1rem 0}
figure svg{max-width:100%;height:auto}.met{color:#1e7b34}.at_risk{color:#9a5b00}
.missed{color:#b03021}.no_data{color:#555}</style>
</head><body>
<h1>KPI report</h1>
<p>{{ d.start.strftime('%Y-%m-%d %H:%M') }} to {{ d.end.strftime('%Y-%m-%d %H:%M') }} UTC ·
source: <strong>{{ d.source }}</strong> · hours of week in {{ d.time_zone }}</p>
<p id="counts">{{ d.calls }} calls: {{ d.calls - d.self_initiated }} from the public,
{{ d.self_initiated }} self-initiated (a crew started them: never in a response time).</p>
<h2>Calls with each KPI</h2>
<table id="totals"><tr><th>Calls</th><th>KPI</th><th>With it</th><th>Missing a stage</th>
<th>Doubtful (negative)</th></tr>
{% for r in d.totals %}<tr><td>{{ r.group.self_initiated }}</td><td>{{ label(r.kpi) }}</td>
<td class="n">{{ r.count }}</td><td class="n">{{ r.missing }}</td>
<td class="n">{{ r.doubtful }}</td></tr>
{% else %}<tr><td colspan="5">no call in the period</td></tr>{% endfor %}</table>
<h2>KPIs by priority</h2>
{{ kpi_table(d.by_priority, "priority", "by-priority") }}
<figure>{{ figures["by-priority"] }}<figcaption>Total response of public calls by priority:
the box the quartiles, the whiskers the 10th and 90th percentiles.</figcaption></figure>
<h2>Calls by hour of week</h2>
<figure>{{ figures["time-of-week"] }}<figcaption>Public calls by day and hour
({{ d.time_zone }}).</figcaption></figure>
<h2>KPIs by jurisdiction</h2>
<figure>{{ figures["by-jurisdiction"] }}<figcaption>Median total response of public calls
by jurisdiction (grey: no call reached the scene).</figcaption></figure>
{{ kpi_table(d.by_jurisdiction, "jurisdiction", "by-jurisdiction") }}
<h2>Cross-boundary assistance</h2>
<table id="assistance"><tr><th>Agency</th><th>Its public calls</th>
<th>Served first by another agency</th><th>Other agencies' calls it served first</th></tr>
{% for a in d.assistance %}<tr><td>{{ a.agency }}</td><td class="n">{{ a.calls }}</td>
<td class="n">{{ a.received }}</td><td class="n">{{ a.given }}</td></tr>
{% else %}<tr><td colspan="4">no call in the period</td></tr>{% endfor %}</table>
<h2>Goals</h2>
<table id="goals"><tr><th>Goal</th><th>Target</th><th>Over the period</th><th>Calls</th>
<th>Status</th></tr>
{% for g in d.goals %}<tr><td>{{ g.description }}</td><td class="n">{{ mmss(g.target_s) }}</td>
<td class="n">{{ mmss(g.period.value_s) }}</td><td class="n">{{ g.period.count }}</td>
<td class="{{ g.period.status.value }}">{{ status(g.period.status.value) }}</td></tr>
{% else %}<tr><td colspan="5">no goal is set</td></tr>{% endfor %}</table>
</body></html>
"""

_TABLE = """<table id="{{ id }}"><tr><th>Calls</th><th>{{ name|capitalize }}</th><th>KPI</th>
<th>Median</th><th>90th percentile</th><th>Calls with it</th><th>Missing</th><th>Doubtful</th></tr>
{% for r in rows %}<tr><td>{{ r.group.self_initiated }}</td><td>{{ r.group[name] or "none" }}</td>
<td>{{ label(r.kpi) }}</td><td class="n">{{ mmss(r.median_s) }}</td>
<td class="n">{{ mmss(r.p90_s) }}</td><td class="n">{{ r.count }}</td>
<td class="n">{{ r.missing }}</td><td class="n">{{ r.doubtful }}</td></tr>
{% else %}<tr><td colspan="8">no call in the period</td></tr>{% endfor %}</table>"""


def inline_svg(fig: Any) -> str:
    """A figure's SVG for a page: its XML prologue and doctype left out."""
    text = svg(fig).decode("utf-8")
    return text[text.index("<svg") :]


def html(doc: KpiDocument, shapes: Sequence[Any]) -> str:
    """The report as one page: nothing outside it is fetched, nothing runs."""
    from jinja2 import Environment
    from markupsafe import Markup

    env = Environment(autoescape=True)
    helpers = {"label": lambda k: BY_NAME[k].label, "mmss": mmss, "status": STATUS_WORDS.get}
    table = env.from_string(_TABLE)

    def kpi_table(rows: Sequence[KpiRow], name: str, id: str) -> Markup:
        return Markup(table.render(rows=rows, name=name, id=id, **helpers))

    figures = {
        name: Markup(inline_svg(draw(doc.figures, shapes))) for name, draw in charts.FIGURES.items()
    }
    return env.from_string(_PAGE).render(d=doc, figures=figures, kpi_table=kpi_table, **helpers)


def _group(row: KpiRow) -> str:
    return ";".join(f"{k}={v}" for k, v in row.group.items())


def _kpi_rows(section: str, rows: Sequence[KpiRow]) -> Iterator[tuple[object, ...]]:
    for r in rows:
        for figure, value in (
            ("count", r.count),
            ("median_s", r.median_s),
            ("p90_s", r.p90_s),
            ("missing", r.missing),
            ("doubtful", r.doubtful),
        ):
            yield section, _group(r), r.kpi, figure, value


def records(doc: KpiDocument) -> Iterator[tuple[object, ...]]:
    """Every figure of the report, one row each (``CSV_HEADER``)."""
    yield "period", "", "", "start", doc.start.isoformat()
    yield "period", "", "", "end", doc.end.isoformat()
    yield "period", "", "", "source", doc.source
    yield "period", "", "", "time_zone", doc.time_zone
    yield "counts", "", "calls", "count", doc.calls
    yield "counts", "", "self_initiated", "count", doc.self_initiated
    yield from _kpi_rows("totals", doc.totals)
    yield from _kpi_rows("by_priority", doc.by_priority)
    yield from _kpi_rows("by_jurisdiction", doc.by_jurisdiction)
    for b in doc.figures.by_priority:
        for figure in ("count", "p10_s", "q1_s", "median_s", "q3_s", "p90_s"):
            yield (
                "distribution",
                f"priority={b.priority}",
                "total_response",
                figure,
                getattr(b, figure),
            )
    for day, hours in zip(DAYS, doc.figures.time_of_week, strict=True):
        for hour, n in enumerate(hours):
            yield "time_of_week", f"day={day};hour={hour:02d}", "calls", "count", n
    for m in doc.figures.by_jurisdiction:
        group = f"jurisdiction={m.jurisdiction}"
        yield "map", group, "total_response", "count", m.count
        yield "map", group, "total_response", "median_s", m.median_s
    for a in doc.assistance:
        for figure in ("calls", "received", "given"):
            yield "assistance", f"agency={a.agency}", "", figure, getattr(a, figure)
    for g in doc.goals:
        group = f"goal={g.id}"
        yield "goals", group, g.kpi, "target_s", g.target_s
        yield "goals", group, g.kpi, "value_s", g.period.value_s
        yield "goals", group, g.kpi, "count", g.period.count
        yield "goals", group, g.kpi, "status", g.period.status.value


def csv_text(doc: KpiDocument) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in records(doc):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def json_text(doc: KpiDocument) -> str:
    """The report as JSON, as the API gives it (``GET /api/v1/reports/kpis.json``)."""
    from pydantic import TypeAdapter

    return TypeAdapter(KpiDocument).dump_json(doc, indent=2).decode("utf-8") + "\n"

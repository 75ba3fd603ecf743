"""``bluepool report board``: the board report of a period as a page with its figures and
their data, for the board's papers (the same report as ``GET /api/v1/reports/board``).
``bluepool report kpis``: the KPIs of a period as a table, or the whole KPI report as CSV,
JSON or one HTML page (``GET /api/v1/reports/kpis.{csv,json,html}``). ``bluepool report
goals``: the weekly goals report as a PDF (``GET /api/v1/goals/report.pdf``). ``bluepool
report hotspots``: hot spots as a table, JSON or GeoJSON (``GET /api/v1/hotspots``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import (
    database_option,
    history_option,
    open_runtime,
    operator,
    settings_from,
)
from bluepool.domain.analytics.hotspots import DEFAULT_RESOLUTION, RESOLUTIONS


@click.group()
def report() -> None:
    """Reports on the collective's history."""


def moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or time") from exc
    return at.astimezone(UTC) if at.tzinfo is not None else at.replace(tzinfo=UTC)


@report.command("board")
@click.option("--from", "start", help="start (YYYY-MM-DD, UTC) [default: 30 days before --to]")
@click.option("--to", "end", help="end, not included (YYYY-MM-DD, UTC) [default: now]")
@click.option("--idle-below", type=click.FloatRange(0, 1, min_open=True), help="idle below")
@click.option("--within-minutes", type=click.FloatRange(0, 240, min_open=True))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("board-report"),
    show_default=True,
    help="folder for board.html, board.json and the figures",
)
@database_option
@exit_messages()
def board(
    start: str | None,
    end: str | None,
    idle_below: float | None,
    within_minutes: float | None,
    out: Path,
    database_url: str | None,
) -> None:
    """Utilisation, idle specialised units, duplicated resources and what pooling them
    would save, and unit-hours lent and borrowed, as a page with figures."""
    from bluepool.adapters.charts import board as charts
    from bluepool.services.analytics.board import board_report

    until = moment(end) or datetime.now(UTC)
    begin = moment(start) or until - timedelta(days=30)
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        made = board_report(runtime.context, operator(), begin, until, idle_below, within_minutes)
    for path in charts.write(made, out):
        click.echo(path)


DIMENSIONS = ["priority", "call_type", "jurisdiction", "agency", "unit_kind", "hour_of_week"]
SOURCE = click.option(
    "--source",
    type=click.Choice(["live", "history"]),
    default="live",
    show_default=True,
    help="the live incidents, or the call history (bluepool import calls)",
)
OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write to this file [default: standard output]",
)


def _written(text: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(text, bytes):
            raise click.UsageError("give --out FILE for a PDF")
        click.echo(text, nl=False)
        return
    if isinstance(text, bytes):
        out.write_bytes(text)
    else:
        out.write_text(text, encoding="utf-8")
    click.echo(out, err=True)


@report.command("kpis")
@click.option("--from", "start", help="start (YYYY-MM-DD, UTC) [default: 30 days before --to]")
@click.option("--to", "end", help="end, not included (YYYY-MM-DD, UTC) [default: now]")
@click.option("--by", multiple=True, type=click.Choice(DIMENSIONS), help="group by (repeat)")
@click.option("--tz", default="UTC", show_default=True, help="time zone of the hour of week")
@SOURCE
@history_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "html"]),
    default="table",
    show_default=True,
    help="table: the KPIs grouped --by; csv, json, html: the whole report (docs/kpis.md)",
)
@OUT
@database_option
@exit_messages()
def kpis(
    start: str | None,
    end: str | None,
    by: tuple[str, ...],
    tz: str,
    source: Literal["live", "history"],
    history_path: Path | None,
    fmt: str,
    out: Path | None,
    database_url: str | None,
) -> None:
    """Call processing, queue, turnout, travel, on scene and total response (median,
    90th percentile, count) of the calls received in the period, self-initiated apart:
    as a table, or the whole report (by priority and jurisdiction, figures, assistance,
    goals) as CSV, JSON or one HTML page."""
    from bluepool.domain.analytics.kpis import Dimension
    from bluepool.services.analytics.kpis import kpi_report, shapes_of
    from bluepool.services.analytics.report import kpi_document

    until = moment(end) or datetime.now(UTC)
    begin = moment(start) or until - timedelta(days=30)
    dims = tuple(Dimension(d) for d in by)
    settings = settings_from(database_url=database_url, history_path=history_path)
    if fmt != "table":
        from bluepool.adapters.charts import report as formats

        with open_runtime(settings) as runtime:
            ctx = runtime.context
            doc = kpi_document(ctx, operator(), begin, until, tz, source)
            shapes = shapes_of(ctx) if fmt == "html" else []
        if fmt == "html":
            _written(formats.html(doc, shapes), out)
        else:
            _written(formats.csv_text(doc) if fmt == "csv" else formats.json_text(doc), out)
        return
    with open_runtime(settings) as runtime:
        made = kpi_report(runtime.context, operator(), begin, until, dims, tz, source)
    names = [d.value for d in made.by]
    header = [*names, "kpi", "count", "median_s", "p90_s", "missing", "doubtful"]
    lines = [
        [
            *(r.group[n] for n in names),
            r.kpi,
            str(r.count),
            "" if r.median_s is None else f"{r.median_s:.0f}",
            "" if r.p90_s is None else f"{r.p90_s:.0f}",
            str(r.missing),
            str(r.doubtful),
        ]
        for r in made.rows
    ]
    counted = f"{made.calls} {source} calls ({made.self_initiated} self-initiated)"
    text = [f"{counted}, {begin:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC"]
    widths = [max(len(x) for x in col) for col in zip(header, *lines, strict=True)]
    for line in [header, *lines]:
        text.append("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
    _written("\n".join(text) + "\n", out)


@report.command("goals")
@click.option("--week", help="ISO week, e.g. 2026-W48 [default: the last complete week]")
@click.option("--tz", default="UTC", show_default=True, help="the time zone of the weeks")
@SOURCE
@history_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="the PDF file to write",
)
@database_option
@exit_messages()
def goals(
    week: str | None,
    tz: str,
    source: Literal["live", "history"],
    history_path: Path | None,
    out: Path,
    database_url: str | None,
) -> None:
    """The weekly goals report (PDF): each goal's target, the week's value, its status
    (met, at risk, missed, no data) and the trend of its last weeks."""
    from bluepool.adapters.formats.goals_pdf import goals_pdf
    from bluepool.services.analytics.goals import weekly_goals

    settings = settings_from(database_url=database_url, history_path=history_path)
    with open_runtime(settings) as runtime:
        made = weekly_goals(runtime.context, operator(), week, tz, source)
    _written(goals_pdf(made), out)


@report.command("hotspots")
@click.option("--from", "start", help="start (YYYY-MM-DD, UTC) [default: 30 days before --to]")
@click.option("--to", "end", help="end, not included (YYYY-MM-DD, UTC) [default: now]")
@SOURCE
@click.option(
    "--resolution",
    type=click.IntRange(RESOLUTIONS.start, RESOLUTIONS.stop - 1),
    default=DEFAULT_RESOLUTION,
    show_default=True,
    help="H3 resolution (5 coarse .. 10 fine)",
)
@click.option(
    "--include-self-initiated",
    is_flag=True,
    help="count self-initiated activity too (default: citizen-initiated calls only)",
)
@click.option("--tz", default="UTC", show_default=True, help="time zone of the hour of week")
@history_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "geojson"]),
    default="table",
    show_default=True,
)
@OUT
@database_option
@exit_messages()
def hotspots(
    start: str | None,
    end: str | None,
    source: Literal["live", "history"],
    resolution: int,
    include_self_initiated: bool,
    tz: str,
    history_path: Path | None,
    fmt: str,
    out: Path | None,
    database_url: str | None,
) -> None:
    """Hot spots of the calls received in the period: H3 cells hot or cold by Getis-Ord
    Gi* (FDR-corrected), emerging classes, counts by jurisdiction (the same report as
    ``GET /api/v1/hotspots``). Citizen-initiated calls only unless asked."""
    from bluepool.domain.analytics.hotspots import Options, Spot, feature_collection
    from bluepool.services.analytics.hotspots import hotspot_report

    until = moment(end) or datetime.now(UTC)
    begin = moment(start) or until - timedelta(days=30)
    settings = settings_from(database_url=database_url, history_path=history_path)
    options = Options(resolution, include_self_initiated)
    with open_runtime(settings) as runtime:
        made = hotspot_report(runtime.context, operator(), begin, until, source, options, tz)
    if fmt == "json":
        text = json.dumps(asdict(made), default=str, indent=2)
    elif fmt == "geojson":
        text = json.dumps(feature_collection(made.cells, made.basis))
    else:
        lines = [
            f"{made.counted} {source} calls counted, {begin:%Y-%m-%d %H:%M} to "
            f"{until:%Y-%m-%d %H:%M} UTC. {made.basis}: {made.self_initiated_left_out} "
            f"left out; {made.without_location} without location (not on the map).",
            f"H3 resolution {made.resolution}: {len(made.cells)} cells; emerging classes "
            f"over {made.steps} {made.step}s.",
        ]
        spots = sorted(
            (c for c in made.cells if c.spot is not Spot.NONE), key=lambda c: -abs(c.gi_z)
        )
        header = ["cell", "calls", "gi_z", "p_fdr", "class", "emerging"]
        rows = [
            [
                c.id,
                str(c.count),
                f"{c.gi_z:.2f}",
                f"{c.p_fdr:.4f}",
                c.spot.value,
                c.emerging.value if c.emerging else "",
            ]
            for c in spots
        ]
        widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
        table = [
            "  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)).rstrip()
            for r in [header, *rows]
        ]
        lines += table if rows else ["no hot or cold cell"]
        lines += ["", "calls by jurisdiction:"]
        lines += [f"  {j.jurisdiction or '(none)'}: {j.calls}" for j in made.by_jurisdiction]
        text = "\n".join(lines)
    _written(text + "\n", out)

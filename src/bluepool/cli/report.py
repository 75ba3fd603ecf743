"""``bluepool report board``: the board report of a period as a page with its figures and
their data, for the board's papers (the same report as ``GET /api/v1/reports/board``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from


@click.group()
def report() -> None:
    """Reports on the collective's history."""


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or time") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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

    until = _moment(end) or datetime.now(UTC)
    begin = _moment(start) or until - timedelta(days=30)
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        made = board_report(runtime.context, operator(), begin, until, idle_below, within_minutes)
    for path in charts.write(made, out):
        click.echo(path)

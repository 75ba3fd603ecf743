"""``bluepool history add-live``: the closed incidents of a period join the call history
(imported with ``bluepool import calls``), so ``bluepool report kpis --source history``
covers them too (docs/history.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.report import moment
from bluepool.cli.runtime import (
    database_option,
    history_option,
    open_runtime,
    operator,
    settings_from,
)


@click.group()
def history() -> None:
    """The call history: an analytical copy of imported and live calls (DuckDB)."""


@history.command("add-live")
@click.option("--from", "start", help="start (YYYY-MM-DD, UTC) [default: 1 day before --to]")
@click.option("--to", "end", help="end, not included (YYYY-MM-DD, UTC) [default: now]")
@history_option
@database_option
@exit_messages()
def add_live(
    start: str | None, end: str | None, history_path: Path | None, database_url: str | None
) -> None:
    """Copy the closed incidents received in the period into the call history, in place
    of the live calls it had for that period (run it again whenever: e.g. nightly)."""
    from bluepool.services.analytics.history import add_live as copy

    until = moment(end) or datetime.now(UTC)
    begin = moment(start) or until - timedelta(days=1)
    settings = settings_from(database_url=database_url, history_path=history_path)
    with open_runtime(settings) as runtime:
        n = copy(runtime.context, operator(), begin, until)
    click.echo(
        f"{n} closed incidents received {begin:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC "
        f"in the history ({settings.history_file()})"
    )

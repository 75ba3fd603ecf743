"""``bluepool positions prune``: delete the position history older than the retention
(``BLUEPOOL_POSITION_RETENTION_HOURS``), in batches, e.g. from cron. Ingest already deletes
about as many expired fixes as it adds; this sweeps a backlog (after the retention was
shortened, or after a long quiet spell)."""

from __future__ import annotations

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from


@click.group()
def positions() -> None:
    """The units' position history."""


@positions.command("prune")
@click.option(
    "--retention-hours",
    type=click.IntRange(min=0),
    envvar="BLUEPOOL_POSITION_RETENTION_HOURS",
    help="keep this many hours of fixes (0: keep everything) "
    "[env BLUEPOOL_POSITION_RETENTION_HOURS, default 168]",
)
@database_option
@exit_messages()
def prune(retention_hours: int | None, database_url: str | None) -> None:
    """Delete the fixes older than the retention."""
    from bluepool.services.dispatch.positions import prune_positions

    settings = settings_from(database_url=database_url, position_retention_hours=retention_hours)
    with open_runtime(settings) as runtime:
        deleted = prune_positions(runtime.context, operator())
    if settings.position_retention_hours == 0:
        click.echo("retention is 0 (keep everything): nothing deleted")
    else:
        click.echo(f"{deleted} fixes older than {settings.position_retention_hours} h deleted")

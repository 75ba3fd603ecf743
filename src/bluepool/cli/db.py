"""``bluepool db``: the database schema."""

from __future__ import annotations

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, settings_from


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@database_option
@exit_messages()
def db_upgrade(database_url: str | None) -> None:
    """Create or migrate the database schema to the latest version."""
    from bluepool.adapters.db.migrate import upgrade

    # Only the schema: no runtime (which would load a configured road network, say).
    settings = settings_from(database_url=database_url)
    upgrade(settings.database_url)
    click.echo(f"database at the latest schema: {redact(settings.database_url)}")


def redact(url: str) -> str:
    """The database URL without its password, to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

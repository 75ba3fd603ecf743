"""Opening the runtime for a command: settings from its options, a migrated database, and
the composition root on it (``bootstrap.build``), its engine disposed however it ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from bluepool import bootstrap
from bluepool.config import Settings
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.ids import Username

database_option = click.option(
    "--database-url",
    envvar="BLUEPOOL_DATABASE_URL",
    help="SQLAlchemy URL, e.g. sqlite:///bluepool.db or postgresql://user@host/db "
    "[env BLUEPOOL_DATABASE_URL]",
)
history_option = click.option(
    "--history",
    "history_path",
    envvar="BLUEPOOL_HISTORY_PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="the call history file (DuckDB) [env BLUEPOOL_HISTORY_PATH; default: next to a "
    "SQLite database, else var/history.duckdb]",
)
roads_option = click.option(
    "--roads",
    "road_network",
    envvar="BLUEPOOL_ROAD_NETWORK",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="compiled road network (bluepool import roads) for drive-time ETAs "
    "[env BLUEPOOL_ROAD_NETWORK]",
)


def settings_from(**options: Any) -> Settings:
    """The settings, with the options the command was given over the BLUEPOOL_* variables
    (an option not given is None and leaves the variable or default in place)."""
    return Settings(**{k: v for k, v in options.items() if v is not None})


@contextmanager
def open_runtime(settings: Settings) -> Iterator[bootstrap.Runtime]:
    """Migrate the database to the latest schema and build the runtime on it; dispose of
    the engine when the block ends, whether it ends well or not."""
    from bluepool.adapters.db.migrate import upgrade

    upgrade(settings.database_url)
    runtime = bootstrap.build(settings)
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def operator() -> User:
    """Who the shell acts as: a collective admin named ``bluepool-cli`` in the change log."""
    return User(Username("bluepool-cli"), Role.COLLECTIVE_ADMIN)

"""``bluepool backup`` and ``bluepool restore``: the whole database to one file and back.

SQLite through its online backup API, PostgreSQL through pg_dump / pg_restore; both are
consistent while the server runs. See ``adapters.db.backup``.
"""

from __future__ import annotations

from pathlib import Path

import click

from bluepool.cli.db import redact
from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, settings_from

NOT_EMPTY_HINT = "add --force to replace everything in it with the backup"


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@database_option
@exit_messages()
def backup(file: Path, database_url: str | None) -> None:
    """Back up the database to FILE (safe while the server runs)."""
    from bluepool.adapters.db import backup as backups

    url = settings_from(database_url=database_url).database_url
    click.echo(f"backing up {redact(url)} to {file} ...")
    summary = backups.backup(url, file)
    size = file.stat().st_size
    click.echo(
        f"backed up {summary.describe()} (schema {summary.revision}, {_size(size)}) to {file}"
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
@click.option(
    "--force", is_flag=True, help="replace a database that is not empty (everything in it)"
)
@exit_messages(hints={"not_empty": NOT_EMPTY_HINT})
def restore(file: Path, database_url: str | None, force: bool) -> None:
    """Restore a backup FILE into the database (an empty one, unless --force), then
    migrate it to the newest schema. Stop the server first."""
    from bluepool.adapters.db import backup as backups

    url = settings_from(database_url=database_url).database_url
    click.echo(f"restoring {file} into {redact(url)} ...")
    restored, now = backups.restore(file, url, force=force)
    migrated = (
        f"schema {restored.revision}, the newest"
        if restored.revision == now.revision
        else f"schema {restored.revision} migrated to {now.revision}"
    )
    click.echo(f"restored {now.describe()} ({migrated}) into {redact(url)}")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"

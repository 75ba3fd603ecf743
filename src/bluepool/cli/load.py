"""``bluepool load``: a collective file into the database, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, settings_from
from bluepool.config import Settings


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
@exit_messages()
def load(file: Path, database_url: str | None) -> None:
    """Validate a collective file (YAML) and load it, all or nothing."""
    summary = load_collective_file(settings_from(database_url=database_url), file)
    click.echo(f"loaded {file}: " + ", ".join(f"{n} {k}" for k, n in summary.items()))


def load_collective_file(settings: Settings, file: Path) -> dict[str, int]:
    """Read and check the collective file, then load it in one commit; return how many of
    each kind were created. The file is checked before the database is touched."""
    from bluepool.adapters.files.collective import read_collective
    from bluepool.geo.jurisdictions import JurisdictionIndex
    from bluepool.services.setup import load_collective

    spec = read_collective(file)
    with open_runtime(settings) as runtime:
        ctx = runtime.context
        with ctx.uow() as uow:
            summary = load_collective(
                uow,
                spec,
                ctx.hasher,
                ctx.clock,
                "bluepool load",
                JurisdictionIndex(
                    spec.jurisdictions,
                    on_gap=settings.jurisdiction_gaps,
                    max_gap_m=settings.jurisdiction_max_gap_m,
                ),
            )
    return summary

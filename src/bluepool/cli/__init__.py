"""The ``bluepool`` command: serve the dispatch center, run the demo, load a collective.

One module per command group: ``db`` (db upgrade), ``backup`` (backup, restore), ``load``,
``imports`` (import roads, import jurisdictions, import calls), ``history``
(history add-live), ``simulate`` (simulate, calibrate, validate), ``serve`` (serve, demo),
``users``, ``audit`` (audit verify, checkpoint, export-checkpoint), ``positions`` (positions prune),
``report`` (report board, kpis), ``resources`` (resources overdue, list), ``aid``
(mutual-aid list, form) and ``ledger`` (ledger close, statement, replay).
Every command that works on the database opens it with ``runtime.open_runtime``, and every
command turns the errors it expects into its exit message through ``errors.exit_messages``.
"""

from __future__ import annotations

import click

from bluepool.cli.aid import mutual_aid
from bluepool.cli.audit import audit
from bluepool.cli.backup import backup, restore
from bluepool.cli.db import db
from bluepool.cli.history import history
from bluepool.cli.imports import import_
from bluepool.cli.ledger import ledger
from bluepool.cli.load import load
from bluepool.cli.positions import positions
from bluepool.cli.report import report
from bluepool.cli.resources import resources
from bluepool.cli.serve import demo, serve
from bluepool.cli.simulate import calibrate, simulate, validate
from bluepool.cli.users import users

__all__ = ["main"]


@click.group()
@click.version_option(package_name="bluepool")
def main() -> None:
    """bluepool: central dispatch for a collective of police agencies."""


main.add_command(db)
main.add_command(load)
main.add_command(import_)
main.add_command(history)
main.add_command(simulate)
main.add_command(calibrate)
main.add_command(validate)
main.add_command(serve)
main.add_command(demo)
main.add_command(users)
main.add_command(backup)
main.add_command(restore)
main.add_command(audit)
main.add_command(positions)
main.add_command(report)
main.add_command(resources)
main.add_command(mutual_aid)
main.add_command(ledger)

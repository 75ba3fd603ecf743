"""``bluepool ledger``: close a month, print or write an agency's statement, replay the
postings of every closed incident.

``close 2027-01`` freezes the month (once it is over; a second close says so and exits 1,
changing nothing). ``statement AGENCY PERIOD`` prints the CSV (``--pdf FILE`` writes the
PDF too); both are the same bytes for the same data. ``replay`` derives every closed
incident's costs again and posts what is missing: run twice, it posts nothing the second
time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from


@click.group()
def ledger() -> None:
    """The cost ledger: close a month, statements, replay the postings."""


@ledger.command("close")
@click.argument("period")
@database_option
@exit_messages()
def close(period: str, database_url: str | None) -> None:
    """Freeze PERIOD (YYYY-MM), a month that is over."""
    from bluepool.domain.shared.money import format_amount
    from bluepool.services.ledger.periods import close_period

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        done = close_period(runtime.context, operator(), period)
    owed = sum(n for a, n in done.balances.items() if a.endswith(":receivable"))
    click.echo(
        f"period {done.period} closed: {done.transactions} transactions, "
        f"{format_amount(owed)} owed between agencies"
    )


@ledger.command("statement")
@click.argument("agency")
@click.argument("period")
@click.option(
    "--pdf",
    "pdf_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="also write the statement as PDF to this file",
)
@database_option
@exit_messages()
def statement(agency: str, period: str, pdf_file: Path | None, database_url: str | None) -> None:
    """Print AGENCY's statement for PERIOD (YYYY-MM) as CSV."""
    from bluepool.adapters.formats.statement_pdf import statement_pdf
    from bluepool.domain.ledger.statements import to_csv
    from bluepool.services.ledger.reads import agency_statement

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        found, _ = agency_statement(runtime.context, operator(), agency, period)
    if pdf_file is not None:
        pdf_file.write_bytes(statement_pdf(found))
    sys.stdout.buffer.write(to_csv(found))
    sys.stdout.flush()


@ledger.command("replay")
@database_option
@exit_messages()
def replay(database_url: str | None) -> None:
    """Post the costs of every closed incident not yet posted (nothing twice)."""
    from bluepool.services.ledger import posting

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        written = posting.replay(runtime.context, operator())
    click.echo(f"replayed: {written} transactions posted")

"""``bluepool resources``: the resource catalogue from the shell. ``overdue`` raises the
overdue alerts (one ``loan.overdue`` event a loan, on the live stream and in the change
log) and lists every loan past due; run it periodically, e.g. every 15 minutes from cron
or a systemd timer. ``list`` prints the catalogue with who has what."""

from __future__ import annotations

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from


@click.group()
def resources() -> None:
    """The resource catalogue and equipment loans."""


@resources.command("overdue")
@database_option
@exit_messages()
def overdue(database_url: str | None) -> None:
    """Alert the loans newly past due; list every overdue loan."""
    from bluepool.services.resources import loans

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        alerted = {r.id for r in loans.notice_overdue(runtime.context, operator())}
        late = loans.list_loans(runtime.context, operator(), overdue=True)
    for loan in late:
        new = " (new)" if loan.id in alerted else ""
        click.echo(
            f"{loan.id}: {loan.resource} lent by {loan.lender} to {loan.borrower}, due "
            f"{loan.due_at.isoformat()}{new}"
        )
    click.echo(f"{len(late)} overdue, {len(alerted)} newly alerted")


@resources.command("list")
@database_option
@exit_messages()
def list_(database_url: str | None) -> None:
    """The catalogue: each resource's type, owner, condition and who has it."""
    from bluepool.services.resources import catalogue

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        found = catalogue.list_resources(runtime.context, operator())
    for r in found:
        where = f"out to {r.loan.borrower} until {r.loan.due_at.isoformat()}" if r.loan else "in"
        click.echo(f"{r.id}: {r.type_name}, {r.owner}, {r.condition.value}, {where}")

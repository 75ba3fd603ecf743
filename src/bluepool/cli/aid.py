"""``bluepool mutual-aid``: list the mutual-aid requests, print one as its form.

``list`` shows each request (newest first) on one line: number, state, the step waiting or
the supplier, the incident, the order. ``form`` writes a request's ICS-213RR-like form as
PDF (the same request, the same bytes), to a file or standard output. The shell reads as
the collective admin ``bluepool-cli``; requests are made, approved and released through the
API and the screens (docs/mutual-aid.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from


@click.group("mutual-aid")
def mutual_aid() -> None:
    """Mutual-aid requests: list them, print one as a form."""


@mutual_aid.command("list")
@click.option("--state", help="only requests in this state (requested, approved, ...)")
@click.option("--incident", "incident_id", help="only the requests of this incident")
@database_option
@exit_messages()
def list_(state: str | None, incident_id: str | None, database_url: str | None) -> None:
    """Every request, newest first, one a line."""
    from bluepool.domain.aid.requests import State
    from bluepool.domain.shared.errors import Invalid
    from bluepool.services.aid.requests import list_requests

    try:
        wanted = State(state) if state else None
    except ValueError:
        known = ", ".join(s.value for s in State)
        raise Invalid(f"--state: {state!r} is not one of {known}") from None
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        found = list_requests(runtime.context, operator(), incident_id, wanted)
    for r in found:
        where = f"waits for {r.next_step.value}" if r.next_step else f"supplier {r.supplier or '-'}"
        order = "; ".join(f"{i.quantity} x {i.kind}" for i in r.items)
        click.echo(f"{r.id}  {r.state.value:<16} {where:<36} {r.incident_name}  [{order}]")
    if not found:
        click.echo("no mutual-aid requests")


@mutual_aid.command("form")
@click.argument("request_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="the PDF file to write (default: standard output)",
)
@database_option
@exit_messages()
def form(request_id: str, output: Path | None, database_url: str | None) -> None:
    """Write REQUEST_ID's form (ICS-213RR) as PDF."""
    from bluepool.adapters.formats.aid_form import form as pdf_form
    from bluepool.services.aid.requests import get_request_and_incident

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        record, incident = get_request_and_incident(runtime.context, operator(), request_id)
    pdf = pdf_form(record, incident)
    if output is None:
        sys.stdout.buffer.write(pdf)
    else:
        output.write_bytes(pdf)
        click.echo(f"{record.id}'s form written to {output}")

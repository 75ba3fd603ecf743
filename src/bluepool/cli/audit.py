"""``bluepool audit``: verify the audit log, seal its head, export the seal.

``verify`` reads the whole chain and, against a checkpoint (``--checkpoint FILE``, one
another agency kept, else the latest the database holds), checks that the log still holds
the entry it sealed. It exits 0 when the log is whole, and 3 when it is not, naming the
first bad seq and every finding (up to 100). ``checkpoint`` signs the head (run it
periodically, e.g. hourly from cron or a systemd timer); ``export-checkpoint`` writes the
latest checkpoint as the JSON file other agencies keep.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from

#: The exit status of ``verify`` when the log has been tampered with.
DAMAGED = 3


@click.group()
def audit() -> None:
    """The audit log: verify it, seal its head, export the seal."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="an exported checkpoint to verify against (default: the latest in the database)",
)
@database_option
@exit_messages()
def verify(checkpoint_file: Path | None, database_url: str | None) -> None:
    """Verify the chain; exit 3 naming the first bad seq when it is not whole."""
    from bluepool.domain.audit.checkpoints import Checkpoint
    from bluepool.domain.shared.errors import Invalid
    from bluepool.services.audit.log import verify_log

    checkpoint = None
    if checkpoint_file is not None:
        try:
            data = json.loads(checkpoint_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Invalid(f"{checkpoint_file}: not JSON ({exc})") from None
        try:
            checkpoint = Checkpoint.imported(data)
        except Invalid as exc:
            raise Invalid(f"{checkpoint_file}: {exc.detail}") from None
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        report = verify_log(runtime.context, operator(), checkpoint)
    against = (
        f", checkpoint of {report.checkpoint.at.isoformat()} at seq {report.checkpoint.seq}"
        if report.checkpoint
        else ", no checkpoint"
    )
    if report.ok:
        click.echo(
            f"audit log whole: {report.entries} entries, head seq {report.head_seq} "
            f"({report.head_hash[:16]}){against}"
        )
        return
    if report.checkpoint_problem:
        click.echo(f"checkpoint: {report.checkpoint_problem}", err=True)
    for finding in sorted(report.findings, key=lambda f: f.seq):
        click.echo(str(finding), err=True)
    first = report.first
    where = f"first bad seq {first.seq} ({first.problem.value})" if first else "bad checkpoint"
    click.echo(f"audit log NOT whole: {where}; {report.entries} entries read{against}", err=True)
    sys.exit(DAMAGED)


@audit.command("checkpoint")
@database_option
@exit_messages()
def checkpoint(database_url: str | None) -> None:
    """Sign the head of the log (BLUEPOOL_AUDIT_SIGNING_KEY_FILE) and keep the checkpoint."""
    from bluepool.services.audit.log import make_checkpoint

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        made = make_checkpoint(runtime.context, operator())
    click.echo(f"checkpoint: seq {made.seq}, hash {made.hash}, key {made.public_key[:16]}")


@audit.command("export-checkpoint")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="the file to write (default: standard output)",
)
@database_option
@exit_messages()
def export_checkpoint(output: Path | None, database_url: str | None) -> None:
    """Write the latest checkpoint as JSON, for other agencies to keep."""
    from bluepool.services.audit.log import latest_checkpoint

    with open_runtime(settings_from(database_url=database_url)) as runtime:
        found = latest_checkpoint(runtime.context, operator())
    text = json.dumps(found.exported(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"checkpoint of seq {found.seq} written to {output}")

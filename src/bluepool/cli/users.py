"""``bluepool users``: recovery from the shell, when nobody can sign in to fix it.

``create-admin`` makes a collective admin; ``reset-password`` sets a user's password (and,
with ``--activate``, reactivates them). Both run the same use cases as the API, as the
operator (``bluepool-cli``, a collective admin), so the same password rule holds and the
change log names who did it. The password is prompted for (twice, hidden), or read from
standard input with ``--password-stdin`` for scripts.
"""

from __future__ import annotations

import sys

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, operator, settings_from

password_stdin = click.option(
    "--password-stdin", is_flag=True, help="read the password from standard input"
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


@click.group()
def users() -> None:
    """Users, from the shell: recovery when nobody can sign in."""


@users.command("create-admin")
@click.argument("username")
@click.option("--name", "full_name", default="", help="the admin's full name")
@password_stdin
@database_option
@exit_messages()
def create_admin(
    username: str, full_name: str, password_stdin: bool, database_url: str | None
) -> None:
    """Create a collective admin."""
    from bluepool.domain.access.roles import Role, User
    from bluepool.domain.shared.ids import Username, check_id
    from bluepool.services.access.users import create_user

    check_id("user name", username)
    password = _password(password_stdin)
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        new = User(Username(username), Role.COLLECTIVE_ADMIN, full_name=full_name)
        create_user(runtime.context, operator(), new, password)
    click.echo(f"collective admin {username} created")


@users.command("reset-password")
@click.argument("username")
@click.option("--activate", is_flag=True, help="also reactivate a deactivated user")
@password_stdin
@database_option
@exit_messages()
def reset_password(
    username: str, activate: bool, password_stdin: bool, database_url: str | None
) -> None:
    """Set a user's password (their earlier tokens stop working)."""
    from bluepool.services.access.users import update_user

    password = _password(password_stdin)
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        update_user(
            runtime.context,
            operator(),
            username,
            password=password,
            active=True if activate else None,
        )
    click.echo(f"password of {username} reset" + (", user active" if activate else ""))

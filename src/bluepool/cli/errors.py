"""The one mapping from the errors a command expects to the message it exits with.

Every command runs under ``exit_messages``. What it turns into a one-line (or, for a
collective file, one-line-per-problem) ``Error: ...`` and exit status 1:

    DomainError and its subclasses   its ``detail``, which names the file, field or id
      (CollectiveFileError, ScenarioError, DataMissing, Duplicate, NotFound, ...)
    pydantic ValidationError         the settings' messages (BLUEPOOL_* variables, options)

click's own usage errors (exit status 2) and a command's own ``ClickException`` pass
through unchanged. Services say what is wrong without naming the CLI's flags; a command
that has a flag to offer adds it as a hint, by error code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

import click
from pydantic import ValidationError

from bluepool.domain.shared.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")


def exit_messages(
    *, hints: Mapping[str, str] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a command so the errors above exit with their message, not a traceback.

    ``hints`` maps an error code to what the command's user can do about it (e.g.
    ``{"duplicate": "use --replace to redraw it"}``), added to the message unless the
    message says it already.
    """

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return command(*args, **kwargs)
            except DomainError as exc:
                raise click.ClickException(message(exc, hints or {})) from None
            except ValidationError as exc:
                raise click.ClickException(settings_message(exc)) from None

        return run

    return decorate


def message(exc: DomainError, hints: Mapping[str, str]) -> str:
    """The exit message of a domain error: its detail, and the command's hint for it."""
    hint = hints.get(exc.code)
    if hint is None or hint in exc.detail:
        return exc.detail
    return f"{exc.detail}: {hint}"


def settings_message(exc: ValidationError) -> str:
    """The settings' own messages, e.g. that production needs BLUEPOOL_SECRET_KEY."""
    return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())

"""Refused writes: the write use cases are marked ``@refusal_recorded``; when a policy
refuses one (``Forbidden``), the refusal (who, which use case, which rule) is an audit
entry in a transaction of its own, since the refused one is rolled back.

Marking the use case, not the web or the shell, records a refusal however the use case
was reached (API, CLI, tests).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from bluepool.domain.access.events import WriteRefused
from bluepool.domain.access.roles import User
from bluepool.domain.shared.errors import Forbidden
from bluepool.services.context import Context

P = ParamSpec("P")
R = TypeVar("R")
log = logging.getLogger(__name__)


def refusal_recorded(
    use_case: Callable[Concatenate[Context, User, P], R],
) -> Callable[Concatenate[Context, User, P], R]:
    """Record a refusal of ``use_case`` in the audit log, then let it propagate."""
    action = f"{use_case.__module__.removeprefix('bluepool.services.')}.{use_case.__name__}"

    @functools.wraps(use_case)
    def run(ctx: Context, user: User, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(ctx, user, *args, **kwargs)
        except Forbidden as refused:
            record_refusal(ctx, user, action, refused)
            raise

    run.refusal_recorded = True  # type: ignore[attr-defined]
    return run


def record_refusal(ctx: Context, user: User, action: str, refused: Forbidden) -> None:
    """Write the refusal's entry in its own transaction. If that fails, the refusal still
    stands: log it and go on."""
    try:
        with ctx.uow() as uow:
            uow.raise_event(
                WriteRefused(
                    ctx.clock.now(),
                    user.username,
                    action=action,
                    rule=refused.rule,
                    detail=refused.detail,
                )
            )
            uow.commit()
    except Exception:
        log.exception("could not record the refusal of %s", action)

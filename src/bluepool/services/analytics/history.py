"""Closed live incidents join the call history, so a KPI report of history covers the
collective's own calls beside the imported ones (docs/history.md)."""

from __future__ import annotations

from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.analytics.kpis import Stage
from bluepool.domain.analytics.utilisation import Period
from bluepool.domain.collective.agencies import Jurisdiction
from bluepool.services.analytics import policy
from bluepool.services.analytics.kpis import history_of, live_calls
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context

#: The history's source name of the calls taken from live incidents.
LIVE = "live"


@refusal_recorded
def add_live(ctx: Context, user: User, start: datetime, end: datetime) -> int:
    """Put the closed incidents received in ``[start, end)`` in the history in place of
    the live calls of that period it had (so it can run again); how many it now has."""
    policy.keep_history(user)
    Period(start, end)
    calls = [c for c in live_calls(ctx, start, end) if Stage.CLEARED in c.stages]
    return history_of(ctx).replace(LIVE, start, end, calls)


def import_places(ctx: Context) -> list[Jurisdiction]:
    """The jurisdictions an import places its calls in: by an area's name (each
    jurisdiction's id and name; the collective keeps no beats) or by a call's point."""
    with ctx.reader() as uow:
        return list(uow.jurisdictions.list())

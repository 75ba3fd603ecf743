"""Reads across agencies: the one rule for when a read is an audit entry.

A user bound to an agency (``user.agency_id``: officers, agency admins) who reads records
of another agency (a unit, a station, an incident in another agency's jurisdiction)
leaves one entry per agency read, naming the records, in a transaction of its own after
the read. Users who work for the whole collective (dispatch, analysts, collective admins)
read every agency's records by their role and leave no such entry.
"""

from __future__ import annotations

from collections.abc import Iterable

from bluepool.domain.access.events import RecordsRead
from bluepool.domain.access.roles import User
from bluepool.domain.shared.ids import AgencyId, JurisdictionId
from bluepool.services.context import Context
from bluepool.services.ports import UnitOfWork


def bound(user: User) -> bool:
    """True when ``user``'s reads of other agencies' records are audited."""
    return user.agency_id is not None


def owners(uow: UnitOfWork, user: User) -> dict[JurisdictionId, AgencyId]:
    """Which agency answers for each jurisdiction, when ``user``'s reads are audited (to
    tell whose an incident is); else nothing, at no cost."""
    return uow.jurisdictions.owners() if bound(user) else {}


def note(
    ctx: Context,
    user: User,
    action: str,
    entity: str,
    records: Iterable[tuple[str, str | None]],
) -> None:
    """Record that ``user`` read ``records`` (id, owning agency) of ``entity`` through
    ``action``, if any belong to another agency than theirs."""
    if not bound(user):
        return
    others: dict[str, list[str]] = {}
    for record_id, agency in records:
        if agency is not None and agency != user.agency_id:
            others.setdefault(agency, []).append(str(record_id))
    if not others:
        return
    with ctx.uow() as uow:
        at = ctx.clock.now()
        for agency, ids in sorted(others.items()):
            uow.raise_event(
                RecordsRead(
                    at, user.username, entity=entity, agency=agency, ids=tuple(ids), action=action
                )
            )
        uow.commit()

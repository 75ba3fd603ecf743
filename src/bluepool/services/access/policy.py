"""Who may see and keep users, and read the change log: the one place those use cases ask.

The collective admin keeps every user. An agency's admin keeps their own agency's users, and
grants only the roles that belong to an agency (officer, agency admin); the roles that work
for the whole collective (dispatch, supervision, analysis, administration) are granted by a
collective admin. Users are read by those who read the whole collective (collective admin,
supervisor, analyst) and by agency admins for their own agency; so are user events on the
live stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bluepool.domain.access import roles
from bluepool.domain.access.events import UserChanged
from bluepool.domain.access.roles import READ_ALL, Role, User
from bluepool.domain.aid import events as aid_events
from bluepool.domain.ledger.events import LedgerPosted, PeriodClosed
from bluepool.domain.people.events import PEOPLE_EVENTS
from bluepool.domain.resources.events import LoanOut, LoanOverdue, LoanReturned, ResourceChanged
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.aid import policy as aid_policy
from bluepool.services.people import policy as people_policy

#: The catalogue's and the loans' events: for everyone signed in and active, as the
#: catalogue and the loans are (``services.resources.policy.read``); they carry no
#: personal data.
RESOURCE_EVENTS = frozenset(
    (*ResourceChanged.types(), *LoanOut.types(), *LoanReturned.types(), *LoanOverdue.types())
)

#: Roles an agency admin may grant within their own agency.
AGENCY_ROLES = frozenset({Role.OFFICER, Role.AGENCY_ADMIN})


def list_users(user: User, agency_id: AgencyId | None) -> AgencyId | None:
    """Return the agency whose users ``user`` may list (None: every agency's)."""
    if user.role is Role.AGENCY_ADMIN:
        return user.agency_id
    if user.role not in READ_ALL:
        raise Forbidden(f"{user.role.value} cannot list users", rule="list_users")
    return agency_id


def may_see_user(viewer: User, agency_id: AgencyId | None) -> bool:
    """True when ``viewer`` may read the record of a user of ``agency_id``."""
    return roles.may_see_user(viewer, agency_id)


def keep_user(user: User, target: User) -> None:
    """Create or change ``target`` (checked before and after the change)."""
    if user.role is Role.COLLECTIVE_ADMIN:
        return
    if target.agency_id is None:
        roles.require_collective_admin(user)
        return
    roles.require_agency_admin(user, target.agency_id)
    if target.role not in AGENCY_ROLES:
        raise Forbidden(
            f"an agency admin grants only {', '.join(sorted(AGENCY_ROLES))}; "
            f"{target.role.value} is granted by a collective admin",
            rule="agency_roles",
        )


def read_change_log(user: User) -> None:
    if user.role not in READ_ALL:
        raise Forbidden(f"{user.role.value} cannot read the change log", rule="read_change_log")


#: The ledger's events on the wire: money between agencies, not for the dispatch floor.
LEDGER_EVENTS = frozenset({LedgerPosted.name, PeriodClosed.name})


def may_see_ledger_event(viewer: User, data: Mapping[str, Any]) -> bool:
    """A collective admin sees every ledger event; an agency admin a month's close and the
    costs posted to their own agency's accounts; nobody else (dispatchers, officers,
    supervisors, analysts) any."""
    if viewer.role is Role.COLLECTIVE_ADMIN:
        return True
    if viewer.role is not Role.AGENCY_ADMIN or viewer.agency_id is None:
        return False
    if data.get("type") == PeriodClosed.name:
        return True
    parties = data.get("parties")
    return isinstance(parties, list | tuple) and viewer.agency_id in parties


def may_see_event(viewer: User, data: Mapping[str, Any]) -> bool:
    """True when ``viewer`` may receive this event on the live stream (its wire data,
    ``services.plain.payload``, as the in-process broker and JetStream both carry it).

    The one place the stream decides: user records go only to those who may read them
    (``may_see_user``); the catalogue and its loans to every active user; mutual-aid
    requests to those who work for the whole collective and to the agencies a request
    involves (``services.aid.policy``); the ledger's events (costs posted, a month closed)
    to collective admins and the admins of the agencies concerned
    (``may_see_ledger_event``); the people's records (they carry names) as
    ``services.people.policy.may_see`` says; everything else to everyone signed in."""
    kind = str(data.get("type", ""))
    if kind in LEDGER_EVENTS:
        return may_see_ledger_event(viewer, data)
    if kind in RESOURCE_EVENTS:
        return viewer.active
    if kind in PEOPLE_EVENTS:
        return people_policy.may_see(viewer, data)
    if kind.startswith(aid_events.PREFIX):
        if viewer.role in aid_policy.READ_EVERY:
            return viewer.active
        request = data.get("request")
        if not isinstance(request, Mapping):
            return False
        involved = {request.get("requesting_agency"), request.get("supplier")}
        involved.update(request.get("routed_to") or ())
        return viewer.active and viewer.agency_id is not None and viewer.agency_id in involved
    if kind.startswith(f"{UserChanged.entity}."):
        record = data.get(UserChanged.entity)
        if isinstance(record, Mapping):
            agency = record.get("agency")
            return may_see_user(viewer, AgencyId(agency) if isinstance(agency, str) else None)
    return True

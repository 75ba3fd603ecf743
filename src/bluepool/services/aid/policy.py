"""Who may do what with mutual-aid requests (docs/mutual-aid.md).

Central dispatch (dispatchers, supervisors, the collective admin) requests aid from an
incident, fulfils, extends, cancels and releases. Each approval step has its approver: the
requesting supervisor's step a supervisor (of the requesting agency, or of central
dispatch, which has none) or a collective admin; the supplying agency's step an admin of
an agency the request is routed to (that agency becomes the supplier); the finance step a
collective admin (the collective has no finance role). The supplying agency's admin also
sends and releases its equipment, and releases its units. Those who work for the whole
collective read every request; an agency's admins and officers read the requests their
agency asks, supplies or is asked for.
"""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import DISPATCH_ROLES, READ_ALL, Role, User
from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.aid.requests import Request, Step
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.agreements import COLLECTIVE

#: The roles that read every request.
READ_EVERY = DISPATCH_ROLES | READ_ALL


def read(user: User) -> None:
    roles.require_active(user)


def may_see(user: User, request: RequestRecord) -> bool:
    """Whether ``user`` reads ``request`` (and its events on the live stream)."""
    return user.active and (user.role in READ_EVERY or request.involves(user.agency_id))


def request(user: User) -> None:
    """Ask for mutual aid from an incident; fulfil, extend, cancel: central dispatch."""
    roles.require_dispatch(user)


def approver(user: User, r: Request, step: Step, agency: str | None = None) -> AgencyId:
    """The agency ``user`` approves (or declines) ``step`` for; Forbidden when they may
    not. A collective admin approving the supplying agency's step names the agency
    (``agency``; the first route when none is named)."""
    roles.require_active(user)
    if step is Step.REQUESTING_SUPERVISOR:
        if user.role is Role.COLLECTIVE_ADMIN or (
            user.role is Role.SUPERVISOR and user.agency_id in (None, r.requesting_agency)
        ):
            return r.requesting_agency
        raise Forbidden(
            f"{user.role.value} {user.username} is not a supervisor of "
            f"{r.requesting_agency}, which requests {r.id}",
            rule="aid_requesting_supervisor",
        )
    if step is Step.SUPPLYING_AGENCY:
        if user.role is Role.COLLECTIVE_ADMIN:
            return AgencyId(agency) if agency else (r.routed_to[0] if r.routes else COLLECTIVE)
        if user.role is Role.AGENCY_ADMIN and user.agency_id is not None:
            if agency and agency != user.agency_id:
                raise Forbidden(
                    f"{user.username} administers {user.agency_id}, not {agency}",
                    rule="aid_supplier",
                )
            return user.agency_id
        raise Forbidden(
            f"{user.role.value} {user.username} cannot approve for a supplying agency: "
            "its admin does",
            rule="aid_supplier",
        )
    if user.role is Role.COLLECTIVE_ADMIN:
        return COLLECTIVE
    raise Forbidden(
        f"{user.role.value} {user.username} cannot approve the finance step: a collective "
        "admin does",
        rule="aid_finance",
    )


def send_equipment(user: User, r: Request) -> None:
    """Send (or release) equipment: central dispatch, or the supplier's admin."""
    if user.role is Role.AGENCY_ADMIN and r.supplier is not None and user.agency_id == r.supplier:
        roles.require_active(user)
        return
    roles.require_dispatch(user)


def release(user: User, r: Request) -> None:
    """Release what was sent: central dispatch, or the supplier's admin (their units'
    status is theirs to set too)."""
    send_equipment(user, r)

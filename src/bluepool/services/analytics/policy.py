"""Who reads the board's reports: those who answer for the fleet (analysts, supervisors,
agency and collective admins). The report counts units and hours, never people."""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId

READERS = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.COLLECTIVE_ADMIN})


def read(user: User) -> None:
    roles.require_active(user)
    if user.role not in READERS:
        raise Forbidden(
            f"{user.role.value} {user.username} may not read the board's reports",
            rule="board_reader",
        )


def set_goals(user: User, owner: AgencyId | None) -> None:
    """Set or drop a goal: a collective admin for any; an agency admin for one in a
    jurisdiction of their agency (``owner``; None: a goal for every jurisdiction)."""
    if owner is None:
        roles.require_collective_admin(user)
    else:
        roles.require_agency_admin(user, owner)


def keep_history(user: User) -> None:
    """Only a collective admin adds to the call history (it is the collective's copy)."""
    roles.require_active(user)
    if user.role is not Role.COLLECTIVE_ADMIN:
        raise Forbidden(
            f"{user.role.value} {user.username} may not add to the call history",
            rule="history_keeper",
        )

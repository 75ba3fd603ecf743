"""Who may do what: users, their roles, and the scope of each role.

collective_admin   everything, in every agency
agency_admin       their own agency's fleet, stations, sharing policy and users
supervisor         dispatch, and set any unit's status
dispatcher         take calls, recommend, assign, set unit status
officer            update only their own unit (status, position)
                   (an agency admin may also set their own agency's units' status)
analyst            read everything, change nothing
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId, UnitId, Username


class Role(StrEnum):
    DISPATCHER = "dispatcher"
    SUPERVISOR = "supervisor"
    OFFICER = "officer"
    AGENCY_ADMIN = "agency_admin"
    ANALYST = "analyst"
    COLLECTIVE_ADMIN = "collective_admin"


DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.COLLECTIVE_ADMIN})


@dataclass(slots=True)
class User:
    username: Username
    role: Role
    password_hash: str = ""
    full_name: str = ""
    agency_id: AgencyId | None = None
    #: The unit an officer crews; officers update only this unit.
    unit_id: UnitId | None = None
    active: bool = True


def require_active(user: User) -> None:
    """Raise Forbidden unless the user is signed in and active (any role reads)."""
    if not user.active:
        raise Forbidden(f"user {user.username} is deactivated", rule="require_active")


def require_dispatch(user: User) -> None:
    """Raise Forbidden unless the user works central dispatch."""
    if user.role not in DISPATCH_ROLES:
        raise Forbidden(
            f"{user.role.value} {user.username} cannot dispatch", rule="require_dispatch"
        )


def require_collective_admin(user: User) -> None:
    if user.role is not Role.COLLECTIVE_ADMIN:
        raise Forbidden(
            f"only a collective admin can do this, not {user.role.value}",
            rule="require_collective_admin",
        )


def require_agency_admin(user: User, agency_id: AgencyId) -> None:
    """Raise Forbidden unless the user administers ``agency_id`` (or the whole collective)."""
    if user.role is Role.COLLECTIVE_ADMIN:
        return
    if user.role is Role.AGENCY_ADMIN and user.agency_id == agency_id:
        return
    raise Forbidden(
        f"{user.role.value} {user.username} cannot change agency {agency_id}",
        rule="require_agency_admin",
    )


def require_unit_update(user: User, unit_id: UnitId, agency_id: AgencyId) -> None:
    """Raise Forbidden unless the user may set this unit's status or position."""
    if user.role in DISPATCH_ROLES:
        return
    if user.role is Role.AGENCY_ADMIN and user.agency_id == agency_id:
        return
    if user.role is Role.OFFICER and user.unit_id == unit_id:
        return
    raise Forbidden(
        f"{user.role.value} {user.username} cannot update unit {unit_id}",
        rule="require_unit_update",
    )


#: Roles that read the whole collective's records, users and change log included.
READ_ALL = frozenset({Role.COLLECTIVE_ADMIN, Role.SUPERVISOR, Role.ANALYST})


def may_see_user(viewer: User, agency_id: AgencyId | None) -> bool:
    """Return True when ``viewer`` may read the records of a user of ``agency_id``."""
    if viewer.role in READ_ALL:
        return True
    return (
        viewer.role is Role.AGENCY_ADMIN and agency_id is not None and viewer.agency_id == agency_id
    )

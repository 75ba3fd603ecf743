"""Who may see and keep the people of the agencies (docs/people.md).

An agency's admin keeps its own agency's personnel, crews and certifications; a collective
admin keeps every agency's. An officer reads their own records (the person linked to their
account, their shifts, their certifications). Central dispatch (dispatchers, supervisors)
reads the crews: who is on which unit. Nobody else reads them, and the live stream follows
the same rule (``may_see``): the records carry names, personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bluepool.domain.access import roles
from bluepool.domain.access.roles import DISPATCH_ROLES, Role, User
from bluepool.domain.people.events import CrewChanged
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId, Username


def keep(user: User, agency_id: AgencyId) -> None:
    """Add or change a person of ``agency_id``, their shifts or certifications."""
    roles.require_active(user)
    roles.require_agency_admin(user, agency_id)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a reader sees: every agency's records, one agency's, or only their own."""

    every: bool = False
    agency_id: AgencyId | None = None
    username: Username | None = None

    def sees(self, agency_id: AgencyId, username: Username | None) -> bool:
        """Whether a record of a person of ``agency_id`` linked to ``username`` is seen."""
        if self.every or (self.agency_id is not None and self.agency_id == agency_id):
            return True
        return self.username is not None and username == self.username


def read(user: User, what: str, dispatch_reads: bool = False) -> Scope:
    """The scope ``user`` reads ``what`` in (personnel, crews, certifications): a
    collective admin every agency's (and central dispatch, with ``dispatch_reads``: the
    crews), an agency admin their agency's, an officer their own records; Forbidden for
    the others."""
    roles.require_active(user)
    if user.role is Role.COLLECTIVE_ADMIN or (dispatch_reads and user.role in DISPATCH_ROLES):
        return Scope(every=True)
    if user.role is Role.AGENCY_ADMIN and user.agency_id is not None:
        return Scope(agency_id=user.agency_id, username=user.username)
    if user.role is Role.OFFICER:
        return Scope(username=user.username)
    raise Forbidden(f"{user.role.value} {user.username} cannot read {what}", rule="read_people")


def may_see(viewer: User, data: Mapping[str, Any]) -> bool:
    """Whether ``viewer`` receives a people event on the live stream: a collective admin
    every one, an agency admin their agency's, central dispatch the crews'."""
    if not viewer.active:
        return False
    if viewer.role is Role.COLLECTIVE_ADMIN:
        return True
    if str(data.get("type", "")).startswith(f"{CrewChanged.entity}.") and (
        viewer.role in DISPATCH_ROLES
    ):
        return True
    return viewer.role is Role.AGENCY_ADMIN and data.get("agency_id") == viewer.agency_id

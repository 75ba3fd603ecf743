"""Who may say what an agency lends: that agency's admin (or the collective admin)."""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import User
from bluepool.domain.shared.ids import AgencyId


def read(user: User) -> None:
    """Every signed-in user reads every policy (dispatch must know what may be lent)."""
    roles.require_active(user)


def set_policy(user: User, agency_id: AgencyId) -> None:
    roles.require_agency_admin(user, agency_id)

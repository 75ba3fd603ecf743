"""Who may do what on the dispatch floor: the one place the dispatch use cases ask.

Every signed-in user reads the fleet and the incidents (an officer sees the calls around
them); central dispatch (dispatchers, supervisors, the collective admin) takes calls,
assigns and closes; a unit's status and position are set by dispatch, by its own agency's
admin, or by the officer who crews it; an agency's admin keeps its fleet's records.
"""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.ids import AgencyId


def read(user: User) -> None:
    """Incidents, units, recommendations and routes: every signed-in user."""
    roles.require_active(user)


def dispatch(user: User) -> None:
    """Take a call, assign a unit, close an incident."""
    roles.require_dispatch(user)


def update_unit(user: User, unit: Unit) -> None:
    """Set a unit's status or report its position."""
    roles.require_unit_update(user, unit.id, unit.agency_id)


def keep_fleet(user: User, agency_id: AgencyId) -> None:
    """Add, edit or remove a unit record of ``agency_id``'s fleet."""
    roles.require_agency_admin(user, agency_id)

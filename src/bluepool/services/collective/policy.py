"""Who may keep the collective's standing records: the one place those use cases ask.

Every signed-in user reads them. The collective admin creates and removes agencies and keeps
jurisdictions and call types (they bind every member); an agency's admin renames their own
agency and keeps their own agency's stations.
"""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import User
from bluepool.domain.shared.ids import AgencyId


def read(user: User) -> None:
    roles.require_active(user)


def keep_members(user: User) -> None:
    """Create or remove an agency; draw jurisdictions; keep call types and response plans."""
    roles.require_collective_admin(user)


def keep_agency(user: User, agency_id: AgencyId) -> None:
    """Rename an agency, keep its stations."""
    roles.require_agency_admin(user, agency_id)

"""Who may see and do what with the ledger: money between agencies is for their admins.

A collective admin reads every account, every statement and the settlement, and closes
months. An agency admin reads their own agency's accounts, entries and statements, and the
cost package of an incident their agency lent to or borrowed for. Nobody else reads the
ledger (dispatchers, supervisors, officers and analysts get 403).
"""

from __future__ import annotations

from collections.abc import Iterable

from bluepool.domain.access import roles
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId


def read(user: User) -> AgencyId | None:
    """The agency whose books ``user`` reads (None: every agency's, a collective admin)."""
    roles.require_active(user)
    if user.role is Role.COLLECTIVE_ADMIN:
        return None
    if user.role is Role.AGENCY_ADMIN and user.agency_id is not None:
        return user.agency_id
    raise Forbidden(
        f"{user.role.value} {user.username} cannot read the ledger: it is for the agencies' "
        "admins and the collective's",
        rule="ledger_read",
    )


def read_agency(user: User, agency: AgencyId) -> None:
    """Read ``agency``'s statement or accounts: its own admin, or a collective admin."""
    own = read(user)
    if own is not None and own != agency:
        raise Forbidden(
            f"{user.username} reads the books of {own}, not of {agency}", rule="ledger_agency"
        )


def read_parties(user: User, parties: Iterable[AgencyId]) -> None:
    """Read what concerns ``parties`` (an incident's costs): an admin of one of them."""
    own = read(user)
    if own is not None and own not in set(parties):
        raise Forbidden(
            f"{user.username} reads the books of {own}, which is not a party to these costs",
            rule="ledger_agency",
        )


def keep(user: User) -> None:
    """Close a month, replay the postings, see the settlement: a collective admin."""
    roles.require_active(user)
    roles.require_collective_admin(user)

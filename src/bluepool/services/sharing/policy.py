"""Who may do what with agreements: each party's admin drafts, proposes and terminates for
it; only the agency's own admin signs for an agency, only a collective admin for the
collective (docs/agreements.md)."""

from __future__ import annotations

from bluepool.domain.access import roles
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.agreements import COLLECTIVE, Agreement


def read(user: User) -> None:
    """Every signed-in user reads every agreement (dispatch must know what may be lent)."""
    roles.require_active(user)


def act_for_a_party(user: User, parties: tuple[AgencyId, AgencyId]) -> None:
    """Draft, amend, propose or terminate: an admin of one of the parties (a collective
    admin administers every agency, and the collective)."""
    if user.role is Role.COLLECTIVE_ADMIN:
        return
    if user.role is Role.AGENCY_ADMIN and user.agency_id in parties:
        return
    raise Forbidden(
        f"{user.role.value} {user.username} is not an admin of {' or '.join(parties)}",
        rule="agreement_party",
    )


def signing_party(user: User, agreement: Agreement) -> AgencyId:
    """The party ``user`` signs for: the agency an agency admin administers, the collective
    for a collective admin. Forbidden when that is not a party to ``agreement``."""
    if user.role is Role.COLLECTIVE_ADMIN:
        party = COLLECTIVE
    elif user.role is Role.AGENCY_ADMIN and user.agency_id is not None:
        party = user.agency_id
    else:
        raise Forbidden(
            f"{user.role.value} {user.username} cannot sign agreements: each party's admin "
            "signs for it",
            rule="agreement_signer",
        )
    if party not in agreement.parties:
        raise Forbidden(
            f"{user.username} signs for {party}, which is not a party to agreement "
            f"{agreement.id} ({' and '.join(agreement.parties)} are)",
            code="not_a_party",
            rule="agreement_signer",
        )
    return party

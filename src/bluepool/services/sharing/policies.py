"""What each agency lends: its sharing policy (home reserve and rules)."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.events import PolicyChanged
from bluepool.domain.sharing.policies import SharingPolicy
from bluepool.domain.sharing.records import PolicyRecord
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, found
from bluepool.services.sharing import policy


def list_policies(ctx: Context, user: User) -> tuple[PolicyRecord, ...]:
    policy.read(user)
    with ctx.reader() as uow:
        return tuple(PolicyRecord.of(p) for p in uow.policies.list())


def get_policy(ctx: Context, user: User, agency_id: str) -> PolicyRecord:
    """An agency's policy; an agency without one lends nothing (an empty policy)."""
    policy.read(user)
    with ctx.reader() as uow:
        found(uow.agencies, AgencyId(agency_id), "agency")
        p = uow.policies.get(AgencyId(agency_id))
        return PolicyRecord.of(p or SharingPolicy(AgencyId(agency_id)))


@refusal_recorded
def save_policy(ctx: Context, user: User, sharing: SharingPolicy) -> PolicyRecord:
    """Set what an agency lends; only that agency's admin (or the collective admin) may."""
    policy.set_policy(user, sharing.agency_id)
    with ctx.uow() as uow:
        agency_exists(uow, sharing.agency_id)
        known = {j.id for j in uow.jurisdictions.list()}
        codes = {c.code for c in uow.call_types.list()}
        for n, rule in enumerate(sharing.rules):
            bad = (rule.jurisdictions or frozenset()) - known
            if bad:
                raise Invalid(
                    f"rules[{n}]: no jurisdiction {', '.join(sorted(bad))}",
                    code="unknown_jurisdiction",
                )
            unknown = (rule.call_types or frozenset()) - codes
            if unknown:
                raise Invalid(
                    f"rules[{n}]: no call type {', '.join(sorted(unknown))}",
                    code="unknown_call_type",
                )
        if uow.policies.get(sharing.agency_id) is None:
            uow.policies.add(sharing)
        else:
            uow.policies.update(sharing)
        record = PolicyRecord.of(sharing)
        uow.raise_event(
            PolicyChanged(ctx.clock.now(), user.username, Action.UPDATED, sharing.agency_id, record)
        )
        uow.commit()
    return record

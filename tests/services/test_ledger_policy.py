"""Who sees the ledger: on the live stream, a ``ledger.posted`` goes to collective admins
and the admins of the agencies it touches, a month's close to every admin; never to
dispatch, supervisors, analysts or officers."""

from __future__ import annotations

import pytest

from bluepool.domain.access.roles import Role, User
from bluepool.domain.ledger.events import LedgerPosted
from bluepool.domain.ledger.records import EntryRecord
from bluepool.domain.shared.ids import AgencyId, Username
from bluepool.services.access.policy import may_see_event
from bluepool.services.plain import payload
from tests.builders import T0, a_posting


def user(role: Role, agency: str | None = None) -> User:
    return User(
        Username(f"{role.value}-{agency}"), role, agency_id=AgencyId(agency) if agency else None
    )


POSTED = payload(LedgerPosted(T0, "dora", (EntryRecord.of(a_posting()[0]),), ("A-2", "A-1"), "I-1"))
CLOSED = {"type": "ledger.closed", "period": "2025-03", "transactions": 3}


@pytest.mark.parametrize(
    ("viewer", "posted", "closed"),
    [
        (user(Role.COLLECTIVE_ADMIN), True, True),
        (user(Role.AGENCY_ADMIN, "A-1"), True, True),
        (user(Role.AGENCY_ADMIN, "A-2"), True, True),
        (user(Role.AGENCY_ADMIN, "A-3"), False, True),
        (user(Role.DISPATCHER), False, False),
        (user(Role.SUPERVISOR), False, False),
        (user(Role.ANALYST), False, False),
        (user(Role.OFFICER, "A-1"), False, False),
    ],
)
def test_ledger_events_reach_only_the_admins_concerned(
    viewer: User, posted: bool, closed: bool
) -> None:
    assert POSTED["type"] == "ledger.posted"
    assert may_see_event(viewer, POSTED) is posted
    assert may_see_event(viewer, CLOSED) is closed

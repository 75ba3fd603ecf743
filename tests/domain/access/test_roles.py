"""Who may do what: the personas of one collective.

Alice dispatches for the collective, Sam supervises, Olga crews unit a-1 of agency A, Adam
administers agency A, Bea administers agency B, Ann analyses, and Cole runs the collective.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bluepool.domain.access.roles import (
    Role,
    User,
    require_agency_admin,
    require_collective_admin,
    require_dispatch,
    require_unit_update,
)
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import AgencyId, UnitId, Username

A, B = AgencyId("agency-a"), AgencyId("agency-b")
A1, A2, B1 = UnitId("a-1"), UnitId("a-2"), UnitId("b-1")


def user(name: str, role: Role, agency: AgencyId | None = None, unit: UnitId | None = None) -> User:
    return User(Username(name), role, agency_id=agency, unit_id=unit)


alice = user("alice", Role.DISPATCHER, B)
sam = user("sam", Role.SUPERVISOR, B)
olga = user("olga", Role.OFFICER, A, A1)
adam = user("adam", Role.AGENCY_ADMIN, A)
bea = user("bea", Role.AGENCY_ADMIN, B)
ann = user("ann", Role.ANALYST, A)
cole = user("cole", Role.COLLECTIVE_ADMIN)
EVERYONE = [alice, sam, olga, adam, bea, ann, cole]


def allowed(check: Callable[..., None], *args: object) -> bool:
    try:
        check(*args)
    except Forbidden:
        return False
    return True


def names(who: list[User]) -> set[str]:
    return {u.username for u in who}


def test_only_dispatchers_supervisors_and_collective_admins_dispatch() -> None:
    assert names([u for u in EVERYONE if allowed(require_dispatch, u)]) == {"alice", "sam", "cole"}


def test_only_the_collective_admin_administers_the_collective() -> None:
    assert names([u for u in EVERYONE if allowed(require_collective_admin, u)]) == {"cole"}


def test_an_agency_admin_administers_only_their_own_agency() -> None:
    assert names([u for u in EVERYONE if allowed(require_agency_admin, u, A)]) == {"adam", "cole"}
    assert names([u for u in EVERYONE if allowed(require_agency_admin, u, B)]) == {"bea", "cole"}


def test_who_may_update_agency_a_unit_crewed_by_olga() -> None:
    may = names([u for u in EVERYONE if allowed(require_unit_update, u, A1, A)])

    assert may == {"alice", "sam", "cole", "adam", "olga"}


def test_officer_updates_only_their_own_unit() -> None:
    with pytest.raises(Forbidden, match="olga cannot update unit a-2"):
        require_unit_update(olga, A2, A)


def test_dispatcher_in_agency_b_may_set_agency_a_unit_status() -> None:
    require_unit_update(alice, A2, A)


def test_agency_b_admin_cannot_update_agency_a_unit() -> None:
    assert not allowed(require_unit_update, bea, A2, A)
    assert allowed(require_unit_update, bea, B1, B)


def test_analyst_reads_but_changes_nothing() -> None:
    assert not allowed(require_dispatch, ann)
    assert not allowed(require_unit_update, ann, A1, A)
    assert not allowed(require_agency_admin, ann, A)


def test_officer_without_a_unit_updates_none() -> None:
    walker = user("walker", Role.OFFICER, A)

    assert not allowed(require_unit_update, walker, A1, A)

"""Account rules the user use cases hold, whoever asks (API or shell): no password equal to
the user name or a known default, and the collective always keeps an active admin."""

from __future__ import annotations

import pytest

from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import Username
from bluepool.services.access import users
from bluepool.services.context import Context
from tests.services.test_authorization import USERS, collective

ADMIN = USERS[Role.COLLECTIVE_ADMIN]


def with_admins(*names: str) -> Context:
    ctx = collective()
    for name in names:
        users.create_user(ctx, ADMIN, User(Username(name), Role.COLLECTIVE_ADMIN), "s3cret-enough")
    return ctx


def test_a_password_equal_to_the_user_name_is_refused_on_create_and_update() -> None:
    ctx = with_admins()
    with pytest.raises(Invalid) as err:
        users.create_user(ctx, ADMIN, User(Username("dispatch-9"), Role.DISPATCHER), "Dispatch-9")
    assert err.value.code == "default_password"
    with pytest.raises(Invalid) as err:
        users.update_user(ctx, ADMIN, "olaf", password="changeme")
    assert err.value.code == "default_password"


@pytest.mark.parametrize(
    "change", [{"active": False}, {"role": Role.SUPERVISOR}], ids=["deactivate", "demote"]
)
def test_the_last_active_collective_admin_stays(change: dict[str, object]) -> None:
    ctx = with_admins("root")
    with pytest.raises(Conflict) as err:
        users.update_user(ctx, ADMIN, "root", **change)  # type: ignore[arg-type]
    assert err.value.code == "last_admin"
    assert [u.role for u in users.list_users(ctx, ADMIN, None) if u.username == "root"] == [
        Role.COLLECTIVE_ADMIN
    ]


def test_an_admin_may_go_while_another_stays() -> None:
    ctx = with_admins("root", "deputy")
    users.update_user(ctx, ADMIN, "root", active=False)
    with pytest.raises(Conflict):
        users.update_user(ctx, ADMIN, "deputy", role=Role.ANALYST)
    users.update_user(ctx, ADMIN, "root", active=True)
    assert users.update_user(ctx, ADMIN, "deputy", role=Role.ANALYST).role is Role.ANALYST

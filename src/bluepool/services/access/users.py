"""Users: who signs in, in which role, for which agency (and, for officers, which unit).

The collective admin keeps every user; an agency admin keeps only their own agency's
(``services.access.policy``). Passwords are hashed by the configured hasher and never leave
this module.
"""

from __future__ import annotations

import secrets
import weakref

from bluepool.domain.access.events import UserChanged
from bluepool.domain.access.passwords import check_password
from bluepool.domain.access.records import UserRecord
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Conflict, Duplicate, Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from bluepool.services.access import policy
from bluepool.services.context import Context
from bluepool.services.lookup import agency_exists, found
from bluepool.services.ports import PasswordHasher, UnitOfWork


def list_users(ctx: Context, user: User, agency_id: str | None) -> tuple[UserRecord, ...]:
    """Users; an agency admin sees their own agency's."""
    agency = policy.list_users(user, AgencyId(agency_id) if agency_id else None)
    with ctx.reader() as uow:
        return tuple(
            UserRecord.of(u) for u in uow.users.list() if agency is None or u.agency_id == agency
        )


def me(user: User) -> UserRecord:
    """The signed-in user, as others see them."""
    return UserRecord.of(user)


def create_user(ctx: Context, user: User, new: User, password: str) -> UserRecord:
    """Create a user; an agency admin creates users of their own agency only."""
    policy.keep_user(user, new)
    check_password(password, new.username)
    with ctx.uow() as uow:
        if uow.users.get(new.username) is not None:
            raise Duplicate(f"user {new.username} exists")
        _check_refs(uow, new)
        new.password_hash = ctx.hasher.hash(password)
        uow.users.add(new)
        record = UserRecord.of(new)
        uow.raise_event(
            UserChanged(ctx.clock.now(), user.username, Action.CREATED, new.username, record)
        )
        uow.commit()
    return record


def update_user(
    ctx: Context,
    user: User,
    username: str,
    role: Role | None = None,
    full_name: str | None = None,
    unit_id: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> UserRecord:
    with ctx.uow() as uow:
        target = found(uow.users, Username(username), "user")
        policy.keep_user(user, target)
        was_admin = target.active and target.role is Role.COLLECTIVE_ADMIN
        if role is not None:
            target.role = role
        if full_name is not None:
            target.full_name = full_name
        if unit_id is not None:
            target.unit_id = UnitId(unit_id) if unit_id else None
        if active is not None:
            target.active = active
        if password is not None:
            check_password(password, target.username)
            target.password_hash = ctx.hasher.hash(password)
        policy.keep_user(user, target)
        if was_admin and not (target.active and target.role is Role.COLLECTIVE_ADMIN):
            _keep_an_admin(uow, target)
        if target.active:  # a deactivated user may point at a unit that is gone
            _check_refs(uow, target)
        uow.users.update(target)
        record = UserRecord.of(target)
        uow.raise_event(
            UserChanged(ctx.clock.now(), user.username, Action.UPDATED, username, record)
        )
        uow.commit()
    return record


def signed_in(ctx: Context, username: str) -> User | None:
    """The user a valid token names (the web layer checks the token; this reads the user)."""
    with ctx.reader() as uow:
        return uow.users.get(Username(username))


def authenticate(ctx: Context, username: str, password: str) -> User | None:
    """Return the active user with these credentials, else None.

    Every answer costs one password verification: an unknown user (or one without a
    password) is checked against a dummy hash, so the time taken does not tell which user
    names exist.
    """
    found_user = signed_in(ctx, username)
    if found_user is None or not found_user.password_hash:
        ctx.hasher.verify(_dummy_hash(ctx.hasher), password)
        return None
    right = ctx.hasher.verify(found_user.password_hash, password)
    return found_user if right and found_user.active else None


#: One dummy hash per hasher (same cost parameters as the real ones), made on first use.
_DUMMIES: weakref.WeakKeyDictionary[PasswordHasher, str] = weakref.WeakKeyDictionary()


def _dummy_hash(hasher: PasswordHasher) -> str:
    dummy = _DUMMIES.get(hasher)
    if dummy is None:
        dummy = _DUMMIES[hasher] = hasher.hash(secrets.token_urlsafe(16))
    return dummy


def users_with_default_passwords(ctx: Context, limit: int = 500) -> list[str]:
    """Return the users whose password is their user name (as in the demo collective)."""
    with ctx.reader() as uow:
        users = uow.users.list()[:limit]
    return [
        u.username
        for u in users
        if u.active and u.password_hash and ctx.hasher.verify(u.password_hash, u.username)
    ]


def _keep_an_admin(uow: UnitOfWork, leaving: User) -> None:
    """Refuse to demote or deactivate the last active collective admin: nobody could then
    keep the collective's members, call types or admins (``bluepool users create-admin``
    is the way back from the shell)."""
    others = [
        u
        for u in uow.users.list()
        if u.username != leaving.username and u.active and u.role is Role.COLLECTIVE_ADMIN
    ]
    if not others:
        raise Conflict(
            f"{leaving.username} is the last active collective admin: make another one first",
            code="last_admin",
        )


def _check_refs(uow: UnitOfWork, target: User) -> None:
    if target.agency_id is not None:
        agency_exists(uow, target.agency_id)
    if target.role is Role.OFFICER:
        if target.unit_id is None:
            raise Invalid("an officer user needs the unit they crew", code="officer_without_unit")
        unit = uow.units.get(target.unit_id)
        if unit is None or unit.agency_id != target.agency_id:
            raise Invalid(
                f"no unit {target.unit_id} in agency {target.agency_id}",
                code="unknown_unit",
            )

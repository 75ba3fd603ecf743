"""Sign-in sessions over every store (memory, SQLite, PostgreSQL): a refresh token works
once, sign-out ends the session, a change of password or role ends it, stream tickets open
the stream once and only for a short while; and sign-in costs one password check whether or
not the user exists."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from bluepool.domain.access.roles import Role, User
from bluepool.domain.access.sessions import digest
from bluepool.domain.shared.errors import ConcurrentUpdate, Forbidden
from bluepool.domain.shared.ids import Username
from bluepool.services.access import sessions, users
from bluepool.services.context import Context
from tests.builders import T0
from tests.conftest import UowFactory
from tests.services.test_authorization import PlainHasher

HOUR = timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


class CountingHasher(PlainHasher):
    def __init__(self) -> None:
        self.verified = 0
        self.hashed = 0

    def hash(self, password: str) -> str:
        self.hashed += 1
        return super().hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return super().verify(password_hash, password)


def context(uow_factory: UowFactory, clock: Clock, hasher: CountingHasher | None = None) -> Context:
    return Context(
        uow=uow_factory,
        clock=clock,
        locator=lambda: None,  # type: ignore[arg-type, return-value]
        travel=None,  # type: ignore[arg-type]
        hasher=hasher or CountingHasher(),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(uow_factory: UowFactory, clock: Clock) -> Context:
    c = context(uow_factory, clock)
    with c.uow() as uow:
        for name, role in (("dora", Role.DISPATCHER), ("cole", Role.COLLECTIVE_ADMIN)):
            uow.users.add(User(Username(name), role, "plain:" + name + "-pw"))
        uow.commit()
    return c


def dora(ctx: Context) -> User:
    user = users.signed_in(ctx, "dora")
    assert user is not None
    return user


def test_a_refresh_token_works_once_and_a_second_use_ends_the_session(ctx: Context) -> None:
    first = sessions.start_session(ctx, dora(ctx), HOUR)
    assert sessions.signed_in(ctx, "dora", first.session_id) == dora(ctx)
    second = sessions.refresh(ctx, first.refresh_token)
    assert second is not None
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    # The old token again: someone else holds it. The session ends for both.
    assert sessions.refresh(ctx, first.refresh_token) is None
    assert sessions.signed_in(ctx, "dora", first.session_id) is None
    assert sessions.refresh(ctx, second.refresh_token) is None


def test_sign_out_ends_the_session_and_only_ones_own(ctx: Context) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    cole = users.signed_in(ctx, "cole")
    assert cole is not None
    with pytest.raises(Forbidden):
        sessions.end_session(ctx, cole, grant.session_id)
    sessions.end_session(ctx, dora(ctx), grant.session_id)
    assert sessions.signed_in(ctx, "dora", grant.session_id) is None
    assert sessions.refresh(ctx, grant.refresh_token) is None


def test_a_session_expires(ctx: Context, clock: Clock) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    clock.at += HOUR - timedelta(seconds=1)
    assert sessions.signed_in(ctx, "dora", grant.session_id) is not None
    clock.at += timedelta(seconds=1)
    assert sessions.signed_in(ctx, "dora", grant.session_id) is None
    assert sessions.refresh(ctx, grant.refresh_token) is None


@pytest.mark.parametrize(
    "change", [{"password": "another-pw-1"}, {"role": Role.SUPERVISOR}, {"active": False}]
)
def test_a_new_password_or_role_or_deactivation_ends_the_session(
    ctx: Context, change: dict[str, object]
) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    cole = users.signed_in(ctx, "cole")
    assert cole is not None
    users.update_user(ctx, cole, "dora", **change)  # type: ignore[arg-type]
    assert sessions.signed_in(ctx, "dora", grant.session_id) is None
    assert sessions.refresh(ctx, grant.refresh_token) is None


def test_forged_refresh_tokens_open_nothing(ctx: Context) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    for forged in ("", ".", "nosuchsession.x", f"{grant.session_id}", "x" * 300):
        assert sessions.refresh(ctx, forged) is None
    assert sessions.signed_in(ctx, "cole", grant.session_id) is None  # not cole's session


def test_a_stream_ticket_opens_once_within_its_time(ctx: Context, clock: Clock) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    ticket = sessions.issue_stream_ticket(ctx, dora(ctx), grant.session_id)
    assert sessions.redeem_stream_ticket(ctx, ticket) == (dora(ctx), grant.session_id)
    assert sessions.redeem_stream_ticket(ctx, ticket) is None
    late = sessions.issue_stream_ticket(ctx, dora(ctx), grant.session_id)
    clock.at += sessions.STREAM_TICKET_TTL
    assert sessions.redeem_stream_ticket(ctx, late) is None
    assert sessions.redeem_stream_ticket(ctx, "not-a-ticket") is None


def test_a_stream_ticket_of_an_ended_session_opens_nothing(ctx: Context) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    ticket = sessions.issue_stream_ticket(ctx, dora(ctx), grant.session_id)
    sessions.end_session(ctx, dora(ctx), grant.session_id)
    assert sessions.redeem_stream_ticket(ctx, ticket) is None


def test_of_two_takers_of_one_ticket_only_one_gets_it(
    uow_factory: UowFactory, ctx: Context
) -> None:
    grant = sessions.start_session(ctx, dora(ctx), HOUR)
    key = digest(sessions.issue_stream_ticket(ctx, dora(ctx), grant.session_id))
    if uow_factory.backend == "memory":
        with uow_factory() as first, uow_factory() as second:
            assert first.stream_tickets.take(key, T0) is not None
            assert second.stream_tickets.take(key, T0) is not None  # not yet committed
            first.commit()
            with pytest.raises(ConcurrentUpdate):
                second.commit()
        return
    got: list[object] = []

    def second_taker() -> None:
        with uow_factory() as second:
            got.append(second.stream_tickets.take(key, T0))
            second.commit()

    with uow_factory() as first:
        assert first.stream_tickets.take(key, T0) is not None
        other = threading.Thread(target=second_taker)
        other.start()
        other.join(0.3)  # it waits for the row (PostgreSQL) or the write lock (SQLite)
        first.commit()
    other.join(10)
    assert got == [None]


@pytest.mark.parametrize("username", ["nobody", "dora", "inactive"])
def test_sign_in_verifies_exactly_one_password_whoever_is_named(
    uow_factory: UowFactory, username: str
) -> None:
    hasher = CountingHasher()
    ctx = context(uow_factory, Clock(), hasher)
    with ctx.uow() as uow:
        uow.users.add(User(Username("dora"), Role.DISPATCHER, "plain:dora-pw"))
        uow.users.add(User(Username("inactive"), Role.DISPATCHER, "plain:x", active=False))
        uow.commit()
    users.authenticate(ctx, "nobody", "warm-up")  # makes the dummy hash, once per hasher
    hasher.verified = hasher.hashed = 0
    assert users.authenticate(ctx, username, "wrong-password") is None
    assert (hasher.verified, hasher.hashed) == (1, 0)

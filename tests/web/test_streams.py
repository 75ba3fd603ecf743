"""Event streams are bounded: a few per user and per server, and each one closes when its
reader may no longer read it (deactivated, password or role changed, token expired)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn

from bluepool.adapters.bus.broker import Broker
from bluepool.bootstrap import Runtime
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.ids import AgencyId, Username
from bluepool.services.access import sessions
from bluepool.services.access.policy import may_see_event
from bluepool.web import auth
from bluepool.web.app import create_app
from bluepool.web.streams import StreamSlots
from tests.web.test_events import create, ticket, token


@pytest.fixture
def server(runtime: Runtime) -> Iterator[tuple[str, StreamSlots]]:
    """A real server with small limits: 2 streams per user, 3 in all, a re-check every
    half second."""
    runtime.settings = runtime.settings.model_copy(
        update={"max_streams_per_user": 2, "max_streams": 3, "stream_recheck_s": 0.5}
    )
    app = create_app(runtime=runtime)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app.state.stream_slots
    srv.should_exit = True
    thread.join(10)


@contextmanager
def opened(base: str, tok: str, bearer: bool = False) -> Iterator[httpx.Response]:
    """A stream opened as a browser does (a ticket), or with the bearer token itself."""
    if bearer:
        where: dict[str, Any] = {"headers": {"Authorization": f"Bearer {tok}"}}
    else:
        where = {"params": {"ticket": ticket(base, tok)}}
    with httpx.stream("GET", f"{base}/api/v1/events", timeout=20, **where) as r:
        yield r


def open_once(base: str, tok: str) -> httpx.Response:
    return httpx.get(f"{base}/api/v1/events", params={"ticket": ticket(base, tok)}, timeout=5)


def frames(r: httpx.Response) -> Iterator[dict[str, Any]]:
    """The SSE frames of an open stream (pings left out), until it ends."""
    frame: dict[str, str] = {}
    for line in r.iter_lines():
        if line.startswith(("event:", "data:", "id:")):
            key, _, value = line.partition(":")
            frame[key] = value.strip()
        elif line == "" and frame:
            if "event" in frame:
                yield {"event": frame["event"], "data": json.loads(frame.get("data", "null"))}
            frame = {}


def wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_a_user_has_at_most_so_many_streams(server: tuple[str, StreamSlots]) -> None:
    base, slots = server
    tok = token(base)
    with opened(base, tok) as one, opened(base, tok, bearer=True) as two:
        assert one.status_code == two.status_code == 200
        third = open_once(base, tok)
        assert third.status_code == 429
        assert third.json()["code"] == "too_many_streams"
        assert "2 event streams" in third.json()["detail"]
        assert third.headers["retry-after"]
        # Another user still gets one.
        with opened(base, token(base, "supervisor")) as other:
            assert other.status_code == 200
    # Closed streams give their places back.
    wait_for(lambda: slots.open == 0)
    with opened(base, tok) as again:
        assert again.status_code == 200


def test_a_server_has_at_most_so_many_streams(server: tuple[str, StreamSlots]) -> None:
    base, _ = server
    toks = [token(base, who) for who in ("dispatcher", "supervisor", "analyst", "admin")]
    with opened(base, toks[0]), opened(base, toks[1]), opened(base, toks[2]):
        fourth = open_once(base, toks[3])
        assert fourth.status_code == 429
        assert "3 event streams open" in fourth.json()["detail"]


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"password": "a brand new password"}, {"role": "analyst"}],
    ids=["deactivated", "password", "role"],
)
def test_a_stream_closes_when_its_user_changes(
    server: tuple[str, StreamSlots], change: dict[str, Any]
) -> None:
    base, slots = server
    tok = token(base)
    admin = {"Authorization": f"Bearer {token(base, 'admin')}"}
    seen: list[str] = []
    with opened(base, tok) as r:
        for frame in frames(r):
            seen.append(frame["event"])
            if frame["event"] == "hello":
                create(base, tok)  # an event the dispatcher may read, then the change
                answer = httpx.patch(f"{base}/api/v1/users/dispatcher", headers=admin, json=change)
                assert answer.status_code == 200, answer.text
    # The stream ended by itself, right after the change (which it does not carry:
    # dispatchers do not read user records), and gave its place back.
    assert seen == ["hello", "incident.created", "closed"]
    wait_for(lambda: slots.open == 0)
    # The browser's reconnect is refused: its token no longer gets a ticket.
    again = httpx.post(f"{base}/api/v1/events/ticket", headers={"Authorization": f"Bearer {tok}"})
    assert again.status_code == 401


def test_a_stream_closes_when_its_token_expires(
    server: tuple[str, StreamSlots], runtime: Runtime
) -> None:
    base, _ = server
    with runtime.context.reader() as uow:
        user = uow.users.get(Username("dispatcher"))
    assert user is not None
    session = sessions.start_session(runtime.context, user, timedelta(hours=1))
    short = auth.issue(
        user.username,
        auth.stamp(user.password_hash, user.role),
        session.session_id,
        runtime.settings.secret_key,
        datetime.now(UTC),
        timedelta(seconds=5),  # long enough to open the stream on a busy machine
    )
    with opened(base, short, bearer=True) as r:
        assert r.status_code == 200
        # Nothing happens on the stream; the periodic re-check ends it.
        assert [f["event"] for f in frames(r)] == ["hello", "closed"]


def test_a_stream_closes_when_its_session_ends(server: tuple[str, StreamSlots]) -> None:
    base, _ = server
    tok = token(base)
    with opened(base, tok) as r:  # opened with a ticket of this session
        events = frames(r)
        assert next(events)["event"] == "hello"
        out = httpx.post(f"{base}/api/v1/auth/logout", headers={"Authorization": f"Bearer {tok}"})
        assert out.status_code == 204
        assert [f["event"] for f in events] == ["closed"]


def test_a_change_made_elsewhere_is_seen_by_the_periodic_check(
    server: tuple[str, StreamSlots], runtime: Runtime
) -> None:
    # Another worker (or the CLI) deactivates the user: no event reaches this process's
    # broker, yet the stream closes within the re-check interval.
    base, _ = server
    tok = token(base)
    with opened(base, tok) as r:
        events = frames(r)
        assert next(events)["event"] == "hello"
        with runtime.context.uow() as uow:
            user = uow.users.get(Username("dispatcher"))
            assert user is not None
            user.active = False
            uow.users.update(user)
            uow.commit()  # no events raised: as a change made in another process
        assert [f["event"] for f in events] == ["closed"]


def test_what_a_stream_carries_is_decided_in_one_place() -> None:
    west_admin = User(Username("w"), Role.AGENCY_ADMIN, agency_id=AgencyId("west"))
    dispatcher = User(Username("d"), Role.DISPATCHER)
    supervisor = User(Username("s"), Role.SUPERVISOR)
    of_west = {"type": "user.updated", "id": "x", "user": {"username": "x", "agency": "west"}}
    of_east = {"type": "user.created", "id": "y", "user": {"username": "y", "agency": "east"}}
    incident = {"type": "incident.created", "incident": {"id": "i"}}
    assert may_see_event(west_admin, of_west)
    assert not may_see_event(west_admin, of_east)
    assert not may_see_event(dispatcher, of_west)
    assert may_see_event(supervisor, of_east)
    assert all(may_see_event(u, incident) for u in (west_admin, dispatcher, supervisor))


def test_the_broker_knows_whether_it_can_resume_without_a_gap() -> None:
    broker = Broker(keep=3)
    assert broker.replays(0)  # nothing published yet
    for n in range(5):
        broker.deliver({"type": "incident.created", "n": n})
    assert broker.last_seq == 5
    assert broker.replays(5)
    assert broker.replays(2)
    assert not broker.replays(1)  # 2 is gone
    broker.deliver({"type": "x"}, seq=5)  # a duplicate number is dropped
    assert broker.last_seq == 5


def test_a_new_numbering_ends_the_open_subscriptions() -> None:
    broker = Broker()

    async def follow() -> list[int]:
        seqs = []
        async for published in broker.subscribe(0):
            assert published is not None
            seqs.append(published.seq)
            if published.seq == 2:
                broker.restart("js-new", 0)  # the stream was made anew
        return seqs

    broker.deliver({"type": "a"}, seq=1)
    broker.deliver({"type": "b"}, seq=2)
    assert asyncio.run(follow()) == [1, 2]
    assert broker.epoch == "js-new"
    assert broker.last_seq == 0

"""Tokens over the API (SQLite and PostgreSQL): short-lived access tokens naming a session,
refresh with rotation, sign-out, a new password or role ending the session, and single-use
stream tickets in place of a token in the URL (issue 10, item 5)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from bluepool.bootstrap import Runtime
from bluepool.web import logs
from bluepool.web.app import create_app
from bluepool.web.auth import RecentUsers
from tests.e2e.harness import free_port


def sign_in(client: TestClient, username: str = "dispatcher") -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": f"{username}-pw"})
    assert r.status_code == 200, r.text
    body: dict[str, str] = r.json()
    return body


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def refresh(client: TestClient, tokens: dict[str, str]) -> httpx.Response:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})


def test_sign_in_gives_a_short_lived_access_token_and_a_refresh_token(client: TestClient) -> None:
    tokens = sign_in(client)
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_token"]
    assert tokens["token_type"] == "bearer"
    assert client.get("/api/v1/auth/me", headers=bearer(tokens)).status_code == 200


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_session(client: TestClient) -> None:
    first = sign_in(client)
    r = refresh(client, first)
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/auth/me", headers=bearer(second)).status_code == 200
    replay = refresh(client, first)
    assert replay.status_code == 401
    assert replay.json()["code"] == "not_authenticated"
    # Both holders lose the session: the new access token, and the new refresh token.
    assert client.get("/api/v1/auth/me", headers=bearer(second)).status_code == 401
    assert refresh(client, second).status_code == 401


def test_logout_ends_the_session_at_once(client: TestClient) -> None:
    tokens = sign_in(client)
    assert client.get("/api/v1/units", headers=bearer(tokens)).status_code == 200  # cached
    assert client.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 204
    assert client.get("/api/v1/units", headers=bearer(tokens)).status_code == 401
    assert refresh(client, tokens).status_code == 401
    other = sign_in(client)  # another session of the same user is untouched
    assert client.get("/api/v1/units", headers=bearer(other)).status_code == 200


def test_logout_on_one_worker_ends_the_session_on_another(runtime: Runtime) -> None:
    # Two apps on one database stand for two worker processes. The other worker's cache
    # of signed-in users (RecentUsers) keeps a user for up to 5 s; with no cache it checks
    # the session on every request, which is what it does once the 5 s are over.
    with (
        TestClient(create_app(runtime=runtime)) as one,
        TestClient(create_app(runtime=runtime)) as two,
    ):
        two.app.state.recent_users = RecentUsers(ttl_s=0)  # type: ignore[attr-defined]
        tokens = sign_in(one)
        assert two.get("/api/v1/units", headers=bearer(tokens)).status_code == 200
        assert one.post("/api/v1/auth/logout", headers=bearer(tokens)).status_code == 204
        assert two.get("/api/v1/units", headers=bearer(tokens)).status_code == 401


@pytest.mark.parametrize("change", [{"password": "a-new-password"}, {"role": "supervisor"}])
def test_a_new_password_or_role_ends_the_session(
    client: TestClient, as_admin: dict[str, str], change: dict[str, str]
) -> None:
    tokens = sign_in(client)
    r = client.patch("/api/v1/users/dispatcher", headers=as_admin, json=change)
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/units", headers=bearer(tokens)).status_code == 401
    assert refresh(client, tokens).status_code == 401


def test_refresh_needs_no_access_token_and_refuses_garbage(client: TestClient) -> None:
    for body in ({"refresh_token": "nope"}, {"refresh_token": "a.b"}):
        r = client.post("/api/v1/auth/refresh", json=body)
        assert r.status_code == 401
        assert r.json()["code"] == "not_authenticated"
    assert client.post("/api/v1/auth/refresh", json={}).status_code == 422


def test_an_access_token_without_a_session_is_refused(client: TestClient, runtime: Runtime) -> None:
    import jwt

    from bluepool.domain.access.sessions import stamp

    with runtime.context.reader() as uow:
        user = uow.users.get("dispatcher")  # type: ignore[arg-type]
    assert user is not None
    now = runtime.context.clock.now()
    claims = {"sub": "dispatcher", "stp": stamp(user.password_hash, user.role), "iat": now}
    old_style = jwt.encode({**claims, "exp": now.timestamp() + 600}, runtime.settings.secret_key)
    forged_sid = jwt.encode(
        {**claims, "sid": "made-up", "exp": now.timestamp() + 600}, runtime.settings.secret_key
    )
    for token in (old_style, forged_sid):
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/units", headers=headers).status_code == 401


# -- the event stream's tickets ------------------------------------------------------------


def first_event(base_url: str, url: str) -> tuple[int, str | None]:
    """Open the stream; return its status and its first event's name."""
    with httpx.stream("GET", base_url + url, timeout=20) as r:
        if r.status_code != 200:
            return r.status_code, None
        for line in r.iter_lines():
            if line.startswith("event:"):
                return 200, line.partition(":")[2].strip()
    return r.status_code, None


def ticket(base_url: str, tokens: dict[str, str]) -> str:
    r = httpx.post(f"{base_url}/api/v1/events/ticket", headers=bearer(tokens))
    assert r.status_code == 200, r.text
    assert r.json()["expires_in"] == 30
    return str(r.json()["ticket"])


def test_a_stream_ticket_opens_the_stream_once(base_url: str) -> None:
    tokens = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": "dispatcher", "password": "dispatcher-pw"},
    ).json()
    t = ticket(base_url, tokens)
    assert first_event(base_url, f"/api/v1/events?ticket={t}") == (200, "hello")
    assert first_event(base_url, f"/api/v1/events?ticket={t}") == (401, None)
    assert first_event(base_url, "/api/v1/events?ticket=made-up") == (401, None)
    # A long-lived token in the URL is no longer accepted.
    url = f"/api/v1/events?access_token={tokens['access_token']}"
    assert first_event(base_url, url) == (401, None)
    # Clients that can send headers still may.
    with httpx.stream("GET", f"{base_url}/api/v1/events", headers=bearer(tokens)) as r:
        assert r.status_code == 200


def test_a_ticket_of_a_signed_out_session_opens_nothing(base_url: str) -> None:
    tokens = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": "dispatcher", "password": "dispatcher-pw"},
    ).json()
    t = ticket(base_url, tokens)
    assert httpx.post(f"{base_url}/api/v1/auth/logout", headers=bearer(tokens)).status_code == 204
    assert first_event(base_url, f"/api/v1/events?ticket={t}") == (401, None)


# -- no token in a log ---------------------------------------------------------------------


@pytest.fixture
def access_log(runtime: Runtime) -> Iterator[tuple[str, list[str]]]:
    """A uvicorn server with its access log on, and the lines it wrote."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep()
    logger = logging.getLogger("uvicorn.access")
    logger.addHandler(handler)
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime=runtime),
        host="127.0.0.1",
        port=port,
        log_level="info",
        access_log=True,
        log_config=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield f"http://127.0.0.1:{port}", lines
    finally:
        logger.setLevel(level)
        server.should_exit = True
        thread.join(10)
        logger.removeHandler(handler)


def test_no_token_reaches_the_access_log(access_log: tuple[str, list[str]]) -> None:
    base_url, lines = access_log
    tokens = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": "dispatcher", "password": "dispatcher-pw"},
    ).json()
    t = ticket(base_url, tokens)
    assert first_event(base_url, f"/api/v1/events?ticket={t}") == (200, "hello")
    first_event(base_url, f"/api/v1/events?a=1&access_token={tokens['access_token']}")
    httpx.get(f"{base_url}/api/v1/units?refresh_token={tokens['refresh_token']}&Token=x1y2")
    logged = "\n".join(lines)
    assert "/api/v1/events?ticket=***" in logged, logged
    assert "access_token=***" in logged
    assert "refresh_token=***" in logged
    for secret in (t, tokens["access_token"], tokens["refresh_token"], "x1y2"):
        assert secret not in logged


def test_redact_leaves_other_parameters_alone() -> None:
    assert logs.redact("/a?x=1&ticket=abc&y=2") == "/a?x=1&ticket=***&y=2"
    assert logs.redact("/a?tickets=1&myticket=2") == "/a?tickets=1&myticket=2"

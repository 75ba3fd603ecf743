"""The live event stream over real HTTP: a change shows up at once; a reconnect replays."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from bluepool.bootstrap import Runtime
from tests.web.conftest import centre


def token(base_url: str, username: str = "dispatcher") -> str:
    r = httpx.post(
        f"{base_url}/api/v1/auth/token", data={"username": username, "password": f"{username}-pw"}
    )
    return str(r.json()["access_token"])


def ticket(base_url: str, tok: str) -> str:
    """A single-use stream ticket (EventSource sends no Authorization header)."""
    r = httpx.post(f"{base_url}/api/v1/events/ticket", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 200, r.text
    return str(r.json()["ticket"])


def read_events(
    base_url: str,
    tok: str,
    want: int,
    headers: dict[str, str] | None = None,
    ready: threading.Event | None = None,
) -> list[dict[str, Any]]:
    """Read SSE frames until ``want`` events other than hello/ping arrived."""
    got: list[dict[str, Any]] = []
    frame: dict[str, str] = {}
    with httpx.stream(
        "GET",
        f"{base_url}/api/v1/events",
        params={"ticket": ticket(base_url, tok)},
        headers=headers or {},
        timeout=20,
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith(("event:", "data:", "id:")):
                key, _, value = line.partition(":")
                frame[key] = value.strip()
            elif line == "" and frame:
                if frame.get("event") == "hello" and ready is not None:
                    ready.set()
                elif frame.get("event") not in ("hello", None):
                    got.append(
                        {
                            "event": frame["event"],
                            "id": frame.get("id"),
                            "data": json.loads(frame["data"]),
                        }
                    )
                frame = {}
                if len(got) >= want:
                    return got
    return got


def create(base_url: str, tok: str) -> dict[str, Any]:
    loc = centre("west")
    r = httpx.post(
        f"{base_url}/api/v1/incidents",
        headers={"Authorization": f"Bearer {tok}"},
        json={"call_type": "burglary", "priority": 2, "location": {"lat": loc.lat, "lon": loc.lon}},
    )
    assert r.status_code == 201
    return dict(r.json())


def test_a_new_incident_reaches_a_subscriber(base_url: str) -> None:
    tok = token(base_url)
    ready = threading.Event()
    result: list[list[dict[str, Any]]] = []
    reader = threading.Thread(
        target=lambda: result.append(read_events(base_url, tok, 1, ready=ready))
    )
    reader.start()
    assert ready.wait(10)
    incident = create(base_url, tok)
    reader.join(20)
    assert result, "no event arrived"
    event = result[0][0]
    assert event["event"] == "incident.created"
    assert event["data"]["incident"]["id"] == incident["id"]
    epoch, _, seq = event["id"].partition("-")
    assert epoch
    assert int(seq) == event["data"]["seq"]


def test_reconnect_with_last_event_id_replays_what_was_missed(
    base_url: str, runtime: Runtime
) -> None:
    tok = token(base_url)
    first, second = create(base_url, tok), create(base_url, tok)
    # A client that saw nothing yet (on this server's run) asks for everything after 0.
    epoch = runtime.broker.epoch
    events = read_events(base_url, tok, 2, headers={"Last-Event-ID": f"{epoch}-0"})
    assert [e["data"]["incident"]["id"] for e in events] == [first["id"], second["id"]]
    # ... and one that saw the first gets only the second.
    events = read_events(base_url, tok, 1, headers={"Last-Event-ID": events[0]["id"]})
    assert events[0]["data"]["incident"]["id"] == second["id"]


def test_an_id_from_before_a_restart_gets_a_reset_and_then_new_events(base_url: str) -> None:
    tok = token(base_url)
    got: list[str] = []
    with httpx.stream(
        "GET",
        f"{base_url}/api/v1/events",
        params={"ticket": ticket(base_url, tok)},
        headers={"Last-Event-ID": "oldrun-99999"},
        timeout=20,
    ) as r:
        for line in r.iter_lines():
            if line.startswith("event:"):
                got.append(line.partition(":")[2].strip())
            if len(got) == 2:
                break
    assert got == ["hello", "reset"]


def test_user_records_stream_only_to_those_who_may_read_them(
    base_url: str, runtime: Runtime
) -> None:
    admin_tok = token(base_url, "admin")
    created = httpx.post(
        f"{base_url}/api/v1/users",
        headers={"Authorization": f"Bearer {admin_tok}"},
        json={"username": "newbie", "password": "long-enough", "role": "dispatcher"},
    )
    assert created.status_code == 201
    create(base_url, admin_tok)  # then an event everyone sees
    replay = {"Last-Event-ID": f"{runtime.broker.epoch}-0"}
    for who, sees_users in (("dispatcher", False), ("supervisor", True)):
        events = read_events(base_url, token(base_url, who), 1 + sees_users, headers=replay)
        kinds = [e["event"] for e in events]
        assert kinds[-1] == "incident.created"
        assert ("user.created" in kinds) is sees_users, (who, kinds)


def test_event_stream_needs_a_token(base_url: str) -> None:
    r = httpx.get(f"{base_url}/api/v1/events", timeout=5)
    assert r.status_code == 401

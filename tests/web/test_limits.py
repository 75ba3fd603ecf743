"""Bodies over the limit are refused with 413, and writes without a valid token with 401,
before the body is read; nothing changes either way (issue 10, hardening item 3)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bluepool.bootstrap import Runtime
from bluepool.web.app import create_app
from tests.web.conftest import centre

LIMIT = 1024 * 1024


def incident(description: str = "") -> dict[str, Any]:
    loc = centre("west")
    return {
        "call_type": "burglary",
        "location": {"lat": loc.lat, "lon": loc.lon},
        "description": description,
    }


def count_incidents(client: TestClient, headers: dict[str, str]) -> int:
    total: int = client.get("/api/v1/incidents", headers=headers).json()["total"]
    return total


def test_a_declared_body_over_the_limit_is_413_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    before = count_incidents(client, as_dispatcher)
    body = json.dumps(incident("x" * (LIMIT + 1)))
    r = client.post(
        "/api/v1/incidents",
        content=body,
        headers={**as_dispatcher, "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    assert count_incidents(client, as_dispatcher) == before


def test_a_chunked_body_over_the_limit_is_413(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"call_type": "burglary", "description": "'
        for _ in range(LIMIT // 65536 + 2):
            yield b"x" * 65536
        yield b'", "location": {"lat": 47.1, "lon": 9.5}}'

    r = client.post(
        "/api/v1/incidents",
        content=chunks(),
        headers={**as_dispatcher, "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"


def test_a_body_under_the_limit_goes_through(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    r = client.post("/api/v1/incidents", json=incident("a long note " * 300), headers=as_dispatcher)
    assert r.status_code == 201


def _asgi_post(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bool]:
    """POST straight through ASGI; return (status, whether the app read the body)."""
    read = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read = True
        return {"type": "http.request", "body": json.dumps(incident()).encode()}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status, read


@pytest.mark.parametrize(
    "authorization",
    [None, b"Bearer not-a-token", b"Basic ZGlzcGF0Y2hlcjpkaXNwYXRjaGVy"],
    ids=["none", "forged", "not-bearer"],
)
def test_a_write_without_a_valid_token_is_401_before_its_body_is_read(
    runtime: Runtime, authorization: bytes | None
) -> None:
    app = create_app(runtime=runtime)
    headers = [(b"authorization", authorization)] if authorization else []
    status, read = _asgi_post(app, "/api/v1/incidents", headers)
    assert status == 401
    assert not read


def test_a_valid_token_reaches_the_route_and_sign_in_needs_none(
    client: TestClient, runtime: Runtime, as_dispatcher: dict[str, str]
) -> None:
    app = create_app(runtime=runtime)
    token = as_dispatcher["Authorization"].encode()
    status, read = _asgi_post(app, "/api/v1/incidents", [(b"authorization", token)])
    assert (status, read) == (201, True)
    r = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    assert r.status_code == 401  # refused by the sign-in itself, after reading its form
    assert r.json()["detail"] == "wrong username or password"


def test_a_real_server_refuses_a_huge_upload_without_reading_it(
    base_url: str, as_dispatcher: dict[str, str]
) -> None:
    body = b"x" * (8 * LIMIT)
    r = httpx.post(
        f"{base_url}/api/v1/incidents",
        content=body,
        headers={**as_dispatcher, "content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413

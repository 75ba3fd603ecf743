"""Refuse what would cost the server before it costs anything: request bodies over the
limit (413) and writes without a valid token (401), both before the body is read.

A pure ASGI middleware, outside every route: FastAPI reads and parses a body before it
resolves a route's dependencies (the signed-in user among them), so without this a caller
with no token, or a body of a gigabyte, would be read and parsed first. The token is only
checked for a valid signature and expiry here (no database); the route's dependency still
checks that its user exists, is active and has not changed password or role.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from bluepool.web import auth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Methods that carry a body.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The API's writes that need no access token: signing in, and refreshing (with a refresh
#: token in the body; the access token may have expired).
OPEN_WRITES = frozenset({"/api/v1/auth/token", "/api/v1/auth/refresh"})


class Limits:
    def __init__(self, app: ASGIApp, max_body_bytes: int, secret: str) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        path = scope["path"]
        if path.startswith("/api/") and path not in OPEN_WRITES:
            problem = self._unauthenticated(headers.get(b"authorization"))
            if problem is not None:
                await _answer(send, 401, problem, "not_authenticated", bearer=True)
                return
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_body_bytes
            except ValueError:
                await _answer(send, 400, "Content-Length is not a number", "bad_request")
                return
            if too_large:
                await self._refuse_size(send)
                return
        await self._counted(scope, receive, send)

    def _unauthenticated(self, header: bytes | None) -> str | None:
        """Why the write is refused before its body is read (None: a valid token)."""
        scheme, _, token = (header or b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "sign in first: POST /api/v1/auth/token"
        if auth.read(token.strip(), self.secret) is None:
            return "invalid or expired token"
        return None

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body without a declared length (chunked) is counted as it arrives; past the
        limit the read fails with a 413 that the app's error mapping answers."""
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise HTTPException(413, self._too_large())
            return message

        await self.app(scope, counting, send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes:,} bytes"

    async def _refuse_size(self, send: Send) -> None:
        await _answer(send, 413, self._too_large(), "too_large")


async def _answer(send: Send, status: int, detail: str, code: str, bearer: bool = False) -> None:
    body = json.dumps({"detail": detail, "code": code}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if bearer:
        headers.append((b"www-authenticate", b"Bearer"))
    # The body was not read: tell the client the connection will not be reused for it.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

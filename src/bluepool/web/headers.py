"""Security headers on every answer: pages, the API, static files, the event stream and
every error (404, 413, 422, a server error's 500).

A pure ASGI middleware that adds the headers to ``http.response.start``: it never reads or
buffers a body, so the event stream passes through untouched. It is installed outside
everything (see ``web.app.App``), even outside Starlette's own server-error layer, so that a
500 carries the headers too. A header the app already set (a page with its own policy) is
kept.

The content security policy allows no inline script at all: the pages load their ES modules
from ``/static`` and read their data from ``<script type="application/json">`` blocks, which
do not execute. Styles come from ``/static`` too; scripts (Leaflet among them) only set
styles through the DOM, which a policy does not restrict. Images may be ``data:`` URLs
(Leaflet's and the API explorer's icons) and the map tiles of ``BLUEPOOL_TILE_URL``.

Strict-Transport-Security is sent only on a request that came over TLS (scheme ``https``).
Behind a reverse proxy that terminates TLS, uvicorn takes the scheme from the proxy's
``X-Forwarded-Proto`` when the proxy's address is in ``FORWARDED_ALLOW_IPS`` (by default
127.0.0.1 only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: One year: browsers remember to use TLS only for this long after the last answer.
HSTS = b"max-age=31536000"


def tile_origin(tile_url: str | None) -> str | None:
    """The origin the map tiles come from, as a CSP source (None: no tiles, or our own).

    A Leaflet template's ``{s}`` subdomain becomes a ``*`` wildcard:
    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` -> ``https://*.tile.example.org``.
    """
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None  # a path on this server: 'self' covers it
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(tile_url: str | None = None) -> str:
    """The pages' policy: scripts, styles, connections and frames from this origin only."""
    images = " ".join(x for x in ("'self'", "data:", tile_origin(tile_url)) if x)
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


def security_headers(tile_url: str | None = None) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries (Strict-Transport-Security aside: TLS only)."""
    return [
        (b"content-security-policy", content_security_policy(tile_url).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, tile_url: str | None = None) -> None:
        self.app = app
        self.headers = security_headers(tile_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.headers)
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

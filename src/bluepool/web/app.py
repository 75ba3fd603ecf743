"""The FastAPI application factory: the JSON API under /api/v1, OpenAPI at /docs."""

from __future__ import annotations

import functools
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.routing import BaseRoute

import bluepool
from bluepool import bootstrap
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.web import errors, logs
from bluepool.web.api import (
    access,
    aid,
    audit,
    changes,
    collective,
    command,
    dispatch,
    events,
    field,
    floor,
    geocode,
    incident_edits,
    ledger,
    people,
    reports,
    resources,
    sharing,
)
from bluepool.web.auth import RecentUsers
from bluepool.web.headers import ASGIApp, SecurityHeaders
from bluepool.web.limits import Limits
from bluepool.web.pages import views as console
from bluepool.web.streams import StreamSlots
from bluepool.web.throttle import SignInThrottle


def _operation_id(route: APIRoute) -> str:
    tag = str(route.tags[0]).replace(" ", "_") if route.tags else "api"
    return f"{tag}-{route.name}"


class App(FastAPI):
    """FastAPI with the security headers outside every layer, Starlette's server-error one
    included (a middleware added with ``add_middleware`` sits inside it: a 500 would pass
    it by)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(
            super().build_middleware_stack(), self.state.runtime.settings.tile_url
        )


@functools.cache
def api_routes() -> tuple[BaseRoute, ...]:
    """The routes under /api/v1, every operation with the errors it may answer."""
    api = APIRouter(
        prefix="/api/v1",
        responses=errors.EVERY_OPERATION,
        generate_unique_id_function=_operation_id,
    )
    routers = (
        access,
        dispatch,
        command,
        field,
        incident_edits,
        floor,
        geocode,
        collective,
        sharing,
        reports,
        resources,
        people,
        aid,
        ledger,
        changes,
        audit,
        events,
    )
    for module in routers:
        api.include_router(module.router)
    return tuple(api.routes)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app for ``settings`` (or around an already built runtime, for tests)."""
    runtime = runtime or bootstrap.build(settings or Settings())
    built = runtime

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        built.start()  # the outbox relay and the JetStream consumer, when configured
        try:
            yield
        finally:
            built.stop()

    app = App(
        lifespan=lifespan,
        title="bluepool",
        version=bluepool.__version__,
        description="Central dispatch for a collective of police agencies that run their "
        "units as one fleet across jurisdiction lines.",
        generate_unique_id_function=_operation_id,
        # /docs is the console's page (vendored Swagger UI, no inline script: see
        # pages/views.py); ReDoc would need inline styles and a CDN.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.runtime = runtime
    app.state.recent_users = RecentUsers()
    app.state.stream_slots = StreamSlots(
        runtime.settings.max_streams_per_user, runtime.settings.max_streams
    )
    app.state.sign_in = sign_in_throttle(runtime.settings)
    logs.install()
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(
        Limits,
        max_body_bytes=runtime.settings.max_body_bytes,
        secret=runtime.settings.secret_key,
    )
    errors.install(app)

    # The API's routes are built once a process (API_ROUTES) and shared by every app: what
    # they need of a runtime they read from ``request.app.state``, and building them (a
    # pydantic adapter for each parameter of each route) costs most of an app's start.
    app.router.routes.extend(api_routes())
    console.mount(app)

    app.add_middleware(RefuseNul)

    @app.get(
        "/health",
        tags=["health"],
        responses={503: {"description": "The database cannot be reached"}},
    )
    def health() -> JSONResponse:
        """Liveness and database reachability; answers without a token."""
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse(
                {"status": "unavailable", "database": str(exc).splitlines()[0]}, 503
            )
        return JSONResponse({"status": "ok", "database": "ok", "version": bluepool.__version__})

    return app


class RefuseNul:
    """400 for a URL with a NUL character: no id or filter contains one, and PostgreSQL
    could not even compare one. Pure ASGI (Starlette's ``@app.middleware("http")`` costs a
    task and a memory stream per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + scope.get("query_string", b"")
            if "\x00" in scope["path"] or b"%00" in raw:
                refused = JSONResponse(
                    {"detail": "the URL contains a NUL character", "code": "bad_request"}, 400
                )
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def sign_in_throttle(settings: Settings) -> SignInThrottle:
    return SignInThrottle(
        settings.rate_limit_storage,
        settings.sign_in_rate_per_address,
        settings.sign_in_rate_per_username,
        settings.sign_in_lockout_failures,
        settings.sign_in_lockout_base_s,
        settings.sign_in_lockout_max_s,
    )


def app_from_environment() -> FastAPI:
    """The app for one of several workers (``bluepool serve --workers N``): its settings from
    the BLUEPOOL_* variables the parent process set."""
    app = create_app(Settings())
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Start-up built long-lived objects (road network, jurisdictions): keep them out of the
    garbage collector's full sweeps, whose pauses would otherwise land in request tails."""
    gc.collect()
    gc.freeze()

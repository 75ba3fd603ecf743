"""The FastAPI application factory: the JSON API under /api/v1, OpenAPI at /docs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

import bluepool
from bluepool import bootstrap
from bluepool.adapters.http import errors
from bluepool.adapters.http.console import views as console
from bluepool.adapters.http.routes import (
    auth,
    collective,
    events,
    incidents,
    units,
    users,
)
from bluepool.bootstrap import Runtime
from bluepool.config import Settings


def _operation_id(route: APIRoute) -> str:
    tag = str(route.tags[0]).replace(" ", "_") if route.tags else "api"
    return f"{tag}-{route.name}"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app for ``settings`` (or around an already built runtime, for tests)."""
    runtime = runtime or bootstrap.build(settings or Settings())
    app = FastAPI(
        title="bluepool",
        version=bluepool.__version__,
        description="Central dispatch for a collective of police agencies that run their "
        "units as one fleet across jurisdiction lines.",
        generate_unique_id_function=_operation_id,
    )
    app.state.runtime = runtime
    errors.install(app)

    api = APIRouter(prefix="/api/v1")
    for module in (auth, incidents, units, collective, users, events):
        api.include_router(module.router)
    app.include_router(api)
    console.mount(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without a token."""
        return {"status": "ok", "version": bluepool.__version__}

    return app

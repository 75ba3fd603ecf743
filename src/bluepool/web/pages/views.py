"""The console's pages: ``/`` (dispatcher), ``/supervisor`` (the supervisor panel),
``/analyst`` (the incident search), ``/officer``, ``/admin`` (agency and collective admins),
``/audit`` (the audit log, for analysts and collective admins), ``/login``, and the API
explorer ``/docs``.

The pages are shells: the browser signs in against ``/api/v1/auth/token``, keeps the token
in ``sessionStorage`` and reads everything else from the public API and its event stream.
``mount(app)`` adds the pages and the static files (``/static``) to the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

import bluepool
from bluepool.domain import events
from bluepool.domain.access.roles import DISPATCH_ROLES
from bluepool.domain.audit.entries import Kind
from bluepool.domain.dispatch.incidents import IncidentStatus

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: The vendored Swagger UI (static/vendor/swagger-ui) that /docs serves.
SWAGGER_UI = "5.35.0"
templates = Jinja2Templates(directory=HERE / "templates")

router = APIRouter(include_in_schema=False)


class PageContext(TypedDict):
    """What every page's template is given."""

    page: str
    version: str
    tile_url: str | None
    environment: str
    event_types: list[str]
    #: The roles that dispatch: the console offers them waiting calls and timers to
    #: acknowledge (``domain.access.roles.DISPATCH_ROLES``; the API decides).
    dispatch_roles: list[str]


def _context(request: Request, page: str) -> PageContext:
    settings = request.app.state.runtime.settings
    return {
        "page": page,
        "version": bluepool.__version__,
        "tile_url": settings.tile_url,
        "environment": settings.environment,
        #: The live stream's event names, from the one list of them.
        "event_types": list(events.NAMES),
        "dispatch_roles": sorted(role.value for role in DISPATCH_ROLES),
    }


@router.get("/", response_class=HTMLResponse)
def console(request: Request) -> HTMLResponse:
    """The dispatcher's console: map, incident queue, unit board, recommendation."""
    return templates.TemplateResponse(request, "console.html", dict(_context(request, "console")))


@router.get("/officer", response_class=HTMLResponse)
def officer(request: Request) -> HTMLResponse:
    """The officer's view of their unit's assignment, for a phone."""
    return templates.TemplateResponse(request, "officer.html", dict(_context(request, "officer")))


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request) -> HTMLResponse:
    """The audit log: its entries with filters, each entry's body and hash, the chain's
    state and a CSV download (the API decides who may read it)."""
    context = {**_context(request, "audit"), "audit_kinds": [k.value for k in Kind]}
    return templates.TemplateResponse(request, "audit.html", context)


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor(request: Request) -> HTMLResponse:
    """The supervisor panel: the calls waiting, the timers due, each agency's units
    against its home reserve, each dispatcher's workload this shift."""
    context = dict(_context(request, "supervisor"))
    return templates.TemplateResponse(request, "supervisor.html", context)


@router.get("/analyst", response_class=HTMLResponse)
def analyst(request: Request) -> HTMLResponse:
    """The analyst's read-only view: the incident search and each incident's timeline."""
    context = {**_context(request, "analyst"), "statuses": [s.value for s in IncidentStatus]}
    return templates.TemplateResponse(request, "analyst.html", context)


@router.get("/board", response_class=HTMLResponse)
def board(request: Request) -> HTMLResponse:
    """The board report: utilisation, idle specialised units, duplicated resources and the
    saving of pooling them, unit-hours lent and borrowed (the API decides who reads it)."""
    return templates.TemplateResponse(request, "board.html", dict(_context(request, "board")))


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> HTMLResponse:
    """The admin screens: agencies, jurisdictions, stations, units, call types, agreements
    and users, kept through the API (which decides what each admin may change)."""
    return templates.TemplateResponse(request, "admin.html", dict(_context(request, "admin")))


@router.get("/login", response_class=HTMLResponse)
def login(request: Request) -> HTMLResponse:
    """Sign in; the token goes to the browser's sessionStorage."""
    return templates.TemplateResponse(request, "login.html", dict(_context(request, "login")))


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The OpenAPI explorer, from vendored assets (offline, and without inline script)."""
    return templates.TemplateResponse(
        request,
        "docs.html",
        {
            "title": request.app.title,
            "openapi_url": request.app.openapi_url,
            "version": bluepool.__version__,
            "swagger_ui": SWAGGER_UI,
        },
    )


def mount(app: FastAPI) -> None:
    """Add the console's pages and its static files (``/static``) to ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

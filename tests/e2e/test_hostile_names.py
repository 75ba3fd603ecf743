"""Names are text, never markup: records whose names and notes are HTML that would run
script are shown on the console, the officer view and the audit log as the characters they
are, nothing executes, and the pages run without a single content-security-policy violation.

Every name that reaches the two pages is made hostile through the public API: an agency, a
jurisdiction, a station, a call type, a unit, the users' full names and an incident's
description. Both payloads would run if inserted as HTML: an ``<img onerror>`` (which runs
from ``innerHTML``) and a ``<script>`` breaking out of an attribute.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DESK, PHONE
from tests.e2e.harness import LANDING_MS, LiveServer, sign_in

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect


def hostile(label: str) -> str:
    """``label`` wrapped in markup that runs script wherever it is parsed as HTML."""
    return (
        f"<img src=x onerror=\"window.__pwned='{label}'\">{label}"
        f'"><script>window.__pwned=2</script>'
    )


AGENCY = hostile("Agency")
JURISDICTION = hostile("Place")
STATION = hostile("Station")
CALL_TYPE = hostile("Call")
UNIT = hostile("Unit")
DISPATCHER = hostile("Dispatcher")
OFFICER = hostile("Officer")
DESCRIPTION = hostile("Notes")
PASSWORD = "correct horse battery staple"

# A small square just outside the demo collective's north-east edge, around a road of the
# demo network (no demo jurisdiction overlaps it).
SQUARE = [[9.562, 47.2496], [9.566, 47.2496], [9.566, 47.2536], [9.562, 47.2536], [9.562, 47.2496]]
INSIDE = {"lat": 47.25162, "lon": 9.56403}

# Recorded before any of the page's scripts run: every CSP violation, and whether a payload
# ran (it would set window.__pwned).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
});
"""


def api(server: LiveServer, token: str, method: str, path: str, body: Any) -> Any:
    r = httpx.request(
        method,
        f"{server.url}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code < 300, (path, r.status_code, r.text)
    return r.json()


def password_token(server: LiveServer, username: str, password: str) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/token", data={"username": username, "password": password}
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


@pytest.fixture(scope="module")
def hostile_records(server: LiveServer) -> dict[str, str]:
    """The hostile collective member, its unit on a hostile incident, and two users."""
    admin = password_token(server, "admin", "admin")
    api(server, admin, "POST", "/agencies", {"id": "hostile", "name": AGENCY})
    api(
        server,
        admin,
        "POST",
        "/jurisdictions",
        {
            "id": "hostile-town",
            "name": JURISDICTION,
            "agency": "hostile",
            "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
        },
    )
    api(
        server,
        admin,
        "POST",
        "/stations",
        {"id": "hostile-hq", "agency": "hostile", "name": STATION, "location": INSIDE},
    )
    api(
        server,
        admin,
        "POST",
        "/agreements",
        {
            "id": "HOSTILE-collective",
            "title": AGENCY,
            "parties": ["hostile", "collective"],
            "valid_from": "2026-01-01T00:00:00Z",
            "clauses": [{"lender": "hostile"}],
        },
    )
    api(
        server,
        admin,
        "POST",
        "/call-types",
        {
            "code": "hostile_call",
            "name": CALL_TYPE,
            "default_priority": 2,
            "plan": [{"capability": "patrol"}],
        },
    )
    api(
        server,
        admin,
        "POST",
        "/units",
        {
            "id": "hostile-p1",
            "agency": "hostile",
            "name": UNIT,
            "kind": "patrol",
            "capabilities": ["patrol"],
            "station": "hostile-hq",
            "location": INSIDE,
        },
    )
    for username, role, full_name, extra in (
        ("hostile-dispatcher", "dispatcher", DISPATCHER, {}),
        ("hostile-officer", "officer", OFFICER, {"agency": "hostile", "unit_id": "hostile-p1"}),
    ):
        body = {"username": username, "password": PASSWORD, "role": role, "full_name": full_name}
        api(server, admin, "POST", "/users", body | extra)
    dispatcher = password_token(server, "hostile-dispatcher", PASSWORD)
    incident = api(
        server,
        dispatcher,
        "POST",
        "/incidents",
        {"call_type": "hostile_call", "location": INSIDE, "description": DESCRIPTION},
    )
    assert incident["jurisdiction"] == "hostile-town"
    api(
        server,
        dispatcher,
        "POST",
        f"/incidents/{incident['id']}/assignments",
        {"unit_id": "hostile-p1"},
    )
    return {"incident": incident["id"]}


@pytest.fixture
def open_watched(browser: Any, server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Sign in as ``username`` in a fresh context that records CSP violations, page errors
    and console errors."""
    contexts: list[Any] = []
    problems: list[str] = []

    def open_(username: str, viewport: dict[str, int], password: str = PASSWORD) -> Any:
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(8000)
        context.add_init_script(WATCH)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"{username}: {e}"))
        page.on(
            "console",
            lambda m: (
                problems.append(f"{username} console: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        sign_in(page, server.url, username, password)
        return page

    yield open_
    for c in contexts:
        c.close()
    assert not problems, problems


def assert_nothing_ran(page: Any) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("window.__csp") == []
    # Not one element came out of the names: no <img src=x>, no script without a source
    # but the pages' own JSON data block.
    assert page.locator("img[src='x']").count() == 0
    scripts = page.locator("script:not([src])")
    for n in range(scripts.count()):
        assert scripts.nth(n).get_attribute("type") == "application/json"


def test_the_console_shows_hostile_names_as_text(
    open_watched: Callable[..., Any], hostile_records: dict[str, str]
) -> None:
    page = open_watched("hostile-dispatcher", DESK)
    queue = page.locator("#queue-list")
    expect(queue).to_contain_text(CALL_TYPE)  # the call type, as the characters it is
    expect(queue).to_contain_text(JURISDICTION)
    expect(page.locator("#user-name")).to_have_text(DISPATCHER)

    page.locator(f'#queue-list [data-id="{hostile_records["incident"]}"]').click()
    detail = page.locator("#incident-detail")
    expect(detail.locator("h2")).to_have_text(CALL_TYPE)
    expect(detail).to_contain_text(DESCRIPTION)
    expect(detail).to_contain_text(JURISDICTION)
    expect(page.locator("#assigned-list")).to_contain_text(AGENCY)  # the unit's agency

    row = page.locator('#units-body tr[data-id="hostile-p1"]')
    expect(row.locator(".u-id")).to_have_attribute("title", UNIT)
    expect(row.locator("td").first).to_have_attribute("title", AGENCY)
    expect(row).to_contain_text(JURISDICTION)
    expect(page.locator('#unit-agency option[value="hostile"]')).to_have_text(AGENCY)
    call_type = page.locator('#new-call-type option[value="hostile_call"]')
    expect(call_type).to_have_text(f"{CALL_TYPE} (P2)")

    # The map: the jurisdiction's permanent label, and the incident's and the unit's
    # tooltips, opened by hovering their markers.
    expect(page.locator(".jur-label", has_text="Place")).to_have_text(JURISDICTION)
    page.locator(".inc-pin.selected").hover()
    expect(page.locator(".leaflet-tooltip", has_text="Call")).to_contain_text(CALL_TYPE)
    assert_nothing_ran(page)


def test_the_officer_view_shows_hostile_names_as_text(
    open_watched: Callable[..., Any], hostile_records: dict[str, str]
) -> None:
    page = open_watched("hostile-officer", PHONE)
    expect(page.locator("#unit-title")).to_have_text(UNIT)
    expect(page.locator("#unit-meta")).to_contain_text(JURISDICTION)
    body = page.locator("#assignment-body")
    expect(body.locator("h3")).to_have_text(CALL_TYPE)
    expect(body).to_contain_text(DESCRIPTION)
    expect(body).to_contain_text(JURISDICTION)
    expect(page.locator(".jur-label", has_text="Place")).to_have_text(JURISDICTION)
    assert_nothing_ran(page)


def strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def test_the_analyst_view_and_the_supervisor_panel_show_hostile_names_as_text(
    open_watched: Callable[..., Any], hostile_records: dict[str, str], server: LiveServer
) -> None:
    analyst = open_watched("analyst", DESK, "analyst")
    analyst.goto(f"{server.url}/analyst?call_type=hostile_call")
    analyst.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(analyst.locator('#s-call_type option[value="hostile_call"]')).to_have_text(CALL_TYPE)
    row = analyst.locator(f'#results-body tr[data-id="{hostile_records["incident"]}"]')
    expect(row.locator("td").nth(2)).to_have_text(CALL_TYPE)
    row.click()
    expect(analyst.locator("#incident-body")).to_contain_text(DESCRIPTION)
    assert_nothing_ran(analyst)

    supervisor = open_watched("supervisor", DESK, "supervisor")
    supervisor.goto(f"{server.url}/supervisor")
    supervisor.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(supervisor.locator('#reserve-body tr[data-agency="hostile"] th')).to_have_text(AGENCY)
    assert_nothing_ran(supervisor)


def test_the_audit_log_shows_hostile_names_as_text(
    open_watched: Callable[..., Any], hostile_records: dict[str, str], server: LiveServer
) -> None:
    typed = "<img src=x onerror=\"window.__pwned='typed'\">"  # a failed sign-in's name
    httpx.post(f"{server.url}/api/v1/auth/token", data={"username": typed, "password": "x"})
    page = open_watched("analyst", DESK, "analyst")
    page.goto(f"{server.url}/audit?kind=sign_in_failed")
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    row = page.locator("#entries-body tr", has_text="window.__pwned").first
    expect(row.locator("td").nth(4)).to_have_text(typed)
    row.locator("button.seq").click()
    expect(page.locator("#entry-fields")).to_contain_text(typed)
    assert json.loads(page.locator("#entry-body").inner_text())["actor"] == typed

    # The hostile agency's record, as its change entry carries it.
    page.goto(f"{server.url}/audit?subject=agency%2Fhostile")
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    page.locator("#entries-body button.seq").first.click()
    expect(page.locator("#entry-detail")).to_be_visible()
    assert AGENCY in strings(json.loads(page.locator("#entry-body").inner_text()))
    expect(page.locator('#f-agency option[value="hostile"]')).to_have_text(AGENCY)
    assert_nothing_ran(page)


def test_the_api_explorer_runs_under_the_policy(browser: Any, server: LiveServer) -> None:
    """/docs: the vendored Swagger UI renders the API, opens an operation and signs in
    without a CSP violation (its set-up script is a static file, not inline)."""
    context = browser.new_context(viewport=DESK)
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(f"{server.url}/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operation = page.locator(".opblock", has_text="/api/v1/incidents").first
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.get_by_role("button", name="Authorize").click()
    modal = page.locator(".modal-ux")
    modal.locator("#oauth_username").fill("dispatcher")
    modal.locator("#oauth_password").fill("dispatcher")
    modal.get_by_role("button", name="Apply given OAuth2 credentials").click()
    expect(modal.get_by_role("button", name="Remove authorization")).to_be_visible()
    expect(modal).to_contain_text("Authorized")  # the token came from /api/v1/auth/token
    assert page.evaluate("window.__csp") == []
    assert not errors, errors
    context.close()

"""Accessibility in a real browser: axe-core finds no critical and no serious violation on
any page, in each of its main states (the sign-in page, the console with an incident open,
its new-incident form and its pop-outs, the officer view on a phone, every admin section,
the audit log with an entry open, the API explorer); and the console is whole by keyboard,
map markers included, in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.dispatch import incidents
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DESK, PHONE
from tests.e2e.harness import LANDING_MS, LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

ADMIN_SECTIONS = (
    "Agencies",
    "Jurisdictions",
    "Stations",
    "Units",
    "Call types",
    "Agreements",
    "Resources",
    "Mutual aid",
    "Users",
)


# Where the focus is: the console's part holding it, and the focused control's name.
FOCUSED = """() => {
  const el = document.activeElement;
  const part = el.closest('#queue-panel, #map, #units-panel, #detail-panel, footer');
  const name = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40);
  return `${part ? part.id || part.tagName : 'top'}|${name}`;
}"""


def call(server: LiveServer, call_type: str, where: Location, priority: int) -> Any:
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    return incidents.create_incident(ctx, user, call_type, where, priority, "")


def test_the_sign_in_page(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    assert_accessible(page, "sign-in")
    page.get_by_label("Username", exact=True).fill("dispatcher")
    page.get_by_label("Password", exact=True).fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").filter(has_text="Wrong username")).to_be_visible()
    assert_accessible(page, "sign-in, wrong password")
    context.close()


def test_the_console_in_each_state(open_page: Callable[..., Any], server: LiveServer) -> None:
    page = open_page("dispatcher")
    assert_accessible(page, "console, nothing selected")

    page.keyboard.press("n")
    expect(page.locator("#new-incident")).to_be_visible()
    page.locator("#new-address").fill("stadtle")
    expect(page.locator("#new-address-list li").first).to_be_visible()
    assert_accessible(page, "console, new-incident form with addresses")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")

    inc = call(server, "armed_robbery", Location(47.139, 9.5215), 1)
    page.locator(f'#queue-list [data-id="{inc.id}"]').click()
    expect(page.locator("#rec-panel")).to_be_visible()
    expect(page.locator("#rec-body tr").first).to_be_visible()
    page.locator("#rec-excluded summary").click()
    assert_accessible(page, "console, incident open with its recommendation")

    page.keyboard.press("a")
    expect(page.locator("#incident-detail")).to_contain_text("dispatched")
    assert_accessible(page, "console, incident dispatched with its route")

    page.get_by_label("Show incidents by status").select_option("closed")
    assert_accessible(page, "console, closed incidents")

    for view in ("queue", "map", "units"):
        with page.context.expect_page() as popped:
            page.locator(f'[data-popout="{view}"]').click()
        window = popped.value
        window.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
        assert_accessible(window, f"pop-out {view}")
        window.close()


def test_the_officer_view_on_a_phone(open_page: Callable[..., Any], server: LiveServer) -> None:
    page = open_page("officer", PHONE)
    expect(page).to_have_url(re.compile(r"/officer$"))
    assert_accessible(page, "officer, no assignment")
    inc = call(server, "burglary", Location(47.1405, 9.5200), 2)
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    incidents.assign(ctx, user, inc.id, "vaduz-p1")
    expect(page.locator("body")).to_contain_text("Burglary")
    assert_accessible(page, "officer, assigned")


def test_every_admin_section(open_page: Callable[..., Any]) -> None:
    page = open_page("admin")
    nav = page.get_by_role("navigation", name="Admin sections")
    for name in ADMIN_SECTIONS:
        nav.get_by_role("link", name=name).click()
        expect(page.locator("#section-h")).to_contain_text(name)
        assert_accessible(page, f"admin, {name}")
    page.get_by_role("button", name="New user").click()
    expect(page.locator("#admin-main form")).to_be_visible()
    assert_accessible(page, "admin, new-user form")


def test_the_audit_log(open_page: Callable[..., Any]) -> None:
    page = open_page("analyst")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(page.locator("#entries-body tr").first).to_be_visible()
    assert_accessible(page, "audit log")
    page.locator("#entries-body tr").first.locator("button.seq").click()
    expect(page.locator("#entry-detail")).to_be_visible()
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#chain-verified")).to_contain_text(re.compile("Whole|Not whole"))
    assert_accessible(page, "audit log, entry open, chain verified")


def test_the_api_explorer_offline(browser: Any, server: LiveServer) -> None:
    """/docs: every asset comes from bluepool (nothing from another origin), and it passes."""
    context = browser.new_context(viewport=DESK)
    elsewhere: list[str] = []

    def only_here(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    page.goto(f"{server.url}/docs")
    operation = page.locator(".opblock", has_text="/api/v1/incidents").first
    expect(operation).to_be_visible()
    assert_accessible(page, "API explorer")
    operation.locator(".opblock-summary").click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert_accessible(page, "API explorer, an operation open")
    assert elsewhere == []
    context.close()


def test_the_console_is_whole_by_keyboard_in_reading_order(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    inc = call(server, "theft", Location(47.1003, 9.6075), 3)
    page = open_page("dispatcher")
    expect(page.locator(f'#queue-list [data-id="{inc.id}"]')).to_be_visible()
    page.locator("#queue-filter").focus()
    seen: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate(FOCUSED)
        seen.append(where)
    parts = [s.split("|")[0] for s in seen]
    order = [p for i, p in enumerate(parts) if i == 0 or parts[i - 1] != p]
    # The queue, then the map (its markers), then the unit board: in the reading order.
    assert order.index("queue-panel") < order.index("map") < order.index("units-panel"), order
    assert any(s.startswith("queue-panel|") and "Theft" in s for s in seen), seen
    assert any(": cluster of " in s or s.startswith("map|Unit ") for s in seen), seen
    assert any(s.startswith("map|Incident P3 Theft") for s in seen), seen

    # Enter on the incident's marker opens it; Tab then reaches its recommendation.
    page.locator('.leaflet-marker-icon[aria-label^="Incident P3 Theft"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rec-panel")).to_be_visible()
    expect(page.locator("#rec-body .assign-one").first).to_be_visible()
    page.locator("#rec-body .assign-one").first.focus()
    expect(page.locator("#rec-body .assign-one").first).to_be_focused()

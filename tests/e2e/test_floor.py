"""The dispatch floor at scale, in a real browser: the map clusters its markers and labels
its units, and every marker opens from the keyboard; the queue shows 500 open incidents and
follows the event stream row by row; a pop-out window shows one part of the console,
signed in with the console's session and live.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.dispatch import incidents
from tests.e2e.harness import LANDING_MS, LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

MALBUN = Location(47.1003, 9.6075)  # in the mountains, no station near: a lone marker
# Towns of the demo collective; the 500 incidents fall around them.
TOWNS = ((47.141, 9.521), (47.165, 9.509), (47.107, 9.528), (47.066, 9.503), (47.208, 9.526))


def call(server: LiveServer, call_type: str, where: Location, priority: int = 3) -> Any:
    """A call taken by another dispatcher (as through another API worker)."""
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    return incidents.create_incident(ctx, user, call_type, where, priority, "")


def read(server: LiveServer, path: str) -> Any:
    """GET ``path`` from the API as dispatcher2."""
    r = httpx.post(
        f"{server.url}/api/v1/auth/token",
        data={"username": "dispatcher2", "password": "dispatcher2"},
    )
    r.raise_for_status()
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    got = httpx.get(f"{server.url}/api/v1{path}", headers=headers)
    got.raise_for_status()
    return got.json()


def test_the_map_clusters_markers_labels_units_and_opens_markers_by_keyboard(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    # The collective at a glance: 47 units, gathered into clusters that say what they hold.
    clusters = page.locator(".leaflet-marker-icon:has(.cluster)")
    expect(clusters.first).to_be_visible()
    assert clusters.count() < 20
    labels = clusters.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    held = sum(int(label.split(":")[0].split()[0]) for label in labels)  # "120 P3: cluster..."
    assert held + page.locator(".unit-pin").count() == 47

    # A cluster opens from the keyboard: focused by Tab, Enter zooms in to its markers.
    before = page.locator(".unit-pin").count()
    clusters.first.focus()
    expect(clusters.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".unit-pin")).not_to_have_count(before)

    # Units are labelled with their id, and a unit's marker opens its row on the board.
    for _ in range(6):
        if page.locator(".unit-pin").count():
            break
        page.locator(".leaflet-marker-icon:has(.cluster)").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)
    pin = page.locator('.leaflet-marker-icon[aria-label^="Unit "]').first
    unit_id = pin.locator(".unit-label").inner_text()
    expect(pin).to_have_attribute("aria-label", f"Unit {unit_id}, available")
    expect(pin).to_have_attribute("tabindex", "0")
    pin.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'#units-body tr[data-id="{unit_id}"]')).to_have_class("flash")
    expect(page.locator("#new-incident")).to_be_hidden()  # Enter on a marker assigns nothing

    # An incident far from the others stands alone; Enter on its pin opens it.
    inc = call(server, "burglary", MALBUN, priority=2)
    page.reload()  # the whole collective in view again
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    marker = page.locator('.leaflet-marker-icon[aria-label^="Incident P2 Burglary"]')
    expect(marker).to_be_visible()
    marker.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'#queue-list [data-id="{inc.id}"]')).to_have_attribute(
        "aria-current", "true"
    )
    expect(page.locator("#incident-detail")).to_contain_text("Burglary")
    expect(page.locator("#rec-panel")).to_be_visible()


def test_the_queue_shows_500_open_incidents_and_updates_rows_in_place(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    rng = random.Random(3)
    for _ in range(500):
        lat, lon = rng.choice(TOWNS)
        where = Location(lat + rng.uniform(-0.005, 0.005), lon + rng.uniform(-0.005, 0.005))
        call(server, "theft", where, priority=rng.randint(3, 5))
    total = len(read(server, "/incidents?open=true&limit=1000")["items"])
    assert total >= 500

    page = open_page("dispatcher")
    rows = page.locator("#queue-list > li")
    expect(rows).to_have_count(total)
    expect(page.locator("#stat-open")).to_have_text(str(total))
    # Mark every row the page built: rows the stream does not touch must stay these nodes.
    page.evaluate("document.querySelectorAll('#queue-list > li').forEach(li => li.marked = 1)")

    # A new P1 call arrives live, at the top; an assignment changes its row, and only its.
    new = call(server, "armed_robbery", Location(47.139, 9.5215), priority=1)
    expect(rows).to_have_count(total + 1)
    expect(rows.first.locator("button")).to_have_attribute("data-id", str(new.id))
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    incidents.assign(ctx, user, new.id, "vaduz-p2")
    expect(rows.first).to_contain_text("vaduz-p2")
    kept = page.evaluate(
        "[...document.querySelectorAll('#queue-list > li')].filter(li => li.marked).length"
    )
    assert kept == total


def test_a_pop_out_window_is_signed_in_live_and_follows_the_selection(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    with page.context.expect_page() as popped:
        page.locator('[data-popout="queue"]').click()
    queue = popped.value
    errors: list[str] = []
    queue.on("pageerror", lambda e: errors.append(str(e)))
    queue.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(queue).to_have_title(re.compile(r"^(\(\d+\) )?Incidents · Dispatch · bluepool$"))
    expect(queue.locator("#queue-panel")).to_be_visible()
    expect(queue.locator("#map")).to_be_hidden()
    expect(queue.locator("#detail-panel")).to_be_hidden()
    expect(queue.locator("#user-name")).to_have_text("Dana Dispatcher")  # no second sign-in
    expect(queue.locator("#conn")).to_have_text("Live")
    expect(queue.locator('[data-popout="queue"]')).to_be_hidden()

    # Live: a call taken elsewhere appears in the pop-out.
    inc = call(server, "domestic", Location(47.1655, 9.5098), priority=1)
    row = queue.locator(f'#queue-list [data-id="{inc.id}"]')
    expect(row).to_contain_text("Domestic")
    # Choosing it there opens it on the console, with its recommendation.
    row.click()
    expect(page.locator("#incident-detail")).to_contain_text("Domestic")
    expect(page.locator("#rec-panel")).to_be_visible()
    # The pop-out browses; assigning is the console's (A does nothing there).
    queue.keyboard.press("a")
    queue.wait_for_timeout(300)
    assert read(server, f"/incidents/{inc.id}")["status"] == "received"

    # The map and the unit board pop out too, each alone.
    with page.context.expect_page() as popped_map:
        page.locator('[data-popout="map"]').click()
    map_window = popped_map.value
    map_window.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(map_window.locator("#map")).to_be_visible()
    expect(map_window.locator("#queue-panel")).to_be_hidden()
    # The incident is there, on its own or in a cluster that says it holds a P1.
    pin = '[aria-label^="Incident P1 Domestic"], [aria-label*="most urgent P1"]'
    expect(map_window.locator(pin).first).to_be_attached()
    with page.context.expect_page() as popped_units:
        page.locator('[data-popout="units"]').click()
    units = popped_units.value
    units.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(units.locator("#units-body tr")).to_have_count(47)
    expect(units.locator("#map")).to_be_hidden()

    # Signing out in the console signs out its pop-outs.
    page.locator("#signout").click()
    for w in (queue, map_window, units):
        expect(w).to_have_url(re.compile(r"/login"))
    assert not errors, errors

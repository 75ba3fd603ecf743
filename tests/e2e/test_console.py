"""The dispatcher console and the officer view in a real browser, live.

Story: Dana (dispatcher) takes a call, sees the recommendation and dispatches; Olivia
(officer, unit vaduz-p1) gets the assignment on her phone and reports on scene; Dana's
screen follows without a reload. Consoles also survive a dropped connection.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.dispatch import incidents
from tests.e2e.conftest import PHONE
from tests.e2e.harness import LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

GEWERBEWEG = (47.12624, 9.52260)  # Vaduz station of vaduz-p1..p4
ESCHEN = (47.2081, 9.5262)  # Unterland


def new_incident(page: Any, call_type: str, where: tuple[float, float], notes: str = "") -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    expect(page.locator("#new-incident")).to_be_visible()
    page.get_by_label("Latitude", exact=True).fill(str(where[0]))
    page.get_by_label("Longitude", exact=True).fill(str(where[1]))
    page.get_by_label("Call type", exact=True).select_option(call_type)
    page.get_by_label("Description").fill(notes)
    page.get_by_label("Longitude", exact=True).press("Enter")
    expect(page.locator("#rec-panel")).to_be_visible()


def unit_status(page: Any, unit_id: str) -> Any:
    return page.locator(f'#units-body tr[data-id="{unit_id}"] .pill')


def token(server: LiveServer, username: str) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/token", data={"username": username, "password": username}
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def test_sign_in_errors_are_readable(browser: Any, server: LiveServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/")
    expect(page).to_have_url(re.compile(r"/login"))  # no token: to the sign-in page
    page.get_by_label("Username", exact=True).fill("dispatcher")
    page.get_by_label("Password", exact=True).fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").filter(has_text="Wrong username or password")).to_be_visible()
    context.close()


def test_dispatcher_creates_an_incident_sees_the_recommendation_and_assigns_with_one_key(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("dispatcher")
    expect(page.locator("#conn")).to_have_text("Live")
    expect(page.locator("#units-body tr")).to_have_count(47)

    # Clicking the map starts a new incident there.
    page.locator("#map").click(position={"x": 300, "y": 200})
    expect(page.locator("#new-incident")).to_be_visible()
    expect(page.get_by_label("Latitude", exact=True)).to_have_value(re.compile(r"^\d+\.\d{5}$"))
    # A readable error, not a silent failure.
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#new-error")).to_have_text(re.compile("Choose a call type"))

    # Typed coordinates; the call type sets the default priority.
    page.get_by_label("Latitude", exact=True).fill(str(ESCHEN[0]))
    page.get_by_label("Longitude", exact=True).fill(str(ESCHEN[1]))
    page.get_by_label("Call type", exact=True).select_option("burglary")
    expect(page.get_by_label("Priority", exact=True)).to_have_value("3")
    page.get_by_label("Priority", exact=True).select_option("2")
    page.get_by_label("Description").fill("Alarm, back door open")
    page.get_by_role("button", name="Create").click()

    # The recommendation is there at once: ETA, agency, reasons, and the excluded with why.
    rec = page.locator("#rec-panel")
    expect(rec).to_be_visible()
    expect(page.locator("#rec-method")).to_contain_text("ETA")
    top = page.locator('#rec-body tr.cand[data-n="0"]').first
    expect(top).to_contain_text("unterland")
    expect(top.locator(".eta")).to_have_text(re.compile(r"\d"))
    expect(page.locator('#rec-body tr.reasons-row[data-n="0"]')).to_contain_text("workload")
    page.locator("#rec-excluded summary").click()
    expect(page.locator("#rec-excluded-list li").first).to_contain_text("—")
    expect(page.locator("#incident-detail")).to_contain_text("Burglary")
    expect(page.locator("#queue-list .q-item.selected")).to_contain_text("unassigned")
    top_unit = top.get_attribute("data-unit")
    assert top_unit

    # One key assigns the top candidate.
    page.keyboard.press("a")
    expect(page.locator(".toast-ok")).to_contain_text(f"Assigned {top_unit}")
    expect(page.locator("#queue-list .q-item.selected")).to_contain_text("dispatched")
    expect(page.locator("#assigned-list")).to_contain_text(top_unit)
    expect(unit_status(page, top_unit)).to_have_text("dispatched")
    # The demo ships its road network: the assigned unit's route follows the roads.
    expect(page.locator(f'[data-route="{top_unit}"]')).to_contain_text("road route")

    # 1-9 pick another candidate; Enter assigns the pick.
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    expect(page.locator('#rec-body tr.cand[data-n="1"]').first).to_be_visible()
    page.keyboard.press("2")
    second = page.locator('#rec-body tr.cand.picked[data-n="1"]').first
    expect(second).to_be_visible()
    picked = second.get_attribute("data-unit")
    expect(page.locator("#assign-top-unit")).to_have_text(picked or "")
    # The burglary's plan (one patrol car) is filled already: Enter asks first.
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Call already staffed")
    expect(dialog).to_be_visible()
    expect(page.locator("#staffed-cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#staffed-assign")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(unit_status(page, picked or "")).to_have_text("dispatched")


def test_officer_gets_the_assignment_and_the_dispatcher_sees_on_scene_live(
    open_page: Callable[..., Any],
) -> None:
    officer = open_page("officer", viewport=PHONE, is_mobile=True, has_touch=True)
    expect(officer).to_have_url(re.compile(r"/officer$"))
    expect(officer.locator("#unit-title")).to_have_text("Vaduz Patrol 1")
    expect(officer.locator("#assignment-body")).to_contain_text("No current assignment")

    desk = open_page("dispatcher")
    new_incident(desk, "suspicious_person", GEWERBEWEG, "Man trying car doors")
    desk.locator('#rec-body tr.cand:not(.reasons-row)[data-unit="vaduz-p1"] .assign-one').click()
    expect(unit_status(desk, "vaduz-p1")).to_have_text("dispatched")

    # The officer's phone shows it live, with the location and a way there.
    expect(officer.locator("#assignment-title")).to_have_text("Suspicious person")
    expect(officer.locator("#assignment-body")).to_contain_text("Vaduz")
    expect(officer.locator("#unit-status")).to_have_text("dispatched")
    expect(officer.locator("#route-note")).to_contain_text("Road route")

    # The dispatcher's page must update without a reload.
    desk.evaluate("window.__sameDocument = true")
    officer.get_by_role("button", name="En route").click()
    expect(unit_status(desk, "vaduz-p1")).to_have_text("en route", timeout=2000)
    started = time.monotonic()
    officer.get_by_role("button", name="On scene", exact=True).click()
    expect(officer.locator("#unit-status")).to_have_text("on scene")
    expect(unit_status(desk, "vaduz-p1")).to_have_text("on scene", timeout=2000)
    expect(desk.locator("#queue-list .q-item.selected")).to_contain_text("on scene")
    assert time.monotonic() - started < 2.0
    assert desk.evaluate("window.__sameDocument") is True

    # A position typed by hand reaches the dispatcher's map and board.
    officer.get_by_label("Latitude", exact=True).fill("47.1300")
    officer.get_by_label("Longitude", exact=True).fill("9.5240")
    officer.get_by_role("button", name="Send position").click()
    expect(officer.locator("#pos-last")).to_contain_text("47.13000")

    # Clear: the unit is available again and the incident (its only unit) closes.
    officer.get_by_role("button", name="Clear").click()
    expect(unit_status(desk, "vaduz-p1")).to_have_text("available")
    expect(officer.locator("#assignment-body")).to_contain_text("No current assignment")


def test_every_open_console_sees_a_change_from_any_source(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    one, two = open_page("dispatcher"), open_page("dispatcher2")
    expect(two.locator("#conn")).to_have_text("Live")
    # A call taken outside the console (straight through the API).
    r = httpx.post(
        f"{server.url}/api/v1/incidents",
        json={"call_type": "shots_fired", "location": {"lat": 47.17, "lon": 9.51}},
        headers={"Authorization": f"Bearer {token(server, 'supervisor')}"},
    )
    assert r.status_code == 201, r.text
    incident = r.json()["id"]
    for page in (one, two):
        row = page.locator(f'#queue-list [data-id="{incident}"]')
        expect(row).to_contain_text("Shots fired", timeout=1500)
        expect(row).to_contain_text("P1")
        expect(page.locator("#announcer")).to_contain_text("New incident: priority 1 Shots fired")


def test_console_says_it_is_offline_and_catches_up_after_reconnecting(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    expect(page.locator("#conn")).to_have_text("Live")
    banner = page.locator("#offline-banner")
    expect(banner).to_be_hidden()

    server.stop()
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Offline")
    expect(page.locator("#conn")).to_have_text("Offline")

    # Meanwhile a call comes in (e.g. through another API worker).
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    missed = incidents.create_incident(ctx, user, "welfare_check", Location(47.16, 9.51), 4, "")

    server.start()
    expect(page.locator("#conn")).to_have_text("Live", timeout=12000)
    expect(banner).to_be_hidden()
    expect(page.locator(f'#queue-list [data-id="{missed.id}"]')).to_contain_text("Welfare check")

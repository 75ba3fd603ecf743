"""The officer's phone in a real browser, with a dispatcher's console open beside it:
the emergency button (with its countdown), an incident started from the field, a backup
request and the acknowledgement of an assignment, each seen live on the console.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.test_console import unit_status

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect


def phone(open_page: Callable[..., Any], username: str) -> Any:
    page = open_page(username, viewport=PHONE, is_mobile=True, has_touch=True)
    expect(page).to_have_url(re.compile(r"/officer$"))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    return page


def test_the_emergency_button_counts_down_can_be_cancelled_and_alerts_the_floor(
    open_page: Callable[..., Any],
) -> None:
    desk = open_page("dispatcher")
    officer = phone(open_page, "officer")

    # A press that is cancelled within the countdown sends nothing.
    officer.get_by_role("button", name="Emergency").click()
    expect(officer.locator("#emergency-countdown")).to_be_visible()
    expect(officer.get_by_role("button", name="Cancel")).to_be_focused()
    officer.keyboard.press("Enter")  # Cancel has the focus
    expect(officer.locator("#emergency-countdown")).to_be_hidden()
    officer.wait_for_timeout(3500)
    expect(desk.locator(".field-alert")).to_have_count(0)

    # A press left to run alerts every console, which sounds and takes the focus.
    officer.get_by_role("button", name="Emergency").click()
    expect(officer.locator("#emergency-state")).to_contain_text("Emergency sent", timeout=8000)
    alert = desk.locator(".field-alert.emergency")
    expect(alert).to_contain_text("Officer in distress: Vaduz Patrol 1")
    expect(desk.get_by_role("button", name="Open incident")).to_be_focused()
    desk.keyboard.press("Enter")
    expect(alert).to_have_count(0)
    selected = desk.locator("#queue-list .q-item.selected")
    expect(selected).to_contain_text("Officer in distress")
    expect(selected).to_contain_text("P1")
    expect(unit_status(desk, "vaduz-p1")).to_have_text("on scene")
    expect(officer.locator("#assignment-title")).to_have_text("Officer in distress")

    officer.get_by_role("button", name="Clear").click()
    expect(unit_status(desk, "vaduz-p1")).to_have_text("available")


def test_an_officer_starts_a_traffic_stop_and_asks_for_backup(
    open_page: Callable[..., Any],
) -> None:
    desk = open_page("dispatcher")
    officer = phone(open_page, "officer-schaan")
    officer.get_by_label("Latitude", exact=True).fill("47.1660")
    officer.get_by_label("Longitude", exact=True).fill("9.5100")
    officer.get_by_role("button", name="Send position").click()
    expect(officer.locator("#pos-last")).to_contain_text("47.16600")

    officer.get_by_label("What").select_option("traffic_stop")
    officer.get_by_label("Note (plate, description)").fill("FL-4711, two occupants")
    officer.get_by_role("button", name="Start, on scene").click()
    expect(officer.locator("#assignment-title")).to_have_text("Traffic stop")
    expect(officer.locator("#unit-status")).to_have_text("on scene")
    row = desk.locator("#queue-list .q-item", has_text="Traffic stop")
    expect(row).to_contain_text("on scene")

    officer.get_by_role("button", name="Request backup").click()
    expect(officer.get_by_role("button", name="Backup requested")).to_be_disabled()
    expect(desk.locator(".field-alert.backup")).to_contain_text("Backup requested")
    expect(row).to_contain_text("backup requested")
    desk.locator(".field-alert.backup").get_by_role("button", name="Open incident").click()
    expect(desk.locator("#queue-list .q-item.selected")).to_contain_text("Traffic stop")
    desk.locator("#rec-body tr.cand:not(.reasons-row) .assign-one").first.click()
    expect(row).not_to_contain_text("backup requested")
    expect(officer.get_by_role("button", name="Request backup")).to_be_enabled()


def test_an_officer_acknowledges_an_assignment_once(open_page: Callable[..., Any]) -> None:
    desk = open_page("dispatcher")
    officer = phone(open_page, "officer-unterland")
    expect(officer.get_by_role("button", name="Acknowledge")).to_be_hidden()
    desk.keyboard.press("n")
    desk.get_by_label("Latitude", exact=True).fill("47.2081")
    desk.get_by_label("Longitude", exact=True).fill("9.5262")
    desk.get_by_label("Call type", exact=True).select_option("theft")
    desk.get_by_label("Longitude", exact=True).press("Enter")
    desk.locator(
        '#rec-body tr.cand:not(.reasons-row)[data-unit="unterland-p1"] .assign-one'
    ).click()
    ack = officer.get_by_role("button", name="Acknowledge")
    expect(ack).to_be_visible()
    ack.click()
    expect(ack).to_be_hidden()
    desk.locator("details.timeline summary").click()
    expect(desk.locator("details.timeline")).to_contain_text("acknowledged")

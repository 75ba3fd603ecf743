"""Locations by address in the console: the dispatcher types an address, picks it with the
keyboard, creates the incident and sees the address in the queue and the detail; a map
click fills in the address; a location outside the collective is warned at once; the
officer's phone shows the address of the assignment."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.harness import LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect


def test_type_an_address_pick_it_with_the_keyboard_and_see_it_in_the_queue(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("dispatcher")
    page.keyboard.press("n")
    address = page.get_by_role("combobox", name="Address")
    expect(address).to_be_focused()
    page.keyboard.type("Stadtle 43 Vadu")  # no accent, a word still being typed
    options = page.locator("#new-address-list [role=option]")
    expect(options.first).to_contain_text("Städtle 43, Vaduz", timeout=15000)
    expect(options.first).to_contain_text("Vaduz")
    page.keyboard.press("ArrowDown")
    expect(address).to_have_attribute("aria-activedescendant", "addr-opt-0")
    page.keyboard.press("Enter")
    expect(address).to_have_value("Städtle 43, Vaduz")
    expect(page.locator("#new-address-list")).to_be_hidden()
    expect(page.get_by_label("Latitude", exact=True)).to_have_value(re.compile(r"^47\.1"))
    expect(page.locator("#new-outside")).to_be_hidden()
    page.get_by_label("Call type", exact=True).select_option("burglary")
    page.get_by_label("Longitude", exact=True).press("Enter")
    expect(page.locator("#rec-panel")).to_be_visible(timeout=15000)
    queued = page.locator("#queue-list .q-item.selected")
    expect(queued.locator(".q-addr")).to_have_text("Städtle 43, Vaduz")
    expect(page.locator("#incident-detail")).to_contain_text("Städtle 43, Vaduz")


def test_a_map_click_shows_the_address(open_page: Callable[..., Any]) -> None:
    page = open_page("dispatcher")
    page.locator("#map").click()  # the middle of the collective
    expect(page.locator("#new-incident")).to_be_visible()
    expect(page.get_by_role("combobox", name="Address")).to_have_value(re.compile(r"\w"))


def test_a_location_outside_the_collective_is_warned_with_the_nearest_jurisdiction(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("dispatcher")
    page.keyboard.press("n")
    address = page.get_by_role("combobox", name="Address")
    page.keyboard.type("Stadtle 43")
    expect(page.locator("#new-address-list [role=option]").first).to_be_visible(timeout=15000)
    page.keyboard.press("Enter")
    expect(address).to_have_value("Städtle 43, Vaduz")
    page.get_by_label("Latitude", exact=True).fill("47.30")
    page.get_by_label("Longitude", exact=True).fill("9.56")  # Austria, north of Ruggell
    warning = page.locator("#new-outside")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"nearest jurisdiction is \w+, [\d.]+ (k?m) away"))
    # The address picked before is not this point's: nothing is known this far out.
    expect(address).to_have_value("")


def test_the_officer_sees_the_address_of_the_assignment(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    token = httpx.post(
        f"{server.url}/api/v1/auth/token",
        data={"username": "dispatcher", "password": "dispatcher"},
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    # No address given: the server fills in the nearest one.
    incident = httpx.post(
        f"{server.url}/api/v1/incidents",
        json={"call_type": "burglary", "location": {"lat": 47.13817, "lon": 9.52273}},
        headers=auth,
    ).json()
    assert incident["address"] == "Städtle 43, Vaduz"
    r = httpx.post(
        f"{server.url}/api/v1/incidents/{incident['id']}/assignments",
        json={"unit_id": "vaduz-p1"},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    officer = open_page("officer", viewport=PHONE, is_mobile=True, has_touch=True)
    expect(officer.locator("#assignment-body")).to_contain_text("Städtle 43, Vaduz", timeout=15000)

"""Calls as they develop, in a real browser, live: Dana (dispatcher) corrects a call and
adds a note that Dario (dispatcher2) sees at once; a hazard note shows on a new call at its
place; Dana closes with a disposition from the keyboard; Olivia (officer, vaduz-p1) taps
Clear before arriving and is asked first, and Dana is alerted when the P1 is requeued.
"""

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

GEWERBEWEG = (47.12624, 9.52260)  # Vaduz station of vaduz-p1..p4
SCHAAN = (47.1650, 9.5097)
BALZERS = (47.0660, 9.5030)


def call_api(server: LiveServer, username: str, method: str, path: str, **kw: Any) -> Any:
    t = httpx.post(
        f"{server.url}/api/v1/auth/token", data={"username": username, "password": username}
    )
    t.raise_for_status()
    headers = {"Authorization": f"Bearer {t.json()['access_token']}"}
    r = httpx.request(method, f"{server.url}/api/v1{path}", headers=headers, **kw)
    assert r.is_success, r.text
    return r.json() if r.content else None


def an_incident(server: LiveServer, where: tuple[float, float], **extra: Any) -> str:
    body = {"call_type": "burglary", "location": {"lat": where[0], "lon": where[1]}, **extra}
    return str(call_api(server, "supervisor", "POST", "/incidents", json=body)["id"])


def select(page: Any, incident: str) -> None:
    page.locator(f'#queue-list [data-id="{incident}"]').click()
    expect(page.locator("#incident-detail")).to_contain_text(f"#{incident}")


def test_the_dispatcher_edits_a_call_from_the_keyboard(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    incident = an_incident(server, GEWERBEWEG)
    page = open_page("dispatcher")
    select(page, incident)
    page.keyboard.press("e")
    dialog = page.locator("#edit-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Priority", exact=True).select_option("1")
    dialog.get_by_label("Caller's name").fill("Anna Muster")
    dialog.get_by_label("Callback number").fill("+423 555 01 02")
    dialog.get_by_label("Callback number").press("Enter")
    expect(dialog).to_be_hidden()
    card = page.locator("#incident-detail")
    expect(card.locator(".pri-big")).to_have_text("P1")
    expect(card).to_contain_text("Anna Muster")
    expect(card).to_contain_text("+423 555 01 02")
    card.locator("details.timeline summary").click()
    expect(card.locator("details.timeline")).to_contain_text("priority P3 → P1")
    expect(card.locator("details.timeline")).to_contain_text("callback number given")
    expect(card.locator("details.timeline")).not_to_contain_text("555")

    # Someone else changes it meanwhile: the edit is refused, reloaded, and said so.
    page.keyboard.press("e")
    expect(dialog).to_be_visible()
    call_api(
        server, "supervisor", "PATCH", f"/incidents/{incident}", json={"version": 2, "priority": 2}
    )
    dialog.get_by_label("Address", exact=True).fill("Städtle 1, Vaduz")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#edit-dialog-error")).to_contain_text("changed this incident meanwhile")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_a_note_appears_live_in_a_second_window(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    incident = an_incident(server, SCHAAN)
    dana, dario = open_page("dispatcher"), open_page("dispatcher2")
    select(dario, incident)
    select(dana, incident)
    dana.keyboard.press("t")
    expect(dana.locator("#note-dialog")).to_be_visible()
    dana.get_by_label("Note", exact=True).fill("Caller says the man left on foot, north")
    dana.get_by_label("Note", exact=True).press("Control+Enter")
    expect(dana.locator("#note-dialog")).to_be_hidden()
    for page in (dana, dario):
        expect(page.locator("#narrative-list")).to_contain_text(
            "Caller says the man left on foot, north"
        )
        expect(page.locator("#narrative-list")).to_contain_text("dispatcher")


def test_a_hazard_note_shows_on_a_new_call_there(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    note = {
        "kind": "hazard",
        "text": "Weapons history at this address",
        "location": {"lat": BALZERS[0], "lon": BALZERS[1]},
        "radius_m": 60,
    }
    call_api(server, "dispatcher", "POST", "/premise-notes", json=note)
    incident = an_incident(server, (BALZERS[0] + 0.0002, BALZERS[1]))
    select(page, incident)
    hazard = page.locator("#premise-notes .pn-hazard")
    expect(hazard).to_contain_text("Weapons history at this address")
    # A note added later reaches the open card live.
    more = {**note, "kind": "premise", "text": "Gate code 4711", "radius_m": 100}
    call_api(server, "dispatcher", "POST", "/premise-notes", json=more)
    expect(page.locator("#premise-notes .pn-premise")).to_contain_text("Gate code 4711")
    # Hazards first.
    expect(page.locator("#premise-notes li").first).to_contain_text("Weapons history")


def test_the_dispatcher_closes_with_a_disposition_from_the_keyboard(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    incident = an_incident(server, GEWERBEWEG, priority=4)
    page = open_page("dispatcher")
    select(page, incident)
    page.keyboard.press("c")
    dialog = page.locator("#close-dialog")
    expect(dialog).to_be_visible()
    # No disposition: the dialog says so and nothing closes.
    dialog.get_by_role("button", name="Close incident").click()
    expect(page.locator("#close-dialog-error")).to_have_text("Pick a disposition.")
    expect(dialog.locator("label.disp").first).to_contain_text("Report taken")
    page.keyboard.press("1")
    expect(dialog.locator('input[value="report_taken"]')).to_be_checked()
    dialog.get_by_label("Report number").fill("VD/26/118")
    dialog.get_by_label("Report number").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(".toast-ok")).to_contain_text(f"Closed #{incident}")
    got = call_api(server, "dispatcher", "GET", f"/incidents/{incident}")
    assert (got["status"], got["disposition"], got["report_number"]) == (
        "closed",
        "report_taken",
        "VD/26/118",
    )
    expect(page.locator(f'#queue-list [data-id="{incident}"]')).to_have_count(0)

    # Keys only: C, 2 (the second disposition for a burglary: "Arrest made"), Enter.
    second = an_incident(server, GEWERBEWEG, priority=5)
    select(page, second)
    page.keyboard.press("c")
    expect(dialog).to_be_visible()
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert call_api(server, "dispatcher", "GET", f"/incidents/{second}")["disposition"] == "arrest"


def test_an_early_clear_is_confirmed_and_the_requeued_p1_alerts_dispatch(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    officer = open_page("officer", viewport=PHONE, is_mobile=True, has_touch=True)
    desk = open_page("dispatcher")
    incident = an_incident(server, GEWERBEWEG, priority=1)
    call_api(
        server,
        "dispatcher",
        "POST",
        f"/incidents/{incident}/assignments",
        json={"unit_id": "vaduz-p1"},
    )
    expect(officer.locator("#unit-status")).to_have_text("dispatched")

    # Olivia's note reaches Dana's card live.
    officer.get_by_label("Note for the call's timeline").fill("Back door open, nobody inside")
    officer.get_by_role("button", name="Add note").click()
    desk.locator(f'#queue-list [data-id="{incident}"]').click()
    expect(desk.locator("#narrative-list")).to_contain_text("Back door open, nobody inside")
    expect(desk.locator("#narrative-list")).to_contain_text("officer")

    # An accidental tap on Clear: asked, and keeping the assignment changes nothing.
    officer.get_by_role("button", name="Clear").click()
    expect(officer.locator("#confirm-clear")).to_contain_text("You have not arrived yet")
    officer.get_by_role("button", name="Keep the assignment").click()
    expect(officer.locator("#confirm-clear")).to_be_hidden()
    expect(officer.locator("#unit-status")).to_have_text("dispatched")

    # Meant: confirmed, the unit is free and the P1 goes back to the queue, loudly.
    officer.get_by_role("button", name="Clear").click()
    officer.get_by_role("button", name="Yes, clear").click()
    expect(officer.locator("#unit-status")).to_have_text("available")
    alert = desk.locator(f'#field-alerts [data-incident="{incident}"]')
    expect(alert).to_contain_text("Requeued P1")
    expect(alert).to_contain_text("vaduz-p1")
    expect(desk.locator(f'#queue-list [data-id="{incident}"]')).to_contain_text("unassigned")
    alert.get_by_role("button", name="Show").click()
    expect(desk.locator("#incident-detail")).to_contain_text(f"#{incident}")
    expect(desk.locator("#incident-detail")).to_contain_text(re.compile("unassigned"))

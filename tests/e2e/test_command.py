"""Dispatch in command in a real browser, live over the event stream.

Story: Sam (supervisor) sends a unit its agency does not lend, giving a reason; Dana
(dispatcher) diverts a car from a noise complaint to a shots-fired call, and the noise
complaint comes back to the queue with an alert on every console; she recalls a unit, and
sets a unit out of service from the unit board as its crew radioed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.harness import LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

VADUZ = (47.12624, 9.52260)  # Vaduz Gewerbeweg
ESCHEN = (47.2081, 9.5262)  # Unterland
BALZERS = (47.0665, 9.5025)  # Oberland-Süd


class Api:
    """A dispatcher's API client, to set the scene."""

    def __init__(self, server: LiveServer, username: str = "dispatcher2") -> None:
        r = httpx.post(
            f"{server.url}/api/v1/auth/token",
            data={"username": username, "password": username},
        )
        r.raise_for_status()
        self.http = httpx.Client(
            base_url=f"{server.url}/api/v1",
            headers={"Authorization": f"Bearer {r.json()['access_token']}"},
            timeout=30,
        )

    def incident(self, call_type: str, priority: int, where: tuple[float, float]) -> str:
        r = self.http.post(
            "/incidents",
            json={
                "call_type": call_type,
                "priority": priority,
                "location": {"lat": where[0], "lon": where[1]},
            },
        )
        r.raise_for_status()
        return str(r.json()["id"])

    def assign_top(self, incident_id: str) -> str:
        rec = self.http.get(f"/incidents/{incident_id}/recommendation").json()
        unit_id = str(rec["candidates"][0]["unit_id"])
        r = self.http.post(f"/incidents/{incident_id}/assignments", json={"unit_id": unit_id})
        r.raise_for_status()
        return unit_id


def select(page: Any, incident_id: str) -> None:
    page.locator(f'#queue-list [data-id="{incident_id}"]').click()
    expect(page.locator("#incident-detail")).to_contain_text(f"#{incident_id}")


def test_a_supervisor_overrides_a_sharing_rule_with_a_reason(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    api = Api(server)
    # Schaan-Planken lends only dogs and tactical teams: its patrol cars are excluded here.
    inc = api.incident("burglary", 3, VADUZ)
    dispatcher = open_page("dispatcher")
    select(dispatcher, inc)
    expect(dispatcher.locator("#rec-excluded-list li").first).to_be_attached()
    expect(dispatcher.locator("#rec-excluded-list .override-one")).to_have_count(0)

    page = open_page("supervisor")
    select(page, inc)
    expect(page.locator("#rec-excluded-list .override-one").first).to_be_attached()
    page.keyboard.press("o")
    button = page.locator("#rec-excluded-list .override-one").first
    expect(button).to_be_focused()
    unit_id = button.get_attribute("data-unit")
    page.keyboard.press("Enter")
    dialog = page.locator("#command-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Override: assign {unit_id}")
    expect(page.locator("#command-hint")).to_contain_text("Excluded (")
    page.keyboard.press("Enter")  # no reason yet
    expect(page.locator("#command-error")).to_have_text("A reason is required.")
    page.keyboard.type("shots heard, nearest car")
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    expect(page.locator(".toast-ok")).to_contain_text(f"Assigned {unit_id} over ")
    expect(page.locator("#assigned-list")).to_contain_text(str(unit_id))
    page.locator("details.timeline summary").click()
    marked = page.locator("details.timeline li.tl-override")
    expect(marked).to_contain_text("shots heard, nearest car")
    expect(marked).to_contain_text("overridden")
    # The dispatcher's console follows live.
    expect(dispatcher.locator("#assigned-list")).to_contain_text(str(unit_id))


def test_a_diverted_unit_leaves_its_call_in_the_queue_with_an_alert(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    api = Api(server)
    noise = api.incident("noise_complaint", 4, ESCHEN)
    unit_id = api.assign_top(noise)
    other = open_page("dispatcher2")
    page = open_page("dispatcher")
    shots = api.incident("shots_fired", 1, ESCHEN)
    select(page, shots)

    offer = page.locator(f'#rec-diversions li[data-unit="{unit_id}"]')
    expect(offer).to_contain_text(re.compile(r"divert from P4 Noise complaint, ETA \d"))
    page.once("dialog", lambda d: d.accept())
    page.keyboard.press("d")

    expect(page.locator(".toast-ok")).to_contain_text(f"Diverted {unit_id}")
    expect(page.locator("#assigned-list")).to_contain_text(unit_id)
    for screen in (page, other):  # the alert, live, on every console
        expect(screen.locator(".toast-warn")).to_contain_text(
            f"Back in the queue: P4 Noise complaint (#{noise})"
        )
        expect(screen.locator(f'#queue-list [data-id="{noise}"]')).to_contain_text("unassigned")
    select(page, noise)
    page.locator("details.timeline summary").click()
    expect(page.locator("details.timeline li.tl-diverted")).to_contain_text(unit_id)
    expect(page.locator("details.timeline li.tl-requeued")).to_be_visible()


def test_a_dispatcher_recalls_a_unit_and_the_call_is_back_in_the_queue(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    api = Api(server)
    inc = api.incident("theft", 3, BALZERS)
    unit_id = api.assign_top(inc)
    page = open_page("dispatcher")
    select(page, inc)
    expect(page.locator("#assigned-list .recall-one")).to_have_count(1)

    page.keyboard.press("r")
    expect(page.locator("#command-dialog")).to_contain_text(f"Recall {unit_id}")
    page.keyboard.type("needed at the station")
    page.keyboard.press("Enter")

    expect(page.locator(".toast-ok")).to_contain_text(f"Recalled {unit_id}")
    expect(page.locator(f'#units-body tr[data-id="{unit_id}"] .pill')).to_have_text("available")
    expect(page.locator(f'#queue-list [data-id="{inc}"]')).to_contain_text("unassigned")
    expect(page.locator(".toast-warn")).to_contain_text(f"(#{inc})")
    expect(page.locator("#assigned-list .recall-one")).to_have_count(0)


def test_a_radioed_status_is_set_from_the_unit_board_with_the_keyboard(
    open_page: Callable[..., Any],
) -> None:
    other = open_page("dispatcher2")
    page = open_page("dispatcher")
    row = page.locator('#units-body tr[data-id="vaduz-p4"]')
    row.focus()

    page.keyboard.press("s")
    dialog = page.locator("#command-dialog")
    expect(dialog).to_contain_text("Status of vaduz-p4")
    expect(dialog.locator('[data-status="en_route"]')).to_be_disabled()  # not on a call
    page.keyboard.press("x")
    expect(page.locator("#command-reason")).to_be_focused()
    page.keyboard.press("Enter")  # out of service needs a reason
    expect(page.locator("#command-error")).to_contain_text("out of service")
    page.keyboard.type("flat tyre")
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    expect(row.locator(".pill")).to_have_text("out of service")
    expect(row.locator(".oos-reason")).to_have_text("flat tyre")
    other_row = other.locator('#units-body tr[data-id="vaduz-p4"]')
    expect(other_row.locator(".oos-reason")).to_have_text("flat tyre")  # live elsewhere

    expect(row).to_be_focused()  # the focus came back to the row
    page.keyboard.press("s")
    page.keyboard.press("a")
    expect(row.locator(".pill")).to_have_text("available")
    expect(row.locator(".oos-reason")).to_have_count(0)
    expect(other_row.locator(".pill")).to_have_text("available")

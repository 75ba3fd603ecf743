"""The floor's watch in a real browser: timers, the re-offer prompt, the supervisor panel,
the analyst's search, and each role's controls.

Story: the collective's timers are set short (seconds). Dana (dispatcher) sees a P1 call
that waits: a banner, a flashing row and the tab title say so, and the call turns up in the
alert list once its unassigned timer is due. A unit on scene falls due for its welfare
check: its row is coloured and the alert list offers *Acknowledge*; she acknowledges it and
the timeline records it. A unit comes free while a call it may take waits: the console
offers it ("Unit ... is available for P2 ... — assign?"), Enter assigns. Sam (supervisor)
reads the waiting calls, the reserves and the workload on his panel, live; Andrea (analyst)
searches the incidents and reads a timeline, with no dispatch control anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bluepool.domain.dispatch.timers import TimerLimits
from tests.builders import CLOSE
from tests.e2e.harness import LANDING_MS, LiveServer, live_server

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

#: Short timers, so the tests see them fall due (P2 waits long: its calls stay quiet).
TIMERS = [
    TimerLimits(1, unassigned_s=1, dispatched_not_enroute_s=600, welfare_check_s=600),
    TimerLimits(2, unassigned_s=600),
    TimerLimits(3, unassigned_s=600, dispatched_not_enroute_s=600, welfare_check_s=2),
]
VADUZ = {"lat": 47.141, "lon": 9.521}


@pytest.fixture(scope="module")
def server(_need_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("e2e-floor")
    with live_server(tmp) as s:
        with s.app.state.runtime.context.uow() as uow:
            uow.timers.put(TIMERS)
            uow.commit()
        yield s


class Api:
    def __init__(self, server: LiveServer, username: str) -> None:
        r = httpx.post(
            f"{server.url}/api/v1/auth/token", data={"username": username, "password": username}
        )
        r.raise_for_status()
        self.base = f"{server.url}/api/v1"
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}

    def __call__(self, method: str, path: str, **kw: Any) -> Any:
        r = httpx.request(method, self.base + path, headers=self.headers, **kw)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    def call(self, call_type: str, priority: int, address: str = "") -> dict[str, Any]:
        body = {"call_type": call_type, "priority": priority, "location": VADUZ}
        if address:
            body["address"] = address
        result: dict[str, Any] = self("POST", "/incidents", json=body)
        return result

    def assign(self, incident_id: str, unit_id: str) -> None:
        self("POST", f"/incidents/{incident_id}/assignments", json={"unit_id": unit_id})

    def status(self, unit_id: str, status: str) -> None:
        # confirm: a clear before arrival is meant here (the floor's tests free units)
        self("POST", f"/units/{unit_id}/status", json={"status": status, "confirm": True})

    def clear_floor(self) -> None:
        """Close every open call, so each test starts on a quiet floor."""
        for i in self("GET", "/incidents?open=true&limit=1000")["items"]:
            self("POST", f"/incidents/{i['id']}/close", json=CLOSE)


@pytest.fixture
def dispatch(server: LiveServer) -> Api:
    api = Api(server, "dispatcher")
    api.clear_floor()
    return api


def test_a_waiting_p1_is_impossible_to_miss_and_its_timer_falls_due(
    open_page: Callable[..., Any], dispatch: Api
) -> None:
    page = open_page("dispatcher")
    call = dispatch.call("armed_robbery", 1)

    banner = page.locator("#p1-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("P1 waiting: Armed robbery in Vaduz")
    row = page.locator(f'#queue-list .q-item[data-id="{call["id"]}"]')
    expect(row).to_have_class(re.compile(r"\bp1-waiting\b"))
    expect(page).to_have_title(re.compile(r"^P1 ×1 "))
    # The unassigned timer (1 s for P1) falls due: the row is coloured and listed.
    expect(row).to_have_class(re.compile(r"\bt-due\b"))
    alert = page.locator("#alert-list .alert-item", has_text="waiting unassigned")
    expect(alert).to_contain_text("Armed robbery in Vaduz")

    dispatch.assign(call["id"], "vaduz-p1")
    expect(banner).to_be_hidden()
    expect(row).not_to_have_class(re.compile(r"\bp1-waiting\b"))
    expect(page.locator("#alert-list .alert-item", has_text="waiting unassigned")).to_have_count(0)
    expect(page).not_to_have_title(re.compile(r"P1"))


def test_a_welfare_check_falls_due_and_is_acknowledged_on_every_console(
    open_page: Callable[..., Any], dispatch: Api
) -> None:
    dana = open_page("dispatcher")
    other = open_page("dispatcher2")
    call = dispatch.call("noise_complaint", 3)
    dispatch.assign(call["id"], "vaduz-p2")
    dispatch.status("vaduz-p2", "on_scene")

    unit_row = dana.locator('#units-body tr[data-id="vaduz-p2"]')
    expect(unit_row).to_have_class(re.compile(r"\bt-due\b"))
    expect(unit_row).to_have_attribute("data-timer", "welfare_check")
    alert = dana.locator("#alert-list .alert-item", has_text="vaduz-p2 welfare check due")
    expect(other.locator("#alert-list .alert-item", has_text="vaduz-p2")).to_be_visible()
    alert.get_by_role("button", name="Acknowledge").click()

    def acknowledged() -> list[dict[str, Any]]:
        timeline = dispatch("GET", f"/incidents/{call['id']}")["timeline"]
        return [e for e in timeline if e["kind"] == "acknowledged"]

    expect(dana.locator("#announcer")).to_contain_text("Acknowledged: welfare check due")
    (entry,) = acknowledged()
    assert (entry["actor"], entry["unit_id"], entry["detail"]) == (
        "dispatcher",
        "vaduz-p2",
        "welfare_check",
    )
    # The other console heard it: the timer runs again from the acknowledgement.
    other.locator(".q-item", has_text="Noise").first.click()
    expect(other.locator("#incident-detail")).to_contain_text("acknowledged")


def test_sound_is_off_by_default_and_the_choice_is_remembered(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    toggle = page.get_by_role("button", name="Sound off")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.get_by_role("button", name="Sound on")).to_have_attribute("aria-pressed", "true")
    page.reload()
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(page.get_by_role("button", name="Sound on")).to_be_visible()


def test_a_unit_that_comes_free_is_offered_the_waiting_call_it_may_take(
    open_page: Callable[..., Any], dispatch: Api
) -> None:
    busy = dispatch.call("noise_complaint", 5)
    dispatch.assign(busy["id"], "vaduz-p3")
    waiting = dispatch.call("burglary", 2, address="Städtle 1, Vaduz")
    page = open_page("dispatcher")
    expect(page.locator(f'#queue-list [data-id="{waiting["id"]}"]')).to_be_visible()

    dispatch.status("vaduz-p3", "available")  # recalled: free again

    offer = page.get_by_role("dialog")
    expect(offer).to_contain_text("Unit vaduz-p3 is available for P2 Burglary in Vaduz")
    expect(offer).to_contain_text("— assign?")
    page.keyboard.press("Enter")
    expect(offer).to_be_hidden()
    units = [a["unit_id"] for a in dispatch("GET", f"/incidents/{waiting['id']}")["assignments"]]
    assert units == ["vaduz-p3"]

    # Escape dismisses an offer and assigns nothing.
    again = dispatch.call("burglary", 2)
    dispatch.status("vaduz-p4", "off_duty")
    dispatch.status("vaduz-p4", "available")
    expect(offer).to_contain_text("Unit vaduz-p4 is available for P2 Burglary")
    page.keyboard.press("Escape")
    expect(offer).to_be_hidden()
    assert dispatch("GET", f"/incidents/{again['id']}")["assignments"] == []

    # Someone typing keeps the focus and their keys; the offer waits for its buttons.
    page.keyboard.press("n")
    address = page.get_by_label("Address", exact=True)
    address.fill("stadtle")
    dispatch.status("vaduz-p4", "off_duty")
    dispatch.status("vaduz-p4", "available")
    expect(offer).to_contain_text("Unit vaduz-p4 is available")
    expect(address).to_be_focused()
    offer.get_by_role("button", name="Not now").click()
    expect(offer).to_be_hidden()
    assert dispatch("GET", f"/incidents/{again['id']}")["assignments"] == []


def test_the_supervisor_panel_follows_the_floor_live(
    open_page: Callable[..., Any], dispatch: Api
) -> None:
    page = open_page("supervisor")
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Screens").get_by_role("link", name="Supervisor").click()
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(page).to_have_url(re.compile(r"/supervisor$"))
    reserves = page.locator("#reserve-body tr")
    expect(reserves).to_have_count(4)
    expect(page.locator('#reserve-body tr[data-agency="vaduz"] td').nth(3)).to_have_text("2")

    call = dispatch.call("burglary", 2, address="Städtle 5, Vaduz")
    pending = page.locator(f'#pending-body tr[data-id="{call["id"]}"]')
    expect(pending).to_contain_text("Burglary")
    expect(pending).to_contain_text("Städtle 5, Vaduz")
    workload = page.locator('#workload-body tr[data-actor="dispatcher"]')
    expect(workload).to_be_visible()
    created = int(workload.locator("td").nth(0).inner_text())

    dispatch.assign(call["id"], "vaduz-p5")
    expect(pending).to_have_count(0)
    expect(workload.locator("td").nth(1)).not_to_have_text("0")
    assert int(workload.locator("td").nth(0).inner_text()) == created


def test_the_analyst_searches_and_reads_a_timeline_without_dispatch_controls(
    open_page: Callable[..., Any], dispatch: Api
) -> None:
    call = dispatch.call("burglary", 2, address="Landstrasse 9, Schaan-Test")
    dispatch.assign(call["id"], "vaduz-p6")
    dispatch.call("burglary", 2, address="Elsewhere 1, Vaduz")

    page = open_page("analyst")
    expect(page).to_have_url(re.compile(r"/analyst$"))
    for name in (r"^New\b(?!er)", r"^Assign", r"^Acknowledge", r"^Close incident"):
        expect(page.get_by_role("button", name=re.compile(name))).to_have_count(0)
    page.get_by_label("Address").fill("landstrasse 9")
    page.get_by_label("Unit").fill("vaduz-p6")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#results-body tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Landstrasse 9, Schaan-Test")
    expect(page).to_have_url(re.compile(r"/analyst\?address=landstrasse\+9&unit_id=vaduz-p6$"))
    rows.first.click()
    expect(page.locator("#incident-body")).to_contain_text("dispatched vaduz-p6")

    # The first page follows the stream: a new call that matches shows without a reload.
    dispatch.call("burglary", 2, address="Landstrasse 9, Schaan-Test")
    page.get_by_label("Unit").fill("")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(2)
    dispatch.call("burglary", 3, address="Landstrasse 9, Schaan-Test")
    expect(rows).to_have_count(3)


def test_each_role_sees_only_its_screens_and_controls(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    dana = open_page("dispatcher")
    expect(dana.locator("#screens")).to_be_hidden()
    expect(dana.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(dana.get_by_role("button", name=re.compile("^New"))).to_be_visible()
    for path in ("/audit", "/supervisor", "/analyst"):
        dana.goto(f"{server.url}{path}")
        expect(dana).to_have_url(re.compile(re.escape(server.url) + "/$"))

    andrea = open_page("analyst")
    andrea.goto(f"{server.url}/")
    expect(andrea).to_have_url(re.compile(r"/analyst$"))
    andrea.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    nav = andrea.get_by_role("navigation", name="Screens")
    expect(nav.get_by_role("link")).to_have_text(["Incidents", "Board", "Audit log"])

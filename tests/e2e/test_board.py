"""The board report in a real browser.

Story: the collective wants Schaan's calls dispatched within 5 minutes, and a Vaduz car
is lent to a burglary in Schaan. Andrea (analyst) opens the Board screen from the header:
she sees the goal met, and the utilisation by agency and kind, the idle K-9 teams
and negotiators, the duplicated ones with the yearly saving of pooling them, the hours
Vaduz lent and Schaan borrowed, and the hot-spot map saying it counts citizen-initiated
calls only, each with its figure; the page passes axe. Dana
(dispatcher) has no link to it, and opening it sends her back to her console.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bluepool.domain.analytics.goals import Goal, Statistic
from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.analytics import goals
from bluepool.services.dispatch import incidents
from tests.builders import DISPOSITION
from tests.e2e.axe import assert_accessible
from tests.e2e.harness import LANDING_MS, LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

SCHAAN = Location(47.1650, 9.5090)


def lent_call(server: LiveServer) -> None:
    ctx = server.app.state.runtime.context
    admin = users.signed_in(ctx, "admin")
    assert admin is not None
    goals.set_goal(ctx, admin, Goal("call_processing", Statistic.P90, 300, "schaan"))
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    made = incidents.create_incident(ctx, user, "burglary", SCHAAN, 2, "")
    incidents.assign(ctx, user, made.id, "vaduz-p1")
    incidents.close_incident(ctx, user, made.id, DISPOSITION)


def test_an_analyst_reads_the_board_report_with_its_figures(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    lent_call(server)
    page = open_page("analyst")
    link = page.get_by_role("link", name="Board")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/board"))
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(page.locator("#util-body tr").first).to_contain_text("oberland-sued")
    expect(page.locator("#idle-body")).to_contain_text("schaan-swat-1")
    expect(page.locator("#dup-body")).to_contain_text("k9")
    expect(page.locator("#dup-saving")).to_contain_text("CHF")
    lent = page.locator("#lent-body tr", has_text="vaduz")
    expect(lent).to_contain_text("h")
    expect(page.locator("#lent-body tr", has_text="schaan-planken")).to_be_visible()
    expect(page.locator("#goals-body")).to_contain_text("p90 call processing at most 5 min")
    expect(page.locator("#goals-body .goal")).to_have_text("met")
    expect(page.locator("#kpis-body tr", has_text="call processing")).to_contain_text("P2")
    expect(page.locator("#hot-basis")).to_have_text(
        "Citizen-initiated calls only: self-initiated activity is left out."
    )
    expect(page.locator("#hot-summary")).to_contain_text("1 call counted")
    figures = ["fig-goals", "fig-utilisation", "fig-idle", "fig-lent-borrowed"]
    figures += ["kfig-by-priority", "kfig-time-of-week", "kfig-by-jurisdiction", "hfig-hotspots"]
    for figure in figures:
        src = page.locator(f"#{figure}").get_attribute("src") or ""
        assert src.startswith("data:image/svg+xml"), figure
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile("Weekly goals report")).click()
    assert got.value.suggested_filename == "goals-report.pdf"
    assert Path(got.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as got:
        page.get_by_role("button", name=re.compile("KPI report of the period")).click()
    page_text = Path(got.value.path()).read_text(encoding="utf-8")
    assert "Median total response by jurisdiction" in page_text
    assert_accessible(page, "board report")


def test_a_dispatcher_has_no_link_and_is_sent_back_to_her_console(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    expect(page.get_by_role("link", name="Board")).to_have_count(0)
    page.goto(f"{server.url}/board")
    expect(page).to_have_url(re.compile(r"/$"))

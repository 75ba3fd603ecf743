"""Mutual aid in a real browser: a dispatcher requests it from the incident open in the
console, whose card then lists it and follows it live; the admin screen's Mutual aid
section lists it, approves each step, sends a unit of the supplier (which then stands on
the incident) and releases it; every state passes axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.dispatch import incidents
from tests.e2e.axe import assert_accessible
from tests.e2e.harness import LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect


def test_a_request_from_the_console_is_approved_sent_and_released_on_the_admin_screen(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    inc = incidents.create_incident(ctx, user, "armed_robbery", Location(47.139, 9.5215), 1, "")

    console = open_page("dispatcher")
    console.locator(f'#queue-list [data-id="{inc.id}"]').click()
    console.get_by_role("button", name="Mutual aid…").click()
    dialog = console.get_by_role("dialog", name=re.compile("Request mutual aid"))
    expect(dialog).to_be_visible()
    assert_accessible(console, "console, mutual-aid request form")
    dialog.get_by_label("Kind").fill("k9")
    dialog.get_by_label("Detailed description").fill("a dog team to search the building")
    dialog.get_by_role("button", name="Request").click()
    expect(console.locator("body")).to_contain_text(re.compile(r"Requested MA-\d{4}-\d{4}"))
    expect(dialog).to_be_hidden()
    aid_list = console.locator("#aid-requests-list")
    expect(aid_list).to_contain_text("waiting for requesting supervisor")

    admin = open_page("admin")
    admin.get_by_role("navigation", name="Admin sections").get_by_role(
        "link", name="Mutual aid"
    ).click()
    expect(admin.locator("#section-h")).to_contain_text("Mutual aid")
    row = admin.locator("#mutual-aid-table tbody tr").first
    expect(row).to_contain_text("1 × k9")
    assert_accessible(admin, "admin, mutual aid, a request waiting")

    for step in ("requesting supervisor", "supplying agency", "finance"):
        row.get_by_role("button", name=re.compile(f"^Approve {step}")).click()
        form = admin.locator("#admin-main form")
        expect(form).to_be_visible()
        if step == "supplying agency":
            form.get_by_label("Supplying agency").select_option("schaan-planken")
            form.get_by_label("Order number").fill("SCH-7")
            assert_accessible(admin, "admin, mutual aid, supplying agency's approval")
        form.get_by_role("button", name="Save").click()
        expect(form).to_be_hidden()
    expect(row).to_contain_text("approved")
    expect(row).to_contain_text("SCH-7")

    row.get_by_role("button", name=re.compile("^Send")).click()
    form = admin.locator("#admin-main form")
    form.get_by_label("Unit (for a unit item)").select_option("schaan-k9-1")
    assert_accessible(admin, "admin, mutual aid, sending a unit")
    form.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("fulfilled")
    expect(row).to_contain_text("schaan-k9-1")
    expect(aid_list).to_contain_text("fulfilled")  # the console follows, live
    expect(aid_list).to_contain_text("1/1 k9")
    expect(console.locator("#assigned-list")).to_contain_text("schaan-k9-1")
    expect(console.locator(".toast")).to_have_count(0, timeout=10000)
    assert_accessible(console, "console, incident with a mutual-aid request fulfilled")
    got = incidents.get_incident(ctx, user, inc.id)
    (lent,) = [a for a in got.assignments if a.unit_id == "schaan-k9-1"]
    assert lent.agreement == "SCH-collective-2026"

    row.get_by_role("button", name=re.compile("^Release")).click()
    admin.locator("#admin-main form").get_by_role("button", name="Save").click()
    expect(row).to_contain_text("released")
    expect(admin.locator(".toast")).to_have_count(
        0, timeout=10000
    )  # axe checks the page, not a fading toast
    assert_accessible(admin, "admin, mutual aid, released")

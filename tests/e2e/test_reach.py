"""Never refuse, and better picks, in the dispatcher's console.

Story: Dana (dispatcher) takes a call about a hiker missing in Vaduz's Alpine exclave, far
from any road. The recommendation lists the road units with their ETA marked approximate
(the walk off road) and the helicopter by air. She sends one unit: the queue says the call
is only partially staffed. She assigns the rest of the plan; a stray Enter on the now fully
staffed call asks before adding one more unit, and Escape leaves it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.test_console import new_incident, unit_status

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

HIKER = (47.1298, 9.6074)  # about 2.3 km from the nearest road of the demo network


def test_far_from_the_roads_the_etas_are_marked_approximate_and_the_helicopter_flies(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("dispatcher")
    new_incident(page, "missing_person", HIKER, "Hiker overdue, last seen on the ridge")

    rows = page.locator("#rec-body tr.cand:not(.reasons-row)")
    expect(rows.first).to_be_visible()
    approximate = page.locator("#rec-body tr.cand .tag-approx")
    expect(approximate.first).to_be_visible()
    expect(approximate.first).to_have_text("approx")
    expect(page.locator("#rec-body td.eta.approx").first).to_contain_text("≈")
    expect(
        page.locator("#rec-body tr.reasons-row").filter(has_text="off road, approximate").first
    ).to_be_visible()
    flown = page.locator("#rec-body tr.cand").filter(has=page.locator(".tag-air"))
    expect(flown.first).to_be_visible()
    expect(flown.first.locator(".tag-approx")).to_have_count(0)


def test_a_short_plan_is_partially_staffed_and_enter_on_a_staffed_call_asks_first(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("dispatcher")
    new_incident(page, "missing_person", HIKER)
    selected = page.locator("#queue-list .q-item.selected")
    expect(selected.locator(".tag-partial")).to_have_count(0)

    # One unit of a three-unit plan: partially staffed.
    top = page.locator('#rec-body tr.cand[data-n="0"]').first.get_attribute("data-unit")
    page.keyboard.press("a")
    expect(unit_status(page, top or "")).to_have_text("dispatched")
    expect(selected.locator(".tag-partial")).to_have_text("partially staffed")

    # The rest of the plan: fully staffed, the badge goes. (The event stream can draw the
    # badge before the assignment's own answer is back: the console is still busy until the
    # Assign plan button is enabled again, and a key pressed before then does nothing.)
    expect(page.locator("#assign-plan")).to_be_enabled()
    page.keyboard.press("p")
    expect(page.locator(".toast-ok").last).to_contain_text("Assigned")
    expect(page.locator(".toast-ok").last).not_to_contain_text(f"Assigned {top} (")
    expect(selected.locator(".tag-partial")).to_have_count(0)
    expect(page.locator("#assign-plan")).to_be_disabled()

    # Enter on the staffed call asks; Escape cancels and nothing is assigned. (Wait until the
    # recommendation has followed the plan's assignments: its top unit is a free one.)
    page.wait_for_function(
        """() => {
          const c = document.querySelector('#rec-body tr.cand[data-n="0"]');
          const row = c && `#units-body tr[data-id="${c.dataset.unit}"] .pill`;
          const u = row && document.querySelector(row);
          return Boolean(u) && u.textContent.trim() === "available";
        }"""
    )
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Call already staffed")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"is fully staffed\. Add \S+ anyway\?"))
    found = re.search(r"Add (\S+) anyway\?", dialog.inner_text())
    assert found
    extra = found.group(1)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(unit_status(page, extra)).to_have_text("available")
    # Cancel with the keyboard (the focused button) does the same.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(page.locator("#staffed-cancel")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(unit_status(page, extra)).to_have_text("available")
    expect(page.locator("#assigned-list")).not_to_contain_text(extra)
    # Enter on a focused Assign button asks too.
    page.locator("#assign-top").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(unit_status(page, extra)).to_have_text("available")

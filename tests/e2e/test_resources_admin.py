"""The admin screen's Resources section in a real browser: the demo's catalogue with each
item's condition and who has it; a surveillance kit checked out to another agency under
its agreement, then checked back in needing repair; the forms pass axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.test_admin import row, section

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect


def test_an_admin_lends_a_kit_and_takes_it_back_needing_repair(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("admin")
    main = section(page, "Resources")
    expect(row(page, "vaduz-drone-2")).to_contain_text("needs repair")
    expect(row(page, "obs-heli-1")).to_contain_text("in, available")

    row(page, "unt-surv-1").get_by_role("button", name="Check out").click()
    form = main.locator("form")
    form.get_by_label("To agency", exact=True).select_option("schaan-planken")
    form.get_by_label("Notes", exact=True).fill("two cameras")
    assert_accessible(page, "admin, check-out form")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    kit = row(page, "unt-surv-1")
    expect(kit).to_contain_text("Polizei Schaan-Planken")

    # A typed unit is lent through dispatch: no check-out button.
    expect(row(page, "sch-swat-1").get_by_role("button", name="Check out")).to_have_count(0)

    kit.get_by_role("button", name="Return").click()
    form = main.locator("form")
    form.get_by_label("Condition back", exact=True).select_option("needs_repair")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    expect(row(page, "unt-surv-1")).to_contain_text("needs repair")
    # Not serviceable: not offered for loan until its owner says it is again.
    expect(row(page, "unt-surv-1").get_by_role("button", name="Check out")).to_have_count(0)

    main.get_by_role("button", name="New resource").click()
    expect(main.locator("form")).to_be_visible()
    assert_accessible(page, "admin, new-resource form")

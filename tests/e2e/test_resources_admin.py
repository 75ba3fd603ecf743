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

    # Its history: out to Schaan-Planken under the agreement, back needing repair.
    row(page, "unt-surv-1").get_by_role("button", name="Loans").click()
    history = page.locator("#view-slot")
    expect(history).to_contain_text("UNT-SCH-2026-01 clause 1")
    expect(history).to_contain_text("needs repair")
    assert_accessible(page, "admin, a resource's loans")
    history.get_by_role("button", name="Close").click()

    main.get_by_role("button", name="New resource").click()
    expect(main.locator("form")).to_be_visible()
    assert_accessible(page, "admin, new-resource form")


def test_the_console_says_when_a_loan_is_overdue(
    open_page: Callable[..., Any], server: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from bluepool.domain.resources.loans import LoanId
    from bluepool.domain.resources.resources import ResourceId
    from bluepool.domain.shared.ids import AgencyId
    from bluepool.services.access import users
    from bluepool.services.resources import loans
    from tests.builders import a_loan

    page = open_page("dispatcher")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    ctx = server.app.state.runtime.context
    now = datetime.now(UTC)
    late = a_loan(
        id=LoanId("loan-late-e2e"),
        resource=ResourceId("obs-heli-1"),
        resource_type="helicopter",
        lender=AgencyId("oberland-sued"),
        borrower=AgencyId("vaduz"),
        out_at=now - timedelta(hours=5),
        due_at=now - timedelta(minutes=5),
    )
    with ctx.uow() as uow:
        uow.loans.add(late)
        uow.commit()
    dispatcher = users.signed_in(ctx, "dispatcher")
    assert dispatcher is not None
    assert [r.id for r in loans.notice_overdue(ctx, dispatcher)] == ["loan-late-e2e"]
    expect(page.locator("#toasts")).to_contain_text(
        "Loan overdue: obs-heli-1 of oberland-sued, with vaduz"
    )

"""The admin screen's Ledger section in a real browser: a collective admin picks an agency
and a month and sees its statement (each usage with its unit, clause, rate and amount, the
totals), downloads the CSV, and sees the month's settlement; an agency admin sees only
their own agency's statement, without the settlement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bluepool.services.ledger.posting import post_usages
from tests.builders import lent_in_march
from tests.e2e.harness import LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect


@pytest.fixture(scope="module", autouse=True)
def march(server: LiveServer) -> None:
    """Vaduz lent Schaan-Planken a patrol car for an hour, twice, in March 2025."""
    usages = lent_in_march("E2E-1", "E2E-2")
    with server.app.state.runtime.context.uow() as uow:
        post_usages(uow, usages, usages[0][0].started, "e2e")
        uow.commit()


def show_month(page: Any, month: str) -> Any:
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Ledger").click()
    main = page.locator("#admin-main")
    main.get_by_label("Month").fill(month)
    main.get_by_role("button", name="Show").click()
    # The section draws itself again with the month's statement: wait for it.
    expect(main.locator("#ledger-totals")).to_contain_text(f", {month}")
    return main


def test_a_collective_admin_reads_a_statement_and_the_settlement(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("admin")
    main = show_month(page, "2025-03")
    main.get_by_label("Agency").select_option("vaduz")
    main.get_by_role("button", name="Show").click()
    expect(main.locator("#ledger-totals")).to_contain_text("Polizei Vaduz, 2025-03")
    rows = main.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("E2E-1")
    expect(rows.first).to_contain_text("lent to")
    expect(rows.first).to_contain_text("60 min")
    expect(rows.first).to_contain_text("CHF 90.00/h")
    expect(rows.first).to_contain_text("agreement VAD-collective-2026 clause 1")
    expect(main.locator("#ledger-totals")).to_contain_text(
        "lent CHF 180.00, borrowed CHF 0.00, net CHF 180.00"
    )
    expect(main.locator("#settlement-transfers li")).to_have_text(
        ["Polizei Schaan-Planken pays Polizei Vaduz CHF 180.00"]
    )
    with page.expect_download() as got:
        main.get_by_role("button", name="Download CSV").click()
    assert got.value.suggested_filename == "vaduz-2025-03.csv"


def test_an_agency_admin_reads_only_their_own_statement(open_page: Callable[..., Any]) -> None:
    page = open_page("admin-vaduz")
    main = show_month(page, "2025-03")
    expect(main.locator("tbody tr")).to_have_count(2)
    expect(main.get_by_label("Agency")).to_have_count(0)
    expect(main.locator("#settlement-transfers")).to_have_count(0)
    main = show_month(page, "2025-02")
    expect(main.locator("tbody")).to_contain_text("No usage in 2025-02.")

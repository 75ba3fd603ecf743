"""The audit log's page in a real browser.

Story: someone tried to sign in as Dana (dispatcher) with a wrong password. Andrea
(analyst) follows the header's link to the audit log, filters the failed sign-ins by
actor, opens the entry (its body, seq and hash), verifies the chain against the latest
checkpoint and downloads the filtered entries as CSV. Dana herself has no link to the page,
opening it sends her back to her console, and the API refuses her the log.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.harness import LANDING_MS, LiveServer

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective));
"""


def token(server: LiveServer, username: str, password: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/auth/token",
        data={"username": username, "password": password or username},
    )


def test_an_analyst_filters_opens_an_entry_verifies_and_downloads_csv(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    assert token(server, "dispatcher", "not-her-password").status_code == 401
    admin = token(server, "admin").json()["access_token"]
    made = httpx.post(
        f"{server.url}/api/v1/audit/checkpoint", headers={"Authorization": f"Bearer {admin}"}
    )
    assert made.status_code == 201, made.text
    sealed = made.json()["seq"]

    page = open_page("analyst")
    page.add_init_script(WATCH)
    link = page.get_by_role("link", name="Audit log")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    expect(page.locator("#entries-body tr").first).to_be_visible()
    expect(page.locator("#chain-checkpoint")).to_contain_text(f"seq {sealed}")

    # Filter: the failed sign-ins typed as "dispatcher".
    page.get_by_label("Kind").select_option("sign_in_failed")
    page.get_by_label("Actor").fill("dispatcher")
    page.get_by_label("Actor").press("Enter")
    rows = page.locator("#entries-body tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("sign in failed")
    expect(page).to_have_url(re.compile(r"kind=sign_in_failed"))
    expect(page.locator("#page-range")).to_have_text("1–1 of 1")

    # Open the entry from the keyboard: its seq, hash and canonical body.
    page.locator("#entries-table").click(position={"x": 400, "y": 6})  # leave the field
    page.keyboard.press("j")
    detail = page.locator("#entry-detail")
    expect(detail).to_be_visible()
    seq = rows.first.locator("button.seq").inner_text()
    expect(page.locator("#entry-fields")).to_contain_text(seq)
    body = json.loads(page.locator("#entry-body").inner_text())
    assert (body["kind"], body["actor"], body["action"]) == (
        "sign_in_failed",
        "dispatcher",
        "user.sign_in_failed",
    )
    assert "not-her-password" not in page.locator("#entry-detail").inner_text()
    hash_ = page.locator("#entry-fields code.hash").nth(1).inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_)

    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#chain-verified")).to_contain_text("Whole")
    expect(page.locator("#chain-verified")).to_contain_text(
        f"against the checkpoint at seq {sealed}"
    )

    # The CSV holds the filtered entries, as the API lists them.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("bluepool-audit-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as f:
        exported = list(csv.DictReader(io.StringIO(f.read())))
    assert [(r["seq"], r["kind"], r["actor"], r["hash"]) for r in exported] == [
        (seq, "sign_in_failed", "dispatcher", hash_)
    ]
    assert page.evaluate("window.__csp") == []


def test_a_dispatcher_has_no_link_and_is_sent_back_to_her_console(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    page.goto(f"{server.url}/audit")
    expect(page).to_have_url(re.compile(re.escape(server.url) + "/$"))
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    # The page only keeps her on her screens; the API is what refuses her.
    dana = token(server, "dispatcher").json()["access_token"]
    refused = httpx.get(f"{server.url}/api/v1/audit", headers={"Authorization": f"Bearer {dana}"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "dispatcher cannot read the audit log"

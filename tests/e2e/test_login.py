"""The sign-in page in a real browser: where it may send the user afterwards (only a path on
this site), that the console refreshes its tokens and opens the live stream with a ticket,
and that signing out ends the session on the server."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.e2e.harness import LANDING_MS, LiveServer, sign_in

CASES = {
    "/": "/",
    "/officer?x=1#top": "/officer?x=1#top",
    "/incidents/7": "/incidents/7",
    "//evil.example/": None,
    "/\\evil.example/": None,
    "/\\/evil.example/": None,
    "/\t/evil.example/": None,
    "/\n/evil.example/": None,
    "https://evil.example/": None,
    "javascript:alert(1)": None,
    " /": None,
    "": None,
    "relative/path": None,
}


def test_only_local_paths_are_followed_after_sign_in(browser: Any, server: LiveServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/login")
    got = page.evaluate(
        """async (cases) => {
          const { localPath } = await import("/static/js/redirect.js");
          return cases.map((c) => localPath(c));
        }""",
        list(CASES),
    )
    assert dict(zip(CASES, got, strict=True)) == CASES
    # Through the page itself: a foreign ?next= lands on the console, a local one is kept.
    for next_, landing in (("//evil.example/x", r"/$"), ("/?from=login", r"/\?from=login$")):
        fresh = context.new_page()
        fresh.goto(f"{server.url}/login?next={next_}")
        fresh.evaluate("sessionStorage.clear()")
        fresh.get_by_label("Username", exact=True).fill("dispatcher")
        fresh.get_by_label("Password", exact=True).fill("dispatcher")
        fresh.get_by_role("button", name="Sign in").click()
        fresh.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
        expect(fresh).to_have_url(re.compile(re.escape(server.url) + landing))
        fresh.close()
    context.close()


def test_the_console_refreshes_uses_a_ticket_and_signs_out_on_the_server(
    browser: Any, server: LiveServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url))
    sign_in(page, server.url, "dispatcher")
    expect(page.locator("#conn")).to_have_text("Live")
    stream = [u for u in urls if "/api/v1/events?" in u]
    assert stream
    assert all("ticket=" in u and "access_token" not in u for u in stream)
    # An access token about to expire is refreshed before the next call.
    before = page.evaluate("JSON.parse(sessionStorage.getItem('bluepool.session'))")
    page.evaluate(
        """() => {
          const s = JSON.parse(sessionStorage.getItem("bluepool.session"));
          s.expires_at = Date.now();
          sessionStorage.setItem("bluepool.session", JSON.stringify(s));
        }"""
    )
    page.evaluate('import("/static/js/api.js").then((m) => m.api("/auth/me"))')
    after = page.evaluate("JSON.parse(sessionStorage.getItem('bluepool.session'))")
    assert after["refresh_token"] != before["refresh_token"]
    assert any(u.endswith("/api/v1/auth/refresh") for u in urls)
    # A revoked access token (401) is refreshed once and the call goes through.
    page.evaluate(
        """() => {
          const s = JSON.parse(sessionStorage.getItem("bluepool.session"));
          s.access_token = "not-a-token";
          sessionStorage.setItem("bluepool.session", JSON.stringify(s));
        }"""
    )
    me = page.evaluate('import("/static/js/api.js").then((m) => m.api("/auth/me"))')
    assert me["username"] == "dispatcher"
    # Signing out ends the session on the server: its tokens no longer work.
    tokens = page.evaluate("JSON.parse(sessionStorage.getItem('bluepool.session'))")
    page.locator("#signout").click()
    expect(page).to_have_url(re.compile(r"/login"))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{server.url}/api/v1/auth/me", headers=headers).status_code == 401
    r = httpx.post(
        f"{server.url}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert r.status_code == 401
    context.close()

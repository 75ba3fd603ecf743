"""A session outlives its access tokens, in every window of it: with one-minute access
tokens, the console and its pop-out refresh before expiry, one window at a time (a refresh
token used twice would end the session), both adopt the new tokens, and both stay live and
signed in after the first token has expired.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bluepool.domain.shared.geo import Location
from bluepool.services.access import users
from bluepool.services.dispatch import incidents
from tests.e2e.harness import LANDING_MS, LiveServer, live_server

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

TOKENS = "JSON.parse(sessionStorage.getItem('bluepool.session'))"
ROTATED = f"(old) => {TOKENS}.refresh_token !== old"
ME = """async () => {
  const s = JSON.parse(sessionStorage.getItem('bluepool.session'));
  const headers = { Authorization: `Bearer ${s.access_token}` };
  const r = await fetch('/api/v1/auth/me', { headers });
  return r.status;
}"""


@pytest.fixture(scope="module")
def server(_need_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(Path(tmp_path_factory.mktemp("shift")), token_ttl_minutes=1) as s:
        yield s


def test_the_console_and_its_pop_out_stay_signed_in_across_token_expiry(
    open_page: Callable[..., Any], server: LiveServer
) -> None:
    page = open_page("dispatcher")
    signed_in_at = time.monotonic()
    first = page.evaluate(TOKENS)
    assert first["expires_in"] == 60
    with page.context.expect_page() as popped:
        page.locator('[data-popout="map"]').click()
    pop = popped.value
    pop.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
    assert pop.evaluate(TOKENS)["refresh_token"] == first["refresh_token"]

    # Both windows refresh a quarter of the lifetime early (45 s in), once between them:
    # they end up holding the same new tokens, and the session is still live.
    page.wait_for_function(ROTATED, arg=first["refresh_token"], timeout=75_000, polling=500)
    pop.wait_for_function(ROTATED, arg=first["refresh_token"], timeout=10_000, polling=500)
    time.sleep(1)  # a second window's refresh would come now
    mine, theirs = page.evaluate(TOKENS), pop.evaluate(TOKENS)
    assert mine["refresh_token"] == theirs["refresh_token"]
    assert mine["access_token"] == theirs["access_token"]

    # Past the first token's expiry: the first token is refused, both windows' are not.
    time.sleep(max(0.0, 62 - (time.monotonic() - signed_in_at)))
    old = httpx.get(
        f"{server.url}/api/v1/auth/me",
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert old.status_code == 401
    assert page.evaluate(ME) == 200
    assert pop.evaluate(ME) == 200

    # And both are live: a new call shows in the console's queue and on the pop-out's map.
    ctx = server.app.state.runtime.context
    user = users.signed_in(ctx, "dispatcher2")
    assert user is not None
    inc = incidents.create_incident(ctx, user, "burglary", Location(47.1003, 9.6075), 2, "")
    expect(page.locator(f'#queue-list [data-id="{inc.id}"]')).to_contain_text("Burglary")
    expect(pop.locator('[aria-label^="Incident P2 Burglary"]')).to_be_attached()
    expect(page.locator("#conn")).to_have_text("Live")
    expect(pop.locator("#conn")).to_have_text("Live")

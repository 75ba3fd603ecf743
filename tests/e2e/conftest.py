"""End-to-end fixtures: a real server (demo collective, temporary SQLite) in a thread and
Debian's Chromium driven by Playwright's sync API. Every test here skips, with the reason,
when /usr/bin/chromium or Playwright is missing."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.harness import CHROMIUM, LiveServer, launch, live_server, sign_in

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True, scope="module")
def _need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"end-to-end tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("end-to-end tests need Playwright for Python (pip install playwright)")


@pytest.fixture(scope="module")
def server(_need_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("e2e")) as s:
        yield s


@pytest.fixture(scope="module")
def browser(_need_chromium: None) -> Iterator[Any]:
    # Module scope: the sync API's event loop must not outlive these tests.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture
def open_page(browser: Any, server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Open a signed-in page in a fresh browser context (its own sessionStorage); page
    errors (uncaught exceptions in our scripts) fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(username: str, viewport: dict[str, int] = DESK, **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(8000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(f"{username}: {e}"))
        sign_in(page, server.url, username)
        return page

    yield open_
    for c in contexts:
        c.close()
    assert not errors, errors

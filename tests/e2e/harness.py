"""A real bluepool server in a thread and a real Chromium, for the end-to-end tests and
``scripts/screenshots``.

The server is uvicorn on a free port against a fresh SQLite database with the demo
collective loaded; the browser is Debian's Chromium driven by Playwright (sync API).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import uvicorn

from bluepool.cli.load import load_collective_file
from bluepool.config import Settings
from bluepool.routing.network import demo_network_path
from bluepool.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO = resources.files("bluepool") / "demo" / "collective.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """uvicorn serving one app in a thread; ``stop()`` and ``start()`` again on the same port
    (the app, its database and its event buffer survive, as after a network drop)."""

    app: Any
    port: int
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is None or self.thread is None:
            return
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.server = self.thread = None


@contextmanager
def live_server(tmp: Path, **settings: Any) -> Iterator[LiveServer]:
    """Serve a fresh database with the demo collective loaded."""
    cfg = Settings(
        environment="test",
        database_url=f"sqlite:///{tmp / 'e2e.db'}",
        secret_key="e2e-" + "s" * 40,
        road_network=demo_network_path(),
        **settings,
    )
    with resources.as_file(DEMO) as path:
        load_collective_file(cfg, path)
    app = create_app(cfg)
    server = LiveServer(app, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        app.state.runtime.engine.dispose()


#: How long a screen may take to be ready after sign-in (ms).
LANDING_MS = 20_000


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def sign_in(page: Any, base: str, username: str, password: str | None = None) -> None:
    """Sign in through the login page and wait for the landing page to be ready."""
    page.goto(f"{base}/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password or username)
    page.get_by_role("button", name="Sign in").click()
    # A screen's first load (its scripts, the fleet, the map's roads) is the slowest wait
    # of a test: on a machine shared with other jobs it has taken more than the default 8 s.
    page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)

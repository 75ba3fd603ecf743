"""Console ready time with many open incidents: how long the dispatcher's screen takes from
navigation to a rendered queue, and how long one live update takes to show.

A real server (the demo collective on a temporary SQLite database, as the end-to-end tests
run it) gets ``--incidents`` open incidents through the API (``POST /api/v1/incidents``),
spread over the collective; then Chromium (Playwright) signs in and loads ``/`` ``--runs``
times. Each run measures, in the page, from the navigation's start to the moment the queue
shows every open incident (``ready_ms``), and then the time from creating one more incident
through the API to its row in the queue (``live_update_ms``: event stream, merge and
render). Run it against another checkout's ``src`` (``PYTHONPATH=...``) to compare the
pages before and after a change: the pages and the server come from that source.

    PYTHONPATH=src .venv/bin/python benchmarks/console_ready.py --incidents 500 --runs 5

The last line is the JSON result.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import footer, summary
from tests.e2e.harness import launch, live_server

# Towns of the demo collective (Liechtenstein); incidents fall within ~800 m of one.
TOWNS = ((47.141, 9.521), (47.165, 9.509), (47.107, 9.528), (47.066, 9.503), (47.208, 9.526))
CALL_TYPES = ("burglary", "traffic_collision", "theft", "domestic", "assault")

READY = """(n) => {
  const rows = document.querySelectorAll('#queue-list > li').length;
  if (document.body.dataset.ready !== 'true' || rows < n) return false;
  window.readyAt = window.readyAt || performance.now();
  return true;
}"""


def seed(url: str, count: int) -> str:
    token = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": "dispatcher", "password": "dispatcher"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    types = [c["code"] for c in httpx.get(f"{url}/api/v1/call-types", headers=headers).json()]
    rng = random.Random(7)
    with httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=30) as client:
        for n in range(count):
            town = rng.choice(TOWNS)
            body = {
                "call_type": rng.choice([t for t in CALL_TYPES if t in types] or types),
                "priority": rng.randint(1, 5),
                "location": {
                    "lat": round(town[0] + rng.uniform(-0.006, 0.006), 5),
                    "lon": round(town[1] + rng.uniform(-0.006, 0.006), 5),
                },
                "description": f"benchmark incident {n}",
            }
            r = client.post("/incidents", json=body)
            if r.status_code != 201:
                raise SystemExit(f"creating an incident: {r.status_code} {r.text}")
    return token


def one_more(url: str, token: str) -> str:
    r = httpx.post(
        f"{url}/api/v1/incidents",
        headers={"Authorization": f"Bearer {token}"},
        json={"call_type": "burglary", "priority": 1, "location": {"lat": 47.14, "lon": 9.52}},
    )
    r.raise_for_status()
    return str(r.json()["id"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--incidents", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as server:
        t0 = time.perf_counter()
        token = seed(server.url, args.incidents)
        seed_s = time.perf_counter() - t0
        ready: list[float] = []
        live: list[float] = []
        with sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.set_default_timeout(60000)
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.get_by_label("Username", exact=True).fill("dispatcher")
            page.get_by_label("Password", exact=True).fill("dispatcher")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("body[data-ready=true]")
            shown = args.incidents
            for _ in range(args.runs):
                page.goto(f"{server.url}/")
                page.wait_for_function(READY, arg=shown, polling="raf")
                ready.append(page.evaluate("window.readyAt"))
                page.wait_for_selector("#conn.conn-live")
                start = time.perf_counter()
                new_id = one_more(server.url, token)
                page.wait_for_selector(f'#queue-list [data-id="{new_id}"]', state="attached")
                live.append((time.perf_counter() - start) * 1000)
                shown += 1
            browser.close()
    footer(
        {
            "benchmark": "console_ready",
            "open_incidents": args.incidents,
            "runs": args.runs,
            "seed_s": round(seed_s, 1),
            "ready": summary(ready),
            "live_update": summary(live),
        }
    )


if __name__ == "__main__":
    main()

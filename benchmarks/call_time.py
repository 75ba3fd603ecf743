"""Time per call, from opening the form to the assignment, in the dispatcher's console:
the location typed as coordinates (before issue 11) against the address search (after).

A real server (the demo collective on a temporary SQLite database, started as the
end-to-end tests start it: ``tests/e2e/harness.py``) and Debian's Chromium (Playwright's
sync API) signed in as ``dispatcher``. Each call is taken with the keyboard only:

- before: ``n``, Tab to Latitude, type it, Tab, type the Longitude, Tab, type the first
  letters of the call type, Shift+Tab, Enter (create), wait for the recommendation, Enter
  (assign the top candidate), wait until the unit board shows the unit dispatched;
- after: ``n``, type a few letters of the address, wait for the matches, Enter (picks the
  first), Tab three times to the call type, its first letters, Shift+Tab, Enter, wait for
  the recommendation, Enter, wait for dispatched.

Both ways place the same call (a burglary at one demo address; the coordinates typed
"before" are that address's, as the gazetteer gives them), alternating, on the same
console. Every key press and every typed character counts as a keystroke (Shift+Tab is
one). The time runs from the ``n`` press to the unit shown as dispatched; each incident is
closed through the API afterwards (``no_report``) and the unit shown available again
before the next call. One call each way comes first as a warm-up and is not counted.
The script types as fast as the browser takes keys: the keystrokes are the human side of
the figure, the milliseconds the machine's.

    PYTHONPATH=src .venv/bin/python benchmarks/call_time.py --calls 10

The last line is the JSON result.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import footer
from tests.e2e.harness import launch, live_server, sign_in

ADDRESS = "Städtle 43, Vaduz"  # in the demo gazetteer (tests/e2e/test_geocode.py)
QUERY = "stadtle 43"  # what the dispatcher types: no accent, no town
CALL_TYPE = "burglary"
WAIT_MS = 30000

FIRST_MATCH = """(label) => {
  const o = document.querySelector('#new-address-list [role=option] .addr-label');
  return !!o && !document.querySelector('#new-address-list').hidden && o.textContent === label;
}"""
RECOMMENDED = """() => {
  const b = document.querySelector('#assign-top');
  return !document.querySelector('#rec-panel').hidden && document.activeElement === b
    && !!document.querySelector('#assign-top-unit').textContent;
}"""
UNIT_IS = """([unit, status]) => {
  const p = document.querySelector(`#units-body tr[data-id="${unit}"] .pill`);
  return !!p && p.textContent.trim() === status;
}"""


class Keys:
    """The page's keyboard, counting every key press and every typed character."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def wait(page: Any, js: str, arg: Any = None) -> None:
    page.wait_for_function(js, arg=arg, polling="raf", timeout=WAIT_MS)


def type_ahead(name: str, others: list[str]) -> str:
    """The fewest first letters of ``name`` that a closed <select> jumps to (no other
    option's name starts with them)."""
    for n in range(1, len(name) + 1):
        prefix = name[:n].lower()
        if not any(o.lower().startswith(prefix) for o in others):
            return prefix
    return name.lower()


def before(keys: Keys, lat: str, lon: str, call_type: str) -> None:
    keys.press("n")
    keys.press("Tab")  # Address -> Latitude
    keys.type(lat)
    keys.press("Tab")
    keys.type(lon)
    keys.press("Tab")  # -> Call type
    keys.type(call_type)
    keys.press("Shift+Tab")  # back to Longitude: Enter there creates
    keys.press("Enter")


def after(keys: Keys, lat: str, lon: str, call_type: str) -> None:
    keys.press("n")  # the focus is in Address
    keys.type(QUERY)
    wait(keys.page, FIRST_MATCH, ADDRESS)
    keys.press("Enter")  # picks the first match
    keys.press("Tab", 3)  # Address -> Latitude -> Longitude -> Call type
    keys.type(call_type)
    keys.press("Shift+Tab")
    keys.press("Enter")


def take(page: Any, way: Callable[..., None], *args: str) -> tuple[float, int, str]:
    """One call taken ``way``: (ms from ``n`` to dispatched, keystrokes, unit)."""
    keys = Keys(page)
    t0 = time.perf_counter()
    way(keys, *args)
    wait(page, RECOMMENDED)
    unit = str(page.locator("#assign-top-unit").text_content()).strip()
    keys.press("Enter")  # the focused Assign button: the top candidate
    wait(page, UNIT_IS, [unit, "dispatched"])
    return (time.perf_counter() - t0) * 1000, keys.count, unit


def p90(ms: list[float]) -> float:
    s = sorted(ms)
    return s[min(len(s) - 1, round(0.9 * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10, help="calls each way (default 10)")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as server:
        token = httpx.post(
            f"{server.url}/api/v1/auth/token",
            data={"username": "dispatcher", "password": "dispatcher"},
        ).json()["access_token"]
        api = httpx.Client(
            base_url=f"{server.url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        match = api.get("/geocode", params={"q": QUERY, "limit": 8}).json()["matches"][0]
        if match["label"] != ADDRESS:
            raise SystemExit(f"{QUERY!r} finds {match['label']!r} first, not {ADDRESS!r}")
        lat, lon = f"{match['lat']:.5f}", f"{match['lon']:.5f}"
        names = {c["code"]: c["name"] for c in api.get("/call-types").json()}
        letters = type_ahead(names[CALL_TYPE], [n for c, n in names.items() if c != CALL_TYPE])
        ways: dict[str, Callable[..., None]] = {"before": before, "after": after}
        ms: dict[str, list[float]] = {w: [] for w in ways}
        keystrokes: dict[str, set[int]] = {w: set() for w in ways}
        with sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.set_default_timeout(WAIT_MS)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            sign_in(page, server.url, "dispatcher")
            page.wait_for_selector("#conn.conn-live")
            for n in range(args.calls + 1):
                for name, way in ways.items():
                    elapsed, count, unit = take(page, way, lat, lon, letters)
                    incident = api.get("/incidents", params={"status": "dispatched"}).json()
                    (inc,) = incident["items"]
                    if inc["call_type"] != CALL_TYPE or inc["address"] != ADDRESS:
                        raise SystemExit(f"{name}: the call was placed wrong: {inc}")
                    api.post(
                        f"/incidents/{inc['id']}/close", json={"disposition": "no_report"}
                    ).raise_for_status()
                    wait(page, UNIT_IS, [unit, "available"])
                    page.keyboard.press("Escape")  # nothing selected: as at the start
                    if n:  # the first round warms up
                        ms[name].append(elapsed)
                        keystrokes[name].add(count)
            browser.close()
        if errors:
            raise SystemExit(f"page errors: {errors}")

    keys = {w: max(k) for w, k in keystrokes.items()}  # the same every call
    med = {w: statistics.median(v) for w, v in ms.items()}
    print(f"{args.calls} calls each way, a burglary at {ADDRESS} ({lat}, {lon})")
    print(f"{'way':<8}{'median ms':>11}{'p90 ms':>9}{'keystrokes':>12}  typed")
    typed = {"before": f"{lat} {lon} {letters!r}", "after": f"{QUERY!r} {letters!r}"}
    for w in ways:
        print(f"{w:<8}{med[w]:>11.0f}{p90(ms[w]):>9.0f}{keys[w]:>12}  {typed[w]}")
    print(
        f"after/before: {med['after'] / med['before']:.2f}x the time, "
        f"{keys['after'] / keys['before']:.2f}x the keystrokes"
    )
    footer(
        {
            "benchmark": "call_time",
            "calls": args.calls,
            "before_ms_median": round(med["before"], 1),
            "before_ms_p90": round(p90(ms["before"]), 1),
            "after_ms_median": round(med["after"], 1),
            "after_ms_p90": round(p90(ms["after"]), 1),
            "before_keys": keys["before"],
            "after_keys": keys["after"],
            "time_ratio": round(med["after"] / med["before"], 3),
            "keys_ratio": round(keys["after"] / keys["before"], 3),
        }
    )


if __name__ == "__main__":
    main()

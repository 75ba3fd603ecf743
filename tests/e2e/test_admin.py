"""Every role on its own screen, and the admin screens (/admin) in a real browser.

Story: each demo user signs in and lands where their work is (dispatchers and supervisors on
the console, analysts on the incident search, an officer on their unit, admins on /admin);
Alex (collective admin) adds a station and a unit and changes a call type's response plan;
Vera (agency admin of Vaduz) sees edit controls only on her own agency's records, and when
the server refuses her (a station still has units, a password the rule refuses) she reads
why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.harness import LANDING_MS, LiveServer
from tests.e2e.test_hostile_names import (  # noqa: F401 (fixtures)
    AGENCY,
    CALL_TYPE,
    JURISDICTION,
    PASSWORD,
    STATION,
    UNIT,
    api,
    assert_nothing_ran,
    hostile,
    hostile_records,
    open_watched,
    password_token,
)

pytestmark = pytest.mark.e2e
expect = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need Playwright for Python"
).expect

LANDING = {
    "dispatcher": ("/", ["Dispatch"]),
    "supervisor": ("/", ["Dispatch", "Supervisor", "Board"]),
    "analyst": ("/analyst", ["Incidents", "Board", "Audit log"]),
    "officer": ("/officer", ["My unit"]),
    "admin": ("/admin", ["Dispatch", "Supervisor", "Incidents", "Admin", "Board", "Audit log"]),
    "admin-vaduz": ("/admin", ["Admin", "Board"]),
}


def path_of(page: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def section(page: Any, name: str) -> Any:
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name=name).click()
    expect(page.locator("#section-h")).to_contain_text(name)
    return page.locator("#admin-main")


def row(page: Any, record_id: str) -> Any:
    return page.locator(f'#admin-main tbody tr[data-id="{record_id}"]')


def test_each_role_lands_on_its_screen(open_page: Callable[..., Any]) -> None:
    for username, (landing, screens) in LANDING.items():
        page = open_page(username)
        expect(page).to_have_url(re.compile(re.escape(landing) + "$"))
        nav = page.locator("#screens")
        links = nav.locator("a")
        if len(screens) > 1:
            expect(nav).to_be_visible()
            expect(links).to_have_text(screens)
            expect(nav.locator("a[aria-current=page]")).to_have_count(1)
        else:
            expect(nav).to_be_hidden()
        page.close()


DESTINATIONS = [
    # role, ?next=, where the sign-in page sends them
    ("dispatcher", None, "/"),
    ("supervisor", None, "/"),
    ("analyst", None, "/analyst"),
    ("analyst", "/", "/analyst"),
    ("analyst", "/audit?kind=change", "/audit?kind=change"),
    ("supervisor", "/supervisor", "/supervisor"),
    ("dispatcher", "/supervisor", "/"),
    ("dispatcher", "/audit", "/"),
    ("officer", None, "/officer"),
    ("agency_admin", None, "/admin"),
    ("collective_admin", None, "/admin"),
    ("collective_admin", "/?x=1", "/?x=1"),
    ("collective_admin", "/admin#units", "/admin#units"),
    ("agency_admin", "/", "/admin"),
    ("agency_admin", "/incidents/7", "/admin"),
    ("officer", "/officer?x=1", "/officer?x=1"),
    ("officer", "/admin", "/officer"),
    ("officer", "/administrator", "/officer"),
    ("dispatcher", "/officer", "/"),
    ("dispatcher", "/admin/", "/"),
    ("dispatcher", "//evil.example/admin", "/"),
    ("dispatcher", "/login?next=/admin", "/"),
    ("nobody", None, "/"),
]


def test_each_role_has_its_destination(browser: Any, server: LiveServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/login")
    got = page.evaluate(
        """async (cases) => {
          const { destination } = await import("/static/js/screens.js");
          return cases.map(([role, next]) => destination(role, next));
        }""",
        [[role, next_] for role, next_, _ in DESTINATIONS],
    )
    assert got == [landing for _, _, landing in DESTINATIONS]
    context.close()


def test_a_role_is_kept_to_its_screens(browser: Any, server: LiveServer) -> None:
    """A ``next`` the role may use is kept; another role's screen sends it to its own."""
    for username, next_, landing in (
        ("admin", "/?from=login", "/?from=login"),  # a collective admin also dispatches
        ("admin-vaduz", "/", "/admin"),
        ("officer", "/admin", "/officer"),
        ("dispatcher", "/admin#users", "/"),
        ("admin-vaduz", "/admin#users", "/admin#users"),
    ):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{server.url}/login?next={next_.replace('#', '%23')}")
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(username)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("body[data-ready=true]", timeout=LANDING_MS)
        expect(page).to_have_url(re.compile(re.escape(server.url + landing) + "$"))
        # Typed in by hand, a screen not made for the role sends it to its own.
        if username == "admin-vaduz":
            page.goto(f"{server.url}/")
            expect(page).to_have_url(re.compile(r"/admin$"))
        context.close()


def test_a_collective_admin_adds_a_station_a_unit_and_changes_a_plan(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("admin")
    main = section(page, "Stations")
    main.get_by_role("button", name="New station").click()
    form = main.locator("form")
    form.get_by_label("ID", exact=True).fill("vaduz-aeulestrasse")
    form.get_by_label("Name", exact=True).fill("Vaduz Äulestrasse")
    form.get_by_label("Agency", exact=True).select_option("vaduz")
    form.get_by_label("Latitude", exact=True).fill("47.1395")
    form.get_by_label("Longitude", exact=True).fill("9.5215")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    expect(row(page, "vaduz-aeulestrasse")).to_contain_text("Vaduz Äulestrasse")
    expect(row(page, "vaduz-aeulestrasse")).to_contain_text("47.1395")

    main = section(page, "Units")
    main.get_by_role("button", name="New unit").click()
    form = main.locator("form")
    form.get_by_label("ID", exact=True).fill("vaduz-p42")
    form.get_by_label("Name", exact=True).fill("Vaduz 42")
    form.get_by_label("Agency", exact=True).select_option("vaduz")
    form.get_by_label("Kind", exact=True).fill("patrol")
    form.get_by_label("Capabilities", exact=True).fill("patrol, traffic")
    # Only the chosen agency's stations are offered.
    expect(form.locator('option[value="eschen-schwarze-strasse"]')).to_be_disabled()
    form.get_by_label("Station", exact=True).select_option("vaduz-aeulestrasse")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    unit = row(page, "vaduz-p42")
    expect(unit).to_contain_text("Vaduz Äulestrasse")
    expect(unit).to_contain_text("patrol, traffic")

    # The burglary plan: one patrol, then a patrol and a K-9 team.
    main = section(page, "Call types")
    main.get_by_role("button", name="Edit burglary").click()
    form = main.locator("form")
    expect(form.get_by_label("Capability 1", exact=True)).to_have_value("patrol")
    form.get_by_role("button", name="Add requirement").click()
    expect(form.get_by_label("Capability 2", exact=True)).to_be_focused()
    form.get_by_label("Capability 2", exact=True).fill("k9")
    form.get_by_label("Units 1", exact=True).fill("2")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    expect(row(page, "burglary")).to_contain_text("patrol ×2, k9")
    plan = httpx.get(
        f"{page.url.split('/admin')[0]}/api/v1/call-types/burglary",
        headers={"Authorization": f"Bearer {session_token(page)}"},
    ).json()["plan"]
    assert plan == [{"capability": "patrol", "count": 2}, {"capability": "k9", "count": 1}]

    # A station with units posted cannot go: the server's reason, and a reload.
    main = section(page, "Stations")
    page.once("dialog", lambda d: d.accept())
    row(page, "vaduz-aeulestrasse").get_by_role("button", name="Delete").click()
    error = page.locator("#section-error")
    expect(error).to_contain_text("Station vaduz-aeulestrasse still has units: vaduz-p42")
    error.get_by_role("button", name="Reload").click()
    expect(error).to_be_hidden()

    # Live: a station added elsewhere appears without a reload.
    r = httpx.post(
        f"{page.url.split('/admin')[0]}/api/v1/stations",
        json={
            "id": "vaduz-live",
            "agency": "vaduz",
            "name": "Vaduz Live",
            "location": {"lat": 47.14, "lon": 9.52},
        },
        headers={"Authorization": f"Bearer {session_token(page)}"},
    )
    assert r.status_code == 201, r.text
    expect(row(page, "vaduz-live")).to_contain_text("Vaduz Live")


def test_a_collective_admin_uploads_a_jurisdiction_as_geojson(
    open_page: Callable[..., Any],
) -> None:
    square = [[9.60, 47.30], [9.61, 47.30], [9.61, 47.31], [9.60, 47.31], [9.60, 47.30]]
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Point", "coordinates": [9.6, 47.3]},
    }
    polygon = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    page = open_page("admin")
    main = section(page, "Jurisdictions")
    opener = main.get_by_role("button", name="New jurisdiction")
    opener.click()
    form = main.locator("form")
    form.get_by_label("ID", exact=True).fill("ruggell-nord")
    form.get_by_label("Name", exact=True).fill("Ruggell Nord")
    form.get_by_label("Agency", exact=True).select_option("unterland")
    upload = form.get_by_label("Boundary (GeoJSON file)", exact=True)
    # A point is no boundary: said before anything is sent.
    upload.set_input_files(files=[geojson_file("point.geojson", feature)])
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("Polygon or a MultiPolygon, not Point")
    upload.set_input_files(files=[geojson_file("ruggell-nord.geojson", polygon)])
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    expect(opener).to_be_focused()  # back where the form was opened
    expect(row(page, "ruggell-nord")).to_contain_text("Ruggell Nord")
    row(page, "ruggell-nord").get_by_role("button", name="View").click()
    expect(page.locator("#view-slot")).to_contain_text("Polygon: 1 polygon, 5 points")

    # Renamed without a new file: the boundary stays.
    row(page, "ruggell-nord").get_by_role("button", name="Edit").click()
    form = main.locator("form")
    form.get_by_label("Name", exact=True).fill("Ruggell North")
    form.get_by_label("Name", exact=True).press("Enter")
    expect(row(page, "ruggell-nord")).to_contain_text("Ruggell North")
    j = httpx.get(
        f"{page.url.split('/admin')[0]}/api/v1/jurisdictions/ruggell-nord",
        headers={"Authorization": f"Bearer {session_token(page)}"},
    ).json()
    assert j["geometry"]["type"] == "Polygon"
    # Esc closes a form without saving.
    row(page, "ruggell-nord").get_by_role("button", name="Edit").click()
    main.locator("form").get_by_label("Name", exact=True).press("Escape")
    expect(main.locator("form")).to_have_count(0)
    expect(row(page, "ruggell-nord").get_by_role("button", name="Edit")).to_be_focused()


def geojson_file(name: str, data: Any) -> dict[str, Any]:
    return {"name": name, "mimeType": "application/geo+json", "buffer": json.dumps(data).encode()}


def session_token(page: Any) -> str:
    return str(page.evaluate("JSON.parse(sessionStorage.getItem('bluepool.session')).access_token"))


def test_an_agency_admin_sees_only_their_own_controls_and_the_servers_refusals(
    open_page: Callable[..., Any],
) -> None:
    page = open_page("admin-vaduz")
    expect(page.locator("#admin-scope")).to_contain_text("Agency admin of Polizei Vaduz")

    main = section(page, "Agencies")
    expect(main.get_by_role("button", name="New agency")).to_have_count(0)
    expect(row(page, "vaduz").get_by_role("button", name="Edit")).to_have_count(1)
    expect(row(page, "vaduz").get_by_role("button", name="Delete")).to_have_count(0)
    expect(row(page, "unterland").get_by_role("button")).to_have_count(0)

    main = section(page, "Jurisdictions")
    expect(main.get_by_role("button", name="New jurisdiction")).to_have_count(0)
    expect(row(page, "vaduz").get_by_role("button")).to_have_text(["View"])
    row(page, "vaduz").get_by_role("button", name="View").click()
    expect(page.locator("#view-slot")).to_contain_text("Polygon")

    main = section(page, "Stations")
    expect(main.get_by_role("button", name="New station")).to_be_visible()
    expect(row(page, "vaduz-gewerbeweg").get_by_role("button")).to_have_text(["Edit", "Delete"])
    # Her agency's list first; every agency's on asking, without their controls.
    expect(row(page, "eschen-schwarze-strasse")).to_have_count(0)
    main.get_by_label("Show agency").select_option("")
    expect(row(page, "eschen-schwarze-strasse")).to_be_visible()
    expect(row(page, "eschen-schwarze-strasse").get_by_role("button")).to_have_count(0)
    main.get_by_role("button", name="New station").click()
    expect(main.locator("form").get_by_label("Agency", exact=True).locator("option")).to_have_text(
        ["Polizei Vaduz"]
    )
    main.get_by_role("button", name="Cancel").click()
    # Refused by the server: its words, as it put them.
    page.once("dialog", lambda d: d.accept())
    row(page, "vaduz-gewerbeweg").get_by_role("button", name="Delete").click()
    expect(page.locator("#section-error")).to_contain_text(
        "Station vaduz-gewerbeweg still has units"
    )

    main = section(page, "Units")
    expect(row(page, "vaduz-p1").get_by_role("button")).to_have_text(["Edit", "Delete"])
    main.get_by_label("Show agency").select_option("schaan-planken")
    expect(row(page, "vaduz-p1")).to_have_count(0)
    expect(row(page, "schaan-p1").get_by_role("button")).to_have_count(0)

    main = section(page, "Call types")
    expect(main.get_by_role("button", name="New call type")).to_have_count(0)
    expect(row(page, "burglary").get_by_role("button")).to_have_count(0)

    # Agreements: Vaduz's admin signs the proposal Vaduz is a party to, for Vaduz only.
    section(page, "Agreements")
    expect(row(page, "UNT-SCH-2026-01").get_by_role("button")).to_have_text(["Versions"])
    proposal = row(page, "VAD-SCH-2027-01")
    expect(proposal.get_by_role("button")).to_have_text(["Amend", "Sign", "Terminate", "Versions"])
    expect(proposal).to_contain_text("k9 CHF 120.50/h")
    page.once("dialog", lambda d: d.accept())
    proposal.get_by_role("button", name="Sign").click()
    expect(proposal).to_contain_text("proposed")
    expect(proposal.get_by_role("button")).to_have_text(["Amend", "Terminate", "Versions"])
    expect(proposal.locator("td").nth(6)).to_have_text("Polizei Schaan-Planken")  # awaiting

    main = section(page, "Users")
    usernames = main.locator("tbody tr").evaluate_all("rows => rows.map((r) => r.dataset.id)")
    assert {"officer", "admin-vaduz"} <= set(usernames)
    assert not {"officer-schaan", "dispatcher"} & set(usernames)
    main.get_by_role("button", name="New user").click()
    form = main.locator("form")
    expect(form.get_by_label("Role", exact=True).locator("option")).to_have_text(
        ["officer", "agency admin"]
    )
    # An officer without a unit: the server says what is missing.
    form.get_by_label("Username", exact=True).fill("vaduz-new")
    form.get_by_label("Password", exact=True).fill("a long enough secret")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("An officer user needs the unit they crew")
    form.get_by_label("Unit (an officer's)", exact=True).select_option("vaduz-p2")
    form.get_by_label("Full name", exact=True).fill("Nina Neu")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)
    expect(row(page, "vaduz-new")).to_contain_text("Nina Neu")

    # The password rule's reasons, then a password it accepts.
    row(page, "vaduz-new").get_by_role("button", name="Reset password").click()
    form = main.locator("form")
    new_password = form.get_by_label("New password", exact=True)
    for weak, reason in (
        ("short", "at least 8 characters"),
        ("changeme", "well-known default"),
        ("vaduz-new", "must not be the user name"),
    ):
        new_password.fill(weak)
        form.get_by_role("button", name="Save").click()
        expect(form.get_by_role("alert")).to_contain_text(reason)
    new_password.fill("another long secret")
    form.get_by_role("button", name="Save").click()
    expect(form).to_have_count(0)

    # Deactivate, and the user reads as deactivated.
    page.once("dialog", lambda d: d.accept())
    row(page, "vaduz-new").get_by_role("button", name="Deactivate").click()
    expect(row(page, "vaduz-new")).to_contain_text("deactivated")
    expect(row(page, "vaduz-new").get_by_role("button", name="Reactivate")).to_be_visible()
    # Her own row has no deactivate button.
    expect(row(page, "admin-vaduz").get_by_role("button", name="Deactivate")).to_have_count(0)


def test_the_admin_screens_show_hostile_names_as_text(
    server: LiveServer,
    open_watched: Callable[..., Any],  # noqa: F811
    hostile_records: dict[str, str],  # noqa: F811
) -> None:
    admin = password_token(server, "admin", "admin")
    name = hostile("Admin")
    body = {"username": "hostile-admin", "password": PASSWORD, "role": "collective_admin"}
    api(server, admin, "POST", "/users", body | {"full_name": name})
    page = open_watched("hostile-admin", {"width": 1440, "height": 900})
    expect(page.locator("#user-name")).to_have_text(name)
    section(page, "Agencies")
    expect(row(page, "hostile")).to_contain_text(AGENCY)
    section(page, "Jurisdictions")
    expect(row(page, "hostile-town")).to_contain_text(JURISDICTION)
    expect(row(page, "hostile-town")).to_contain_text(AGENCY)
    row(page, "hostile-town").get_by_role("button", name="View").click()
    expect(page.locator("#view-slot h3")).to_have_text(JURISDICTION)
    section(page, "Stations")
    expect(row(page, "hostile-hq")).to_contain_text(STATION)
    section(page, "Units")
    expect(row(page, "hostile-p1")).to_contain_text(UNIT)
    expect(row(page, "hostile-p1")).to_contain_text(STATION)
    page.get_by_role("button", name="New unit").click()
    expect(page.locator('#admin-main form option[value="hostile"]')).to_have_text(AGENCY)
    section(page, "Call types")
    expect(row(page, "hostile_call")).to_contain_text(CALL_TYPE)
    section(page, "Agreements")
    expect(row(page, "HOSTILE-collective")).to_contain_text(AGENCY)
    section(page, "Users")
    expect(row(page, "hostile-admin")).to_contain_text(name)
    assert_nothing_ran(page)

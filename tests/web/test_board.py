"""The board report over the API: a West car lent to an East call shows in West's
utilisation and as hours West lent and East borrowed; the figures are SVG; who may read
it, and bad input refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import CLOSE
from tests.web.conftest import login
from tests.web.test_api import new_incident

API = "/api/v1/reports/board"


def lent_call(client: TestClient, headers: dict[str, str]) -> str:
    """A burglary in East served by West's first car, lent under West's agreement."""
    incident = new_incident(client, headers, "east")["id"]
    r = client.post(
        f"/api/v1/incidents/{incident}/assignments", headers=headers, json={"unit_id": "west-p1"}
    )
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/incidents/{incident}/close", headers=headers, json=CLOSE)
    assert r.status_code == 200, r.text
    return incident


def rows(report: dict[str, Any], key: str, agency: str) -> list[dict[str, Any]]:
    return [r for r in report[key] if r["agency_id"] == agency]


def test_a_lent_car_shows_in_utilisation_and_as_hours_lent_and_borrowed(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    r = client.get(API, headers=login(client, "analyst"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["incidents"] == 1
    (west_patrol,) = [r for r in rows(report, "utilisation", "west") if r["kind"] == "patrol"]
    assert west_patrol["units"] == 2
    assert west_patrol["busy_hours"] > 0
    (lent,) = rows(report, "lent_borrowed", "west")
    (borrowed,) = rows(report, "lent_borrowed", "east")
    assert lent["lent_hours"] == borrowed["borrowed_hours"] > 0
    assert lent["borrowed_hours"] == borrowed["lent_hours"] == 0
    # The K-9 never went out: an idle specialised unit.
    assert [i["unit_id"] for i in report["idle"]] == ["middle-k9"]
    assert report["rules"]["idle_below"] == 0.05


def test_the_figures_are_svg_the_same_bytes_twice(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    analyst = login(client, "analyst")
    period = {"from": "2020-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}
    for figure in ("utilisation", "idle", "lent-borrowed"):
        first = client.get(f"{API}/{figure}.svg", headers=analyst, params=period)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "image/svg+xml"
        assert first.content.lstrip().startswith(b"<?xml")
        assert b"<svg" in first.content
        again = client.get(f"{API}/{figure}.svg", headers=analyst, params=period)
        assert again.content == first.content


def test_who_may_read_it_and_bad_input(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    assert client.get(API, headers=as_dispatcher).status_code == 403
    assert client.get(API, headers=login(client, "west-admin")).status_code == 200
    analyst = login(client, "analyst")
    assert client.get(f"{API}/pie.svg", headers=analyst).status_code == 404
    bad = [
        {"idle_below": "0"},
        {"idle_below": "2"},
        {"within_minutes": "-5"},
        {"from": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"from": "yesterday"},
        {"from": "2026-01-01T00:00:00"},
    ]
    for params in bad:
        r = client.get(API, headers=analyst, params=params)
        assert r.status_code == 422, (params, r.text)


def test_the_kpis_of_live_dispatch_by_priority_with_assistance(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    analyst = login(client, "analyst")
    r = client.get(
        "/api/v1/kpis", headers=analyst, params={"by": ["priority"], "tz": "Europe/Vaduz"}
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["by"] == ["self_initiated", "priority"]
    assert (report["calls"], report["self_initiated"]) == (1, 0)
    rows = {row["kpi"]: row for row in report["rows"]}
    assert rows["call_processing"]["group"] == {"self_initiated": "public", "priority": "2"}
    assert rows["call_processing"]["count"] == 1
    assert rows["call_processing"]["median_s"] >= 0
    assert rows["total_response"]["missing"] == 1  # never on scene: left out, not assumed
    (east,) = [a for a in report["assistance"] if a["agency"] == "east"]
    assert (east["calls"], east["received"]) == (1, 1)
    # A zone's folder ("Europe") and the host's "localtime" are no time zones either.
    zones = ({"tz": "Mars/Olympus"}, {"tz": "Europe"}, {"tz": "localtime"})
    for bad in ({"by": "colour"}, *zones, {"from": "2026-01-01T00:00:00"}):
        assert client.get("/api/v1/kpis", headers=analyst, params=bad).status_code == 422, bad
    assert client.get("/api/v1/kpis", headers=as_dispatcher).status_code == 403


def test_goals_set_by_admins_judged_over_the_period_and_week_by_week(
    client: TestClient, as_dispatcher: dict[str, str], as_admin: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    west_admin = login(client, "west-admin")
    goal = {"kpi": "call_processing", "statistic": "median", "target_s": 600}
    # A goal for every jurisdiction is the collective's; West's admin sets West's only.
    assert client.post("/api/v1/goals", headers=west_admin, json=goal).status_code == 403
    r = client.post("/api/v1/goals", headers=west_admin, json={**goal, "jurisdiction": "west-town"})
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/goals", headers=as_admin, json=goal).status_code == 201
    again = client.post("/api/v1/goals", headers=as_admin, json=goal)
    assert again.status_code == 409
    assert again.json()["code"] == "goal_exists"
    analyst = login(client, "analyst")
    r = client.get("/api/v1/goals", headers=analyst)
    assert r.status_code == 200, r.text
    by_id = {x["id"]: x for x in r.json()}
    assert set(by_id) == {"all:any:call_processing:median", "west-town:any:call_processing:median"}
    everywhere = by_id["all:any:call_processing:median"]
    assert everywhere["period"]["count"] == 1
    assert everywhere["period"]["status"] == "met"  # dispatched within seconds
    assert len(everywhere["trend"]) == 5  # 30 days: four weeks and two days
    assert by_id["west-town:any:call_processing:median"]["period"]["status"] == "no_data"
    for bad in (
        {**goal, "kpi": "happiness"},
        {**goal, "target_s": 0},
        {**goal, "jurisdiction": "atlantis"},
        {**goal, "statistic": "mean"},
        {**goal, "colour": "blue"},
    ):
        assert client.post("/api/v1/goals", headers=as_admin, json=bad).status_code == 422, bad
    gone = client.delete("/api/v1/goals/west-town:any:call_processing:median", headers=west_admin)
    assert gone.status_code == 204
    assert client.delete("/api/v1/goals/nope", headers=as_admin).status_code == 404
    assert [x["id"] for x in client.get("/api/v1/goals", headers=analyst).json()] == [
        "all:any:call_processing:median"
    ]
    figure = client.get("/api/v1/reports/goals.svg", headers=analyst)
    assert figure.status_code == 200
    assert figure.headers["content-type"] == "image/svg+xml"
    assert b"Goals week by week" in figure.content


def test_the_kpi_figures_are_svg(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    lent_call(client, as_dispatcher)
    analyst = login(client, "analyst")
    for figure, title in (
        ("by-priority", b"no call reached the scene"),  # the lent car never got there
        ("time-of-week", b"Calls by hour of week"),
        ("by-jurisdiction", b"Median total response by jurisdiction"),
    ):
        r = client.get(
            f"/api/v1/reports/kpis/{figure}.svg", headers=analyst, params={"tz": "Europe/Vaduz"}
        )
        assert r.status_code == 200, (figure, r.text)
        assert title in r.content, figure
    assert client.get("/api/v1/reports/kpis/pie.svg", headers=analyst).status_code == 404

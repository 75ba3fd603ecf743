"""KPIs of the call history over the API: a closed live incident copied into the history
(``add_live``) gives the same report with ``source=history`` as the live one; only a
collective admin copies; a bad source is refused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from bluepool import bootstrap
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.domain.access.roles import Role, User
from bluepool.domain.analytics import goals
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import Username
from bluepool.services.analytics.history import add_live
from tests.web.conftest import login, seed
from tests.web.test_board import lent_call
from tests.web.test_incident_edits import new_incident


@pytest.fixture
def runtime(migrated_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        environment="test",
        database_url=migrated_url,
        secret_key="t" * 40,
        history_path=tmp_path / "history.duckdb",
    )
    rt = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    seed(rt)
    yield rt
    rt.engine.dispose()


def without_source(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "source"}


def test_a_closed_incident_reports_the_same_from_the_history(
    runtime: Runtime, client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    analyst = login(client, "analyst")
    now = runtime.context.clock.now()
    period = {
        "from": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
        "by": ["priority", "agency", "unit_kind"],
        "tz": "Europe/Vaduz",
    }
    empty = client.get("/api/v1/kpis", headers=analyst, params={**period, "source": "history"})
    assert empty.status_code == 200, empty.text
    assert empty.json()["calls"] == 0

    admin = User(Username("admin"), Role.COLLECTIVE_ADMIN)
    start, end = now - timedelta(days=1), now + timedelta(hours=1)
    assert add_live(runtime.context, admin, start, end) == 1
    assert add_live(runtime.context, admin, start, end) == 1  # again: replaced, not doubled

    live = client.get("/api/v1/kpis", headers=analyst, params=period).json()
    r = client.get("/api/v1/kpis", headers=analyst, params={**period, "source": "history"})
    assert r.status_code == 200, r.text
    history = r.json()
    assert (live["source"], history["source"]) == ("live", "history")
    assert without_source(history) == without_source(live)
    assert history["calls"] == 1
    assert history["assistance"]  # West's car in East: assistance received and given

    with pytest.raises(Forbidden):
        add_live(runtime.context, User(Username("analyst"), Role.ANALYST), start, end)
    bad = client.get("/api/v1/kpis", headers=analyst, params={"source": "archive"})
    assert bad.status_code == 422


class Page(HTMLParser):
    """The tags of a page, and whether anything in it points outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.outside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href") and value and not value.startswith("#"):
                self.outside.append(f"{tag} {name}={value}")


def test_the_kpi_report_as_a_page_csv_and_json_live_and_from_the_history(
    runtime: Runtime, client: TestClient, as_dispatcher: dict[str, str], as_admin: dict[str, str]
) -> None:
    # An open call with a caller's name and number: neither reaches the report.
    new_incident(
        client, as_dispatcher, "east", caller_name="Zora Quist", caller_phone="+423 555 0199"
    )
    lent_call(client, as_dispatcher)
    goal = {"kpi": "call_processing", "statistic": "median", "target_s": 600}
    assert client.post("/api/v1/goals", headers=as_admin, json=goal).status_code == 201
    analyst = login(client, "analyst")
    now = runtime.context.clock.now()
    period = {
        "from": (now - timedelta(days=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
        "tz": "Europe/Vaduz",
    }
    admin = User(Username("admin"), Role.COLLECTIVE_ADMIN)
    add_live(runtime.context, admin, now - timedelta(days=1), now + timedelta(hours=1))

    docs = {}
    for source in ("live", "history"):
        r = client.get(
            "/api/v1/reports/kpis.json", headers=analyst, params={**period, "source": source}
        )
        assert r.status_code == 200, r.text
        docs[source] = r.json()
    live, history = docs["live"], docs["history"]
    assert live["calls"] == 2  # the open incident too; the history holds closed ones only
    assert history["calls"] == 1
    (p2,) = [r for r in history["by_priority"] if r["kpi"] == "call_processing" and r["count"]]
    assert p2["group"] == {"self_initiated": "public", "priority": "2"}
    # The figures read the history too: its one call, Monday-first by hour in Vaduz.
    assert sum(map(sum, history["figures"]["time_of_week"])) == 1
    assert sum(map(sum, live["figures"]["time_of_week"])) == 2
    (judged,) = history["goals"]
    assert (judged["period"]["count"], judged["period"]["status"]) == (1, "met")

    r = client.get(
        "/api/v1/reports/kpis.csv", headers=analyst, params={**period, "source": "history"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    figure = {(x["section"], x["group"], x["kpi"], x["figure"]): x["value"] for x in rows}
    assert figure[("counts", "", "calls", "count")] == str(history["calls"])
    cell = ("by_priority", "self_initiated=public;priority=2", "call_processing", "median_s")
    assert float(figure[cell]) == p2["median_s"]
    goal_id = "goals", "goal=all:any:call_processing:median", "call_processing", "status"
    assert figure[goal_id] == "met"

    r = client.get(
        "/api/v1/reports/kpis.html", headers=analyst, params={**period, "source": "history"}
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = Page()
    page.feed(r.text)
    assert page.tags.count("svg") == 3
    assert "script" not in page.tags
    assert page.outside == []  # self-contained: nothing fetched
    assert {"counts", "totals", "by-priority", "by-jurisdiction", "assistance", "goals"} <= page.ids
    assert "source: <strong>history</strong>" in r.text
    assert "Calls by hour of week" in r.text
    assert "median call processing at most 10 min 0 s everywhere" in r.text
    live_page = client.get("/api/v1/reports/kpis.html", headers=analyst, params=period).text
    for personal in ("Zora", "Quist", "555 0199", "dispatcher"):
        assert personal not in live_page, personal

    assert client.get("/api/v1/reports/kpis.html", headers=as_dispatcher).status_code == 403
    # A period given with another offset is said in UTC.
    offset = {"from": "2026-01-05T02:00:00+02:00", "until": "2026-01-06T02:00:00+02:00"}
    page = client.get("/api/v1/reports/kpis.html", headers=analyst, params=offset).text
    assert "2026-01-05 00:00 to 2026-01-06 00:00 UTC" in page
    zones = ({"tz": "Mars/Olympus"}, {"tz": "America"}, {"tz": "localtime"})
    for bad in (*zones, {"source": "archive"}, {"from": "2026-01-01T00:00:00"}):
        for source in ("live", "history"):
            got = client.get(
                "/api/v1/reports/kpis.csv", headers=analyst, params={"source": source, **bad}
            )
            assert got.status_code == 422, (source, bad)


def test_goals_over_the_history_and_the_weekly_report(
    runtime: Runtime, client: TestClient, as_dispatcher: dict[str, str], as_admin: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    for goal in (
        {"kpi": "call_processing", "statistic": "median", "target_s": 600},
        {"kpi": "total_response", "statistic": "p90", "target_s": 600, "priority": 1},
    ):
        assert client.post("/api/v1/goals", headers=as_admin, json=goal).status_code == 201
    analyst = login(client, "analyst")
    now = runtime.context.clock.now()
    admin = User(Username("admin"), Role.COLLECTIVE_ADMIN)
    add_live(runtime.context, admin, now - timedelta(days=1), now + timedelta(hours=1))
    period = {
        "from": (now - timedelta(days=14)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
    }
    live = client.get("/api/v1/goals", headers=analyst, params=period).json()
    r = client.get("/api/v1/goals", headers=analyst, params={**period, "source": "history"})
    assert r.status_code == 200, r.text
    assert r.json() == live  # the same call, the same rules
    assert [x["period"]["status"] for x in r.json()] == ["met", "no_data"]

    week = goals.week_of(now, ZoneInfo("Europe/Vaduz"))
    for source in ("live", "history"):
        r = client.get(
            "/api/v1/goals/report.pdf",
            headers=analyst,
            params={"week": week, "tz": "Europe/Vaduz", "source": source},
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
        assert f"Goals, week {week}" in text
        assert "median call processing at most 10 min 0 s everywhere" in text
        assert "P1 p90 total response at most 10 min 0 s everywhere" in text
        assert "met" in text
        assert "no data" in text
        assert "1 calls: 1 from the public" in text
    # The default is the last complete week: this one's call is not in it.
    r = client.get("/api/v1/goals/report.pdf", headers=analyst)
    assert r.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "0 calls" in text
    for bad in ("2026-W54", "2026-48", "next week", "1969-W01"):
        got = client.get("/api/v1/goals/report.pdf", headers=analyst, params={"week": bad})
        assert got.status_code == 422, bad
        assert got.json()["code"] in ("bad_week", "validation_error"), got.json()
    assert client.get("/api/v1/goals/report.pdf", headers=as_dispatcher).status_code == 403

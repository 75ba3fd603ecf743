"""POST /api/v1/positions (an AVL gateway's batch) and GET /api/v1/units/{id}/positions
(a unit's history), over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import centre, login

pytestmark = pytest.mark.usefixtures("runtime")
# Within the position history's retention (a week by default).
BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def t(minute: float) -> str:
    return (BASE + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")


def a_fix(unit: str, minute: int, agency: str = "east", **more: Any) -> dict[str, Any]:
    where = centre(agency)
    return {
        "unit_id": unit,
        "lat": where.lat,
        "lon": where.lon,
        "at": t(minute),
        **more,
    }


def test_a_batch_moves_units_and_keeps_their_history(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    body = {
        "fixes": [
            a_fix("west-p1", 1, speed=12.5, heading=90),
            a_fix("west-p2", 1),
            a_fix("west-p1", 2),
            a_fix("west-p1", 0, agency="west"),  # late: history only
        ]
    }
    r = client.post("/api/v1/positions", json=body, headers=as_dispatcher)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 4, "moved": ["west-p1", "west-p2"]}
    unit = client.get("/api/v1/units/west-p1", headers=as_dispatcher).json()
    assert unit["jurisdiction"] == "east-town"
    assert unit["position_at"] == t(2)
    track = client.get("/api/v1/units/west-p1/positions", headers=as_dispatcher).json()
    assert [p["at"] for p in track["items"]] == [t(0), t(1), t(2)]
    assert (track["items"][1]["speed"], track["items"][1]["heading"]) == (12.5, 90)
    # Sent again (a gateway's retry): nothing moves, nothing doubles.
    again = client.post("/api/v1/positions", json=body, headers=as_dispatcher).json()
    assert again["moved"] == []
    window = client.get(
        "/api/v1/units/west-p1/positions",
        params={"since": t(1), "limit": 1},
        headers=as_dispatcher,
    ).json()
    assert [p["at"] for p in window["items"]] == [t(1)]


def test_a_bad_fix_refuses_the_batch_with_its_index(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    bad_values = {"fixes": [a_fix("west-p1", 1), {**a_fix("west-p2", 1), "lat": 91}]}
    r = client.post("/api/v1/positions", json=bad_values, headers=as_dispatcher)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "fixes.1.lat"
    unknown = {"fixes": [a_fix("west-p1", 1), a_fix("west-p2", 1), a_fix("nope", 1)]}
    r = client.post("/api/v1/positions", json=unknown, headers=as_dispatcher)
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_unit"
    assert r.json()["detail"].startswith("fixes[2]")
    naive = {"fixes": [{**a_fix("west-p1", 1), "at": t(1).removesuffix("Z")}]}
    assert client.post("/api/v1/positions", json=naive, headers=as_dispatcher).status_code == 422
    too_many = {"fixes": [a_fix("west-p1", 1)] * 5001}
    assert client.post("/api/v1/positions", json=too_many, headers=as_dispatcher).status_code == 422
    assert (
        client.post("/api/v1/positions", json={"fixes": []}, headers=as_dispatcher).status_code
        == 422
    )
    # Nothing of the refused batches was kept.
    track = client.get("/api/v1/units/west-p1/positions", headers=as_dispatcher).json()
    assert track["items"] == []


def test_a_full_batch_fits_the_body_limit(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    units = [f"{a}-p{n}" for a in ("west", "middle", "east") for n in (1, 2)]
    fixes = [
        {**a_fix(units[i % 6], 0), "at": (BASE + timedelta(seconds=i / 7)).isoformat()}
        for i in range(5000)
    ]
    fixes = [{**f, "speed": 33.3, "heading": 271.5} for f in fixes]
    r = client.post("/api/v1/positions", json={"fixes": fixes}, headers=as_dispatcher)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["received"] == 5000


def test_an_officer_posts_only_their_own_unit(client: TestClient) -> None:
    officer = login(client, "east-officer")
    own = {"fixes": [a_fix("east-p1", 1)]}
    assert client.post("/api/v1/positions", json=own, headers=officer).status_code == 200
    other = {"fixes": [a_fix("east-p1", 2), a_fix("east-p2", 2)]}
    r = client.post("/api/v1/positions", json=other, headers=officer)
    assert r.status_code == 403
    assert r.json()["detail"].startswith("fixes[1]")
    analyst = login(client, "analyst")
    assert client.post("/api/v1/positions", json=own, headers=analyst).status_code == 403
    # The analyst reads tracks; an officer only their own unit's.
    assert client.get("/api/v1/units/east-p1/positions", headers=analyst).status_code == 200
    assert client.get("/api/v1/units/east-p2/positions", headers=officer).status_code == 403

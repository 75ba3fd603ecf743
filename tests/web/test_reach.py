"""Never refuse to recommend, and better picks, through the API on the demo collective and
its road network (SQLite, and PostgreSQL when configured).

Story: a hiker is missing in Vaduz's Alpine exclave, 2.3 km from the nearest road. The
dispatcher still gets a recommendation: patrol cars and dog teams by road plus a walk,
marked approximate, and the helicopter by air. A burglary beside a station where dog teams
and patrol cars stand together gets a patrol car, whatever the units' names; a dog team a
minute nearer is kept free.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape

from bluepool import bootstrap
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.files.collective import read_collective
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.config import Settings
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.network import demo_network_path
from bluepool.services.setup import load_collective
from bluepool.web.app import create_app
from tests.conftest import DATABASES, _database

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))
#: In Vaduz's Alpine exclave, about 2.3 km from the nearest road of the demo network.
HIKER = {"lat": 47.1298, "lon": 9.6074}
#: Schaan Werkhofstrasse: patrol cars schaan-p4..p6, dog teams schaan-k9-1/2, tactical teams.
WERKHOF = {"lat": 47.17093, "lon": 9.51196}


@pytest.fixture(scope="module", params=DATABASES)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    with _database(request.param, tmp_path_factory.mktemp("reach")) as url:
        upgrade(url)
        settings = Settings(environment="test", database_url=url, road_network=demo_network_path())
        runtime = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
        spec = read_collective(DEMO)
        ctx = runtime.context
        with ctx.uow() as uow:
            load_collective(
                uow, spec, ctx.hasher, ctx.clock, "test", JurisdictionIndex(spec.jurisdictions)
            )
        with TestClient(create_app(runtime=runtime)) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": "dispatcher", "password": "dispatcher"}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            yield client
        runtime.engine.dispose()


def call(client: TestClient, call_type: str, where: dict[str, float]) -> dict[str, Any]:
    r = client.post("/api/v1/incidents", json={"call_type": call_type, "location": where})
    assert r.status_code == 201, r.text
    inc: dict[str, Any] = r.json()
    return inc


def recommendation(client: TestClient, incident_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/incidents/{incident_id}/recommendation")
    assert r.status_code == 200, r.text
    rec: dict[str, Any] = r.json()
    return rec


def test_a_missing_hiker_far_from_any_road_gets_a_recommendation(demo: TestClient) -> None:
    inc = call(demo, "missing_person", HIKER)
    assert inc["jurisdiction"] == "vaduz"

    rec = recommendation(demo, inc["id"])

    flown = [c for c in rec["candidates"] if c["method"] == "by air"]
    assert flown, "the helicopter flies"
    heli = flown[0]
    assert not heli["approximate"]
    assert heli["reasons"][0].startswith("eta by air: ")
    assert heli["proposed"]
    driven = [c for c in rec["candidates"] if c["method"] == "by road"]
    assert driven
    for c in driven:
        assert c["approximate"]
        assert c["offroad_m"] > 2_000
        assert c["reasons"][0].endswith("km off road, approximate")
    assert {p["capability"] for p in rec["proposed"]} == {"patrol", "air", "k9"}
    assert rec["shortfalls"] == []


def test_an_approximate_candidate_can_be_assigned(demo: TestClient) -> None:
    inc = call(demo, "missing_person", HIKER)
    rec = recommendation(demo, inc["id"])
    car = next(c for c in rec["candidates"] if c["approximate"])

    r = demo.post(f"/api/v1/incidents/{inc['id']}/assignments", json={"unit_id": car["unit_id"]})

    assert r.status_code == 201, r.text
    assert "approximate" in r.json()["reasons"][0]


def test_a_route_to_a_place_far_from_the_roads_ends_with_the_walk(demo: TestClient) -> None:
    inc = call(demo, "burglary", HIKER)
    top = recommendation(demo, inc["id"])["candidates"][0]

    r = demo.get(f"/api/v1/incidents/{inc['id']}/route", params={"unit_id": top["unit_id"]})

    assert r.status_code == 200, r.text
    assert r.json()["geometry"]["coordinates"][-1] == [HIKER["lon"], HIKER["lat"]]
    assert r.json()["properties"]["destination_snap_m"] > 2_000


def test_every_place_inside_the_collective_gets_a_recommendation(demo: TestClient) -> None:
    spec = read_collective(DEMO)
    area = [shape(j.geometry) for j in spec.jurisdictions]
    rng = np.random.default_rng(7)
    taken = 0
    while taken < 12:
        lat, lon = float(rng.uniform(47.04, 47.27)), float(rng.uniform(9.47, 9.64))
        if not any(a.contains(Point(lon, lat)) for a in area):
            continue
        taken += 1
        inc = call(demo, "missing_person", {"lat": lat, "lon": lon})
        assert recommendation(demo, inc["id"])["candidates"]


def test_equal_etas_go_to_a_patrol_car_not_to_the_dog_team_named_first(demo: TestClient) -> None:
    inc = call(demo, "burglary", WERKHOF)

    rec = recommendation(demo, inc["id"])

    [proposed] = rec["proposed"]
    assert proposed["unit_id"].startswith("schaan-p")
    tied = [c for c in rec["candidates"] if c["eta_seconds"] == rec["candidates"][0]["eta_seconds"]]
    assert {"schaan-k9-1", proposed["unit_id"]} <= {c["unit_id"] for c in tied}


def test_a_dog_team_a_minute_nearer_is_kept_free_and_says_why(demo: TestClient) -> None:
    # The dog team drives ahead, 300 m towards the call; the patrol cars stay at the station.
    scene = {"lat": WERKHOF["lat"] + 0.008, "lon": WERKHOF["lon"]}
    ahead = {"lat": WERKHOF["lat"] + 0.003, "lon": WERKHOF["lon"], "at": now()}
    r = demo.post("/api/v1/units/schaan-k9-2/positions", json=ahead)
    assert r.status_code == 200, r.text
    inc = call(demo, "burglary", scene)

    rec = recommendation(demo, inc["id"])

    by_unit = {c["unit_id"]: c for c in rec["candidates"]}
    dog = by_unit["schaan-k9-2"]
    assert rec["candidates"][0]["unit_id"] == "schaan-k9-2", [
        (c["unit_id"], c["eta_seconds"]) for c in rec["candidates"][:6]
    ]
    assert not dog["proposed"]
    assert dog["reasons"][-1].startswith("passed over for patrol: schaan-p")
    assert dog["reasons"][-1].endswith("within 2 min of it, keeping the k9 free")
    [proposed] = rec["proposed"]
    assert by_unit[proposed["unit_id"]]["reasons"][-1] == (
        "sent for patrol instead of k9 unit schaan-k9-2"
    )


def now() -> str:
    return datetime.now(UTC).isoformat()

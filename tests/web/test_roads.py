"""The demo collective on its road network: recommendations by drive time, routes, roads."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bluepool import bootstrap
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.files.collective import read_collective
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.config import Settings
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.network import demo_network_path
from bluepool.services.setup import load_collective
from bluepool.web.app import create_app

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))
VADUZ_CENTRE = {"lat": 47.1390, "lon": 9.5215}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    upgrade(url)
    # Accepts calls outside every jurisdiction: one test needs a call far from any road.
    settings = Settings(
        environment="test",
        database_url=url,
        road_network=demo_network_path(),
        outside_incidents="accept",
    )
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


def test_demo_recommends_by_drive_time(demo: TestClient) -> None:
    inc = demo.post(
        "/api/v1/incidents", json={"call_type": "burglary", "priority": 2, "location": VADUZ_CENTRE}
    ).json()
    assert inc["jurisdiction"] == "vaduz"
    rec = demo.get(f"/api/v1/incidents/{inc['id']}/recommendation").json()
    assert rec["method"] == "by road"
    first = rec["candidates"][0]
    assert first["reasons"][0].startswith("eta by road: ")
    etas = [c["eta_seconds"] for c in rec["candidates"]]
    assert etas == sorted(etas)
    assert 0 < etas[0] < 15 * 60


def test_route_of_a_unit_is_a_linestring_with_the_same_eta(demo: TestClient) -> None:
    inc = demo.post(
        "/api/v1/incidents", json={"call_type": "burglary", "priority": 2, "location": VADUZ_CENTRE}
    ).json()
    rec = demo.get(f"/api/v1/incidents/{inc['id']}/recommendation").json()
    top = rec["candidates"][0]
    r = demo.get(f"/api/v1/incidents/{inc['id']}/route", params={"unit_id": top["unit_id"]})
    assert r.status_code == 200, r.text
    feature = r.json()
    assert feature["geometry"]["type"] == "LineString"
    assert len(feature["geometry"]["coordinates"]) >= 2
    assert feature["properties"]["duration_s"] == pytest.approx(top["eta_seconds"], abs=0.1)


def test_roads_are_served_as_geojson(demo: TestClient) -> None:
    r = demo.get("/api/v1/roads.geojson", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.json()["geometry"]["type"] == "MultiLineString"
    assert r.json()["properties"]["segments"] > 1000


def test_an_incident_far_from_any_road_is_reached_off_road_never_an_error(
    demo: TestClient,
) -> None:
    # On the Rhine's far (Swiss) bank fields the network does not cover: outside every road.
    inc = demo.post(
        "/api/v1/incidents",
        json={"call_type": "burglary", "priority": 1, "location": {"lat": 47.30, "lon": 9.30}},
    ).json()
    r = demo.get(f"/api/v1/incidents/{inc['id']}/recommendation")
    assert r.status_code == 200, r.text
    candidates = r.json()["candidates"]
    assert candidates
    assert all(c["approximate"] for c in candidates)


def test_without_a_road_network_routes_are_409(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    r = client.post(
        "/api/v1/incidents",
        headers=as_dispatcher,
        json={"call_type": "burglary", "location": {"lat": 47.1, "lon": 9.505}},
    )
    inc = r.json()
    r = client.get(f"/api/v1/incidents/{inc['id']}/route?unit_id=west-p1", headers=as_dispatcher)
    assert r.status_code == 409
    assert r.json()["code"] == "no_road_network"
    assert client.get("/api/v1/roads.geojson", headers=as_dispatcher).status_code == 404

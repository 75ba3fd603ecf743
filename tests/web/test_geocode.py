"""The geocoding API and incidents' addresses, on the hand-made gazetteer
(tests/geo/data/gazetteer.osm: three villages inside the test collective's three towns and
a street outside them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bluepool import bootstrap
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.geo.gazetteer_build import import_addresses
from bluepool.web.app import create_app
from tests.web.conftest import login, seed

HAND = Path(__file__).parents[1] / "geo" / "data" / "gazetteer.osm"


@pytest.fixture(scope="module")
def addresses(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gazetteer") / "hand.addresses.npz"
    import_addresses(HAND, path, progress=False)
    return path


@pytest.fixture
def geo_runtime(migrated_url: str, addresses: Path) -> Iterator[Runtime]:
    settings = Settings(
        environment="test", database_url=migrated_url, secret_key="t" * 40, addresses=addresses
    )
    rt = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    seed(rt)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def geo(geo_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=geo_runtime)) as c:
        c.headers.update(login(c, "dispatcher"))
        yield c


def test_search_ranks_the_address_first_with_its_jurisdiction(geo: TestClient) -> None:
    r = geo.get("/api/v1/geocode", params={"q": "Stadtle 38 Vaduz", "limit": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == "Stadtle 38 Vaduz"
    first = body["matches"][0]
    assert first["kind"] == "address"
    assert first["label"] == "Städtle 38, Vaduz"
    assert (first["lat"], first["lon"]) == (47.1003, 9.513)
    assert first["jurisdiction"] == "middle-town"
    assert first["outside"] is False
    assert first["nearest_jurisdiction"] is None
    assert len(body["matches"]) <= 3


def test_a_match_outside_the_collective_names_the_nearest_jurisdiction(geo: TestClient) -> None:
    first = geo.get("/api/v1/geocode", params={"q": "Seeweg 3"}).json()["matches"][0]
    assert first["label"] == "Seeweg 3, Buchs"
    assert first["jurisdiction"] is None
    assert first["outside"] is True
    nearest = first["nearest_jurisdiction"]
    assert nearest["id"] == "east-town"
    assert nearest["name"] == "East Town"
    assert 2000 < nearest["distance_m"] < 3000


def test_reverse_gives_the_address_at_a_point(geo: TestClient) -> None:
    r = geo.get("/api/v1/geocode/reverse", params={"lat": 47.1003, "lon": 9.5131})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["match"]["label"] == "Städtle 38, Vaduz"
    assert body["match"]["distance_m"] < 10
    assert body["jurisdiction"] == "middle-town"
    assert body["outside"] is False


def test_reverse_outside_the_collective_warns_with_the_nearest(geo: TestClient) -> None:
    body = geo.get("/api/v1/geocode/reverse", params={"lat": 47.1, "lon": 9.5645}).json()
    assert body["match"]["label"] == "Seeweg, Buchs"
    assert body["outside"] is True
    assert body["nearest_jurisdiction"]["name"] == "East Town"
    far = geo.get("/api/v1/geocode/reverse", params={"lat": 47.5, "lon": 9.5}).json()
    assert far["match"] is None


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/geocode", {}),
        ("/api/v1/geocode", {"q": ""}),
        ("/api/v1/geocode", {"q": "x" * 201}),
        ("/api/v1/geocode", {"q": "Städtle", "limit": 0}),
        ("/api/v1/geocode", {"q": "Städtle", "limit": 51}),
        ("/api/v1/geocode", {"q": "Städtle", "limit": "ten"}),
        ("/api/v1/geocode/reverse", {"lat": 47.1}),
        ("/api/v1/geocode/reverse", {"lat": 91, "lon": 9.5}),
        ("/api/v1/geocode/reverse", {"lat": "nan", "lon": 9.5}),
        ("/api/v1/geocode/reverse", {"lat": 47.1, "lon": "east"}),
    ],
)
def test_bad_input_is_422(geo: TestClient, path: str, params: dict[str, object]) -> None:
    r = geo.get(path, params=params)
    assert r.status_code == 422, r.text


def test_a_blank_query_is_422(geo: TestClient) -> None:
    r = geo.get("/api/v1/geocode", params={"q": "   "})
    assert r.status_code == 422
    assert r.json()["code"] == "blank_query"


def test_geocoding_needs_a_signed_in_user(geo: TestClient) -> None:
    r = geo.get("/api/v1/geocode", params={"q": "Städtle"}, headers={"Authorization": ""})
    assert r.status_code == 401


def test_without_a_gazetteer_geocoding_is_409(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    r = client.get("/api/v1/geocode", params={"q": "Städtle"}, headers=as_dispatcher)
    assert r.status_code == 409
    assert r.json()["code"] == "no_gazetteer"


def test_an_incident_keeps_the_address_it_was_given(geo: TestClient) -> None:
    body = {
        "call_type": "burglary",
        "location": {"lat": 47.1003, "lon": 9.513},
        "address": "Städtle 38,  Vaduz (back door)",
    }
    inc = geo.post("/api/v1/incidents", json=body).json()
    assert inc["address"] == "Städtle 38, Vaduz (back door)"
    again = geo.get(f"/api/v1/incidents/{inc['id']}").json()
    assert again["address"] == inc["address"]


def test_an_incident_without_an_address_gets_the_nearest(geo: TestClient) -> None:
    inc = geo.post(
        "/api/v1/incidents",
        json={"call_type": "burglary", "location": {"lat": 47.10031, "lon": 9.5131}},
    ).json()
    assert inc["address"] == "Städtle 38, Vaduz"
    listed = geo.get("/api/v1/incidents").json()["items"]
    assert [i["address"] for i in listed if i["id"] == inc["id"]] == ["Städtle 38, Vaduz"]


def test_without_a_gazetteer_an_incident_has_no_address(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = client.post(
        "/api/v1/incidents",
        json={"call_type": "burglary", "location": {"lat": 47.1, "lon": 9.515}},
        headers=as_dispatcher,
    ).json()
    assert inc["address"] == ""

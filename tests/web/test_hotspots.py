"""Hot spots over the API: the JSON report and the GeoJSON cells of the same calls, the
map as SVG, who may read them, and bad input refused with 422."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_api import new_incident

PERIOD = {"from": "2020-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}


def calls(client: TestClient, headers: dict[str, str]) -> None:
    for where in ("west", "west", "east"):
        new_incident(client, headers, where)


def test_the_json_report_and_the_geojson_cells(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    calls(client, as_dispatcher)
    analyst = login(client, "analyst")
    r = client.get("/api/v1/hotspots", headers=analyst, params={"resolution": 7})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["basis"].startswith("Citizen-initiated calls only")
    assert (report["counted"], report["self_initiated_left_out"]) == (3, 0)
    assert report["resolution"] == 7
    assert report["step"] == "day"
    assert {j["jurisdiction"]: j["calls"] for j in report["by_jurisdiction"]} == {
        "west-town": 2,
        "east-town": 1,
    }
    assert len(report["time_of_week"]) == 7
    assert sum(c["count"] for c in report["cells"]) == 3
    assert report["density"]

    g = client.get("/api/v1/hotspots.geojson", headers=analyst, params={"resolution": 7})
    assert g.status_code == 200, g.text
    assert g.headers["content-type"] == "application/geo+json"
    body = g.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == len(report["cells"])
    for feature in body["features"]:
        assert feature["type"] == "Feature"
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon"
        assert ring[0] == ring[-1]
        assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)
        props = feature["properties"]
        assert {"count", "gi_z", "p", "p_fdr", "class", "emerging"} <= set(props)
    assert sum(f["properties"]["count"] for f in body["features"]) == 3


def test_the_map_is_svg_with_its_legend_and_basis(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    calls(client, as_dispatcher)
    r = client.get("/api/v1/reports/hotspots.svg", headers=login(client, "analyst"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/svg+xml"
    assert b"Citizen-initiated calls only" in r.content
    assert b"hot, 99 % confidence" in r.content


def test_who_may_read_it_and_bad_input(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    for path in ("/api/v1/hotspots", "/api/v1/hotspots.geojson", "/api/v1/reports/hotspots.svg"):
        assert client.get(path, headers=as_dispatcher).status_code == 403, path
    analyst = login(client, "analyst")
    bad = [
        {"resolution": "4"},
        {"resolution": "11"},
        {"bandwidth_m": "10"},
        {"source": "rumour"},
        {"tz": "Mars/Olympus"},
        {"from": "2026-01-01T00:00:00"},
        {"from": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"from": "0001-01-01T00:00:00Z", "until": "9999-01-01T00:00:00Z"},
        {"include_self_initiated": "perhaps"},
    ]
    for params in bad:
        r = client.get("/api/v1/hotspots", headers=analyst, params=params)
        assert r.status_code == 422, (params, r.text)
    wide = client.get("/api/v1/hotspots", headers=analyst, params=PERIOD)
    assert wide.status_code == 422  # 80 years: more weeks than hot spots cover
    assert (
        client.get("/api/v1/hotspots", headers=analyst, params={"include_self_initiated": "true"})
        .json()["basis"]
        .startswith("All calls")
    )

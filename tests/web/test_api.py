"""The public API contract, endpoint by endpoint, with the people in the story."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import centre, login

pytestmark = pytest.mark.usefixtures("runtime")


def new_incident(
    client: TestClient,
    headers: dict[str, str],
    where: str = "west",
    call_type: str = "burglary",
    priority: int | None = 2,
) -> dict[str, Any]:
    loc = centre(where)
    body: dict[str, Any] = {
        "call_type": call_type,
        "location": {"lat": loc.lat, "lon": loc.lon},
        "description": "test call",
    }
    if priority is not None:
        body["priority"] = priority
    r = client.post("/api/v1/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


# auth ----------------------------------------------------------------------------------


def test_token_for_right_password(client: TestClient) -> None:
    r = client.post(
        "/api/v1/auth/token",
        data={"username": "dispatcher", "password": "dispatcher-pw"},
    )
    assert r.status_code == 200
    assert r.json()["token_type"] == "bearer"
    assert r.json()["access_token"]


def test_wrong_password_is_401_with_code(client: TestClient) -> None:
    r = client.post("/api/v1/auth/token", data={"username": "dispatcher", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


def test_every_endpoint_but_token_and_health_needs_a_token(client: TestClient) -> None:
    checked = 0
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        # Signing in and refreshing (a refresh token in the body) need no access token.
        if not path.startswith("/api/v1") or path in ("/api/v1/auth/token", "/api/v1/auth/refresh"):
            continue
        for method in operations:
            url = path.replace("{", "").replace("}", "")
            r = client.request(method, url)
            assert r.status_code == 401, (method, path, r.status_code)
            checked += 1
    assert checked > 20
    assert client.get("/health").status_code == 200


def test_garbage_token_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/units", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


# incidents -----------------------------------------------------------------------------


def test_create_incident_derives_jurisdiction(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "middle")
    assert inc["id"]
    assert inc["jurisdiction"] == "middle-town"
    assert inc["status"] == "received"
    assert inc["timeline"][0]["kind"] == "received"
    assert inc["timeline"][0]["actor"] == "dispatcher"


def test_priority_defaults_to_call_type(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    inc = new_incident(client, as_dispatcher, call_type="armed_robbery", priority=None)
    assert inc["priority"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {
                "call_type": "burglary",
                "priority": 2,
                "location": {"lat": 91, "lon": 9.5},
            },
            422,
            "validation_error",
        ),
        (
            {
                "call_type": "burglary",
                "priority": 2,
                "location": {"lat": 47, "lon": 181},
            },
            422,
            "validation_error",
        ),
        (
            {"call_type": "burglary", "priority": 9, "location": {"lat": 47, "lon": 9}},
            422,
            "validation_error",
        ),
        (
            {
                "call_type": "no-such-type",
                "priority": 2,
                "location": {"lat": 47.1, "lon": 9.5},
            },
            422,
            "unknown_call_type",
        ),
        (
            {"priority": 2, "location": {"lat": 47.1, "lon": 9.5}},
            422,
            "validation_error",
        ),
        (
            {
                "call_type": "burglary",
                "location": {"lat": 47.1, "lon": 9.5},
                "extra": 1,
            },
            422,
            "validation_error",
        ),
    ],
)
def test_bad_incident_is_rejected_and_nothing_changes(
    client: TestClient,
    as_dispatcher: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    r = client.post("/api/v1/incidents", json=body, headers=as_dispatcher)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert r.json()["detail"]
    assert client.get("/api/v1/incidents", headers=as_dispatcher).json()["total"] == 0


def test_malformed_json_is_400(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/incidents",
        content=b"{not json",
        headers={**as_dispatcher, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"


def test_unknown_incident_is_404(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    for url in ("/api/v1/incidents/nope", "/api/v1/incidents/nope/recommendation"):
        r = client.get(url, headers=as_dispatcher)
        assert r.status_code == 404
        assert r.json()["code"] == "incident_not_found"


def test_analyst_cannot_create_incidents(client: TestClient) -> None:
    headers = login(client, "analyst")
    loc = centre("west")
    r = client.post(
        "/api/v1/incidents",
        headers=headers,
        json={"call_type": "burglary", "location": {"lat": loc.lat, "lon": loc.lon}},
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_list_incidents_filters_and_pages(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    for where in ("west", "west", "east"):
        new_incident(client, as_dispatcher, where)
    r = client.get("/api/v1/incidents?jurisdiction=west-town&limit=1", headers=as_dispatcher).json()
    assert r["total"] == 2
    assert len(r["items"]) == 1
    r2 = client.get(
        "/api/v1/incidents?jurisdiction=west-town&limit=1&offset=1",
        headers=as_dispatcher,
    ).json()
    assert r2["items"][0]["id"] != r["items"][0]["id"]
    assert client.get("/api/v1/incidents?open=false", headers=as_dispatcher).json()["total"] == 0


# recommendation ------------------------------------------------------------------------


def test_recommendation_ranks_own_agency_by_eta_and_explains_exclusions(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "middle", priority=3)
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_dispatcher).json()
    ids = [c["unit_id"] for c in rec["candidates"]]
    etas = [c["eta_seconds"] for c in rec["candidates"]]
    assert etas == sorted(etas)
    assert ids[0].startswith("middle-")
    assert all(c["reasons"] for c in rec["candidates"])
    assert rec["candidates"][0]["reasons"][0].startswith("eta by straight line:")
    excluded = {e["unit_id"]: e["reason"] for e in rec["excluded"]}
    # east lends nothing; west lends anything but keeps one unit at home
    assert "does not lend" in excluded["east-p1"]
    assert "west-p1" in ids or "west-p2" in ids
    assert set(ids) | set(excluded) == {
        "west-p1",
        "west-p2",
        "middle-p1",
        "middle-p2",
        "middle-k9",
        "east-p1",
        "east-p2",
    }


def test_lender_keeps_its_home_reserve(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    # west keeps 1 unit at home: with one west unit busy, the other is not lent.
    west = new_incident(client, as_dispatcher, "west")
    assert (
        client.post(
            f"/api/v1/incidents/{west['id']}/assignments",
            json={"unit_id": "west-p1"},
            headers=as_dispatcher,
        ).status_code
        == 201
    )
    inc = new_incident(client, as_dispatcher, "middle")
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_dispatcher).json()
    excluded = {e["unit_id"]: e["reason"] for e in rec["excluded"]}
    assert excluded["west-p2"] == "agency West Police keeps 1 unit at home"
    r = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "west-p2"},
        headers=as_dispatcher,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "policy_forbids"
    assert "keeps 1 unit at home" in r.json()["detail"]


def test_multi_unit_plan_proposes_each_capability(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "east", call_type="armed_robbery", priority=1)
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_dispatcher).json()
    proposed = [(p["capability"], p["unit_id"]) for p in rec["proposed"]]
    assert [c for c, _ in proposed] == ["patrol", "patrol", "k9"]
    assert ("k9", "middle-k9") in proposed  # lent by middle for a priority-1 call
    assert rec["shortfalls"] == []


# assignment ----------------------------------------------------------------------------


def test_assign_then_same_unit_elsewhere_is_409(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    a = new_incident(client, as_dispatcher, "east")
    b = new_incident(client, as_dispatcher, "east")
    r = client.post(
        f"/api/v1/incidents/{a['id']}/assignments",
        json={"unit_id": "east-p1"},
        headers=as_dispatcher,
    )
    assert r.status_code == 201, r.text
    assert r.json()["unit"]["status"] == "dispatched"
    assert r.json()["incident"]["status"] == "dispatched"
    r = client.post(
        f"/api/v1/incidents/{b['id']}/assignments",
        json={"unit_id": "east-p1"},
        headers=as_dispatcher,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "unit_unavailable"
    unit = client.get("/api/v1/units/east-p1", headers=as_dispatcher).json()
    assert unit["incident_id"] == a["id"]


def test_assign_unit_whose_agency_does_not_lend_is_409_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "west")
    r = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "east-p2"},
        headers=as_dispatcher,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "policy_forbids"
    assert (
        client.get("/api/v1/units/east-p2", headers=as_dispatcher).json()["status"] == "available"
    )
    assert (
        client.get(f"/api/v1/incidents/{inc['id']}", headers=as_dispatcher).json()["assignments"]
        == []
    )


def test_assign_unknown_unit_is_404(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    inc = new_incident(client, as_dispatcher, "west")
    r = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "ghost"},
        headers=as_dispatcher,
    )
    assert r.status_code == 404


# unit status and positions -------------------------------------------------------------


def test_unit_lifecycle_drives_incident_timeline(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "east")
    client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "east-p1"},
        headers=as_dispatcher,
    )
    officer = login(client, "east-officer")
    for status in ("en_route", "on_scene", "available"):
        r = client.post("/api/v1/units/east-p1/status", json={"status": status}, headers=officer)
        assert r.status_code == 200, r.text
        assert r.json()["applied"] is True
    done = client.get(f"/api/v1/incidents/{inc['id']}", headers=as_dispatcher).json()
    kinds = [e["kind"] for e in done["timeline"]]
    assert kinds == [
        "received",
        "dispatched",
        "en_route",
        "on_scene",
        "cleared",
        "closed",
    ]
    assert done["status"] == "closed"
    assert all(e["actor"] for e in done["timeline"])


def test_invalid_transition_is_409_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    r = client.post(
        "/api/v1/units/west-p1/status",
        json={"status": "on_scene"},
        headers=as_dispatcher,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_transition"
    assert (
        client.get("/api/v1/units/west-p1", headers=as_dispatcher).json()["status"] == "available"
    )


def test_unknown_status_is_422(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/units/west-p1/status",
        json={"status": "napping"},
        headers=as_dispatcher,
    )
    assert r.status_code == 422


def test_status_replay_with_same_idempotency_key_is_harmless(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    body = {"status": "out_of_service", "idempotency_key": "k-1", "reason": "flat tyre"}
    assert client.post("/api/v1/units/west-p1/status", json=body, headers=as_dispatcher).json()[
        "applied"
    ]
    client.post(
        "/api/v1/units/west-p1/status",
        json={"status": "available"},
        headers=as_dispatcher,
    )
    replay = client.post("/api/v1/units/west-p1/status", json=body, headers=as_dispatcher)
    assert replay.status_code == 200
    assert replay.json()["applied"] is False
    assert replay.json()["status"] == "available"


def test_out_of_order_status_is_ignored(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    late = {"status": "out_of_service", "at": "2026-01-01T10:00:05Z", "reason": "flat tyre"}
    early = {"status": "off_duty", "at": "2026-01-01T10:00:01Z"}
    assert client.post("/api/v1/units/west-p1/status", json=late, headers=as_dispatcher).json()[
        "applied"
    ]
    r = client.post("/api/v1/units/west-p1/status", json=early, headers=as_dispatcher).json()
    assert r["applied"] is False
    assert r["status"] == "out_of_service"


def test_position_updates_jurisdiction_and_ignores_stale_fixes(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    east = centre("east")
    r = client.post(
        "/api/v1/units/west-p1/positions",
        headers=as_dispatcher,
        json={"lat": east.lat, "lon": east.lon, "at": "2026-01-01T10:00:00Z"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["jurisdiction"] == "east-town"
    stale = client.post(
        "/api/v1/units/west-p1/positions",
        headers=as_dispatcher,
        json={"lat": 47.0, "lon": 9.0, "at": "2026-01-01T09:59:00Z"},
    )
    assert stale.json()["applied"] is False
    assert stale.json()["location"] == {"lat": east.lat, "lon": east.lon}


def test_position_needs_timezone_and_valid_coordinates(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    for body in (
        {"lat": 47.1, "lon": 9.5, "at": "2026-01-01T10:00:00"},
        {"lat": 100, "lon": 9.5, "at": "2026-01-01T10:00:00Z"},
        {"lat": 47.1, "lon": 9.5},
    ):
        r = client.post("/api/v1/units/west-p1/positions", json=body, headers=as_dispatcher)
        assert r.status_code == 422, body


def test_officer_updates_only_their_own_unit(client: TestClient) -> None:
    officer = login(client, "east-officer")
    assert (
        client.post(
            "/api/v1/units/east-p1/status", json={"status": "busy"}, headers=officer
        ).status_code
        == 200
    )
    r = client.post("/api/v1/units/west-p1/status", json={"status": "busy"}, headers=officer)
    assert r.status_code == 403
    r = client.post(
        "/api/v1/units/west-p1/positions",
        headers=officer,
        json={"lat": 47.1, "lon": 9.5, "at": "2026-01-01T10:00:00Z"},
    )
    assert r.status_code == 403


def test_list_units_filters_and_pages(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    r = client.get("/api/v1/units?agency=middle", headers=as_dispatcher).json()
    assert r["total"] == 3
    assert {u["agency"] for u in r["items"]} == {"middle"}
    assert client.get("/api/v1/units?capability=k9", headers=as_dispatcher).json()["total"] == 1
    page = client.get("/api/v1/units?limit=2&offset=2", headers=as_dispatcher).json()
    assert page["total"] == 7
    assert len(page["items"]) == 2
    assert client.get("/api/v1/units?limit=0", headers=as_dispatcher).status_code == 422


# administration and scoping ------------------------------------------------------------


def test_agency_admin_manages_only_their_agency(client: TestClient) -> None:
    west = login(client, "west-admin")
    unit = {
        "id": "west-p9",
        "agency": "west",
        "kind": "patrol",
        "capabilities": ["patrol"],
        "station": "west-hq",
    }
    r = client.post("/api/v1/units", json=unit, headers=west)
    assert r.status_code == 201, r.text
    assert r.json()["jurisdiction"] == "west-town"
    r = client.post(
        "/api/v1/units",
        json={**unit, "id": "east-p9", "agency": "east", "station": "east-hq"},
        headers=west,
    )
    assert r.status_code == 403
    r = client.post("/api/v1/agreements", json=an_agreement("WEST-1", "west"), headers=west)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/agreements", json=an_agreement("MID-1", "middle"), headers=west)
    assert r.status_code == 403


def test_duplicate_unit_is_409(client: TestClient, as_admin: dict[str, str]) -> None:
    unit = {
        "id": "west-p1",
        "agency": "west",
        "kind": "patrol",
        "capabilities": ["patrol"],
    }
    r = client.post("/api/v1/units", json=unit, headers=as_admin)
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate"


def an_agreement(agreement_id: str, lender: str, **clause: Any) -> dict[str, Any]:
    """An agreements API body: ``lender`` lends the collective (``clause``: its terms)."""
    return {
        "id": agreement_id,
        "title": f"{lender} lends the collective",
        "parties": [lender, "collective"],
        "valid_from": "2024-01-01T00:00:00Z",
        "clauses": [{"lender": lender, **clause}],
    }


def test_an_agreement_with_unknown_jurisdiction_is_422_and_keeps_nothing(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    body = an_agreement("WEST-2", "west", jurisdictions=["atlantis"])
    r = client.post("/api/v1/agreements", headers=as_admin, json=body)
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_jurisdiction"
    assert client.get("/api/v1/agreements/WEST-2", headers=as_admin).status_code == 404


def test_collective_admin_manages_agencies_call_types_and_jurisdictions(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    assert (
        client.post(
            "/api/v1/agencies",
            json={"id": "north", "name": "North Police"},
            headers=as_admin,
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/agencies", json={"id": "north", "name": "again"}, headers=as_admin
        ).status_code
        == 409
    )
    ct = {
        "code": "hostage",
        "name": "Hostage",
        "default_priority": 1,
        "plan": [{"capability": "swat"}, {"capability": "negotiator"}],
    }
    assert client.post("/api/v1/call-types", json=ct, headers=as_admin).status_code == 201
    bad = {
        "id": "north-town",
        "name": "N",
        "agency": "north",
        "geometry": {"type": "Point", "coordinates": [9.5, 47.2]},
    }
    r = client.post("/api/v1/jurisdictions", json=bad, headers=as_admin)
    assert r.status_code == 422
    good = {
        **bad,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[9.5, 47.2], [9.6, 47.2], [9.6, 47.3], [9.5, 47.2]]],
        },
    }
    assert client.post("/api/v1/jurisdictions", json=good, headers=as_admin).status_code == 201
    dispatcher = login(client, "dispatcher")
    r = client.post(
        "/api/v1/incidents",
        headers=dispatcher,
        json={"call_type": "hostage", "location": {"lat": 47.25, "lon": 9.58}},
    )
    assert r.json()["jurisdiction"] == "north-town"  # the locator saw the new polygon


def test_dispatcher_cannot_administer(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    assert (
        client.post(
            "/api/v1/agencies", json={"id": "x", "name": "X"}, headers=as_dispatcher
        ).status_code
        == 403
    )
    assert client.get("/api/v1/users", headers=as_dispatcher).status_code == 403


def test_users_created_by_agency_admin_stay_in_their_agency(client: TestClient) -> None:
    west = login(client, "west-admin")
    ok = {
        "username": "west-admin2",
        "password": "long-enough",
        "role": "agency_admin",
        "agency": "west",
    }
    assert client.post("/api/v1/users", json=ok, headers=west).status_code == 201
    other = {**ok, "username": "east-admin2", "agency": "east"}
    assert client.post("/api/v1/users", json=other, headers=west).status_code == 403
    listed = client.get("/api/v1/users", headers=west).json()
    assert {u["agency"] for u in listed} == {"west"}
    assert login_ok(client, "west-admin2", "long-enough")


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "analyst", "collective_admin"])
def test_agency_admin_cannot_grant_collective_roles(client: TestClient, role: str) -> None:
    west = login(client, "west-admin")
    body = {"username": "sneaky", "password": "long-enough", "role": role, "agency": "west"}
    assert client.post("/api/v1/users", json=body, headers=west).status_code == 403
    r = client.patch("/api/v1/users/west-admin", json={"role": role}, headers=west)
    assert r.status_code == 403
    assert client.get("/api/v1/auth/me", headers=west).json()["role"] == "agency_admin"


def login_ok(client: TestClient, username: str, password: str) -> bool:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return r.status_code == 200


def test_every_write_lands_in_the_change_log(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "east")
    client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "east-p2"},
        headers=as_dispatcher,
    )
    client.post("/api/v1/units/west-p1/status", json={"status": "busy"}, headers=as_dispatcher)
    log = client.get("/api/v1/changes", headers=login(client, "supervisor")).json()
    actions = {(c["action"], c["entity"], c["entity_id"], c["actor"]) for c in log["items"]}
    assert ("create", "incident", inc["id"], "dispatcher") in actions
    assert ("assign", "incident", inc["id"], "dispatcher") in actions
    assert ("status", "unit", "west-p1", "dispatcher") in actions
    assert client.get("/api/v1/changes", headers=as_dispatcher).status_code == 403


def test_openapi_lists_the_public_contract(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/auth/token",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}/recommendation",
        "/api/v1/incidents/{incident_id}/assignments",
        "/api/v1/units/{unit_id}/status",
        "/api/v1/units/{unit_id}/positions",
        "/api/v1/units",
        "/api/v1/events",
    ):
        assert path in spec["paths"], path


def test_nul_characters_are_refused_before_the_database(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    body = {
        "call_type": "burglary",
        "location": {"lat": 47.1, "lon": 9.505},
        "description": "a\x00b",
    }
    r = client.post("/api/v1/incidents", json=body, headers=as_dispatcher)
    assert r.status_code == 422
    r = client.get("/api/v1/units/west%00p1", headers=as_dispatcher)
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"
    assert client.get("/api/v1/incidents", headers=as_dispatcher).json()["total"] == 0


def test_health_reports_the_database(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


def test_units_already_assigned_count_towards_the_plan(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "east", call_type="armed_robbery", priority=1)
    url = f"/api/v1/incidents/{inc['id']}"
    r = client.post(f"{url}/assignments", json={"unit_id": "east-p1"}, headers=as_dispatcher)
    assert r.status_code == 201
    rec = client.get(f"{url}/recommendation", headers=as_dispatcher).json()
    # one patrol car is on its way: the plan still needs one more patrol car and the K-9
    assert [p["capability"] for p in rec["proposed"]] == ["patrol", "k9"]
    assert "east-p1" not in [p["unit_id"] for p in rec["proposed"]]


def test_records_in_use_cannot_be_deleted(client: TestClient, as_admin: dict[str, str]) -> None:
    dispatcher = login(client, "dispatcher")
    new_incident(client, dispatcher, "west")
    r = client.delete("/api/v1/call-types/burglary", headers=as_admin)
    assert r.status_code == 409
    assert r.json()["code"] == "in_use"
    body = an_agreement("WEST-3", "west", jurisdictions=["east-town"])
    assert client.post("/api/v1/agreements", headers=as_admin, json=body).status_code == 201
    r = client.delete("/api/v1/jurisdictions/east-town", headers=as_admin)
    assert r.status_code == 409
    assert "WEST-3" in r.json()["detail"]
    r = client.delete("/api/v1/units/east-p1", headers=as_admin)
    assert r.status_code == 409
    assert "east-officer" in r.json()["detail"]
    r = client.delete("/api/v1/stations/east-hq", headers=as_admin)  # its units are posted there
    assert (r.status_code, r.json()["code"]) == (409, "in_use")
    assert client.get("/api/v1/call-types/burglary", headers=as_admin).status_code == 200
    assert client.get("/api/v1/stations/east-hq", headers=as_admin).status_code == 200


def test_out_of_range_geometry_and_oversized_names_are_422(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    far = {
        "id": "far",
        "name": "Far",
        "agency": "west",
        "geometry": {"type": "Polygon", "coordinates": [[[900, 1], [901, 1], [901, 2], [900, 1]]]},
    }
    assert client.post("/api/v1/jurisdictions", json=far, headers=as_admin).status_code == 422
    unit = {
        "id": "big",
        "agency": "west",
        "kind": "patrol",
        "capabilities": ["patrol"],
        "name": "x" * 10_000,
    }
    assert client.post("/api/v1/units", json=unit, headers=as_admin).status_code == 422
    unit = {**unit, "name": "ok", "capabilities": [""]}
    assert client.post("/api/v1/units", json=unit, headers=as_admin).status_code == 422
    assert (
        client.get("/api/v1/units?offset=99999999999999999999", headers=as_admin).status_code == 422
    )


def test_a_self_intersecting_boundary_is_repaired_and_a_flat_one_refused(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    # A bow tie: two triangles meeting in one point (the one geometry rule, geo.shapes).
    bow = [[[9.60, 47.00], [9.62, 47.02], [9.62, 47.00], [9.60, 47.02], [9.60, 47.00]]]
    body = {
        "id": "bow",
        "name": "Bow",
        "agency": "west",
        "geometry": {"type": "Polygon", "coordinates": bow},
    }
    r = client.post("/api/v1/jurisdictions", json=body, headers=as_admin)
    assert r.status_code == 201
    stored = client.get("/api/v1/jurisdictions/bow", headers=as_admin).json()["geometry"]
    assert stored["type"] == "MultiPolygon"
    flat = [[[9.60, 47.00], [9.61, 47.00], [9.62, 47.00], [9.60, 47.00]]]
    body = {**body, "id": "flat", "geometry": {"type": "Polygon", "coordinates": flat}}
    r = client.post("/api/v1/jurisdictions", json=body, headers=as_admin)
    assert (r.status_code, r.json()["code"]) == (422, "bad_geometry")


def test_a_device_clock_far_ahead_is_refused(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    r = client.post(
        "/api/v1/units/west-p1/status",
        headers=as_dispatcher,
        json={"status": "out_of_service", "at": "9999-12-31T00:00:00Z"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "clock_skew"
    r = client.post("/api/v1/units/west-p1/status", headers=as_dispatcher, json={"status": "busy"})
    assert r.json()["applied"] is True


def test_recalled_unit_puts_the_call_back_in_the_queue(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "east")
    client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "east-p2"},
        headers=as_dispatcher,
    )
    # A recall before arrival is confirmed (without: 409 confirm_clear, see
    # test_incident_edits), then the call goes back to the queue.
    client.post(
        "/api/v1/units/east-p2/status",
        json={"status": "available", "confirm": True},
        headers=as_dispatcher,
    )
    back = client.get(f"/api/v1/incidents/{inc['id']}", headers=as_dispatcher).json()
    assert back["status"] == "received"
    assert back["timeline"][-1]["kind"] == "requeued"


def test_nul_in_the_sign_in_form_is_just_a_failed_sign_in(client: TestClient) -> None:
    r = client.post("/api/v1/auth/token", data={"username": "a\x00b", "password": "x"})
    assert r.status_code == 401


def test_a_deactivated_user_is_refused_at_once(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    analyst = login(client, "analyst")
    assert client.get("/api/v1/units", headers=analyst).status_code == 200
    r = client.patch("/api/v1/users/analyst", json={"active": False}, headers=as_admin)
    assert r.status_code == 200
    assert client.get("/api/v1/units", headers=analyst).status_code == 401


def test_changing_a_password_or_role_ends_earlier_sessions(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    supervisor = login(client, "supervisor")
    r = client.patch(
        "/api/v1/users/supervisor", json={"password": "a-new-password"}, headers=as_admin
    )
    assert r.status_code == 200
    assert client.get("/api/v1/units", headers=supervisor).status_code == 401
    assert login_ok(client, "supervisor", "a-new-password")
    dispatcher = login(client, "dispatcher")
    client.patch("/api/v1/users/dispatcher", json={"role": "analyst"}, headers=as_admin)
    assert client.get("/api/v1/units", headers=dispatcher).status_code == 401


def test_assigning_a_unit_without_the_needed_capability_is_409_not_capable(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "middle", call_type="armed_robbery", priority=1)
    assert (
        client.post(
            "/api/v1/units",
            headers=login(client, "admin"),
            json={
                "id": "middle-neg",
                "agency": "middle",
                "kind": "negotiator",
                "capabilities": ["negotiator"],
                "station": "middle-hq",
            },
        ).status_code
        == 201
    )
    r = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "middle-neg"},
        headers=as_dispatcher,
    )
    assert r.status_code == 409
    assert r.json()["code"] == "not_capable"
    assert "lacks" in r.json()["detail"]

"""The officer's phone over the API, on SQLite and PostgreSQL: the emergency button, backup,
self-initiated incidents and acknowledgements; call types marked for them by an admin."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import login

PATROL = [{"capability": "patrol", "count": 1}]


def _mark_call_types(client: TestClient, admin: dict[str, str]) -> None:
    for body in (
        {"code": "distress", "name": "Officer in distress", "default_priority": 1,
         "plan": [{"capability": "patrol", "count": 3}], "emergency": True},
        {"code": "traffic_stop", "name": "Traffic stop", "default_priority": 4,
         "plan": PATROL, "self_initiated": True},
    ):  # fmt: skip
        r = client.post("/api/v1/call-types", json=body, headers=admin)
        assert r.status_code == 201, r.text


def test_the_emergency_button_opens_a_p1_once_and_says_so(
    client: TestClient, as_admin: dict[str, str], as_dispatcher: dict[str, str]
) -> None:
    _mark_call_types(client, as_admin)
    officer = login(client, "east-officer")
    r = client.post("/api/v1/units/east-p1/emergency", headers=officer)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] is True
    assert body["position_source"] == "unit position"
    incident = body["incident"]
    assert (incident["call_type"], incident["priority"], incident["status"]) == (
        "distress",
        1,
        "on_scene",
    )
    again = client.post(
        "/api/v1/units/east-p1/emergency",
        headers=officer,
        json={"location": {"lat": 47.101, "lon": 9.7}},
    ).json()
    assert again["created"] is False
    assert again["incident"]["id"] == incident["id"]
    # dispatch sees it as any incident, with its timeline
    seen = client.get(f"/api/v1/incidents/{incident['id']}", headers=as_dispatcher).json()
    assert [e["kind"] for e in seen["timeline"]][:2] == ["received", "emergency"]


def test_a_second_emergency_call_type_is_refused(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    _mark_call_types(client, as_admin)
    r = client.post(
        "/api/v1/call-types",
        headers=as_admin,
        json={"code": "mayday", "name": "Mayday", "plan": PATROL, "emergency": True},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "emergency_taken"
    assert "distress" in r.json()["detail"]
    assert client.get("/api/v1/call-types/mayday", headers=as_admin).status_code == 404


def test_an_officer_starts_a_traffic_stop_and_acknowledges_and_asks_for_backup(
    client: TestClient, as_admin: dict[str, str], as_dispatcher: dict[str, str]
) -> None:
    _mark_call_types(client, as_admin)
    officer = login(client, "east-officer")
    r = client.post(
        "/api/v1/units/east-p1/incidents",
        headers=officer,
        json={"call_type": "traffic_stop", "description": "FL-1234"},
    )
    assert r.status_code == 201, r.text
    stop = r.json()
    assert stop["status"] == "on_scene"
    assert stop["description"] == "FL-1234"
    unit = client.get("/api/v1/units/east-p1", headers=officer).json()
    assert (unit["status"], unit["incident_id"]) == ("on_scene", stop["id"])

    r = client.post(
        "/api/v1/units/east-p1/backup", headers=officer, json={"detail": "two occupants"}
    )
    assert r.status_code == 200
    assert r.json()["timeline"][-1]["kind"] == "backup_requested"
    r = client.post("/api/v1/units/east-p1/acknowledge", headers=officer)
    assert r.status_code == 200
    assert [e["kind"] for e in r.json()["timeline"]].count("assignment_acknowledged") == 1


def test_field_actions_refuse_clearly_and_change_nothing(
    client: TestClient, as_admin: dict[str, str], as_dispatcher: dict[str, str]
) -> None:
    _mark_call_types(client, as_admin)
    officer = login(client, "east-officer")
    before = client.get("/api/v1/incidents", headers=as_dispatcher).json()["total"]
    cases = [
        ("/api/v1/units/west-p1/emergency", None, 403, None),  # not their unit
        ("/api/v1/units/east-p1/backup", None, 409, "not_assigned"),
        ("/api/v1/units/east-p1/acknowledge", None, 409, "not_assigned"),
        ("/api/v1/units/east-p1/incidents", {"call_type": "burglary"}, 422, "not_self_initiated"),
        ("/api/v1/units/east-p1/incidents", {"call_type": "nope"}, 404, None),
        ("/api/v1/units/east-p1/incidents", {"call_type": "traffic_stop",
         "location": {"lat": 10, "lon": 10}}, 422, "outside_jurisdictions"),
        ("/api/v1/units/east-p1/emergency", {"location": {"lat": "x"}}, 422, None),
    ]  # fmt: skip
    for path, body, status, code in cases:
        r = client.post(path, headers=officer, json=body)
        assert r.status_code == status, (path, body, r.text)
        if code is not None:
            assert r.json()["code"] == code, r.text
    assert client.get("/api/v1/incidents", headers=as_dispatcher).json()["total"] == before

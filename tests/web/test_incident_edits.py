"""Calls as they develop, through the API: edits with their version, notes, premise and
hazard notes, the close with a disposition, and the early clear (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bluepool.bootstrap import Runtime
from bluepool.domain.dispatch.closing import ClosingRules, Disposition
from bluepool.domain.shared.ids import CallTypeCode
from tests.web.conftest import centre, login

pytestmark = pytest.mark.usefixtures("runtime")
PHONE = "+423 555 01 02"


def new_incident(
    client: TestClient, headers: dict[str, str], where: str = "west", **extra: Any
) -> dict[str, Any]:
    loc = centre(where)
    body = {"call_type": "burglary", "location": {"lat": loc.lat, "lon": loc.lon}, **extra}
    r = client.post("/api/v1/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_an_edit_changes_the_call_and_each_field_is_on_the_timeline(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher)
    east = centre("east")
    body = {
        "version": inc["version"],
        "call_type": "armed_robbery",
        "priority": 1,
        "location": {"lat": east.lat, "lon": east.lon},
        "caller_name": "Anna Muster",
        "caller_phone": PHONE,
    }
    r = client.patch(f"/api/v1/incidents/{inc['id']}", json=body, headers=as_dispatcher)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert (edited["call_type"], edited["priority"]) == ("armed_robbery", 1)
    assert edited["jurisdiction"] == "east-town"  # found again from the new location
    assert (edited["caller_name"], edited["caller_phone"]) == ("Anna Muster", PHONE)
    assert edited["version"] == inc["version"] + 1
    entries = [e["detail"] for e in edited["timeline"] if e["kind"] == "edited"]
    assert len(entries) == 5
    assert "priority P3 → P1" in entries
    # The caller's details are named on the timeline, never written there.
    assert not any("Anna" in e or "555" in e for e in entries)
    # The recommendation follows: an armed robbery needs a dog team, now in the east.
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_dispatcher)
    assert {s["capability"] for s in rec.json()["shortfalls"]} <= {"k9", "patrol"}
    assert any(c["fills"] == ["k9"] for c in rec.json()["candidates"])


def test_an_edit_on_an_old_version_is_409_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher)
    url = f"/api/v1/incidents/{inc['id']}"
    first = client.patch(
        url, json={"version": inc["version"], "priority": 1}, headers=as_dispatcher
    )
    assert first.status_code == 200
    stale = client.patch(
        url, json={"version": inc["version"], "priority": 5}, headers=as_dispatcher
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert client.get(url, headers=as_dispatcher).json()["priority"] == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"caller_phone": "call me maybe"}, "bad_callback_number"),
        ({"call_type": "no-such-type"}, "unknown_call_type"),
        ({"priority": 9}, "validation_error"),
        ({"location": {"lat": 10.0, "lon": 10.0}}, "outside_jurisdictions"),
    ],
)
def test_a_bad_edit_is_422_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str], body: dict[str, Any], code: str
) -> None:
    inc = new_incident(client, as_dispatcher)
    url = f"/api/v1/incidents/{inc['id']}"
    r = client.patch(url, json={"version": inc["version"], **body}, headers=as_dispatcher)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code
    assert "call me" not in r.text  # a refused number is not echoed
    assert client.get(url, headers=as_dispatcher).json()["version"] == inc["version"]


def test_only_dispatch_edits(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    inc = new_incident(client, as_dispatcher)
    r = client.patch(
        f"/api/v1/incidents/{inc['id']}",
        json={"version": 1, "priority": 1},
        headers=login(client, "analyst"),
    )
    assert r.status_code == 403


def test_notes_by_dispatch_and_by_the_officer_on_the_call(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, "east")
    url = f"/api/v1/incidents/{inc['id']}/notes"
    r = client.post(url, json={"text": "Caller says he left north"}, headers=as_dispatcher)
    assert r.status_code == 201, r.text
    assert r.json()["note"]["actor"] == "dispatcher"
    assert r.json()["incident"]["timeline"][-1]["detail"] == "Caller says he left north"
    officer = login(client, "east-officer")
    # Not on the call yet: refused.
    assert client.post(url, json={"text": "x"}, headers=officer).status_code == 403
    assigned = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "east-p1"},
        headers=as_dispatcher,
    )
    assert assigned.status_code == 201, assigned.text
    ok = client.post(url, json={"text": "Door forced"}, headers=officer)
    assert ok.status_code == 201
    assert client.post(url, json={"text": ""}, headers=as_dispatcher).status_code == 422


def test_a_hazard_note_is_shown_on_a_new_incident_there_until_it_expires(
    client: TestClient, runtime: Runtime, as_dispatcher: dict[str, str]
) -> None:
    west = centre("west")
    expires = (runtime.context.clock.now() + timedelta(days=1)).isoformat()
    note = {
        "kind": "hazard",
        "text": "Dog on premises",
        "location": {"lat": west.lat, "lon": west.lon},
        "radius_m": 50,
        "expires_at": expires,
    }
    created = client.post("/api/v1/premise-notes", json=note, headers=as_dispatcher)
    assert created.status_code == 201, created.text
    far = {**note, "kind": "premise", "text": "Far away", "location": {"lat": 47.1, "lon": 9.525}}
    assert client.post("/api/v1/premise-notes", json=far, headers=as_dispatcher).status_code == 201
    inc = new_incident(client, as_dispatcher)
    shown = client.get(f"/api/v1/incidents/{inc['id']}/premise-notes", headers=as_dispatcher)
    assert [n["text"] for n in shown.json()] == ["Dog on premises"]
    # The officers read them too; only dispatch and agency admins keep them.
    officer = login(client, "east-officer")
    assert client.get("/api/v1/premise-notes", headers=officer).status_code == 200
    assert client.post("/api/v1/premise-notes", json=note, headers=officer).status_code == 403
    nid = created.json()["id"]
    gone = client.patch(
        f"/api/v1/premise-notes/{nid}", json={"text": "Two dogs"}, headers=as_dispatcher
    )
    assert gone.json()["text"] == "Two dogs"
    assert client.delete(f"/api/v1/premise-notes/{nid}", headers=as_dispatcher).status_code == 204
    shown = client.get(f"/api/v1/incidents/{inc['id']}/premise-notes", headers=as_dispatcher)
    assert shown.json() == []


@pytest.mark.parametrize(
    "note",
    [
        {"kind": "hazard", "text": "x"},  # no place
        {"kind": "hazard", "text": "x", "location": {"lat": 47.1, "lon": 9.5}, "radius_m": 0},
        {
            "kind": "hazard",
            "text": "x",
            "location": {"lat": 47.1, "lon": 9.5},
            "expires_at": "2000-01-01T00:00:00Z",
        },
        {"kind": "rumour", "text": "x", "location": {"lat": 47.1, "lon": 9.5}},
    ],
)
def test_a_bad_premise_note_is_422(
    client: TestClient, as_dispatcher: dict[str, str], note: dict[str, Any]
) -> None:
    r = client.post("/api/v1/premise-notes", json=note, headers=as_dispatcher)
    assert r.status_code == 422, r.text
    assert client.get("/api/v1/premise-notes", headers=as_dispatcher).json() == []


def test_close_needs_a_disposition_of_the_list(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher)
    url = f"/api/v1/incidents/{inc['id']}/close"
    none = client.post(url, json={}, headers=as_dispatcher)
    assert none.status_code == 422
    assert none.json()["code"] == "bad_disposition"
    assert "no_report" in none.json()["detail"]  # says which it may be closed with
    wrong = client.post(url, json={"disposition": "vanished"}, headers=as_dispatcher)
    assert wrong.status_code == 422
    bad_number = client.post(
        url, json={"disposition": "report_taken", "report_number": "#1 2"}, headers=as_dispatcher
    )
    assert bad_number.json()["code"] == "bad_report_number"
    got = client.get(f"/api/v1/incidents/{inc['id']}", headers=as_dispatcher).json()
    assert got["status"] == "received"
    ok = client.post(
        url,
        json={"disposition": "report_taken", "report_number": "2026-0042"},
        headers=as_dispatcher,
    )
    assert ok.status_code == 200, ok.text
    closed = ok.json()
    assert (closed["status"], closed["disposition"], closed["report_number"]) == (
        "closed",
        "report_taken",
        "2026-0042",
    )
    rules = client.get("/api/v1/closing", headers=as_dispatcher).json()
    assert rules["last_unit_clear_closes"] is True
    assert "report_taken" in [d["code"] for d in rules["dispositions"]]


def test_a_clear_before_arrival_asks_for_confirmation_and_requeues(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = new_incident(client, as_dispatcher, priority=1)
    r = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "west-p1"},
        headers=as_dispatcher,
    )
    assert r.status_code == 201, r.text
    url = "/api/v1/units/west-p1/status"
    asked = client.post(url, json={"status": "available"}, headers=as_dispatcher)
    assert asked.status_code == 409
    assert asked.json()["code"] == "confirm_clear"
    unit = client.get("/api/v1/units/west-p1", headers=as_dispatcher).json()
    assert unit["status"] == "dispatched"
    done = client.post(url, json={"status": "available", "confirm": True}, headers=as_dispatcher)
    assert done.status_code == 200, done.text
    back = client.get(f"/api/v1/incidents/{inc['id']}", headers=as_dispatcher).json()
    assert back["status"] == "received"
    assert back["timeline"][-1]["kind"] == "requeued"


def test_the_collective_s_closing_rules_hold_on_its_database(
    client: TestClient, runtime: Runtime, as_dispatcher: dict[str, str]
) -> None:
    rules = ClosingRules(
        (
            Disposition("arrest", "Arrest made"),
            Disposition("stolen_goods_found", "Goods found", frozenset({CallTypeCode("burglary")})),
        ),
        last_unit_clear_closes=False,
    )
    with runtime.context.uow() as uow:
        uow.closing.put(rules)
        uow.commit()
    # The closing rules are cached with the standing facts: drop them, as a load's events do.
    runtime.context.standing.invalidate()  # type: ignore[union-attr]
    shown = client.get("/api/v1/closing?call_type=burglary", headers=as_dispatcher).json()
    assert [d["code"] for d in shown["dispositions"]] == ["arrest", "stolen_goods_found"]
    assert shown["dispositions"][1]["call_types"] == ["burglary"]
    assert shown["last_unit_clear_closes"] is False

    # The last unit's clear leaves the call for dispatch to close.
    inc = new_incident(client, as_dispatcher)
    client.post(
        f"/api/v1/incidents/{inc['id']}/assignments",
        json={"unit_id": "west-p1"},
        headers=as_dispatcher,
    )
    for status in ("on_scene", "available"):
        r = client.post(
            "/api/v1/units/west-p1/status", json={"status": status}, headers=as_dispatcher
        )
        assert r.status_code == 200, r.text
    waiting = client.get(f"/api/v1/incidents/{inc['id']}", headers=as_dispatcher).json()
    assert waiting["status"] == "on_scene"
    assert waiting["timeline"][-1]["kind"] == "awaiting_close"
    url = f"/api/v1/incidents/{inc['id']}/close"
    refused = client.post(url, json={"disposition": "no_report"}, headers=as_dispatcher)
    assert refused.status_code == 422
    closed = client.post(url, json={"disposition": "stolen_goods_found"}, headers=as_dispatcher)
    assert closed.json()["disposition"] == "stolen_goods_found"

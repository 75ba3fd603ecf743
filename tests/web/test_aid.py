"""The mutual-aid API end to end: a request made from an incident, routed by the
agreements in force, approved step by step by each step's approver, fulfilled by a unit
that then stands on the incident lent under its clause, extended, printed, released; and
bad input refused with a clear 4xx and nothing changed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.web.conftest import login
from tests.web.test_api import new_incident

API = "/api/v1/mutual-aid-requests"


def later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def k9_request(incident: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "incident_id": incident,
        "items": [
            {
                "quantity": 1,
                "kind": "k9",
                "type": "Type 2",
                "priority": 1,
                "description": "a dog team for a building search",
                "requested_arrival": later(0.5),
                "reporting_location": "East HQ, gate 2",
                "substitutes": "any patrol dog",
            }
        ],
        "needed_until": later(4),
    }
    body.update(overrides)
    return body


@pytest.fixture
def middle_admin(client: TestClient, as_admin: dict[str, str]) -> dict[str, str]:
    for name, agency in (("middle-admin", "middle"), ("east-admin", "east")):
        r = client.post(
            "/api/v1/users",
            headers=as_admin,
            json={
                "username": name,
                "password": f"{name}-pw",
                "role": "agency_admin",
                "agency": agency,
            },
        )
        assert r.status_code == 201, r.text
    return login(client, "middle-admin")


def test_a_request_goes_from_the_incident_through_its_steps_to_the_unit_and_back(
    client: TestClient,
    as_admin: dict[str, str],
    as_dispatcher: dict[str, str],
    middle_admin: dict[str, str],
) -> None:
    supervisor = login(client, "supervisor")
    east_admin = login(client, "east-admin")
    incident = new_incident(client, as_dispatcher, "east", "armed_robbery", priority=1)["id"]

    r = client.post(API, headers=as_dispatcher, json=k9_request(incident))
    assert r.status_code == 201, r.text
    made = r.json()
    number = made["id"]
    assert number.startswith("MA-")
    assert number.endswith("-0001")
    assert made["incident_name"].startswith("Armed robbery, ")
    assert (made["requested_by"], made["requesting_agency"]) == ("dispatcher", "east")
    assert made["routed_to"] == ["middle", "west"]  # by agreement id: middle-collective first
    assert made["next_step"] == "requesting_supervisor"
    assert [x["id"] for x in client.get(API, headers=as_dispatcher).json()] == [number]
    assert client.get(f"{API}?incident_id={incident}", headers=as_dispatcher).json()[0]["id"] == (
        number
    )

    r = client.post(f"{API}/{number}/approve", headers=as_admin, json={"step": "finance"})
    assert (r.status_code, r.json()["code"]) == (409, "out_of_order")
    r = client.post(f"{API}/{number}/approve", headers=as_dispatcher)
    assert r.status_code == 403
    r = client.post(f"{API}/{number}/approve", headers=supervisor, json={"comment": "go"})
    assert r.status_code == 200, r.text
    r = client.post(f"{API}/{number}/approve", headers=east_admin)
    assert (r.status_code, r.json()["code"]) == (403, "not_routed")
    eta = later(0.75)
    r = client.post(
        f"{API}/{number}/approve",
        headers=middle_admin,
        json={"order_number": "MID-88", "eta": eta},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["supplier"], r.json()["order_number"]) == ("middle", "MID-88")
    r = client.post(
        f"{API}/{number}/fulfil", headers=as_dispatcher, json={"item": 1, "unit_id": "middle-k9"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "not_approved")
    r = client.post(f"{API}/{number}/approve", headers=as_admin)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    assert [a["step"] for a in r.json()["approvals"]] == [
        "requesting_supervisor",
        "supplying_agency",
        "finance",
    ]

    r = client.post(
        f"{API}/{number}/fulfil", headers=as_dispatcher, json={"item": 1, "unit_id": "west-p1"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "not_supplier")
    r = client.post(
        f"{API}/{number}/fulfil", headers=as_dispatcher, json={"item": 1, "unit_id": "middle-k9"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "fulfilled"
    got = client.get(f"/api/v1/incidents/{incident}", headers=as_dispatcher).json()
    lent = [a for a in got["assignments"] if a["unit_id"] == "middle-k9"]
    assert [(a["agreement"], a["clause"]) for a in lent] == [("middle-collective", 1)]
    r = client.post(
        f"{API}/{number}/fulfil", headers=as_dispatcher, json={"item": 1, "unit_id": "middle-p1"}
    )
    assert (r.status_code, r.json()["code"]) == (409, "over_fulfilled")

    r = client.post(
        f"{API}/{number}/extend",
        headers=as_dispatcher,
        json={"until": later(8), "reason": "the search goes on"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["extensions"][0]["reason"] == "the search goes on"

    pdf = client.get(f"{API}/{number}/form.pdf", headers=as_dispatcher)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    again = client.get(f"{API}/{number}/form.pdf", headers=as_dispatcher)
    assert again.content == pdf.content  # the same request, the same bytes
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for words in (number, "ICS-213RR", "Armed robbery", "MID-88", "middle-k9", "a dog team"):
        assert words in text, words

    r = client.post(f"{API}/{number}/release", headers=as_dispatcher)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "released"
    unit = client.get("/api/v1/units/middle-k9", headers=as_dispatcher).json()
    assert unit["status"] == "available"
    r = client.post(f"{API}/{number}/release", headers=as_dispatcher)
    assert (r.status_code, r.json()["code"]) == (409, "already_released")
    after = client.get(f"{API}/{number}/form.pdf", headers=as_dispatcher)
    assert after.content != pdf.content  # the release is on the form


def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str], middle_admin: dict[str, str]
) -> None:
    incident = new_incident(client, as_dispatcher, "east", "armed_robbery", priority=1)["id"]
    before = k9_request(incident)
    before["items"][0]["requested_arrival"] = "2020-01-01T00:00:00Z"
    r = client.post(API, headers=as_dispatcher, json=before)
    assert (r.status_code, r.json()["code"]) == (422, "arrival_before_request")
    bad_quantity = k9_request(incident)
    bad_quantity["items"][0]["quantity"] = 0
    assert client.post(API, headers=as_dispatcher, json=bad_quantity).status_code == 422
    in_west = new_incident(client, as_dispatcher, "west", "armed_robbery", priority=1)["id"]
    swat = k9_request(in_west, items=[{"quantity": 1, "kind": "swat"}])
    r = client.post(API, headers=as_dispatcher, json=swat)  # only west lends swat
    assert (r.status_code, r.json()["code"]) == (409, "no_route")
    r = client.post(API, headers=middle_admin, json=k9_request(incident))
    assert r.status_code == 403
    r = client.post(API, headers=as_dispatcher, json=k9_request("nope"))
    assert r.status_code == 404
    assert client.get(API, headers=as_dispatcher).json() == []

    number = client.post(API, headers=as_dispatcher, json=k9_request(incident)).json()["id"]
    both = {"item": 1, "unit_id": "middle-k9", "equipment_id": "kit-1"}
    assert (
        client.post(f"{API}/{number}/fulfil", headers=as_dispatcher, json=both).status_code == 422
    )
    r = client.post(
        f"{API}/{number}/extend", headers=as_dispatcher, json={"until": later(1), "reason": "x"}
    )
    assert (r.status_code, r.json()["code"]) == (422, "not_later")
    r = client.post(f"{API}/{number}/approve", headers=as_dispatcher, json={"version": 1})
    assert r.status_code == 403  # a dispatcher is no supervisor
    supervisor = login(client, "supervisor")
    r = client.post(f"{API}/{number}/approve", headers=supervisor, json={"version": 7})
    assert (r.status_code, r.json()["code"]) == (409, "stale_version")
    unchanged = client.get(f"{API}/{number}", headers=as_dispatcher).json()
    assert (unchanged["version"], unchanged["approvals"], unchanged["extensions"]) == (1, [], [])
    assert client.get(f"{API}/MA-1999-0001", headers=as_dispatcher).status_code == 404
    east_officer = login(client, "east-officer")
    assert client.get(f"{API}/{number}", headers=east_officer).status_code == 200  # east asks

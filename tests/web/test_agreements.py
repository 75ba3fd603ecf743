"""The agreements API end to end: an agreement drafted, proposed, signed by each party's
admin, then lending to dispatch (each lent candidate citing its clause and rate, the
assignment recording it), then terminated and lending no more; and bad input refused
with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_api import new_incident

API = "/api/v1/agreements"


def east_lends_west(**overrides: Any) -> dict[str, Any]:
    """East lends its patrol cars to West, at CHF 92.50 an hour."""
    body: dict[str, Any] = {
        "id": "EAST-WEST-2025-01",
        "title": "East patrol cars for West",
        "parties": ["east", "west"],
        "valid_from": "2024-01-01T00:00:00Z",
        "clauses": [
            {
                "lender": "east",
                "capabilities": ["patrol"],
                "max_loan_hours": 12,
                "rates": {"per_hour": {"patrol": 9250}, "standby_per_hour": {"*": 4000}},
            }
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def east_admin(client: TestClient, as_admin: dict[str, str]) -> dict[str, str]:
    r = client.post(
        "/api/v1/users",
        headers=as_admin,
        json={
            "username": "east-admin",
            "password": "east-admin-pw",
            "role": "agency_admin",
            "agency": "east",
        },
    )
    assert r.status_code == 201, r.text
    return login(client, "east-admin")


def east_candidates(client: TestClient, headers: dict[str, str], incident: str) -> list[Any]:
    r = client.get(f"/api/v1/incidents/{incident}/recommendation", headers=headers)
    assert r.status_code == 200, r.text
    return [c for c in r.json()["candidates"] if c["agency"] == "east"]


def test_an_agreement_signed_by_both_parties_lends_and_a_termination_stops_it(
    client: TestClient,
    as_admin: dict[str, str],
    as_dispatcher: dict[str, str],
    east_admin: dict[str, str],
) -> None:
    west = login(client, "west-admin")
    incident = new_incident(client, as_dispatcher, "west", priority=3)["id"]
    assert east_candidates(client, as_dispatcher, incident) == []  # East lends nothing yet

    r = client.post(API, headers=west, json=east_lends_west())
    assert r.status_code == 201, r.text
    assert (r.json()["state"], r.json()["version"]) == ("draft", 1)
    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=east_admin)
    assert (r.status_code, r.json()["code"]) == (409, "not_proposed")
    r = client.post(f"{API}/EAST-WEST-2025-01/propose", headers=west)
    assert r.json()["state"] == "proposed"
    assert r.json()["awaiting"] == ["east", "west"]

    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=west)
    assert r.status_code == 200, r.text
    assert r.json()["awaiting"] == ["east"]
    assert east_candidates(client, as_dispatcher, incident) == []  # one signature lends nothing
    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=east_admin)
    assert r.status_code == 200, r.text
    signed = r.json()
    assert (signed["state"], signed["version"]) == ("active", 4)
    assert [s["party"] for s in signed["signatures"]] == ["west", "east"]
    assert signed["clauses"][0]["citation"] == "agreement EAST-WEST-2025-01 clause 1"
    assert signed["clauses"][0]["summary"] == "patrol in west's jurisdictions any call type"

    lent = east_candidates(client, as_dispatcher, incident)
    assert lent
    assert {c["lent_under"]["citation"] for c in lent} == {"agreement EAST-WEST-2025-01 clause 1"}
    assert {c["lent_under"]["rate"] for c in lent} == {"CHF 92.50 an hour"}
    assert {c["lent_under"]["per_hour"] for c in lent} == {9250}
    r = client.post(
        f"/api/v1/incidents/{incident}/assignments",
        headers=as_dispatcher,
        json={"unit_id": lent[0]["unit_id"]},
    )
    assert r.status_code == 201, r.text
    got = client.get(f"/api/v1/incidents/{incident}", headers=as_dispatcher).json()
    (assignment,) = got["assignments"]
    assert (assignment["agreement"], assignment["clause"]) == ("EAST-WEST-2025-01", 1)
    dispatched = [e for e in got["timeline"] if e["kind"] == "dispatched"]
    assert "lent under agreement EAST-WEST-2025-01 clause 1" in dispatched[0]["detail"]

    other = new_incident(client, as_dispatcher, "west", priority=3)["id"]
    r = client.post(
        f"{API}/EAST-WEST-2025-01/terminate", headers=east_admin, json={"reason": "budget cut"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "terminated"
    assert east_candidates(client, as_dispatcher, other) == []  # lends no more, at once

    versions = client.get(f"{API}/EAST-WEST-2025-01/versions", headers=west).json()
    assert [(v["version"], v["changed_by"]) for v in versions] == [
        (1, "west-admin"),
        (2, "west-admin"),
        (3, "west-admin"),
        (4, "east-admin"),
        (5, "east-admin"),
    ]
    assert [v["agreement"]["state"] for v in versions] == [
        "draft",
        "proposed",
        "proposed",
        "active",
        "terminated",
    ]
    listed = client.get(API, headers=as_dispatcher, params={"party": "east"}).json()
    assert [a["id"] for a in listed] == ["EAST-WEST-2025-01"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"valid_from": "2025-06-01T00:00:00Z", "valid_until": "2025-01-01T00:00:00Z"}, 422, ""),
        ({"clauses": [{"lender": "east", "rates": {"per_hour": {"patrol": -100}}}]}, 422, ""),
        ({"clauses": [{"lender": "middle"}]}, 422, "bad_lender"),
        ({"parties": ["east", "atlantis"]}, 422, "unknown_agency"),
        ({"clauses": [{"lender": "east", "call_types": ["arson"]}]}, 422, "unknown_call_type"),
        ({"clauses": []}, 422, ""),
        ({"parties": ["east", "east"]}, 422, "bad_parties"),
    ],
)
def test_a_bad_agreement_is_refused_and_nothing_is_kept(
    client: TestClient, as_admin: dict[str, str], change: dict[str, Any], status: int, code: str
) -> None:
    r = client.post(API, headers=as_admin, json=east_lends_west(**change))
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
    assert client.get(f"{API}/EAST-WEST-2025-01", headers=as_admin).status_code == 404


def test_only_each_partys_own_admin_signs_and_a_signed_agreement_is_not_amended(
    client: TestClient, as_admin: dict[str, str], east_admin: dict[str, str]
) -> None:
    west = login(client, "west-admin")
    assert client.post(API, headers=west, json={**east_lends_west(), "propose": True}).is_success
    # A collective admin signs for the collective, which is no party here.
    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=as_admin)
    assert (r.status_code, r.json()["code"]) == (403, "not_a_party")
    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=login(client, "dispatcher"))
    assert r.status_code == 403
    assert client.post(f"{API}/EAST-WEST-2025-01/sign", headers=west).status_code == 200
    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=west)
    assert (r.status_code, r.json()["code"]) == (409, "signed")
    # A signature against a stale version is a conflict.
    r = client.post(f"{API}/EAST-WEST-2025-01/sign", headers=east_admin, json={"version": 2})
    assert (r.status_code, r.json()["code"]) == (409, "stale_version")
    assert client.post(f"{API}/EAST-WEST-2025-01/sign", headers=east_admin).status_code == 200

    terms = {k: v for k, v in east_lends_west().items() if k != "id"}
    r = client.put(f"{API}/EAST-WEST-2025-01", headers=west, json={**terms, "version": 4})
    assert (r.status_code, r.json()["code"]) == (409, "not_amendable")
    r = client.post(f"{API}/EAST-WEST-2025-01/terminate", headers=west, json={"reason": " "})
    assert r.status_code == 422
    before = client.get(f"{API}/EAST-WEST-2025-01/versions", headers=west).json()
    assert len(before) == 4
    assert client.get(f"{API}/EAST-WEST-2025-01", headers=west).json()["state"] == "active"
    assert client.post(f"{API}/NOPE/sign", headers=west).status_code == 404


def test_an_amended_proposal_goes_back_to_draft_and_drops_its_signatures(
    client: TestClient, east_admin: dict[str, str]
) -> None:
    west = login(client, "west-admin")
    client.post(API, headers=west, json={**east_lends_west(), "propose": True})
    assert client.post(f"{API}/EAST-WEST-2025-01/sign", headers=east_admin).status_code == 200
    terms = {k: v for k, v in east_lends_west(title="East patrol cars, P1-3").items() if k != "id"}
    terms["clauses"][0]["max_priority"] = 3
    r = client.put(f"{API}/EAST-WEST-2025-01", headers=west, json={**terms, "version": 3})
    assert r.status_code == 200, r.text
    amended = r.json()
    assert (amended["state"], amended["signatures"], amended["version"]) == ("draft", [], 4)
    assert amended["clauses"][0]["max_priority"] == 3

"""The resources API end to end: the catalogue kept by an agency's admin, equipment lent
across agencies by an agreement (the loan citing it) and to incidents, checked back in in
bad condition; and bad input refused with a clear 4xx, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_api import new_incident

API = "/api/v1"


def soon(days: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def west_drone(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "west-drone-1",
        "type": "drone",
        "name": "West drone 1",
        "owner": "west",
        "home_station": "west-hq",
        "maintenance_notes": "new props 2026-11",
    }
    body.update(overrides)
    return body


@pytest.fixture
def as_west(client: TestClient) -> dict[str, str]:
    return login(client, "west-admin")


@pytest.fixture
def drone(client: TestClient, as_west: dict[str, str]) -> dict[str, Any]:
    r = client.post(f"{API}/resources", headers=as_west, json=west_drone())
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def resources(client: TestClient, headers: dict[str, str], query: str = "") -> list[str]:
    r = client.get(f"{API}/resources{query}", headers=headers)
    assert r.status_code == 200, r.text
    return [x["id"] for x in r.json()]


def test_the_catalogue_lists_types_and_resources_by_filter(
    client: TestClient, drone: dict[str, Any], as_dispatcher: dict[str, str]
) -> None:
    types = client.get(f"{API}/resource-types", headers=as_dispatcher).json()
    assert {
        "id": "helicopter",
        "name": "Helicopter",
        "kind": "equipment",
        "loanable": True,
    } in types
    assert drone["available"]
    assert drone["loan"] is None
    assert drone["kind"] == "equipment"
    assert resources(client, as_dispatcher) == ["west-drone-1"]
    assert resources(client, as_dispatcher, "?type=drone&owner=west&available=true") == [
        "west-drone-1"
    ]
    assert resources(client, as_dispatcher, "?owner=east") == []
    assert resources(client, as_dispatcher, "?available=false") == []


def test_a_drone_is_lent_by_agreement_and_comes_back_needing_repair(
    client: TestClient,
    drone: dict[str, Any],
    as_west: dict[str, str],
    as_dispatcher: dict[str, str],
) -> None:
    r = client.post(
        f"{API}/resources/west-drone-1/loans",
        headers=as_west,
        json={"agency": "east", "due_at": soon(), "notes": "two batteries"},
    )
    assert r.status_code == 201, r.text
    loan = r.json()
    assert (loan["lender"], loan["borrower"], loan["agreement"], loan["clause"]) == (
        "west",
        "east",
        "west-collective",
        1,
    )
    item = client.get(f"{API}/resources/west-drone-1", headers=as_dispatcher).json()
    assert item["loan"]["id"] == loan["id"]
    assert not item["available"]

    again = client.post(
        f"{API}/resources/west-drone-1/loans",
        headers=as_west,
        json={"agency": "east", "due_at": soon()},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "on_loan"

    back = client.post(
        f"{API}/loans/{loan['id']}/return",
        headers=as_west,
        json={"condition": "needs_repair", "notes": "prop cracked"},
    )
    assert back.status_code == 200, back.text
    assert back.json()["open"] is False
    item = client.get(f"{API}/resources/west-drone-1", headers=as_dispatcher).json()
    assert (item["condition"], item["version"], item["loan"]) == ("needs_repair", 2, None)

    twice = client.post(
        f"{API}/loans/{loan['id']}/return", headers=as_west, json={"condition": "serviceable"}
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_returned"
    listed = client.get(f"{API}/loans?open=false&agency=east", headers=as_dispatcher).json()
    assert [x["id"] for x in listed] == [loan["id"]]
    of_drone = client.get(f"{API}/loans?resource=west-drone-1", headers=as_dispatcher).json()
    assert [x["id"] for x in of_drone] == [loan["id"]]
    assert client.get(f"{API}/loans?resource=other", headers=as_dispatcher).json() == []
    assert client.get(f"{API}/loans?overdue=true", headers=as_dispatcher).json() == []


def test_dispatch_checks_equipment_out_to_an_incident(
    client: TestClient, drone: dict[str, Any], as_dispatcher: dict[str, str]
) -> None:
    incident = new_incident(client, as_dispatcher, where="east")
    r = client.post(
        f"{API}/resources/west-drone-1/loans",
        headers=as_dispatcher,
        json={"incident": incident["id"], "due_at": soon(0.5)},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["borrower"], r.json()["incident"]) == ("east", incident["id"])
    alerts = client.post(f"{API}/loans/overdue-alerts", headers=as_dispatcher)
    assert alerts.status_code == 200
    assert alerts.json() == []


def test_a_resource_is_changed_against_its_version(
    client: TestClient, drone: dict[str, Any], as_west: dict[str, str]
) -> None:
    window = {"start": soon(1), "end": soon(3)}
    body = west_drone(condition="out_of_service", windows=[window], version=1)
    del body["id"]
    r = client.put(f"{API}/resources/west-drone-1", headers=as_west, json=body)
    assert r.status_code == 200, r.text
    assert (r.json()["condition"], r.json()["version"]) == ("out_of_service", 2)
    stale = client.put(f"{API}/resources/west-drone-1", headers=as_west, json=body)
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            west_drone(windows=[{"start": "2027-01-02T00:00:00Z", "end": "2027-01-01T00:00:00Z"}]),
            422,
            "bad_window",
        ),
        (west_drone(owner="nowhere", home_station=None), 403, "forbidden"),
        (west_drone(home_station="no-such-hq"), 422, "unknown_station"),
        (west_drone(home_station="east-hq"), 422, "station_of_another_agency"),
        (west_drone(type="sonar"), 422, "unknown_resource_type"),
        (west_drone(condition="broken"), 422, None),
        (west_drone(id="has space"), 422, None),
        (west_drone(colour="blue"), 422, None),
    ],
)
def test_a_bad_resource_is_refused(
    client: TestClient, as_west: dict[str, str], body: dict[str, Any], status: int, code: str | None
) -> None:
    r = client.post(f"{API}/resources", headers=as_west, json=body)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
    assert resources(client, as_west) == []


def test_an_unknown_owner_is_refused(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.post(
        f"{API}/resources", headers=as_admin, json=west_drone(owner="nowhere", home_station=None)
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_agency"
    assert resources(client, as_admin) == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"agency": "east", "due_at": "2020-01-01T00:00:00Z"}, 422, "bad_dates"),
        ({"agency": "east", "due_at": 1893456000}, 422, None),
        ({"agency": "east", "due_at": "2030-01-01T00:00:00"}, 422, None),  # no zone
        ({"agency": "nowhere", "due_at": soon()}, 422, "unknown_agency"),
        ({"due_at": soon()}, 422, "no_borrower"),
        ({"agency": "east", "incident": "x", "due_at": soon()}, 422, "no_borrower"),
        ({"agency": "east", "due_at": soon(120)}, 422, "loan_too_long"),
        ({"agency": "west", "due_at": soon()}, 422, "own_agency"),
    ],
)
def test_a_bad_loan_is_refused_and_changes_nothing(
    client: TestClient,
    drone: dict[str, Any],
    as_west: dict[str, str],
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    r = client.post(f"{API}/resources/west-drone-1/loans", headers=as_west, json=body)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
    assert client.get(f"{API}/loans", headers=as_west).json() == []


def test_a_loan_no_agreement_covers_is_refused(
    client: TestClient, as_admin: dict[str, str]
) -> None:
    """middle lends only its dog teams: none of its equipment."""
    kit = west_drone(
        id="middle-kit", type="surveillance-kit", owner="middle", home_station="middle-hq"
    )
    assert client.post(f"{API}/resources", headers=as_admin, json=kit).status_code == 201
    r = client.post(
        f"{API}/resources/middle-kit/loans",
        headers=as_admin,
        json={"agency": "east", "due_at": soon()},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "no_agreement"
    assert "no agreement in force" in r.json()["detail"]
    assert client.get(f"{API}/loans", headers=as_admin).json() == []


def test_unknown_resources_and_loans_are_404(client: TestClient, as_admin: dict[str, str]) -> None:
    assert client.get(f"{API}/resources/none", headers=as_admin).status_code == 404
    r = client.post(f"{API}/loans/none/return", headers=as_admin, json={"condition": "serviceable"})
    assert r.status_code == 404
    assert r.json()["code"] == "loan_not_found"

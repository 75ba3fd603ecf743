"""The people API end to end: an agency's admin puts an officer on the roll, on a unit
for a shift, and certifies them; a renewal keeps the old grant; who reads what; bad input
refused with a clear 4xx, changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login

API = "/api/v1"
SHIFT = {"starts_at": "2026-12-03T06:00:00Z", "ends_at": "2026-12-03T14:00:00Z"}


@pytest.fixture
def as_west(client: TestClient) -> dict[str, str]:
    return login(client, "west-admin")


@pytest.fixture
def officer(client: TestClient, as_west: dict[str, str]) -> dict[str, Any]:
    body = {"id": "west-off-1", "agency": "west", "full_name": "Wanda West"}
    r = client.post(f"{API}/personnel", headers=as_west, json=body)
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


def grant(client: TestClient, headers: dict[str, str], **overrides: Any) -> Any:
    body = {"person": "west-off-1", "kind": "k9_handler", "issued_on": "2026-01-01"}
    body.update(overrides)
    return client.post(f"{API}/certifications", headers=headers, json=body)


def test_an_admin_keeps_their_agencys_people(
    client: TestClient, as_west: dict[str, str], officer: dict[str, Any]
) -> None:
    assert officer == {
        "id": "west-off-1",
        "agency_id": "west",
        "full_name": "Wanda West",
        "username": None,
    }
    r = client.post(
        f"{API}/crews",
        headers=as_west,
        json={"unit": "west-p1", "person": "west-off-1", "role": "member", **SHIFT},
    )
    assert r.status_code == 201, r.text
    crew = client.get(
        f"{API}/crews", headers=as_west, params={"unit": "west-p1", "at": "2026-12-03T08:00:00Z"}
    )
    assert [a["person_id"] for a in crew.json()] == ["west-off-1"]
    off_shift = client.get(f"{API}/crews", headers=as_west, params={"at": "2026-12-03T15:00:00Z"})
    assert off_shift.json() == []
    first = grant(client, as_west, valid_days=365)
    assert first.status_code == 201, first.text
    assert first.json()["expires_on"] == "2027-01-01"
    renewed = client.post(
        f"{API}/certifications/{first.json()['id']}/renew",
        headers=as_west,
        json={"issued_on": "2026-12-01", "expires_on": "2028-12-01"},
    )
    assert renewed.status_code == 201, renewed.text
    history = client.get(f"{API}/certifications", headers=as_west, params={"person": "west-off-1"})
    assert {(g["id"], g["superseded_by"]) for g in history.json()} == {
        (first.json()["id"], renewed.json()["id"]),
        (renewed.json()["id"], None),
    }
    valid = client.get(
        f"{API}/certifications", headers=as_west, params={"valid_at": "2028-06-01T00:00:00Z"}
    )
    assert [g["id"] for g in valid.json()] == [renewed.json()["id"]]
    again = client.post(
        f"{API}/certifications/{first.json()['id']}/renew",
        headers=as_west,
        json={"issued_on": "2026-12-02"},
    )
    assert again.status_code == 409


def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    client: TestClient, as_west: dict[str, str], officer: dict[str, Any]
) -> None:
    before = client.get(f"{API}/certifications", headers=as_west).json()
    r = grant(client, as_west, expires_on="2025-12-31")
    assert r.status_code == 422
    assert "on or before the day it is issued" in r.text
    assert grant(client, as_west, valid_days=0).status_code == 422
    assert grant(client, as_west, issued_on=20260101).status_code == 422
    assert grant(client, as_west, person="nobody").status_code == 404
    assert client.get(f"{API}/certifications", headers=as_west).json() == before
    bad_shift = {"unit": "west-p1", "person": "west-off-1", "role": "member"}
    r = client.post(
        f"{API}/crews",
        headers=as_west,
        json={**bad_shift, "starts_at": SHIFT["ends_at"], "ends_at": SHIFT["starts_at"]},
    )
    assert r.status_code == 422
    assert client.get(f"{API}/crews", headers=as_west).json() == []
    dup = {"id": "west-off-1", "agency": "west", "full_name": "Again"}
    assert client.post(f"{API}/personnel", headers=as_west, json=dup).status_code == 409


def test_who_reads_what(
    client: TestClient, officer: dict[str, Any], as_dispatcher: dict[str, str]
) -> None:
    east = login(client, "east-officer")
    assert client.get(f"{API}/personnel", headers=east).json() == []
    assert client.get(f"{API}/personnel/west-off-1", headers=east).status_code == 404
    assert client.get(f"{API}/personnel", headers=login(client, "analyst")).status_code == 403
    assert client.get(f"{API}/crews", headers=as_dispatcher).status_code == 200
    assert client.get(f"{API}/personnel", headers=as_dispatcher).status_code == 403
    other = {"id": "east-off-9", "agency": "east", "full_name": "E"}
    as_west = login(client, "west-admin")
    assert client.post(f"{API}/personnel", headers=as_west, json=other).status_code == 403

"""The floor's API: timers and their acknowledgement, the pending calls a unit may take,
the supervisor panel, and the incident search (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from bluepool.bootstrap import Runtime
from bluepool.domain.dispatch.timers import TimerLimits
from tests.web.conftest import login
from tests.web.test_api import new_incident

pytestmark = pytest.mark.usefixtures("runtime")


@pytest.fixture(autouse=True)
def timers(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        uow.timers.put(
            [
                TimerLimits(1, unassigned_s=30, dispatched_not_enroute_s=60, welfare_check_s=300),
                TimerLimits(2, unassigned_s=120, welfare_check_s=600),
            ]
        )
        uow.commit()


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _on_scene(client: TestClient, headers: dict[str, str], unit: str) -> None:
    r = client.post(f"/api/v1/units/{unit}/status", json={"status": "on_scene"}, headers=headers)
    assert r.status_code == 200, r.text


def test_timers_serve_the_limits_and_each_running_timer_s_due_time(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    call = new_incident(client, as_dispatcher, priority=1)

    body = client.get("/api/v1/timers", headers=as_dispatcher).json()

    assert [lim["priority"] for lim in body["limits"]] == [1, 2]
    assert body["limits"][1]["dispatched_not_enroute_s"] is None
    (timer,) = body["timers"]
    assert (timer["incident_id"], timer["kind"], timer["unit_id"]) == (
        call["id"],
        "unassigned",
        None,
    )
    assert _at(timer["due_at"]) - _at(call["received_at"]) == timedelta(seconds=30)


def test_acknowledging_a_welfare_check_records_it_and_restarts_it(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    call = new_incident(client, as_dispatcher, priority=1)
    client.post(
        f"/api/v1/incidents/{call['id']}/assignments",
        json={"unit_id": "west-p1"},
        headers=as_dispatcher,
    )
    _on_scene(client, as_dispatcher, "west-p1")

    r = client.post(
        f"/api/v1/incidents/{call['id']}/acknowledgements",
        json={"timer": "welfare_check", "unit_id": "west-p1"},
        headers=as_dispatcher,
    )

    assert r.status_code == 201, r.text
    entry = r.json()["timeline"][-1]
    assert (entry["kind"], entry["actor"], entry["unit_id"], entry["detail"]) == (
        "acknowledged",
        "dispatcher",
        "west-p1",
        "welfare_check",
    )
    (timer,) = client.get("/api/v1/timers", headers=as_dispatcher).json()["timers"]
    assert timer["kind"] == "welfare_check"
    assert _at(timer["started_at"]) == _at(entry["at"])
    changes = client.get(
        f"/api/v1/changes?entity=incident&entity_id={call['id']}", headers=as_admin_of(client)
    ).json()["items"]
    assert changes[0]["action"] == "acknowledge"


def as_admin_of(client: TestClient) -> dict[str, str]:
    return login(client, "admin")


def test_acknowledging_no_running_timer_is_409_and_changes_nothing(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    call = new_incident(client, as_dispatcher, priority=1)

    r = client.post(
        f"/api/v1/incidents/{call['id']}/acknowledgements",
        json={"timer": "welfare_check", "unit_id": "west-p1"},
        headers=as_dispatcher,
    )

    assert r.status_code == 409
    assert r.json()["code"] == "no_timer"
    after = client.get(f"/api/v1/incidents/{call['id']}", headers=as_dispatcher).json()
    assert after["version"] == call["version"]


@pytest.mark.parametrize(
    ("body", "status"),
    [({"timer": "coffee"}, 422), ({"timer": "unassigned", "extra": 1}, 422)],
)
def test_a_bad_acknowledgement_is_422(
    client: TestClient, as_dispatcher: dict[str, str], body: dict[str, object], status: int
) -> None:
    call = new_incident(client, as_dispatcher, priority=1)
    r = client.post(
        f"/api/v1/incidents/{call['id']}/acknowledgements", json=body, headers=as_dispatcher
    )
    assert r.status_code == status


def test_an_analyst_cannot_acknowledge(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    call = new_incident(client, as_dispatcher, priority=1)
    r = client.post(
        f"/api/v1/incidents/{call['id']}/acknowledgements",
        json={"timer": "unassigned"},
        headers=login(client, "analyst"),
    )
    assert r.status_code == 403


def test_pending_for_a_unit_lists_only_the_calls_it_may_take(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    p2 = new_incident(client, as_dispatcher, where="east", priority=2)
    p1 = new_incident(client, as_dispatcher, where="east", priority=1)
    west_call = new_incident(client, as_dispatcher, where="west", priority=3)

    every = client.get("/api/v1/pending", headers=as_dispatcher).json()["items"]
    for_east = client.get("/api/v1/pending?unit_id=east-p1", headers=as_dispatcher).json()

    assert [i["id"] for i in every] == [p1["id"], p2["id"], west_call["id"]]
    # east lends nothing: its unit may take only its own agency's calls.
    assert [i["id"] for i in for_east["items"]] == [p1["id"], p2["id"]]
    r = client.get("/api/v1/pending?unit_id=nope", headers=as_dispatcher)
    assert r.status_code == 404


def test_the_supervisor_panel_shows_reserves_and_each_dispatcher_s_workload(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    call = new_incident(client, as_dispatcher, priority=2)
    client.post(
        f"/api/v1/incidents/{call['id']}/assignments",
        json={"unit_id": "west-p1"},
        headers=as_dispatcher,
    )

    body = client.get("/api/v1/floor", headers=login(client, "supervisor")).json()

    west = next(r for r in body["reserves"] if r["agency"] == "west")
    assert (west["units"], west["available"], west["home_reserve"]) == (2, 1, 1)
    assert west["at_reserve"] is True
    assert body["workload"] == [{"actor": "dispatcher", "created": 1, "assigned": 1}]
    assert client.get("/api/v1/floor", headers=as_dispatcher).status_code == 403


# search ----------------------------------------------------------------------------------


def test_search_by_address_unit_text_and_date_range(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    first = new_incident(client, as_dispatcher, priority=2)
    second = client.post(
        "/api/v1/incidents",
        json={
            "call_type": "burglary",
            "location": {"lat": 47.1, "lon": 9.505},
            "description": "Back door forced 100%",
            "address": "Städtle 38, Vaduz",
        },
        headers=as_dispatcher,
    ).json()
    client.post(
        f"/api/v1/incidents/{second['id']}/assignments",
        json={"unit_id": "west-p2"},
        headers=as_dispatcher,
    )
    analyst = login(client, "analyst")

    def ids(query: str) -> list[str]:
        r = client.get(f"/api/v1/incidents?{query}", headers=analyst)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids("address=st%C3%A4dtle") == [second["id"]]
    assert ids("unit_id=west-p2") == [second["id"]]
    assert ids("q=door+BACK") == [second["id"]]
    assert ids("q=100%25") == [second["id"]]
    assert ids("q=10_%25") == []
    assert ids(f"q={first['id']}") == [first["id"]]
    received = first["received_at"].replace("+00:00", "Z")
    assert set(ids(f"received_from={received}")) == {first["id"], second["id"]}
    assert ids(f"received_until={received}") == []
    page = client.get("/api/v1/incidents?limit=1&offset=1", headers=analyst).json()
    assert page["total"] == 2
    assert [i["id"] for i in page["items"]] == [first["id"]]


def test_search_by_disposition_and_its_words(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    report, gone, still_open = (new_incident(client, as_dispatcher) for _ in range(3))
    for incident, disposition in ((report, "report_taken"), (gone, "gone_on_arrival")):
        r = client.post(
            f"/api/v1/incidents/{incident['id']}/close",
            json={"disposition": disposition},
            headers=as_dispatcher,
        )
        assert r.status_code == 200, r.text
    analyst = login(client, "analyst")

    def ids(query: str) -> set[str]:
        r = client.get(f"/api/v1/incidents?{query}", headers=analyst)
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids("disposition=report_taken") == {report["id"]}
    assert ids("q=gone_on") == {gone["id"]}
    assert ids("disposition=unfounded") == set()
    assert still_open["id"] in ids("open=true")


def test_search_refuses_a_bad_filter(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    for query in ("received_from=yesterday", "q=", "priority=9", "disposition="):
        r = client.get(f"/api/v1/incidents?{query}", headers=as_dispatcher)
        assert r.status_code == 422, query

"""Dispatch in command over the API: overrides with a reason, diversions, recalls, radioed
status with an out-of-service reason (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bluepool.bootstrap import CachedStanding, Runtime
from bluepool.domain.collective.settings import Setting
from bluepool.services.ports import Page
from tests.web.conftest import centre, login


@pytest.fixture
def as_supervisor(client: TestClient) -> dict[str, str]:
    return login(client, "supervisor")


def incident(
    client: TestClient, headers: dict[str, str], town: str, priority: int = 3
) -> dict[str, Any]:
    loc = centre(town)
    r = client.post(
        "/api/v1/incidents",
        headers=headers,
        json={
            "call_type": "burglary",
            "priority": priority,
            "location": {"lat": loc.lat, "lon": loc.lon},
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def assign(
    client: TestClient, headers: dict[str, str], incident_id: str, unit_id: str, **more: Any
) -> Any:
    return client.post(
        f"/api/v1/incidents/{incident_id}/assignments",
        headers=headers,
        json={"unit_id": unit_id, **more},
    )


def unit(client: TestClient, headers: dict[str, str], unit_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/units/{unit_id}", headers=headers).json())


def get(client: TestClient, headers: dict[str, str], incident_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/incidents/{incident_id}", headers=headers).json())


def published(runtime: Runtime) -> list[str]:
    with runtime.context.uow() as uow:
        return [m.type for m in uow.outbox.pending(10_000)]


def allow_dispatchers_to_override(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        uow.settings.add(Setting("dispatch", {"dispatchers_may_override": True}))
        uow.commit()
    assert isinstance(runtime.context.standing, CachedStanding)
    runtime.context.standing.invalidate()


# -- overrides ------------------------------------------------------------------------


def test_a_supervisor_overrides_a_policy_with_a_reason_marked_everywhere(
    client: TestClient, as_supervisor: dict[str, str], as_admin: dict[str, str]
) -> None:
    inc = incident(client, as_supervisor, "west")  # east lends nothing
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_supervisor)
    assert rec.json()["may_override"] is True
    excluded = {e["unit_id"]: e["code"] for e in rec.json()["excluded"]}
    assert excluded["east-p1"] == "policy_forbids"

    r = assign(client, as_supervisor, inc["id"], "east-p1", override={"reason": "shots heard"})

    assert r.status_code == 201, r.text
    body = r.json()
    assert body["override"]["rule"] == "policy_forbids"
    assert body["override"]["reason"] == "shots heard"
    assert body["unit"]["status"] == "dispatched"
    kinds = [(e["kind"], e["unit_id"]) for e in body["incident"]["timeline"]]
    assert kinds[-2:] == [("override", "east-p1"), ("dispatched", "east-p1")]
    assert "shots heard" in body["incident"]["timeline"][-2]["detail"]
    changes = client.get(
        "/api/v1/changes", params={"entity": "incident", "entity_id": inc["id"]}, headers=as_admin
    ).json()["items"]
    line = next(c for c in changes if c["action"] == "assign")
    assert line["data"]["override"]["rule"] == "policy_forbids"
    assert line["data"]["override"]["reason"] == "shots heard"
    audit = client.get(
        "/api/v1/audit",
        params={"action": "unit.assigned", "subject": f"incident/{inc['id']}"},
        headers=as_admin,
    ).json()["items"]
    assert audit, "the assignment is in the audit log"
    assert '"rule":"policy_forbids"' in audit[0]["body"]


def test_an_override_needs_a_reason_and_changes_nothing_without_one(
    client: TestClient, as_supervisor: dict[str, str]
) -> None:
    inc = incident(client, as_supervisor, "west")

    r = assign(client, as_supervisor, inc["id"], "east-p1", override={"reason": "   "})

    assert r.status_code == 422
    assert r.json()["code"] == "reason_required"
    assert unit(client, as_supervisor, "east-p1")["status"] == "available"
    assert get(client, as_supervisor, inc["id"])["assignments"] == []
    missing = assign(client, as_supervisor, inc["id"], "east-p1", override={})
    assert missing.status_code == 422


def test_a_dispatcher_may_not_override_unless_the_collective_allows_it(
    client: TestClient, as_dispatcher: dict[str, str], runtime: Runtime
) -> None:
    inc = incident(client, as_dispatcher, "west")
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_dispatcher)
    assert rec.json()["may_override"] is False

    r = assign(client, as_dispatcher, inc["id"], "east-p1", override={"reason": "nearest"})

    assert r.status_code == 403
    assert unit(client, as_dispatcher, "east-p1")["status"] == "available"

    allow_dispatchers_to_override(runtime)
    rec = client.get(f"/api/v1/incidents/{inc['id']}/recommendation", headers=as_dispatcher)
    assert rec.json()["may_override"] is True
    r = assign(client, as_dispatcher, inc["id"], "east-p1", override={"reason": "nearest"})
    assert r.status_code == 201, r.text


def test_a_home_reserve_can_be_overridden_and_its_rule_is_named(
    client: TestClient, as_supervisor: dict[str, str]
) -> None:
    # West keeps one of its two units at home: the first loan to Middle is fine, the second
    # is the reserve's.
    first, second = (
        incident(client, as_supervisor, "middle"),
        incident(client, as_supervisor, "middle"),
    )
    assert assign(client, as_supervisor, first["id"], "west-p1").status_code == 201
    refused = assign(client, as_supervisor, second["id"], "west-p2")
    assert refused.status_code == 409
    assert refused.json()["code"] == "policy_forbids"

    r = assign(client, as_supervisor, second["id"], "west-p2", override={"reason": "riot"})

    assert r.status_code == 201, r.text
    assert r.json()["override"]["rule"] == "reserve_kept"


def test_an_override_cannot_send_a_busy_unit(
    client: TestClient, as_supervisor: dict[str, str]
) -> None:
    first, second = incident(client, as_supervisor, "east"), incident(client, as_supervisor, "west")
    assert assign(client, as_supervisor, first["id"], "east-p1").status_code == 201

    r = assign(client, as_supervisor, second["id"], "east-p1", override={"reason": "nearest"})

    assert r.status_code == 409
    assert r.json()["code"] == "unit_unavailable"


# -- diversions -----------------------------------------------------------------------


def test_a_unit_on_a_less_urgent_call_is_offered_and_diverted(
    client: TestClient, as_dispatcher: dict[str, str], runtime: Runtime
) -> None:
    noise = incident(client, as_dispatcher, "east", priority=4)
    assert assign(client, as_dispatcher, noise["id"], "east-p1").status_code == 201
    urgent = incident(client, as_dispatcher, "east", priority=1)

    rec = client.get(f"/api/v1/incidents/{urgent['id']}/recommendation", headers=as_dispatcher)
    offers = {o["unit_id"]: o for o in rec.json()["diversions"]}
    assert set(offers) == {"east-p1"}
    offer = offers["east-p1"]
    assert offer["from_incident"] == noise["id"]
    assert offer["from_priority"] == 4
    assert offer["summary"].startswith("divert from P4 Burglary, ETA ")

    r = client.post(
        f"/api/v1/incidents/{urgent['id']}/diversions",
        headers=as_dispatcher,
        json={"unit_id": "east-p1"},
    )

    assert r.status_code == 201, r.text
    body = r.json()
    assert body["unit"]["incident_id"] == urgent["id"]
    assert body["diverted_from"]["id"] == noise["id"]
    assert body["diverted_from"]["status"] == "received"
    left = get(client, as_dispatcher, noise["id"])
    assert left["status"] == "received"
    assert [e["kind"] for e in left["timeline"]][-2:] == ["diverted", "requeued"]
    assert all(a["cleared_at"] for a in left["assignments"])
    assert get(client, as_dispatcher, urgent["id"])["status"] == "dispatched"
    assert "incident.requeued" in published(runtime)


def test_no_diversion_to_a_call_no_more_urgent(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    urgent = incident(client, as_dispatcher, "east", priority=1)
    assert assign(client, as_dispatcher, urgent["id"], "east-p1").status_code == 201
    same = incident(client, as_dispatcher, "east", priority=1)

    rec = client.get(f"/api/v1/incidents/{same['id']}/recommendation", headers=as_dispatcher)
    assert rec.json()["diversions"] == []
    r = client.post(
        f"/api/v1/incidents/{same['id']}/diversions",
        headers=as_dispatcher,
        json={"unit_id": "east-p1"},
    )
    assert r.status_code == 409
    assert r.json()["code"] == "not_divertable"
    assert unit(client, as_dispatcher, "east-p1")["incident_id"] == urgent["id"]
    free = client.post(
        f"/api/v1/incidents/{same['id']}/diversions",
        headers=as_dispatcher,
        json={"unit_id": "east-p2"},
    )
    assert free.status_code == 409
    assert free.json()["code"] == "unit_unavailable"


def test_a_diversion_keeps_the_old_call_open_while_another_unit_is_on_it(
    client: TestClient, as_dispatcher: dict[str, str], runtime: Runtime
) -> None:
    noise = incident(client, as_dispatcher, "east", priority=4)
    for u in ("east-p1", "east-p2"):
        assert assign(client, as_dispatcher, noise["id"], u).status_code == 201
    urgent = incident(client, as_dispatcher, "east", priority=2)

    r = client.post(
        f"/api/v1/incidents/{urgent['id']}/diversions",
        headers=as_dispatcher,
        json={"unit_id": "east-p2"},
    )

    assert r.status_code == 201, r.text
    assert r.json()["diverted_from"]["status"] == "dispatched"
    assert "incident.requeued" not in published(runtime)


# -- recall ---------------------------------------------------------------------------


def test_recalling_the_last_unit_puts_the_call_back_in_the_queue(
    client: TestClient, as_dispatcher: dict[str, str], as_admin: dict[str, str]
) -> None:
    inc = incident(client, as_dispatcher, "east")
    assert assign(client, as_dispatcher, inc["id"], "east-p1").status_code == 201
    assert client.post(
        "/api/v1/units/east-p1/status", headers=as_dispatcher, json={"status": "on_scene"}
    ).json()["applied"]

    r = client.post(
        f"/api/v1/incidents/{inc['id']}/assignments/east-p1/recall",
        headers=as_dispatcher,
        json={"reason": "needed elsewhere"},
    )

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["requeued"] is True
    assert body["unit"]["status"] == "available"
    assert body["unit"]["incident_id"] is None
    assert body["incident"]["status"] == "received"
    assert [e["kind"] for e in body["incident"]["timeline"]][-2:] == ["recalled", "requeued"]
    changes = client.get(
        "/api/v1/changes", params={"entity": "incident", "entity_id": inc["id"]}, headers=as_admin
    ).json()["items"]
    recall = next(c for c in changes if c["action"] == "recall")
    assert recall["data"] == {"unit_id": "east-p1", "reason": "needed elsewhere"}


def test_recall_without_a_body_and_of_a_unit_not_on_the_call(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    inc = incident(client, as_dispatcher, "east")
    assert assign(client, as_dispatcher, inc["id"], "east-p1").status_code == 201
    url = f"/api/v1/incidents/{inc['id']}/assignments"

    assert client.post(f"{url}/east-p2/recall", headers=as_dispatcher).status_code == 409
    assert client.post(f"{url}/nobody/recall", headers=as_dispatcher).status_code == 404
    r = client.post(f"{url}/east-p1/recall", headers=as_dispatcher)
    assert r.status_code == 200, r.text
    assert client.post(f"{url}/east-p1/recall", headers=as_dispatcher).status_code == 409


def test_an_analyst_cannot_recall(client: TestClient, as_dispatcher: dict[str, str]) -> None:
    inc = incident(client, as_dispatcher, "east")
    assert assign(client, as_dispatcher, inc["id"], "east-p1").status_code == 201
    analyst = login(client, "analyst")

    r = client.post(f"/api/v1/incidents/{inc['id']}/assignments/east-p1/recall", headers=analyst)

    assert r.status_code == 403
    assert unit(client, as_dispatcher, "east-p1")["status"] == "dispatched"


# -- radioed status -------------------------------------------------------------------


def test_out_of_service_needs_a_reason_which_is_kept_and_cleared(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    url = "/api/v1/units/west-p1/status"
    r = client.post(url, headers=as_dispatcher, json={"status": "out_of_service"})
    assert r.status_code == 422
    assert r.json()["code"] == "reason_required"
    assert unit(client, as_dispatcher, "west-p1")["status"] == "available"

    r = client.post(
        url, headers=as_dispatcher, json={"status": "out_of_service", "reason": "flat  tyre"}
    )
    assert r.status_code == 200, r.text
    assert unit(client, as_dispatcher, "west-p1")["status_reason"] == "flat tyre"

    client.post(url, headers=as_dispatcher, json={"status": "available"})
    assert unit(client, as_dispatcher, "west-p1")["status_reason"] == ""


def test_a_unit_breaking_down_on_the_way_requeues_its_call(
    client: TestClient, as_dispatcher: dict[str, str], runtime: Runtime
) -> None:
    inc = incident(client, as_dispatcher, "east")
    assert assign(client, as_dispatcher, inc["id"], "east-p1").status_code == 201
    url = "/api/v1/units/east-p1/status"
    assert client.post(url, headers=as_dispatcher, json={"status": "en_route"}).status_code == 200

    r = client.post(
        url, headers=as_dispatcher, json={"status": "out_of_service", "reason": "engine"}
    )

    assert r.status_code == 200, r.text
    assert get(client, as_dispatcher, inc["id"])["status"] == "received"
    assert "incident.requeued" in published(runtime)
    with runtime.context.uow() as uow:
        line = uow.changes.find("unit", "east-p1", Page())[0][0]
    assert line.data["reason"] == "engine"

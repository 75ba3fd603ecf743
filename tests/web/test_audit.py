"""GET /api/v1/audit, its CSV export and its checkpoints over HTTP, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from fastapi.testclient import TestClient

from bluepool.bootstrap import Runtime
from bluepool.domain.access.events import SignInFailed
from bluepool.web.schemas.audit import CSV_CHUNK, CSV_FIELDS
from tests.web.conftest import login


def test_sign_ins_changes_refusals_and_foreign_reads_are_listed(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    client.post("/api/v1/auth/token", data={"username": "dispatcher", "password": "nope"})
    officer = login(client, "east-officer")
    assert client.get("/api/v1/units/west-p1", headers=officer).status_code == 200
    refused = client.post(
        "/api/v1/incidents",
        json={"call_type": "burglary", "location": {"lat": 47.1, "lon": 9.505}},
        headers=officer,
    )
    assert refused.status_code == 403
    client.post("/api/v1/units/west-p1/status", json={"status": "busy"}, headers=as_dispatcher)
    analyst = login(client, "analyst")
    r = client.get("/api/v1/audit", headers=analyst, params={"limit": 1000})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    kinds = {(e["kind"], e["actor"], e["action"]) for e in items}
    assert ("sign_in_failed", "dispatcher", "user.sign_in_failed") in kinds
    assert ("sign_in", "east-officer", "user.signed_in") in kinds
    assert ("read", "east-officer", "dispatch.units.get_unit") in kinds
    assert ("refused", "east-officer", "dispatch.incidents.create_incident") in kinds
    assert ("change", "dispatcher", "unit.updated") in kinds
    assert not any("nope" in e["body"] or "-pw" in e["body"] for e in items)
    # Newest first. On PostgreSQL the newest entries may still wait for the chainer: they
    # show seq 0 (docs/audit.md) and come before the chained ones, which are in seq order.
    seqs = [e["seq"] for e in items]
    chained = [s for s in seqs if s]
    assert chained == sorted(chained, reverse=True)
    assert seqs == [0] * (len(seqs) - len(chained)) + chained
    assert r.json()["total"] == len(items)


def test_the_audit_log_filters_and_pages(client: TestClient) -> None:
    client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    admin = login(client, "admin")
    failed = client.get("/api/v1/audit", params={"kind": "sign_in_failed"}, headers=admin).json()
    assert [e["actor"] for e in failed["items"]] == ["nobody"]
    at = failed["items"][0]["at"]
    assert client.get("/api/v1/audit", params={"actor": "admin"}, headers=admin).json()["total"]
    since = client.get("/api/v1/audit", params={"since": at}, headers=admin).json()
    assert since["items"][-1]["actor"] == "nobody"
    until = client.get("/api/v1/audit", params={"until": at}, headers=admin).json()
    assert all(e["actor"] != "nobody" for e in until["items"])
    page = client.get("/api/v1/audit", params={"limit": 1, "offset": 1}, headers=admin).json()
    assert (len(page["items"]), page["limit"], page["offset"]) == (1, 1, 1)
    bad = client.get("/api/v1/audit", params={"kind": "nonsense"}, headers=admin)
    assert bad.status_code == 422


def test_only_analysts_and_collective_admins_read_the_audit_log(client: TestClient) -> None:
    for who in ("dispatcher", "supervisor", "west-admin", "east-officer"):
        headers = login(client, who)
        assert client.get("/api/v1/audit", headers=headers).status_code == 403, who
        assert client.post("/api/v1/audit/verify", headers=headers).status_code == 403, who
        refused = client.get("/api/v1/audit.csv", headers=headers)
        assert refused.status_code == 403, who
        assert refused.json()["code"] == "forbidden"
    assert client.get("/api/v1/audit").status_code == 401
    assert client.get("/api/v1/audit.csv").status_code == 401
    analyst = login(client, "analyst")
    assert client.post("/api/v1/audit/checkpoint", headers=analyst).status_code == 403


def test_a_checkpoint_is_made_exported_and_verified_against(client: TestClient) -> None:
    admin = login(client, "admin")
    assert client.get("/api/v1/audit/checkpoint", headers=admin).status_code == 404
    made = client.post("/api/v1/audit/checkpoint", headers=admin)
    assert made.status_code == 201, made.text
    checkpoint = made.json()
    assert checkpoint["format"] == "bluepool-audit-checkpoint/1"
    assert client.get("/api/v1/audit/checkpoint", headers=admin).json() == checkpoint
    report = client.post("/api/v1/audit/verify", json=checkpoint, headers=admin).json()
    assert report["findings"] == []
    assert report["checkpoint_problem"] is None
    assert report["head_seq"] >= checkpoint["seq"]
    forged = {**checkpoint, "seq": checkpoint["seq"] + 1}
    report = client.post("/api/v1/audit/verify", json=forged, headers=admin).json()
    assert report["checkpoint_problem"] == "the checkpoint's signature does not verify"
    bad = client.post("/api/v1/audit/verify", json={**checkpoint, "hash": "zz"}, headers=admin)
    assert bad.status_code == 422
    plain = client.post("/api/v1/audit/verify", headers=admin).json()
    assert plain["findings"] == []
    assert plain["checkpoint"]["seq"] == checkpoint["seq"]


def rows(csv_text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(csv_text))
    assert tuple(reader.fieldnames or ()) == CSV_FIELDS
    return list(reader)


def failed_sign_ins(runtime: Runtime, count: int) -> None:
    """``count`` failed sign-ins, written at once (the sign-in throttle would stop a loop)."""
    now = runtime.context.clock.now()
    with runtime.context.uow() as uow:
        for n in range(count):
            uow.raise_event(SignInFailed(now + timedelta(milliseconds=n), f"nobody-{n}"))
        uow.commit()


def test_the_csv_holds_every_entry_the_same_filters_find_newest_first(
    client: TestClient, runtime: Runtime
) -> None:
    failed_sign_ins(runtime, CSV_CHUNK + 3)  # more than one chunk of rows
    analyst = login(client, "analyst")
    where = {"kind": "sign_in_failed"}
    r = client.get("/api/v1/audit.csv", params=where, headers=analyst)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment;")
    exported = rows(r.text)
    listed = client.get("/api/v1/audit", params={**where, "limit": 1000}, headers=analyst).json()[
        "items"
    ]
    assert len(exported) == len(listed) == CSV_CHUNK + 3
    assert [(e["seq"], e["hash"], e["prev_hash"], e["body"]) for e in exported] == [
        (str(e["seq"]), e["hash"], e["prev_hash"], e["body"]) for e in listed
    ]
    assert exported[0]["actor"] == f"nobody-{CSV_CHUNK + 2}"
    assert {e["kind"] for e in exported} == {"sign_in_failed"}
    none = client.get("/api/v1/audit.csv", params={"actor": "no-such-user"}, headers=analyst)
    assert rows(none.text) == []
    bad = client.get("/api/v1/audit.csv", params={"since": "yesterday"}, headers=analyst)
    assert bad.status_code == 422


def test_a_typed_name_that_looks_like_a_formula_is_text_in_the_csv(client: TestClient) -> None:
    typed = '=HYPERLINK("http://x.example","open")'
    client.post("/api/v1/auth/token", data={"username": typed, "password": "x"})
    admin = login(client, "admin")
    r = client.get("/api/v1/audit.csv", params={"kind": "sign_in_failed"}, headers=admin)
    (row,) = rows(r.text)
    assert row["actor"] == "'" + typed
    assert json.loads(row["body"])["actor"] == typed  # the record itself is unchanged

"""The ledger API end to end: an east unit lent to west under an agreement is charged as
the incident closes (the cost package, the entries, the balances, the live stream's
``ledger.posted``), posted once however often the closes are replayed; a month closed
once, then its statements (JSON, CSV and PDF, the same bytes every time) and the
settlement; and every bad request refused with a clear 4xx, changing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from bluepool import bootstrap
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.bootstrap import Runtime
from bluepool.cli.runtime import operator
from bluepool.config import Settings
from bluepool.domain.shared.ids import AgencyId, IncidentId
from bluepool.domain.sharing.agreements import (
    Agreement,
    AgreementId,
    Clause,
    Rates,
    Signature,
    Stage,
)
from bluepool.services.ledger import posting
from tests.builders import CLOSE, a_usage
from tests.web import test_agreements
from tests.web.conftest import login, seed
from tests.web.test_agreements import east_candidates
from tests.web.test_api import new_incident

SINCE = datetime(2024, 1, 1, tzinfo=UTC)
#: East lends its patrol cars to west at CHF 92.50 an hour, CHF 10.00 at least.
RATES = Rates({"patrol": 9250}, minimum=1000)
AGREEMENT = Agreement(
    AgreementId("EAST-WEST-2025-01"),
    "East patrol cars for West",
    (AgencyId("east"), AgencyId("west")),
    (Clause(AgencyId("east"), capabilities=frozenset({"patrol"}), rates=RATES),),
    SINCE,
    stage=Stage.SIGNED,
    signatures=(Signature(AgencyId("east"), "e", SINCE), Signature(AgencyId("west"), "w", SINCE)),
)


#: East's admin, signed in (a fixture of the agreements' tests).
east_admin = test_agreements.east_admin


class LateClock:
    """The system's time, ``ahead`` later: a test moves it on (never past the real time
    by more than a token's life: tokens are checked against the real time)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture
def clock() -> LateClock:
    return LateClock()


@pytest.fixture
def runtime(migrated_url: str, clock: LateClock) -> Iterator[Runtime]:
    settings = Settings(environment="test", database_url=migrated_url, secret_key="t" * 40)
    rt = bootstrap.build(settings, clock=clock, hasher=Argon2Hasher(fast=True))
    seed(rt)
    with rt.context.uow() as uow:
        uow.agreements.add(AGREEMENT, "test", SINCE)
        uow.commit()
    yield rt
    rt.engine.dispose()


def lend_and_close(
    client: TestClient, dispatcher: dict[str, str], clock: LateClock, minutes: int
) -> str:
    """An incident in west served by an east unit for ``minutes``, then closed."""
    incident = new_incident(client, dispatcher, "west", priority=3)["id"]
    (lent, *_) = east_candidates(client, dispatcher, incident)
    r = client.post(
        f"/api/v1/incidents/{incident}/assignments",
        headers=dispatcher,
        json={"unit_id": lent["unit_id"]},
    )
    assert r.status_code == 201, r.text
    clock.ahead += timedelta(minutes=minutes)
    r = client.post(f"/api/v1/incidents/{incident}/close", headers=dispatcher, json=CLOSE)
    assert r.status_code == 200, r.text
    return str(incident)


def test_a_lent_unit_is_charged_when_its_incident_closes_and_only_once(
    client: TestClient,
    runtime: Runtime,
    clock: LateClock,
    as_admin: dict[str, str],
    as_dispatcher: dict[str, str],
    east_admin: dict[str, str],
) -> None:
    west = login(client, "west-admin")
    incident = lend_and_close(client, as_dispatcher, clock, minutes=42)

    costs = client.get(f"/api/v1/incidents/{incident}/costs", headers=as_admin).json()
    (usage,) = costs["usages"]
    assert costs["closed"] is True
    assert (usage["lender"], usage["borrower"], usage["kind"]) == ("east", "west", "patrol")
    assert usage["citation"] == "agreement EAST-WEST-2025-01 clause 1"
    assert usage["source_key"] == f"assignment:{incident}:1"
    assert 42 <= usage["minutes"] <= 43
    assert usage["rate"] == "CHF 92.50/h"
    # 42 minutes at CHF 92.50 an hour, to the second: CHF 64.75 and a few cents more.
    assert 6475 <= usage["amount"] <= 6475 + 160
    assert costs["total"] == usage["amount"]
    amount = usage["amount"]
    # Each party's admin sees it; a dispatcher sees no money.
    assert client.get(f"/api/v1/incidents/{incident}/costs", headers=west).json()["total"] == amount
    r = client.get(f"/api/v1/incidents/{incident}/costs", headers=as_dispatcher)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")

    entries = client.get("/api/v1/ledger/entries", headers=east_admin).json()
    assert entries["total"] == 1
    assert {(p["account"], p["amount"]) for p in entries["items"][0]["postings"]} == {
        ("west:expense", amount),
        ("west:payable", -amount),
        ("east:receivable", amount),
        ("east:revenue", -amount),
    }
    balances = client.get("/api/v1/ledger/balances", headers=east_admin).json()
    assert balances["accounts"] == [
        {"account": "east:receivable", "balance": amount},
        {"account": "east:revenue", "balance": -amount},
    ]
    everything = client.get("/api/v1/ledger/balances", headers=as_admin).json()["accounts"]
    assert sum(a["balance"] for a in everything) == 0

    # The change was audited with its ledger.posted (raised by the in-transaction handler).
    with runtime.context.reader() as uow:
        kinds = [m.type for m in uow.outbox.pending(1000)]
    assert kinds.count("ledger.posted") == 1

    # Replaying every closed incident (as `bluepool ledger replay` does) posts nothing again.
    assert posting.replay(runtime.context, operator()) == 0
    assert client.get("/api/v1/ledger/entries", headers=as_admin).json()["total"] == 1


def test_an_incident_served_by_its_own_agency_costs_nothing(
    client: TestClient, as_admin: dict[str, str], as_dispatcher: dict[str, str]
) -> None:
    incident = new_incident(client, as_dispatcher, "west", priority=3)["id"]
    r = client.post(
        f"/api/v1/incidents/{incident}/assignments",
        headers=as_dispatcher,
        json={"unit_id": "west-p1"},
    )
    assert r.status_code == 201, r.text
    client.post(f"/api/v1/incidents/{incident}/close", headers=as_dispatcher, json=CLOSE)
    costs = client.get(f"/api/v1/incidents/{incident}/costs", headers=as_admin).json()
    assert (costs["usages"], costs["total"]) == ([], 0)
    assert client.get("/api/v1/ledger/entries", headers=as_admin).json()["total"] == 0


def post_march(runtime: Runtime, minutes: int = 60, n: int = 1) -> None:
    """East lent west a patrol car for ``minutes`` on incident I-n, in March 2025."""
    started = datetime(2025, 3, 10, 8, tzinfo=UTC)
    usage = a_usage(
        source_key=f"assignment:I-{n}:1",
        incident=IncidentId(f"I-{n}"),
        resource="east-p1",
        kind="patrol",
        lender=AgencyId("east"),
        borrower=AgencyId("west"),
        agreement=AGREEMENT.id,
        started=started,
        ended=started + timedelta(minutes=minutes),
    )
    with runtime.context.uow() as uow:
        posting.post_usages(uow, [(usage, RATES)], started, "test")
        uow.commit()


def test_a_month_is_closed_once_then_its_statements_and_settlement_read_it(
    client: TestClient, runtime: Runtime, as_admin: dict[str, str], east_admin: dict[str, str]
) -> None:
    post_march(runtime, 60, 1)
    post_march(runtime, 30, 2)
    r = client.post("/api/v1/ledger/periods/2025-03/close", headers=east_admin)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = client.post("/api/v1/ledger/periods/2025-03/close", headers=as_admin)
    assert r.status_code == 200, r.text
    assert (r.json()["period"], r.json()["transactions"]) == ("2025-03", 2)
    assert r.json()["balances"]["east:receivable"] == 9250 + 4625
    r = client.post("/api/v1/ledger/periods/2025-03/close", headers=as_admin)
    assert (r.status_code, r.json()["code"]) == (409, "period_closed")

    # A usage of March posted after the close goes to April, the next open month.
    post_march(runtime, 10, 3)
    april = client.get(
        "/api/v1/ledger/entries", headers=as_admin, params={"period": "2025-04"}
    ).json()
    assert [e["source_key"] for e in april["items"]] == ["assignment:I-3:1"]

    s = client.get("/api/v1/statements/east/2025-03", headers=east_admin).json()
    assert (s["closed"], s["lent"], s["borrowed"], s["net"]) == (True, 13875, 0, 13875)
    assert [(r["incident"], r["minutes"], r["amount"]) for r in s["rows"]] == [
        ("I-1", 60, 9250),
        ("I-2", 30, 4625),
    ]
    assert s["rows"][0]["rate"] == "CHF 92.50/h"
    assert s["rows"][0]["citation"] == "agreement EAST-WEST-2025-01 clause 1"
    late = client.get("/api/v1/statements/west/2025-04", headers=as_admin).json()
    assert [(r["incident"], r["direction"], r["amount"]) for r in late["rows"]] == [
        ("I-3", "borrowed", 1542)
    ]

    csv1 = client.get("/api/v1/statements/east/2025-03.csv", headers=east_admin)
    csv2 = client.get("/api/v1/statements/east/2025-03.csv", headers=as_admin)
    assert csv1.status_code == 200
    assert csv1.headers["content-type"].startswith("text/csv")
    assert csv1.content == csv2.content
    assert csv1.content.splitlines()[2].startswith(b"I-1,east-p1,assignment:I-1:1,lent,west,60")
    pdf1 = client.get("/api/v1/statements/east/2025-03.pdf", headers=east_admin)
    pdf2 = client.get("/api/v1/statements/east/2025-03.pdf", headers=east_admin)
    assert pdf1.headers["content-type"] == "application/pdf"
    assert pdf1.content.startswith(b"%PDF-")
    assert pdf1.content == pdf2.content

    r = client.get("/api/v1/settlements/2025-03", headers=as_admin)
    assert r.status_code == 200, r.text
    assert r.json()["nets"] == {"east": 13875, "west": -13875}
    assert r.json()["transfers"] == [{"payer": "west", "payee": "east", "amount": 13875}]
    assert r.json()["bilateral"] == [{"a": "east", "b": "west", "amount": 13875}]


@pytest.mark.parametrize(
    ("who", "path", "status", "code"),
    [
        ("east-admin", "/api/v1/statements/west/2025-03", 403, "forbidden"),
        ("east-admin", "/api/v1/statements/west/2025-03.csv", 403, "forbidden"),
        ("east-admin", "/api/v1/settlements/2025-03", 403, "forbidden"),
        ("east-admin", "/api/v1/ledger/entries?account=west:payable", 403, "forbidden"),
        ("east-admin", "/api/v1/ledger/balances?agency=west", 403, "forbidden"),
        ("dispatcher", "/api/v1/ledger/entries", 403, "forbidden"),
        ("analyst", "/api/v1/ledger/balances", 403, "forbidden"),
        ("east-officer", "/api/v1/statements/east/2025-03", 403, "forbidden"),
        ("admin", "/api/v1/statements/atlantis/2025-03", 404, "agency_not_found"),
        ("admin", "/api/v1/statements/east/2025-13", 422, "bad_period"),
        ("admin", "/api/v1/statements/east/March", 422, ""),
        ("admin", "/api/v1/settlements/2025-1", 422, ""),
        ("admin", "/api/v1/ledger/entries?account=east:wallet", 422, "bad_account"),
        ("admin", "/api/v1/ledger/entries?limit=0", 422, ""),
        ("admin", "/api/v1/incidents/I-404/costs", 404, "incident_not_found"),
    ],
)
def test_a_bad_or_forbidden_read_is_a_clear_4xx(
    client: TestClient,
    east_admin: dict[str, str],
    who: str,
    path: str,
    status: int,
    code: str,
) -> None:
    headers = east_admin if who == "east-admin" else login(client, who)
    r = client.get(path, headers=headers)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code


@pytest.mark.parametrize(
    ("period", "status", "code"),
    [("2999-01", 422, "period_open"), ("2025-00", 422, "bad_period"), ("25-01", 422, "")],
)
def test_a_month_not_over_or_not_a_month_is_not_closed(
    client: TestClient,
    runtime: Runtime,
    as_admin: dict[str, str],
    period: str,
    status: int,
    code: str,
) -> None:
    r = client.post(f"/api/v1/ledger/periods/{period}/close", headers=as_admin)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["code"] == code
    with runtime.context.reader() as uow:
        assert uow.ledger.closed() == {}


def test_the_current_month_is_not_closed(
    client: TestClient, runtime: Runtime, as_admin: dict[str, str]
) -> None:
    now = runtime.context.clock.now()
    r = client.post(f"/api/v1/ledger/periods/{now:%Y-%m}/close", headers=as_admin)
    assert (r.status_code, r.json()["code"]) == (422, "period_open")

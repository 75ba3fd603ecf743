"""API fixtures: a small collective of three agencies on a migrated database (SQLite, and
PostgreSQL when configured), a TestClient, and signed-in personas."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from bluepool import bootstrap
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    Jurisdiction,
    Requirement,
    Station,
)
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import (
    AgencyId,
    CallTypeCode,
    JurisdictionId,
    StationId,
    UnitId,
    Username,
)
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.web.app import create_app
from tests.builders import lend

# Three side-by-side square jurisdictions along a line of longitude 9.50..9.53 at lat 47.1.
AGENCIES = {"west": 9.50, "middle": 9.51, "east": 9.52}


def square(lon0: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon0, 47.09],
                [lon0 + 0.01, 47.09],
                [lon0 + 0.01, 47.11],
                [lon0, 47.11],
                [lon0, 47.09],
            ]
        ],
    }


def centre(agency: str) -> Location:
    return Location(47.1, AGENCIES[agency] + 0.005)


def seed(runtime: Runtime) -> None:
    """west lends anything anywhere (keeps 1 at home); middle lends k9 only for P1-2;
    east lends nothing."""
    ctx = runtime.context
    hasher = ctx.hasher
    with ctx.uow() as uow:
        for name, lon in AGENCIES.items():
            a = AgencyId(name)
            uow.agencies.add(Agency(a, name.title() + " Police"))
            uow.jurisdictions.add(
                Jurisdiction(
                    JurisdictionId(f"{name}-town"),
                    f"{name.title()} Town",
                    a,
                    square(lon),
                )
            )
            uow.stations.add(
                Station(StationId(f"{name}-hq"), a, f"{name.title()} HQ", centre(name))
            )
        lend(uow, SharingPolicy(AgencyId("west"), 1, (SharingRule(),)))
        lend(
            uow,
            SharingPolicy(
                AgencyId("middle"),
                0,
                (SharingRule(capabilities=frozenset({"k9"}), max_priority=2),),
            ),
        )
        for name in AGENCIES:
            for n in (1, 2):
                uow.units.add(
                    Unit(
                        UnitId(f"{name}-p{n}"),
                        AgencyId(name),
                        "patrol",
                        frozenset({"patrol"}),
                        StationId(f"{name}-hq"),
                        f"{name} patrol {n}",
                        location=centre(name),
                        jurisdiction_id=JurisdictionId(f"{name}-town"),
                    )
                )
        uow.units.add(
            Unit(
                UnitId("middle-k9"),
                AgencyId("middle"),
                "k9",
                frozenset({"k9", "patrol"}),
                StationId("middle-hq"),
                location=centre("middle"),
                jurisdiction_id=JurisdictionId("middle-town"),
            )
        )
        uow.call_types.add(
            CallType(CallTypeCode("burglary"), "Burglary", 3, (Requirement("patrol"),))
        )
        uow.call_types.add(
            CallType(
                CallTypeCode("armed_robbery"),
                "Armed robbery",
                1,
                (Requirement("patrol", 2), Requirement("k9")),
            )
        )
        people = [
            User(Username("dispatcher"), Role.DISPATCHER),
            User(Username("supervisor"), Role.SUPERVISOR),
            User(Username("analyst"), Role.ANALYST),
            User(Username("admin"), Role.COLLECTIVE_ADMIN),
            User(Username("west-admin"), Role.AGENCY_ADMIN, agency_id=AgencyId("west")),
            User(
                Username("east-officer"),
                Role.OFFICER,
                agency_id=AgencyId("east"),
                unit_id=UnitId("east-p1"),
            ),
        ]
        for u in people:
            u.password_hash = hasher.hash(f"{u.username}-pw")
            uow.users.add(u)
        uow.commit()


@pytest.fixture
def runtime(migrated_url: str) -> Iterator[Runtime]:
    settings = Settings(environment="test", database_url=migrated_url, secret_key="t" * 40)
    rt = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    seed(rt)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as c:
        yield c


def login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": f"{username}-pw"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def as_dispatcher(client: TestClient) -> dict[str, str]:
    return login(client, "dispatcher")


@pytest.fixture
def as_admin(client: TestClient) -> dict[str, str]:
    return login(client, "admin")


@pytest.fixture
def base_url(runtime: Runtime) -> Iterator[str]:
    """A real uvicorn server on a free port, serving ``runtime``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(runtime=runtime),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        limit_concurrency=200,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)

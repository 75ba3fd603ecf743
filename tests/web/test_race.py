"""No unit on two incidents, whatever the concurrency: threads race through real HTTP."""

from __future__ import annotations

import threading

import httpx

from bluepool.bootstrap import Runtime
from tests.web.conftest import centre

RACERS = 16


def test_racing_dispatchers_assign_one_unit_exactly_once(base_url: str, runtime: Runtime) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        token = http.post(
            "/api/v1/auth/token",
            data={"username": "dispatcher", "password": "dispatcher-pw"},
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        loc = centre("east")
        incidents = [
            http.post(
                "/api/v1/incidents",
                headers=headers,
                json={
                    "call_type": "burglary",
                    "priority": 2,
                    "location": {"lat": loc.lat, "lon": loc.lon},
                },
            ).json()["id"]
            for _ in range(RACERS)
        ]

    barrier = threading.Barrier(RACERS)
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def race(incident_id: str) -> None:
        with httpx.Client(base_url=base_url, timeout=60, headers=headers) as http:
            barrier.wait()
            r = http.post(
                f"/api/v1/incidents/{incident_id}/assignments",
                json={"unit_id": "east-p1"},
            )
            with lock:
                results.append((incident_id, r.status_code, r.json().get("code", "")))

    threads = [threading.Thread(target=race, args=(i,)) for i in incidents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    codes = sorted(status for _, status, _ in results)
    assert len(results) == RACERS
    assert codes == [201] + [409] * (RACERS - 1), results
    winner = next(i for i, status, _ in results if status == 201)

    # The database agrees: the unit is on the winner's incident, and on no other.
    with runtime.context.uow() as uow:
        unit = uow.units.get("east-p1")  # type: ignore[arg-type]
        assert unit is not None
        assert unit.incident_id == winner
        assert unit.status.value == "dispatched"
        holding = [
            i
            for i in incidents
            if (inc := uow.incidents.get(i)) and "east-p1" in inc.active_units()
        ]  # type: ignore[arg-type]
        assert holding == [winner]


def test_racing_loans_never_break_a_lenders_home_reserve(base_url: str, runtime: Runtime) -> None:
    # West keeps 1 of its 2 units at home: of many dispatchers borrowing west-p1 or west-p2
    # at once for calls in Middle, exactly one may succeed.
    racers = 8
    with httpx.Client(base_url=base_url, timeout=60) as http:
        token = http.post(
            "/api/v1/auth/token", data={"username": "dispatcher", "password": "dispatcher-pw"}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        loc = centre("middle")
        incidents = [
            http.post(
                "/api/v1/incidents",
                headers=headers,
                json={
                    "call_type": "burglary",
                    "priority": 1,
                    "location": {"lat": loc.lat, "lon": loc.lon},
                },
            ).json()["id"]
            for _ in range(racers)
        ]
    barrier = threading.Barrier(racers)
    statuses: list[int] = []
    lock = threading.Lock()

    def borrow(n: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60, headers=headers) as http:
            barrier.wait()
            r = http.post(
                f"/api/v1/incidents/{incidents[n]}/assignments",
                json={"unit_id": f"west-p{1 + n % 2}"},
            )
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=borrow, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(statuses) == [201] + [409] * (racers - 1)
    with runtime.context.uow() as uow:
        west = [u for u in uow.units.list() if u.agency_id == "west"]
    assert sum(u.status.value == "available" for u in west) == 1

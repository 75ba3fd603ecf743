"""Diversions race assignments and recalls of the same unit through real HTTP: the unit
ends on one incident at most, and the database holds one open assignment for it at most."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from bluepool.bootstrap import Runtime
from bluepool.domain.shared.ids import IncidentId, UnitId
from tests.web.conftest import centre

UNIT = "east-p1"


def _signed_in(http: httpx.Client) -> dict[str, str]:
    token = http.post(
        "/api/v1/auth/token", data={"username": "dispatcher", "password": "dispatcher-pw"}
    ).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _incident(http: httpx.Client, headers: dict[str, str], priority: int) -> str:
    loc = centre("east")
    r = http.post(
        "/api/v1/incidents",
        headers=headers,
        json={
            "call_type": "burglary",
            "priority": priority,
            "location": {"lat": loc.lat, "lon": loc.lon},
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


Move = tuple[str, dict[str, Any] | None]


def _race(base_url: str, headers: dict[str, str], moves: list[Move]) -> list[tuple[str, int]]:
    """Run every move at once; return (path, status) as they came back."""
    barrier = threading.Barrier(len(moves))
    codes: list[tuple[str, int]] = []
    lock = threading.Lock()

    def run(path: str, body: dict[str, Any] | None) -> None:
        with httpx.Client(base_url=base_url, timeout=60, headers=headers) as http:
            barrier.wait()
            r = http.post(path, json=body) if body is not None else http.post(path)
            with lock:
                codes.append((path, r.status_code))

    threads = [threading.Thread(target=run, args=m) for m in moves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


def _holders(runtime: Runtime, incidents: list[str]) -> tuple[list[str], str | None]:
    """The incidents with an open assignment of the unit, and the unit's incident."""
    with runtime.context.uow() as uow:
        unit = uow.units.get(UnitId(UNIT))
        assert unit is not None
        found = uow.incidents.get_many([IncidentId(i) for i in incidents])
        holding = [i for i in incidents if UnitId(UNIT) in found[IncidentId(i)].active_units()]
        return holding, unit.incident_id


def test_a_diversion_racing_assignments_of_the_same_unit_wins_once(
    base_url: str, runtime: Runtime
) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        headers = _signed_in(http)
        noise = _incident(http, headers, 4)
        assert (
            http.post(
                f"/api/v1/incidents/{noise}/assignments", headers=headers, json={"unit_id": UNIT}
            ).status_code
            == 201
        )
        urgent = [_incident(http, headers, 1) for _ in range(8)]

    # Half divert the unit to one of the urgent calls, half assign it to another normally.
    moves: list[Move] = [
        (f"/api/v1/incidents/{i}/{'diversions' if n % 2 else 'assignments'}", {"unit_id": UNIT})
        for n, i in enumerate(urgent)
    ]
    codes = _race(base_url, headers, moves)

    # The unit is not available: no plain assignment can take it, one diversion does.
    won = [path for path, code in codes if code == 201]
    assert len(won) == 1, codes
    assert won[0].endswith("/diversions"), codes
    assert sorted(code for _, code in codes) == [201] + [409] * (len(moves) - 1), codes
    holding, on = _holders(runtime, [noise, *urgent])
    assert len(holding) == 1
    assert holding[0] in urgent
    assert on == holding[0]


def test_diversions_recalls_and_assignments_never_double_book(
    base_url: str, runtime: Runtime
) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as http:
        headers = _signed_in(http)
        noise = _incident(http, headers, 4)
        assert (
            http.post(
                f"/api/v1/incidents/{noise}/assignments", headers=headers, json={"unit_id": UNIT}
            ).status_code
            == 201
        )
        urgent = [_incident(http, headers, 1) for _ in range(6)]

    moves: list[Move] = [
        (f"/api/v1/incidents/{noise}/assignments/{UNIT}/recall", None) for _ in range(4)
    ]
    moves += [(f"/api/v1/incidents/{i}/diversions", {"unit_id": UNIT}) for i in urgent[:3]]
    moves += [(f"/api/v1/incidents/{i}/assignments", {"unit_id": UNIT}) for i in urgent[3:]]
    codes = _race(base_url, headers, moves)

    assert len(codes) == len(moves)
    assert {code for _, code in codes} <= {200, 201, 409}, codes
    # Exactly one recall or diversion took the unit off the noise call.
    took_off = [p for p, code in codes if code in (200, 201) and not p.endswith("/assignments")]
    assert len(took_off) == 1, codes
    assigned = [p for p, code in codes if code == 201 and p.endswith("/assignments")]
    if took_off[0].endswith("/diversions"):
        assert assigned == [], codes
    assert len(assigned) <= 1, codes
    holding, on = _holders(runtime, [noise, *urgent])
    assert len(holding) <= 1
    assert on == (holding[0] if holding else None)

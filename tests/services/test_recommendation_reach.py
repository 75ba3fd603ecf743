"""The recommendation use case: air units by the context's flight settings, the collective's
specialist margin from its dispatch rules, the fleet's kinds breaking ties (memory store)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.bootstrap import flight, message_bus
from bluepool.config import Settings
from bluepool.domain.access.roles import Role, User
from bluepool.domain.collective.agencies import (
    Agency,
    CallType,
    Jurisdiction,
    Requirement,
)
from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.command import FloorRules
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId, UnitId, Username
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents
from tests.builders import a_square
from tests.services.test_dispatch import FakeClock, PlainHasher

HERE = Location(47.1, 9.52)
DISPATCHER = User(Username("dora"), Role.DISPATCHER)


def east(km: float) -> Location:
    return Location(HERE.lat, HERE.lon + km / 75.8)


def a_unit(uid: str, kind: str, caps: set[str], where: Location) -> Unit:
    return Unit(
        UnitId(uid),
        AgencyId("a"),
        kind,
        frozenset(caps),
        location=where,
        jurisdiction_id=JurisdictionId("ja"),
    )


def context(units: list[Unit], rules: FloorRules | None, settings: Settings) -> Context:
    store = MemoryStore()
    with MemoryUnitOfWork(store) as uow:
        uow.agencies.add(Agency(AgencyId("a"), "Alpha"))
        uow.jurisdictions.add(
            Jurisdiction(JurisdictionId("ja"), "A-town", AgencyId("a"), a_square(47.1, 9.52, 0.5))
        )
        uow.call_types.add(CallType(CallTypeCode("theft"), "Theft", 3, (Requirement("patrol"),)))
        for u in units:
            uow.units.add(u)
        if rules is not None:
            uow.settings.add(Setting(FloorRules.SETTING, rules.value()))
        uow.commit()
        index = JurisdictionIndex(uow.jurisdictions.list())
    return Context(
        uow=lambda: MemoryUnitOfWork(store, message_bus(lambda _: None, lambda: None)),
        clock=FakeClock(),
        locator=lambda: index,
        travel=StraightLine(),
        hasher=PlainHasher(),
        air=flight(settings),
    )


def recommend_for_theft(ctx: Context) -> dict[str, object]:
    inc = incidents.create_incident(ctx, DISPATCHER, "theft", HERE)
    rec = incidents.recommendation(ctx, DISPATCHER, inc.id)
    return {"proposed": [p.unit_id for p in rec.proposed], "candidates": rec.candidates}


def test_a_helicopter_kind_flies_by_the_settings() -> None:
    heli = a_unit("heli", "air", {"air", "patrol"}, east(20))
    settings = Settings(environment="test", air_kinds={"air": 250.0}, air_lift_off_s=60)

    got = recommend_for_theft(context([heli], None, settings))

    [c] = got["candidates"]  # type: ignore[misc]
    assert c.method == "by air"
    assert c.eta_seconds == pytest.approx(60 + 20_000 / (250 / 3.6), rel=1e-2)


def test_the_collectives_margin_spares_the_dog_team() -> None:
    dog = a_unit("dog", "k9", {"k9", "patrol"}, east(1))
    car = a_unit("car", "patrol", {"patrol"}, east(2))
    settings = Settings(environment="test")

    assert recommend_for_theft(context([dog, car], None, settings))["proposed"] == ["car"]
    spared = context([dog, car], FloorRules(specialist_margin_s=0), settings)
    assert recommend_for_theft(spared)["proposed"] == ["dog"]


def test_equal_etas_go_to_the_commoner_kind_of_the_fleet() -> None:
    units = [
        a_unit("a-dog", "k9", {"patrol"}, east(1)),
        a_unit("b-car", "patrol", {"patrol"}, east(1)),
        a_unit("c-car", "patrol", {"patrol"}, east(30)),
    ]
    ctx = context(units, FloorRules(specialist_margin_s=0), Settings(environment="test"))

    assert recommend_for_theft(ctx)["proposed"] == ["b-car"]


def test_air_kinds_must_fly_faster_than_zero() -> None:
    with pytest.raises(ValueError, match="cruise speed must be positive"):
        Settings(environment="test", air_kinds={"air": 0})


def test_air_kinds_reach_worker_processes_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(environment="test", air_kinds={"air": 200.0, "drone": 60.0})
    env = settings.as_environment()
    assert env["BLUEPOOL_AIR_KINDS"] == '{"air": 200.0, "drone": 60.0}'
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings().air_kinds == {"air": 200.0, "drone": 60.0}
    assert replace(flight(Settings()), lift_off_s=1).cruise_kmh["drone"] == 60.0

"""The simulator honours the certification gate: a dog team whose handler's certification
has lapsed at the run's start serves no K-9 call, as dispatch would not send it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np

from bluepool.domain.collective.agencies import CallType, Requirement
from bluepool.domain.people.certifications import Grant
from bluepool.domain.people.gating import CertificationRules
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, UnitId, Username
from bluepool.domain.spec import CollectiveSpec, CrewSpec
from bluepool.sim.calls import DEFAULT_START, from_arrays
from bluepool.sim.engine import simulate
from bluepool.sim.fleet import build_fleet, staffed
from bluepool.sim.policies import collective_for
from bluepool.sim.travel import straight_line
from tests.sim.builders import District, Post, collective

K9 = frozenset({"k9", "patrol"})
TRACK = CallType(CallTypeCode("track"), "Tracking", 2, (Requirement("k9"),))


def two_dog_teams() -> CollectiveSpec:
    """Two dog teams at one post: u0's handler certified, u1's lapsed a day before."""
    spec = collective([District("a", 0.0, 0.0, 0.1, [Post(0.05, 0.05, 2, K9)])], [TRACK])
    day = DEFAULT_START.date()
    a = AgencyId("a")
    return replace(
        spec,
        certification_rules=CertificationRules.of(
            {"k9": [{"certification": "k9_handler", "role": "handler"}]}
        ),
        personnel=(Person.of("h0", a, "H Zero"), Person.of("h1", a, "H One")),
        certifications=(
            Grant.issue(
                "g0", PersonId("h0"), "k9_handler", day - timedelta(days=30), Username("t")
            ),
            Grant.issue(
                "g1",
                PersonId("h1"),
                "k9_handler",
                day - timedelta(days=400),
                Username("t"),
                expires_on=day - timedelta(days=1),
            ),
        ),
        crews=(
            CrewSpec(UnitId("a-s0-u0"), PersonId("h0"), "handler"),
            CrewSpec(UnitId("a-s0-u1"), PersonId("h1"), "handler"),
        ),
    )


def test_a_lapsed_dog_team_keeps_only_what_it_can_staff() -> None:
    spec = two_dog_teams()
    fleet = staffed(build_fleet(spec), spec, DEFAULT_START)
    caps = {u.id: u.capabilities for u in fleet.units}
    assert caps == {UnitId("a-s0-u0"): K9, UnitId("a-s0-u1"): frozenset({"patrol"})}
    plain = replace(spec, certification_rules=None)
    assert staffed(build_fleet(plain), plain, DEFAULT_START).units == build_fleet(plain).units


def test_the_lapsed_dog_team_serves_no_k9_call() -> None:
    spec = two_dog_teams()
    fleet = staffed(build_fleet(spec), spec, DEFAULT_START)
    n = 40
    calls = from_arrays(
        fleet,
        np.arange(n) * 600.0,
        np.full(n, 0.05),
        np.full(n, 0.05),
        call_type=["track"] * n,
        on_scene=np.full(n, 1800.0),
    )
    out = simulate(fleet, calls, collective_for("siloed", fleet), straight_line())
    served_by = {fleet.units[u].id for u in out.unit.tolist()}
    assert served_by == {UnitId("a-s0-u0")}

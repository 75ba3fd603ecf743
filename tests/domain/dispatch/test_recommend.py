"""The recommender: who may be sent, in what order, and why.

Plain examples first, each telling one rule as a story; then the same rules as properties over
generated collectives, checked against an independent reading of the sharing policies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import Collective, IncidentView, Recommendation, recommend
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.travel import StraightLine, TravelTimes
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from tests.domain.builders_local import (
    a_collective,
    a_unit,
    an_incident_view,
    east_of_scene,
)
from tests.strategies import (
    AGENCIES,
    AGENCY_NAMES,
    GRID,
    JURISDICTION_AGENCY,
    collectives,
    fleets,
    incident_views,
    response_plans,
)

PATROL = (Requirement("patrol"),)


def lend_anything(agency: str, home_reserve: int = 0) -> SharingPolicy:
    return SharingPolicy(AgencyId(agency), home_reserve, (SharingRule(),))


@dataclass(frozen=True)
class NoRoadFrom:
    """Straight-line ETAs, except that no road leads from the ``blocked`` points."""

    blocked: frozenset[Location]
    method: str = "by road"

    def to_destination(
        self, origins: Sequence[Location], destination: Location
    ) -> list[float | None]:
        line = StraightLine()
        return [None if o in self.blocked else line.seconds(o, destination) for o in origins]

    def trips(
        self, origins: Sequence[Location], destination: Location
    ) -> tuple[list[float | None], list[float]]:
        return self.to_destination(origins, destination), [0.0] * len(origins)


# ---------------------------------------------------------------------------------------------
# Examples


def test_recommends_nearest_unit_with_required_capability() -> None:
    units = [
        a_unit("far-patrol", capabilities={"patrol"}, location=east_of_scene(5)),
        a_unit("near-k9", capabilities={"k9"}, location=east_of_scene(0.5)),
        a_unit("near-patrol", capabilities={"patrol"}, location=east_of_scene(1)),
    ]

    rec = recommend(an_incident_view(), PATROL, units, a_collective(), StraightLine())

    assert rec.proposed == (("patrol", "near-patrol"),)
    assert [c.unit_id for c in rec.candidates] == ["near-patrol", "far-patrol"]
    assert {e.unit_id: e.reason for e in rec.excluded} == {"near-k9": "lacks patrol"}
    assert rec.shortfalls == ()


def test_lends_across_boundary_when_policy_allows() -> None:
    south = SharingPolicy(
        AgencyId("south"),
        rules=(SharingRule(jurisdictions=frozenset({JurisdictionId("n1")})),),
    )
    lent = a_unit("s-1", agency="south", jurisdiction="s1", location=east_of_scene(1))

    rec = recommend(
        an_incident_view(jurisdiction="n1"), PATROL, [lent], a_collective([south]), StraightLine()
    )

    assert rec.proposed == (("patrol", "s-1"),)
    (candidate,) = rec.candidates
    assert not candidate.own_agency
    assert "lent by South PD" in candidate.reasons
    # The same policy does not cover the east's jurisdiction.
    rec = recommend(
        an_incident_view(jurisdiction="e1"), PATROL, [lent], a_collective([south]), StraightLine()
    )
    assert rec.proposed == ()
    assert rec.excluded[0].reason == "agency South PD does not lend patrol to e1 for burglary P2"


def test_excludes_unit_when_agency_keeps_home_reserve() -> None:
    south = lend_anything("south", home_reserve=2)
    units = [
        a_unit(f"s-{i}", agency="south", jurisdiction="s1", location=east_of_scene(i))
        for i in (1, 2)
    ]

    rec = recommend(
        an_incident_view(jurisdiction="n1"), PATROL, units, a_collective([south]), StraightLine()
    )

    assert rec.candidates == ()
    assert rec.proposed == ()
    assert rec.shortfalls[0].capability == "patrol"
    assert rec.shortfalls[0].missing == 1
    assert {e.unit_id for e in rec.excluded} == {"s-1", "s-2"}
    assert all("keeps 2 units at home" in e.reason for e in rec.excluded)


def test_third_unit_at_home_may_be_lent_over_a_reserve_of_two() -> None:
    south = lend_anything("south", home_reserve=2)
    units = [
        a_unit(f"s-{i}", agency="south", jurisdiction="s1", location=east_of_scene(i))
        for i in (1, 2, 3)
    ]
    plan = (Requirement("patrol", count=2),)

    rec = recommend(
        an_incident_view(jurisdiction="n1"), plan, units, a_collective([south]), StraightLine()
    )

    assert rec.proposed == (("patrol", "s-1"),)
    assert rec.shortfalls[0].missing == 1


def test_unit_away_from_home_does_not_count_against_reserve() -> None:
    south = lend_anything("south", home_reserve=1)
    away = a_unit("s-away", agency="south", jurisdiction="n2", location=east_of_scene(1))

    rec = recommend(
        an_incident_view(jurisdiction="n1"), PATROL, [away], a_collective([south]), StraightLine()
    )

    assert rec.proposed == (("patrol", "s-away"),)


def test_agency_without_policy_lends_nothing() -> None:
    units = [a_unit("e-1", agency="east", jurisdiction="e1", location=east_of_scene(1))]

    rec = recommend(
        an_incident_view(jurisdiction="n1"), PATROL, units, a_collective(), StraightLine()
    )

    assert rec.candidates == ()
    assert rec.excluded[0].reason == "agency East PD does not lend patrol to n1 for burglary P2"


def test_own_agency_serves_regardless_of_its_reserve() -> None:
    north = lend_anything("north", home_reserve=3)
    units = [a_unit("n-1", agency="north", jurisdiction="n1")]

    rec = recommend(
        an_incident_view(jurisdiction="n1"), PATROL, units, a_collective([north]), StraightLine()
    )

    assert rec.proposed == (("patrol", "n-1"),)
    assert "own agency North PD" in rec.candidates[0].reasons


def test_multi_unit_plan_fills_each_capability() -> None:
    plan = (Requirement("swat", count=2), Requirement("negotiator"))
    units = [
        a_unit("swat-far", capabilities={"swat"}, location=east_of_scene(4)),
        a_unit("swat-near", capabilities={"swat"}, location=east_of_scene(1)),
        a_unit("swat-mid", capabilities={"swat"}, location=east_of_scene(2)),
        a_unit("talker", capabilities={"negotiator"}, location=east_of_scene(3)),
        a_unit("patrol", capabilities={"patrol"}, location=east_of_scene(0.1)),
    ]

    rec = recommend(an_incident_view(), plan, units, a_collective(), StraightLine())

    assert rec.proposed == (
        ("swat", "swat-near"),
        ("swat", "swat-mid"),
        ("negotiator", "talker"),
    )
    assert rec.shortfalls == ()
    assert {c.unit_id for c in rec.candidates if c.proposed} == {"swat-near", "swat-mid", "talker"}
    assert [e.reason for e in rec.excluded] == ["lacks negotiator or swat"]


def test_reports_shortfall_for_each_capability_short_of_units() -> None:
    plan = (Requirement("patrol", count=2), Requirement("k9"))
    rec = recommend(an_incident_view(), plan, [a_unit()], a_collective(), StraightLine())

    assert [(s.capability, s.missing) for s in rec.shortfalls] == [("patrol", 1), ("k9", 1)]


def test_ties_in_eta_go_to_own_agency_then_lighter_workload() -> None:
    south = lend_anything("south")
    spot = east_of_scene(2)
    units = [
        a_unit("lent", agency="south", jurisdiction="n1", location=spot, workload=0),
        a_unit("busy-own", location=spot, workload=3),
        a_unit("fresh-own", location=spot, workload=1),
    ]

    rec = recommend(an_incident_view(), PATROL, units, a_collective([south]), StraightLine())

    assert [c.unit_id for c in rec.candidates] == ["fresh-own", "busy-own", "lent"]


def test_unavailable_unit_is_excluded_with_its_incident() -> None:
    units = [a_unit("u1", status=UnitStatus.EN_ROUTE, incident="i-9"), a_unit("u2", location=None)]

    rec = recommend(an_incident_view(), PATROL, units, a_collective(), StraightLine())

    assert {e.unit_id: e.reason for e in rec.excluded} == {
        "u1": "not available: en_route on incident i-9",
        "u2": "position unknown",
    }


def test_unreachable_unit_is_excluded_with_reason() -> None:
    island = east_of_scene(3)
    units = [a_unit("stranded", location=island), a_unit("farther", location=east_of_scene(4))]

    rec = recommend(
        an_incident_view(), PATROL, units, a_collective(), NoRoadFrom(frozenset({island}))
    )

    assert rec.proposed == (("patrol", "farther"),)
    assert [(e.unit_id, e.reason) for e in rec.excluded] == [
        ("stranded", "no route by road from its position to the incident")
    ]
    assert rec.method == "by road"


def test_reasons_say_eta_method() -> None:
    rec = recommend(
        an_incident_view(),
        PATROL,
        [a_unit(location=east_of_scene(1), workload=2)],
        a_collective(),
        StraightLine(),
    )

    assert rec.method == "by straight line"
    assert rec.candidates[0].reasons == (
        "eta by straight line: 1 min 41 s",
        "own agency North PD",
        "has patrol",
        "workload 2",
    )


# ---------------------------------------------------------------------------------------------
# Rule codes: what a program reads beside the words


def codes(rec: Recommendation) -> dict[str, RuleCode]:
    return {e.unit_id: e.code for e in rec.excluded}


def test_unit_not_available_is_excluded_as_unit_unavailable() -> None:
    # Unavailability is checked first: the dog handler off duty is not reported as incapable.
    units = [
        a_unit("busy", status=UnitStatus.BUSY, incident="i-9"),
        a_unit("dog-off", capabilities={"k9"}, status=UnitStatus.OFF_DUTY),
    ]

    rec = recommend(an_incident_view(), PATROL, units, a_collective(), StraightLine())

    assert codes(rec) == {"busy": RuleCode.UNIT_UNAVAILABLE, "dog-off": RuleCode.UNIT_UNAVAILABLE}


def test_unit_without_a_needed_capability_is_excluded_as_not_capable() -> None:
    units = [a_unit("dog", capabilities={"k9"})]

    rec = recommend(an_incident_view(), PATROL, units, a_collective(), StraightLine())

    assert codes(rec) == {"dog": RuleCode.NOT_CAPABLE}


def test_unit_with_unknown_position_is_excluded_as_no_position() -> None:
    units = [a_unit("lost", location=None)]

    rec = recommend(an_incident_view(), PATROL, units, a_collective(), StraightLine())

    assert codes(rec) == {"lost": RuleCode.NO_POSITION}


def test_unit_its_agency_does_not_lend_is_excluded_as_policy_forbids() -> None:
    north_only = SharingPolicy(
        AgencyId("south"),
        rules=(SharingRule(jurisdictions=frozenset({JurisdictionId("n1")})),),
    )
    units = [
        a_unit("e-1", agency="east", jurisdiction="e1"),
        a_unit("s-1", agency="south", jurisdiction="s1"),
    ]

    rec = recommend(
        an_incident_view(jurisdiction="n2"),
        PATROL,
        units,
        a_collective([north_only]),
        StraightLine(),
    )

    # East has no policy at all; south's covers another jurisdiction.
    assert codes(rec) == {"e-1": RuleCode.POLICY_FORBIDS, "s-1": RuleCode.POLICY_FORBIDS}


def test_unit_held_by_its_agencys_home_reserve_is_excluded_as_reserve_kept() -> None:
    units = [a_unit("s-1", agency="south", jurisdiction="s1")]

    rec = recommend(
        an_incident_view(jurisdiction="n1"),
        PATROL,
        units,
        a_collective([lend_anything("south", home_reserve=1)]),
        StraightLine(),
    )

    assert codes(rec) == {"s-1": RuleCode.RESERVE_KEPT}


def test_unit_the_travel_model_cannot_route_is_excluded_as_unreachable() -> None:
    island = east_of_scene(3)
    units = [a_unit("stranded", location=island)]

    rec = recommend(
        an_incident_view(), PATROL, units, a_collective(), NoRoadFrom(frozenset({island}))
    )

    assert codes(rec) == {"stranded": RuleCode.NO_ROUTE}


# ---------------------------------------------------------------------------------------------
# Properties, against an independent reading of the rules


@dataclass(frozen=True)
class Case:
    incident: IncidentView
    plan: tuple[Requirement, ...]
    units: list[Unit]
    collective: Collective
    travel: TravelTimes

    @property
    def needed(self) -> frozenset[str]:
        return frozenset(r.capability for r in self.plan)

    @property
    def home_agency(self) -> AgencyId | None:
        if self.incident.jurisdiction_id is None:
            return None
        return self.collective.jurisdiction_agency.get(self.incident.jurisdiction_id)

    def unit(self, unit_id: str) -> Unit:
        return next(u for u in self.units if u.id == unit_id)

    def at_home(self, u: Unit) -> bool:
        if u.jurisdiction_id is None:
            return False
        return self.collective.jurisdiction_agency.get(u.jurisdiction_id) == u.agency_id

    def available_at_home(self, agency: AgencyId) -> int:
        return sum(
            1
            for u in self.units
            if u.agency_id == agency and u.status is UnitStatus.AVAILABLE and self.at_home(u)
        )

    def lender(self, u: Unit) -> bool:
        return u.agency_id != self.home_agency

    def may_fill(self, u: Unit) -> frozenset[str]:
        """The plan's capabilities the unit's agency lets it fill for this incident."""
        caps = u.capabilities & self.needed
        if not self.lender(u):
            return caps
        policy = self.collective.policies.get(u.agency_id)
        if policy is None:
            return frozenset()
        i = self.incident
        return policy.lends(i.jurisdiction_id, i.call_type, i.priority, caps)

    def reserve(self, agency: AgencyId) -> int:
        return self.collective.policies[agency].home_reserve

    def lendable_alone(self, u: Unit) -> bool:
        """Lending this unit alone leaves its agency's home reserve intact."""
        if not (self.lender(u) and self.at_home(u)):
            return True
        return self.available_at_home(u.agency_id) - 1 >= self.reserve(u.agency_id)

    def reachable(self, u: Unit) -> bool:
        assert u.location is not None
        return self.travel.to_destination([u.location], self.incident.location)[0] is not None

    def eligible(self, u: Unit) -> bool:
        return self.rule_against(u) is None

    def rule_against(self, u: Unit) -> RuleCode | None:
        """The first rule, in the order ``rules`` documents, that keeps the unit out."""
        if u.status is not UnitStatus.AVAILABLE:
            return RuleCode.UNIT_UNAVAILABLE
        if not u.capabilities & self.needed:
            return RuleCode.NOT_CAPABLE
        if u.location is None:
            return RuleCode.NO_POSITION
        if not self.may_fill(u):
            return RuleCode.POLICY_FORBIDS
        if not self.lendable_alone(u):
            return RuleCode.RESERVE_KEPT
        if not self.reachable(u):
            return RuleCode.NO_ROUTE
        return None

    def lent_from_home(self, unit_ids: Iterable[str]) -> Counter[AgencyId]:
        return Counter(
            u.agency_id for u in map(self.unit, unit_ids) if self.lender(u) and self.at_home(u)
        )

    def run(self) -> Recommendation:
        return recommend(self.incident, self.plan, self.units, self.collective, self.travel)


def travels() -> st.SearchStrategy[TravelTimes]:
    return st.one_of(
        st.just(StraightLine()),
        st.frozensets(st.sampled_from(GRID), min_size=1).map(NoRoadFrom),
    )


cases = st.builds(
    Case,
    incident_views(),
    response_plans(),
    fleets(min_size=3, max_size=16),
    collectives(),
    travels(),
)


@st.composite
def crowded_cases(draw: st.DrawFn) -> Case:
    """Every unit available and able, crowded on two spots, every agency lending.

    Many ETAs tie, and lenders often run into their home reserve.
    """
    spots = st.sampled_from(GRID[:2])
    fleet = [
        replace(u, status=UnitStatus.AVAILABLE, incident_id=None, location=draw(spots))
        for u in draw(fleets(min_size=2, max_size=10))
    ]
    lend_all = {a: lend_anything(a, home_reserve=draw(st.integers(0, 3))) for a in AGENCIES}
    return Case(
        draw(incident_views()),
        (Requirement("patrol", count=2),),
        [replace(u, capabilities=u.capabilities | {"patrol"}) for u in fleet],
        Collective(JURISDICTION_AGENCY, lend_all, AGENCY_NAMES),
        StraightLine(),
    )


any_case = cases | crowded_cases()


@given(any_case)
def test_never_recommends_unavailable_incapable_or_forbidden_unit(case: Case) -> None:
    rec = case.run()

    for c in rec.candidates:
        u = case.unit(c.unit_id)
        assert u.status is UnitStatus.AVAILABLE
        assert u.capabilities & case.needed
        assert c.fills == case.may_fill(u) != frozenset()
        assert c.own_agency == (u.agency_id == case.home_agency)
        assert c.agency_id == u.agency_id
        assert c.workload == u.workload


@given(any_case)
def test_every_eligible_unit_is_a_candidate(case: Case) -> None:
    rec = case.run()

    assert {c.unit_id for c in rec.candidates} == {u.id for u in case.units if case.eligible(u)}


@given(any_case)
def test_each_lent_candidate_alone_keeps_its_agencys_home_reserve(case: Case) -> None:
    rec = case.run()

    for c in rec.candidates:
        assert case.lendable_alone(case.unit(c.unit_id))


@given(any_case)
def test_proposed_response_keeps_every_lenders_home_reserve(case: Case) -> None:
    rec = case.run()

    lent = case.lent_from_home({uid for _, uid in rec.proposed})
    for agency, n in lent.items():
        assert case.available_at_home(agency) - n >= case.reserve(agency)


@given(any_case)
def test_candidates_ranked_by_eta_then_own_agency_then_workload(case: Case) -> None:
    rec = case.run()

    keys = [(c.eta_seconds, not c.own_agency, c.workload) for c in rec.candidates]
    assert keys == sorted(keys)


@given(any_case)
def test_every_unit_is_either_candidate_or_excluded_exactly_once(case: Case) -> None:
    rec = case.run()

    listed = [c.unit_id for c in rec.candidates] + [e.unit_id for e in rec.excluded]
    assert sorted(listed) == sorted(u.id for u in case.units)
    for e in rec.excluded:
        assert e.reason.strip()
        assert e.agency_id == case.unit(e.unit_id).agency_id


@given(any_case)
def test_every_exclusion_carries_the_code_of_the_first_rule_against_the_unit(case: Case) -> None:
    rec = case.run()

    for e in rec.excluded:
        assert isinstance(e.code, RuleCode)
        assert e.code == case.rule_against(case.unit(e.unit_id))


@given(any_case)
def test_proposed_units_fill_requirements_in_plan_order(case: Case) -> None:
    rec = case.run()

    proposed_ids = [uid for _, uid in rec.proposed]
    assert len(proposed_ids) == len(set(proposed_ids)), "a unit proposed twice"
    assert [cap for cap, _ in rec.proposed] == [
        r.capability for r in case.plan for _ in range(proposed_for(rec, r.capability))
    ]
    by_id = {c.unit_id: c for c in rec.candidates}
    for cap, uid in rec.proposed:
        assert uid in by_id, "proposed unit is not a candidate"
        assert cap in by_id[uid].fills
        assert cap in case.unit(uid).capabilities
    assert {c.unit_id for c in rec.candidates if c.proposed} == set(proposed_ids)


def proposed_for(rec: Recommendation, capability: str) -> int:
    return sum(1 for cap, _ in rec.proposed if cap == capability)


@given(any_case)
def test_shortfall_exactly_when_no_eligible_unit_is_left(case: Case) -> None:
    rec = case.run()

    short = {s.capability: s.missing for s in rec.shortfalls}
    assert len(short) == len(rec.shortfalls)
    proposed_ids = {uid for _, uid in rec.proposed}
    lent = case.lent_from_home(proposed_ids)
    for req in case.plan:
        got = proposed_for(rec, req.capability)
        assert 0 <= got <= req.count
        assert short.get(req.capability, 0) == req.count - got
        if got == req.count:
            continue
        # Short: every candidate left over that could fill it is held back by its reserve.
        for c in rec.candidates:
            if c.unit_id in proposed_ids or req.capability not in c.fills:
                continue
            u = case.unit(c.unit_id)
            assert case.lender(u)
            assert case.at_home(u)
            assert case.available_at_home(u.agency_id) - lent[u.agency_id] - 1 < case.reserve(
                u.agency_id
            )


def test_a_unit_with_a_rare_capability_is_saved_for_it() -> None:
    plan = (Requirement("patrol"), Requirement("k9"))
    units = [
        a_unit("dog-car", capabilities={"patrol", "k9"}, location=east_of_scene(1)),
        a_unit("car", capabilities={"patrol"}, location=east_of_scene(2)),
    ]

    rec = recommend(an_incident_view(), plan, units, a_collective(), StraightLine())

    assert rec.shortfalls == ()
    assert rec.proposed == (("patrol", "car"), ("k9", "dog-car"))


def test_plan_is_filled_whenever_some_choice_of_units_fills_it() -> None:
    plan = (Requirement("patrol"), Requirement("k9"), Requirement("swat"))
    units = [
        a_unit("patrol-k9", capabilities={"patrol", "k9"}, location=east_of_scene(1)),
        a_unit("k9-swat", capabilities={"k9", "swat"}, location=east_of_scene(2)),
        a_unit("patrol", capabilities={"patrol"}, location=east_of_scene(3)),
    ]

    rec = recommend(an_incident_view(), plan, units, a_collective(), StraightLine())

    assert rec.shortfalls == ()
    assert rec.proposed == (("patrol", "patrol"), ("k9", "patrol-k9"), ("swat", "k9-swat"))


def test_incident_outside_every_jurisdiction_is_served_only_by_lenders() -> None:
    anywhere = lend_anything("south")
    units = [
        a_unit("n-1", agency="north", jurisdiction="n1"),
        a_unit("s-1", agency="south", jurisdiction="s1"),
    ]
    collective = a_collective([anywhere])
    incident = an_incident_view(jurisdiction=None, call_type=CallTypeCode("pursuit"), priority=1)

    rec = recommend(incident, PATROL, units, collective, StraightLine())

    assert [c.unit_id for c in rec.candidates] == ["s-1"]
    assert rec.excluded[0].reason == (
        "agency North PD does not lend patrol outside the collective's jurisdictions for pursuit P1"
    )


def test_units_on_scene_take_their_lines_of_the_plan_first() -> None:
    plan = (Requirement("patrol", count=2), Requirement("k9"))
    units = [
        a_unit("car-1", capabilities={"patrol"}, location=east_of_scene(1)),
        a_unit("car-2", capabilities={"patrol"}, location=east_of_scene(2)),
        a_unit("dog", capabilities={"k9"}, location=east_of_scene(3)),
    ]

    rec = recommend(
        an_incident_view(),
        plan,
        units,
        a_collective(),
        StraightLine(),
        on_scene=[frozenset({"patrol", "k9"})],
    )

    assert rec.proposed == (("patrol", "car-1"), ("patrol", "car-2"))
    assert rec.shortfalls == ()

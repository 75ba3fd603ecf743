"""Hypothesis strategies for the domain: a small collective of agencies, their fleets and rules.

The world is deliberately small (four agencies, a handful of jurisdictions, a box a few
kilometres wide, a grid of shared points) so that generated cases collide often: equal ETAs,
units at home and away, agencies at their reserve, lenders with and without a policy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from bluepool.domain.analytics.kpis import Call, Stage
from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.incidents import PRIORITIES, Incident
from bluepool.domain.dispatch.recommend import Collective, IncidentView
from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.ledger.pricing import Usage
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, JurisdictionId, UnitId
from bluepool.domain.sharing.agreements import COLLECTIVE, Agreement, AgreementId, Clause, Rates
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule

CAPABILITIES = ("patrol", "k9", "swat", "negotiator", "air", "crime_scene")
#: Drawn more often than the rest, so that plans and fleets meet.
COMMON = ("patrol", "k9", "swat")
CALL_TYPES = tuple(CallTypeCode(c) for c in ("burglary", "assault", "pursuit", "hostage"))

#: Which agency answers for each jurisdiction. "state" answers for none: its units are never
#: "at home", so it never has a reserve to keep.
JURISDICTION_AGENCY: dict[JurisdictionId, AgencyId] = {
    JurisdictionId("n1"): AgencyId("north"),
    JurisdictionId("n2"): AgencyId("north"),
    JurisdictionId("s1"): AgencyId("south"),
    JurisdictionId("e1"): AgencyId("east"),
    JurisdictionId("e2"): AgencyId("east"),
}
AGENCIES = (AgencyId("north"), AgencyId("south"), AgencyId("east"), AgencyId("state"))
JURISDICTIONS = tuple(JURISDICTION_AGENCY)
AGENCY_NAMES = {a: a.title() + " PD" for a in AGENCIES}

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)

#: A coarse grid of shared points, so several units often have exactly the same ETA.
GRID = [Location(45.0 + i * 0.03, -75.0 + j * 0.03) for i in range(2) for j in range(2)]


def locations() -> st.SearchStrategy[Location]:
    """A point in a box about 11 km by 8 km, often one of a few shared grid points."""
    anywhere = st.builds(
        Location,
        lat=st.floats(45.0, 45.1, allow_nan=False),
        lon=st.floats(-75.0, -74.9, allow_nan=False),
    )
    return st.one_of(st.sampled_from(GRID), anywhere)


def capabilities() -> st.SearchStrategy[str]:
    return st.sampled_from(COMMON) | st.sampled_from(COMMON) | st.sampled_from(CAPABILITIES)


def capability_sets(min_size: int = 0) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(capabilities(), min_size=min_size, max_size=3)


def jurisdiction_ids() -> st.SearchStrategy[JurisdictionId | None]:
    """A jurisdiction of the collective, now and then none (outside all of them)."""
    return st.sampled_from((*JURISDICTIONS, None))


@st.composite
def units(draw: st.DrawFn, id: str = "u1") -> Unit:
    """A unit of any agency, anywhere in the box, in any status.

    A committed or busy unit may carry an incident id; an available unit never does.
    """
    agency = draw(st.sampled_from(AGENCIES))
    # Available is the interesting case for the recommender: draw it often.
    available = st.just(UnitStatus.AVAILABLE)
    status = draw(st.one_of(available, available, st.sampled_from(list(UnitStatus))))
    on_incident = status in {
        UnitStatus.DISPATCHED,
        UnitStatus.EN_ROUTE,
        UnitStatus.ON_SCENE,
    } or (status is UnitStatus.BUSY and draw(st.booleans()))
    # Most units are positioned inside their own agency's jurisdictions, as in real life.
    own = [j for j, a in JURISDICTION_AGENCY.items() if a == agency]
    at_home: bool = draw(st.booleans())
    jurisdiction = draw(st.sampled_from(own)) if own and at_home else draw(jurisdiction_ids())
    return Unit(
        id=UnitId(id),
        agency_id=agency,
        kind="car",
        capabilities=draw(capability_sets(min_size=1)),
        status=status,
        location=None if draw(st.integers(0, 9)) == 0 else draw(locations()),
        jurisdiction_id=jurisdiction,
        incident_id=IncidentId("i-other") if on_incident else None,
        workload=draw(st.integers(0, 4)),
    )


def fleets(min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[list[Unit]]:
    """Units with distinct ids (u0, u1, ...)."""
    return st.lists(units(), min_size=min_size, max_size=max_size).map(
        lambda us: [replace(u, id=UnitId(f"u{i}")) for i, u in enumerate(us)]
    )


def _any_or(
    strategy: st.SearchStrategy[frozenset[str]],
) -> st.SearchStrategy[frozenset[str] | None]:
    """``None`` (any) three times in four: most real rules leave most fields open."""
    return st.one_of(st.none(), st.none(), st.none(), strategy)


def sharing_rules() -> st.SearchStrategy[SharingRule]:
    return st.builds(
        SharingRule,
        jurisdictions=_any_or(
            st.frozensets(st.sampled_from(JURISDICTIONS), min_size=1, max_size=3)
        ),
        call_types=_any_or(st.frozensets(st.sampled_from(CALL_TYPES), min_size=1, max_size=2)),
        capabilities=_any_or(capability_sets(min_size=1)),
        max_priority=st.sampled_from((5, 4, 3, 2, 1)),
    )


def sharing_policies(agency_id: AgencyId) -> st.SearchStrategy[SharingPolicy]:
    return st.builds(
        SharingPolicy,
        agency_id=st.just(agency_id),
        home_reserve=st.integers(0, 3),
        rules=st.one_of(
            *[st.lists(sharing_rules(), min_size=1, max_size=3).map(tuple)] * 3, st.just(())
        ),
    )


@st.composite
def collectives(draw: st.DrawFn) -> Collective:
    """The four agencies; some have a sharing policy, some (who then lend nothing) do not."""
    policies = {a: draw(sharing_policies(a)) for a in AGENCIES if draw(st.integers(0, 3))}
    return Collective(JURISDICTION_AGENCY, policies, AGENCY_NAMES)


def response_plans() -> st.SearchStrategy[tuple[Requirement, ...]]:
    """One to three distinct capabilities, one or two units of each."""
    return st.lists(
        st.builds(Requirement, capabilities(), st.integers(1, 2)),
        min_size=1,
        max_size=3,
        unique_by=lambda r: r.capability,
    ).map(tuple)


def incident_views(id: str = "i1") -> st.SearchStrategy[IncidentView]:
    return st.builds(
        IncidentView,
        id=st.just(IncidentId(id)),
        call_type=st.sampled_from(CALL_TYPES),
        priority=st.sampled_from(PRIORITIES),
        location=locations(),
        jurisdiction_id=jurisdiction_ids(),
    )


def incidents(id: str = "i1") -> st.SearchStrategy[Incident]:
    """A freshly received incident."""
    return st.builds(
        Incident.receive,
        id=st.just(IncidentId(id)),
        call_type=st.sampled_from(CALL_TYPES),
        priority=st.sampled_from(PRIORITIES),
        location=locations(),
        jurisdiction_id=jurisdiction_ids(),
        at=st.integers(0, 86_400).map(lambda s: T0 + timedelta(seconds=s)),
        actor=st.just("dispatcher"),
    )


# -- agreements --------------------------------------------------------------------------

#: The first day an agreement drawn here may start.
START = datetime(2027, 1, 1, tzinfo=UTC)


def moments() -> st.SearchStrategy[datetime]:
    return st.integers(0, 40).map(lambda d: START + timedelta(days=d))


@st.composite
def agreements(draw: st.DrawFn, n: int = 0) -> Agreement:
    """An agreement at any point of its lifecycle: a draft, a proposal signed by none or one
    party, signed, or terminated from any of those."""
    lender = draw(st.sampled_from(AGENCIES))
    other = draw(st.sampled_from([a for a in (*AGENCIES, COLLECTIVE) if a != lender]))
    clauses = tuple(
        Clause(
            lender,
            capabilities=draw(st.none() | capability_sets(min_size=1)),
            call_types=draw(st.none() | st.frozensets(st.sampled_from(CALL_TYPES), min_size=1)),
            max_priority=draw(st.integers(1, 5)),
            home_reserve=draw(st.integers(0, 2)),
        )
        for _ in range(draw(st.integers(1, 2)))
    )
    start = draw(moments())
    until = draw(st.none() | st.integers(1, 30).map(lambda d: start + timedelta(days=d)))
    a = Agreement(
        AgreementId(f"A-{n}-{draw(st.integers(0, 999))}"),
        "drawn",
        (lender, other),
        clauses,
        start,
        until,
    )
    steps = draw(st.integers(0, 4))  # 0 draft, 1 proposed, 2 one signature, 3+ signed
    if steps >= 1:
        a = a.propose()
    for party in a.parties[: min(steps - 1, 2)] if steps >= 2 else ():
        a = a.sign(party, "someone", START)
    if draw(st.booleans()):
        a = a.terminate(draw(moments()), "drawn")
    return a


@st.composite
def kpi_calls(draw: st.DrawFn, n: int = 0) -> Call:
    """A call as the KPIs see it: any stage may be missing and any may come before the
    one it should follow (clocks that disagree), times to the microsecond, received on
    any hour of a fortnight; few values of each dimension, so groups have several calls."""
    received = START + timedelta(seconds=draw(st.integers(0, 14 * 86400)))
    stages = {Stage.RECEIVED: received}
    for stage in list(Stage)[1:]:
        offset = draw(st.none() | st.integers(-600_000_000, 7_200_000_000))
        if offset is not None:
            stages[stage] = received + timedelta(microseconds=offset)
    agencies = st.none() | st.sampled_from(["east", "west", ""])
    return Call(
        f"c{n}",
        draw(st.none() | st.integers(1, 3)),
        draw(st.sampled_from(["burglary", "theft", ""])),
        draw(st.none() | st.sampled_from(["east-town", "west-town"])),
        draw(agencies),
        draw(st.sampled_from(["patrol", "k9", ""])),
        draw(st.booleans()),
        stages,
        draw(agencies),
    )


#: The months ledger usages fall in.
LEDGER_START = datetime(2025, 1, 1, tzinfo=UTC)


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    """A lent unit's use: one of a few source keys (so that some repeat), in the first
    four months of 2025, from nothing to ten hours, between two of three agencies."""
    lender, borrower = draw(st.permutations(AGENCIES))[:2]
    started = LEDGER_START + timedelta(minutes=draw(st.integers(0, 4 * 30 * 24 * 60)))
    n = draw(st.integers(1, 12))
    return Usage(
        f"assignment:I-{n}:1",
        IncidentId(f"I-{n}"),
        f"{lender}-p1",
        draw(st.sampled_from(["patrol", "k9"])),
        lender,
        borrower,
        AgreementId("DRAWN"),
        1,
        started,
        started + timedelta(seconds=draw(st.integers(0, 10 * 3600))),
    )


def rate_cards() -> st.SearchStrategy[Rates]:
    return st.builds(
        Rates,
        st.fixed_dictionaries({"patrol": st.integers(0, 20_000), "*": st.integers(0, 20_000)}),
        minimum=st.integers(0, 5_000),
    )

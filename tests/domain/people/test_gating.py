"""Certifications gate dispatch: a unit offers a capability that needs certifications only
while its crew holds valid ones.

Stories first; then the rule as a property over random fleets, crews, grants and moments,
checked against an independent reading of the grants: no unit whose crew lacks a valid
certification a needed capability asks for is ever a candidate or proposed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.dispatch.recommend import Collective, IncidentView, recommend
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.travel import StraightLine
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.people.certifications import Grant, expiry, standing
from bluepool.domain.people.crews import CrewAssignment, check_free
from bluepool.domain.people.gating import CertificationRules, lapsed, withheld
from bluepool.domain.people.personnel import Person, PersonId
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import AgencyId, UnitId, Username
from tests.domain.builders_local import a_collective, a_unit, an_incident_view
from tests.strategies import T0, collectives, fleets, incident_views, response_plans

RULES = CertificationRules.of(
    {
        "k9": [{"certification": "k9_handler", "role": "handler"}],
        "swat": [{"certification": "tactical"}],
        "negotiator": [{"certification": "negotiator"}],
    }
)
K9 = (Requirement("k9"),)
DOG = UnitId("dog-1")


def a_grant(
    person: str = "p1",
    kind: str = "k9_handler",
    issued: date = date(2024, 1, 1),
    expires: date | None = date(2025, 1, 1),
    id: str = "g1",
) -> Grant:
    return Grant.issue(id, PersonId(person), kind, issued, Username("trainer"), expires_on=expires)


def on(
    unit: str = "dog-1",
    person: str = "p1",
    role: str = "handler",
    start: datetime = T0 - timedelta(hours=1),
    hours: int = 8,
    id: str = "c1",
) -> CrewAssignment:
    return CrewAssignment.of(
        id, UnitId(unit), PersonId(person), role, start, start + timedelta(hours=hours)
    )


def test_a_handler_with_a_valid_certification_staffs_the_dog_team() -> None:
    assert lapsed(RULES, DOG, frozenset({"k9"}), [on()], [a_grant()], T0) == {}


def test_an_expired_handler_certification_says_when_it_expired() -> None:
    grant = a_grant(expires=date(2024, 5, 1))  # T0 is 2024-05-01 08:00: expired that day
    found = lapsed(RULES, DOG, frozenset({"k9", "patrol"}), [on()], [grant], T0)
    assert found == {"k9": "handler's K-9 certification expired 2024-05-01"}


def test_a_required_certification_needs_a_crew() -> None:
    found = lapsed(RULES, DOG, frozenset({"k9"}), [], [a_grant()], T0)
    assert found == {"k9": "no crew on dog-1 at 08:00"}


def test_a_role_rule_needs_someone_in_that_role() -> None:
    found = lapsed(RULES, DOG, frozenset({"k9"}), [on(role="driver")], [a_grant()], T0)
    assert found == {"k9": "no handler in the crew"}


def test_every_member_needs_the_tactical_qualification() -> None:
    crew = [on("swat-1", "p1", "member"), on("swat-1", "p2", "member", id="c2")]
    grants = [a_grant("p1", "tactical"), a_grant("p2", "negotiator", id="g2")]
    found = lapsed(RULES, UnitId("swat-1"), frozenset({"swat"}), crew, grants, T0)
    assert found == {"swat": "member p2: tactical certification missing"}


def test_capabilities_no_rule_names_need_no_crew() -> None:
    assert withheld(RULES, [(UnitId("car-1"), frozenset({"patrol"}))], [], [], T0) == {}


def test_the_recommender_excludes_the_dog_team_with_the_reason() -> None:
    dog = a_unit("dog-1", kind="k9", capabilities=("k9",))
    gate = withheld(
        RULES, [(dog.id, dog.capabilities)], [on()], [a_grant(expires=date(2024, 4, 2))], T0
    )
    rec = recommend(
        an_incident_view(), K9, [dog], replace(a_collective(), withheld=gate), StraightLine()
    )
    assert rec.candidates == ()
    (ex,) = rec.excluded
    assert ex.code is RuleCode.CERTIFICATION_LAPSED
    assert ex.reason == "handler's K-9 certification expired 2024-04-02"


def test_a_unit_keeps_the_capabilities_its_crew_can_staff() -> None:
    dog = a_unit("dog-1", kind="k9", capabilities=("k9", "patrol"))
    gate = withheld(RULES, [(dog.id, dog.capabilities)], [], [], T0)
    plan = (Requirement("k9"), Requirement("patrol"))
    rec = recommend(
        an_incident_view(), plan, [dog], replace(a_collective(), withheld=gate), StraightLine()
    )
    (c,) = rec.candidates
    assert c.fills == frozenset({"patrol"})
    assert c.reasons[-1] == "not for k9: no crew on dog-1 at 08:00"
    assert rec.proposed == (("patrol", dog.id),)


def test_a_renewal_supersedes_the_old_grant_and_keeps_it() -> None:
    old = a_grant(expires=date(2024, 5, 1))
    new = a_grant(issued=date(2024, 4, 20), expires=date(2025, 4, 20), id="g2")
    kept = old.renewed_by(new)
    assert kept.superseded_by == new.id
    assert kept.expires_on == old.expires_on
    assert standing([kept, new], PersonId("p1"), "k9_handler", T0) is None
    with pytest.raises(Conflict):
        kept.renewed_by(new)


def test_an_expiry_rule_is_never_a_duration_or_a_date() -> None:
    day = date(2024, 1, 1)
    assert expiry(day) is None
    assert expiry(day, valid_days=365) == date(2024, 12, 31)
    assert expiry(day, expires_on=date(2026, 1, 1)) == date(2026, 1, 1)
    with pytest.raises(Invalid, match="on or before"):
        expiry(day, expires_on=date(2023, 12, 31))
    with pytest.raises(Invalid):
        expiry(day, valid_days=0)
    with pytest.raises(Invalid):
        expiry(day, valid_days=30, expires_on=date(2026, 1, 1))


def test_a_person_is_on_one_unit_at_a_time() -> None:
    first = on("dog-1")
    with pytest.raises(Conflict, match="is on unit dog-1"):
        check_free(on("car-2", id="c2", start=T0), [first])
    check_free(on("car-2", id="c2", start=first.ends_at), [first])


def test_a_shift_must_end_after_it_starts() -> None:
    with pytest.raises(Invalid, match="end after"):
        on(hours=0)


def test_a_person_needs_a_name() -> None:
    with pytest.raises(Invalid):
        Person.of("p1", AgencyId("north"), "   ")


def test_bad_rules_are_refused() -> None:
    with pytest.raises(Invalid):
        CertificationRules.of({"k9": "k9_handler"})
    assert CertificationRules.of(RULES.value()) == RULES


# -- the property ------------------------------------------------------------------------

PEOPLE = [PersonId(f"p{i}") for i in range(5)]
KINDS = ("k9_handler", "tactical", "negotiator")
ROLES = ("handler", "member")


@st.composite
def grants(draw: st.DrawFn) -> list[Grant]:
    out = []
    for i in range(draw(st.integers(0, 8))):
        issued = T0.date() + timedelta(days=draw(st.integers(-800, 30)))
        days = draw(st.one_of(st.none(), st.integers(1, 900)))
        out.append(
            Grant.issue(
                f"g{i}",
                draw(st.sampled_from(PEOPLE)),
                draw(st.sampled_from(KINDS)),
                issued,
                Username("trainer"),
                valid_days=days,
            )
        )
    return out


@st.composite
def crews(draw: st.DrawFn, n_units: int) -> list[CrewAssignment]:
    out = []
    for i in range(draw(st.integers(0, 10))):
        start = T0 + timedelta(hours=draw(st.integers(-30, 10)))
        out.append(
            CrewAssignment.of(
                f"c{i}",
                UnitId(f"u{draw(st.integers(0, max(n_units - 1, 0)))}"),
                draw(st.sampled_from(PEOPLE)),
                draw(st.sampled_from(ROLES)),
                start,
                start + timedelta(hours=draw(st.integers(1, 24))),
            )
        )
    return out


def staffs(capability: str, crew: list[CrewAssignment], held: list[Grant], at: datetime) -> bool:
    """The rule read independently: is every need of ``capability`` met by a valid grant?"""
    day = at.date()

    def valid(person: PersonId, kind: str) -> bool:
        return any(
            g.person_id == person
            and g.kind == kind
            and g.issued_on <= day
            and (g.expires_on is None or day < g.expires_on)
            for g in held
        )

    if capability == "k9":
        return any(a.role == "handler" and valid(a.person_id, "k9_handler") for a in crew)
    if capability in ("swat", "negotiator"):
        kind = "tactical" if capability == "swat" else "negotiator"
        return bool(crew) and all(valid(a.person_id, kind) for a in crew)
    return True


@given(
    st.data(),
    fleets(max_size=8),
    response_plans(),
    collectives(),
    incident_views(),
    st.integers(-48, 48),
)
def test_no_unit_with_a_lapsed_requirement_is_ever_a_candidate(
    data: st.DataObject,
    fleet: list[Unit],
    plan: tuple[Requirement, ...],
    collective: Collective,
    incident: IncidentView,
    hours: int,
) -> None:
    at = T0 + timedelta(hours=hours)
    crew = data.draw(crews(len(fleet)))
    held = data.draw(grants())
    gate = withheld(RULES, [(u.id, u.capabilities) for u in fleet], crew, held, at)
    rec = recommend(incident, plan, fleet, replace(collective, withheld=gate), StraightLine())
    by_id = {u.id: u for u in fleet}
    for c in rec.candidates:
        on_it = [a for a in crew if a.unit_id == c.unit_id and a.holds(at)]
        for capability in c.fills:
            assert staffs(capability, on_it, held, at), (c.unit_id, capability)
    for capability, unit_id in rec.proposed:
        on_it = [a for a in crew if a.unit_id == unit_id and a.holds(at)]
        assert staffs(capability, on_it, held, at)
    # And nothing else changes: a unit the gate leaves alone is judged as without it.
    plain = recommend(incident, plan, fleet, collective, StraightLine())
    lapsed_ids = {e.unit_id for e in rec.excluded if e.code is RuleCode.CERTIFICATION_LAPSED}
    for e in rec.excluded:
        if e.code is RuleCode.CERTIFICATION_LAPSED:
            assert e.unit_id in gate
            assert by_id[e.unit_id].capabilities & set(gate[e.unit_id])
    assert {c.unit_id for c in rec.candidates} <= {c.unit_id for c in plain.candidates}
    assert {c.unit_id for c in plain.candidates} - {c.unit_id for c in rec.candidates} <= (
        lapsed_ids | set(gate)
    )

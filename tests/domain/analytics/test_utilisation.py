"""The board's questions over a small known history: hours clipped to the period, the
share of each agency's kind, the idle specialised units, duplicates within a drive and the
saving of pooling them, and unit-hours lent and borrowed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bluepool.domain.analytics import utilisation as u
from bluepool.domain.analytics.utilisation import BoardRules, Period
from bluepool.domain.dispatch.incidents import Assignment, Incident
from bluepool.domain.dispatch.units import Unit
from bluepool.domain.resources.resources import ResourceId
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import AgencyId, JurisdictionId, UnitId
from bluepool.domain.sharing.agreements import AgreementId
from tests.builders import a_loan, a_unit, an_incident, at

DAY = Period(at(0), at(24 * 60))
WEST, EAST = AgencyId("west"), AgencyId("east")


def k9(name: str, agency: AgencyId) -> Unit:
    return a_unit(id=UnitId(name), agency_id=agency, kind="k9", capabilities=frozenset({"k9"}))


def incident(*assignments: Assignment, **fields: object) -> Incident:
    made = an_incident(**fields)
    made.assignments.extend(assignments)
    return made


def worked(unit: str, start: float, end: float | None, agreement: str = "") -> Assignment:
    return Assignment(
        UnitId(unit), at(start), cleared_at=None if end is None else at(end), agreement=agreement
    )


def test_hours_are_clipped_to_the_period_and_an_open_assignment_runs_to_its_end() -> None:
    before = incident(worked("w1", -60, 60), received_at=at(-120))
    running = incident(worked("w2", 23 * 60, None), received_at=at(23 * 60))
    busy = u.busy_hours(u.committed([before, running], DAY.end + timedelta(hours=5)), DAY)
    assert busy == {UnitId("w1"): 1.0, UnitId("w2"): 1.0}


def test_utilisation_by_agency_and_kind() -> None:
    units = [
        a_unit(id=UnitId("w1"), agency_id=WEST, kind="patrol"),
        a_unit(id=UnitId("w2"), agency_id=WEST, kind="patrol"),
        k9("wk9", WEST),
    ]
    busy = {UnitId("w1"): 12.0, UnitId("wk9"): 6.0}
    rows = u.utilisation(units, busy, DAY)
    assert [(r.agency_id, r.kind, r.units, r.busy_hours) for r in rows] == [
        (WEST, "k9", 1, 6.0),
        (WEST, "patrol", 2, 12.0),
    ]
    assert [r.share for r in rows] == [0.25, 0.25]


def test_idle_specialised_units_leave_out_patrol_cars() -> None:
    units = [a_unit(id=UnitId("w1"), agency_id=WEST, kind="patrol"), k9("wk9", WEST)]
    idle = u.idle_specialised(units, {UnitId("wk9"): 0.5}, DAY, below=0.05)
    assert [(i.unit_id, i.busy_hours) for i in idle] == [(UnitId("wk9"), 0.5)]
    assert u.idle_specialised(units, {UnitId("wk9"): 2.0}, DAY, below=0.05) == []


HOMES = {
    UnitId("wk9"): Location(47.10, 9.50),
    UnitId("ek9"): Location(47.10, 9.52),
    UnitId("fark9"): Location(47.40, 9.90),
}


def minutes(a: Location, b: Location) -> float:
    """A drive of 10 minutes per 0.01 degree of longitude, plus latitude alike."""
    return (abs(a.lon - b.lon) + abs(a.lat - b.lat)) * 1000


def test_duplicated_idle_units_of_two_agencies_within_the_drive_save_one_unit() -> None:
    idle = [
        u.IdleUnit(UnitId("wk9"), WEST, "k9", 0.5, 0.5 / 24),
        u.IdleUnit(UnitId("ek9"), EAST, "k9", 0.25, 0.25 / 24),
        u.IdleUnit(UnitId("fark9"), EAST, "k9", 0.0, 0.0),
    ]
    (group,) = u.duplication(idle, HOMES, minutes, 30, DAY, 0.3, {"k9": 9_000_000})
    assert group.units == (UnitId("ek9"), UnitId("wk9"))
    assert group.agencies == (EAST, WEST)
    assert group.spread_minutes == pytest.approx(20)
    assert (group.needed, group.saving) == (1, 9_000_000)


def test_no_duplication_within_one_agency_or_beyond_the_drive() -> None:
    idle = [
        u.IdleUnit(UnitId("wk9"), WEST, "k9", 0.5, 0.02),
        u.IdleUnit(UnitId("fark9"), EAST, "k9", 0.0, 0.0),
    ]
    assert u.duplication(idle, HOMES, minutes, 30, DAY, 0.3, {}) == []
    same = [
        u.IdleUnit(UnitId("wk9"), WEST, "k9", 0.5, 0.02),
        u.IdleUnit(UnitId("ek9"), WEST, "k9", 0.5, 0.02),
    ]
    assert u.duplication(same, HOMES, minutes, 30, DAY, 0.3, {}) == []


def test_a_busy_pooled_group_needs_more_than_one_unit() -> None:
    idle = [
        u.IdleUnit(UnitId("wk9"), WEST, "k9", 5.0, 0.2),
        u.IdleUnit(UnitId("ek9"), EAST, "k9", 5.0, 0.2),
    ]
    (group,) = u.duplication(idle, HOMES, minutes, 30, DAY, 0.3, {"k9": 100})
    assert (group.needed, group.saving) == (2, 0)  # 10 h over 7.2 h a unit at 30 %


def test_lent_and_borrowed_hours_count_only_units_sent_under_an_agreement() -> None:
    owners = {JurisdictionId("east-town"): EAST, JurisdictionId("west-town"): WEST}
    in_east = incident(
        worked("w1", 0, 90, "WEST-collective"),
        worked("e1", 0, 30),
        jurisdiction_id=JurisdictionId("east-town"),
    )
    own = incident(worked("w1", 100, 160), jurisdiction_id=JurisdictionId("west-town"))
    spans = u.committed([in_east, own], DAY.end)
    rows = u.lent_and_borrowed(spans, {UnitId("w1"): WEST, UnitId("e1"): EAST}, owners, DAY)
    assert [(r.month, r.agency_id, r.lent_hours, r.borrowed_hours) for r in rows] == [
        ("2025-03", EAST, 0.0, 1.5),
        ("2025-03", WEST, 1.5, 0.0),
    ]


def test_board_rules_from_a_setting_and_bad_ones_refused() -> None:
    rules = BoardRules.of({"within_minutes": 20, "yearly_cost": {"k9": 12_000_000}})
    assert (rules.within_minutes, rules.idle_below, dict(rules.yearly_cost)) == (
        20.0,
        0.05,
        {"k9": 12_000_000},
    )
    for bad in (
        {"idle_below": 0},
        {"within_minutes": "soon"},
        {"yearly_cost": {"k9": 12.5}},
        {"yearly_cost": {"k9": -1}},
        {"yearly_cost": ["k9"]},
        {"colour": "blue"},
    ):
        with pytest.raises(Invalid):
            BoardRules.of(bad)


def test_a_period_must_end_after_it_starts() -> None:
    with pytest.raises(Invalid):
        Period(at(10), at(10))


def test_equipment_is_busy_while_out_on_loan_and_lent_under_its_agreement() -> None:
    drone = u.Equipment("drone-1", WEST, "drone")
    loan = a_loan(
        resource=ResourceId("drone-1"),
        lender=WEST,
        borrower=EAST,
        out_at=at(60),
        due_at=at(600),
        agreement=AgreementId("W-E"),
        clause=1,
    )
    back = dataclasses.replace(loan, returned_at=at(240))
    spans = u.loan_spans([back], DAY.end)
    busy = u.busy_hours(spans, DAY)
    assert busy == {"drone-1": 3.0}
    (row,) = u.utilisation([drone], busy, DAY)
    assert (row.agency_id, row.kind, row.units, row.share) == (WEST, "drone", 1, 0.125)
    rows = u.lent_and_borrowed(spans, {}, {}, DAY)
    assert [(r.agency_id, r.lent_hours, r.borrowed_hours) for r in rows] == [
        (EAST, 0.0, 3.0),
        (WEST, 3.0, 0.0),
    ]
    still_out = u.loan_spans([loan], at(120))
    assert u.busy_hours(still_out, DAY) == {"drone-1": 1.0}

"""Calls as they develop and close: edits, notes, dispositions, report numbers, the early
clear, the last unit's clear, premise notes and personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bluepool.domain.dispatch.closing import (
    ClosingRules,
    Disposition,
    check_report_number,
    clears_early,
)
from bluepool.domain.dispatch.incidents import IncidentChange, IncidentStatus
from bluepool.domain.dispatch.premises import NoteKind, PremiseNote, covering
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared import personal
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import CallTypeCode, JurisdictionId
from tests.domain.builders_local import SCENE, a_unit, an_incident, at, east_of_scene

S = UnitStatus


def test_an_edit_names_each_changed_field_and_keeps_personal_values_off_the_timeline() -> None:
    incident = an_incident(priority=3)
    change = IncidentChange(
        priority=1,
        location=east_of_scene(1),
        jurisdiction_id=JurisdictionId("n2"),
        caller_name="  Anna   Muster ",
        caller_phone="+423 555 01 02",
    )
    fields = incident.edit(at(1), "dana", change)
    assert fields == ("priority", "location", "caller_name", "caller_phone")
    assert (incident.priority, incident.jurisdiction_id) == (1, "n2")
    assert incident.caller_name == "Anna Muster"
    details = [e.detail for e in incident.timeline if e.kind == "edited"]
    assert details[0] == "priority P3 → P1"
    assert details[2:] == ["caller's name given", "callback number given"]
    assert not any("Anna" in d or "555" in d for d in details)


def test_an_edit_that_changes_nothing_adds_nothing() -> None:
    incident = an_incident(priority=2)
    assert incident.edit(at(1), "dana", IncidentChange(priority=2)) == ()
    assert len(incident.timeline) == 1


def test_a_closed_call_is_not_edited() -> None:
    incident = an_incident()
    incident.close(at(1), "dana", {}, "no_report")
    with pytest.raises(Conflict):
        incident.edit(at(2), "dana", IncidentChange(priority=1))


@pytest.mark.parametrize("number", ["call me", "12", "+423 555 01 02 ext 4x!", "x" * 50])
def test_a_callback_number_that_is_none_is_refused_without_echoing_it(number: str) -> None:
    with pytest.raises(Invalid) as e:
        IncidentChange(caller_phone=number)
    assert e.value.code == "bad_callback_number"
    assert number not in e.value.detail


def test_a_note_is_a_timeline_entry_with_its_author() -> None:
    incident = an_incident()
    note = incident.add_note(at(1), "olivia", "  door forced ")
    assert (note.kind, note.actor, note.detail) == ("note", "olivia", "door forced")
    assert incident.timeline[-1] is note
    with pytest.raises(Invalid):
        incident.add_note(at(2), "olivia", "   ")


def test_close_keeps_the_disposition_and_report_number() -> None:
    incident, unit = an_incident(), a_unit("u1")
    incident.assign(unit, at(1), "dana")
    incident.close(at(2), "dana", {unit.id: unit}, "report_taken", "2026-0042")
    assert (incident.disposition, incident.report_number) == ("report_taken", "2026-0042")
    assert incident.timeline[-1].detail == "closed by dispatch: report_taken, report 2026-0042"
    assert unit.status is S.AVAILABLE


def test_dispositions_can_be_limited_to_call_types() -> None:
    rules = ClosingRules(
        (
            Disposition("report_taken", "Report taken"),
            Disposition("citation", "Citation", frozenset({CallTypeCode("traffic")})),
        )
    )
    assert [d.code for d in rules.for_call_type(CallTypeCode("burglary"))] == ["report_taken"]
    assert rules.disposition("citation", CallTypeCode("traffic")).name == "Citation"
    with pytest.raises(Invalid) as e:
        rules.disposition("citation", CallTypeCode("burglary"))
    assert e.value.code == "bad_disposition"
    assert "report_taken" in e.value.detail
    with pytest.raises(Invalid, match="a disposition is required"):
        rules.disposition("", CallTypeCode("burglary"))


def test_closing_rules_need_distinct_dispositions() -> None:
    with pytest.raises(Invalid):
        ClosingRules(())
    with pytest.raises(Invalid):
        ClosingRules((Disposition("a", "A"), Disposition("a", "B")))


@pytest.mark.parametrize("number", ["2026-0042", "VD/26/118", "A1", ""])
def test_good_report_numbers(number: str) -> None:
    assert check_report_number(f" {number} ") == number


@pytest.mark.parametrize("number", ["#12", "-12", "12 34", "x" * 33])
def test_bad_report_numbers(number: str) -> None:
    with pytest.raises(Invalid):
        check_report_number(number)


def test_a_clear_before_arrival_is_early_and_after_arrival_is_not() -> None:
    incident, unit = an_incident(), a_unit("u1")
    incident.assign(unit, at(1), "dana")
    assert clears_early(unit, S.AVAILABLE, at(2))
    assert not clears_early(unit, S.AVAILABLE, at(0))  # older than the dispatch: ignored
    assert not clears_early(unit, S.EN_ROUTE, at(2))
    unit.change_status(S.ON_SCENE, at(2))
    assert not clears_early(unit, S.AVAILABLE, at(3))
    assert not clears_early(a_unit("free"), S.AVAILABLE, at(3))


def test_the_last_recalled_unit_requeues_the_call() -> None:
    incident, unit = an_incident(priority=1), a_unit("u1")
    incident.assign(unit, at(1), "dana")
    unit.change_status(S.AVAILABLE, at(2))
    assert incident.unit_moved(unit, at(2), "olivia") is True
    assert incident.status is IncidentStatus.RECEIVED


def test_the_last_clear_waits_for_dispatch_when_the_collective_says_so() -> None:
    incident, unit = an_incident(), a_unit("u1")
    incident.assign(unit, at(1), "dana")
    unit.change_status(S.ON_SCENE, at(2))
    incident.unit_moved(unit, at(2), "olivia")
    unit.change_status(S.AVAILABLE, at(3))
    assert incident.unit_moved(unit, at(3), "olivia", last_clear_closes=False) is False
    assert incident.is_open
    assert incident.timeline[-1].kind == "awaiting_close"
    incident.close(at(4), "dana", {}, "no_report")
    assert incident.status is IncidentStatus.CLOSED


def _note(kind: NoteKind, radius: int = 50, **kw: object) -> PremiseNote:
    return PremiseNote(
        "n",
        kind,
        "dog on premises",
        SCENE,
        radius,
        "dana",
        at(0),
        **kw,  # type: ignore[arg-type]
    )


def test_a_note_covers_its_circle_and_its_address_until_it_expires() -> None:
    note = _note(NoteKind.HAZARD, 100, address="Städtle 38, Vaduz", expires_at=at(60))
    assert note.covers(SCENE)
    assert not note.covers(east_of_scene(0.5))
    assert note.covers(east_of_scene(0.5), "städtle 38,  VADUZ")
    assert note.live(at(59))
    assert not note.live(at(60))


def test_covering_puts_hazards_first_and_leaves_out_the_expired() -> None:
    premise = _note(NoteKind.PREMISE)
    hazard = _note(NoteKind.HAZARD)
    old = _note(NoteKind.HAZARD, expires_at=at(1))
    found = covering([premise, old, hazard], SCENE, "", at(0) + timedelta(hours=1))
    assert found == [hazard, premise]


@pytest.mark.parametrize("radius", [0, 2001])
def test_a_note_needs_a_sensible_radius(radius: int) -> None:
    with pytest.raises(Invalid):
        _note(NoteKind.HAZARD, radius)


def test_redact_hides_personal_values_at_any_depth() -> None:
    data = {
        "incident": {"caller_name": "Anna", "caller_phone": "", "priority": 1},
        "items": [{"caller_phone": "+423 555"}],
    }
    assert personal.redact(data) == {
        "incident": {"caller_name": personal.REDACTED, "caller_phone": "", "priority": 1},
        "items": [{"caller_phone": personal.REDACTED}],
    }

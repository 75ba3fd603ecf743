"""Use cases of calls as they develop: edits and their events, notes, the close with the
collective's dispositions, the early clear and the requeue alert, premise notes; personal
data kept out of the change log and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.domain.dispatch.closing import ClosingRules, Disposition
from bluepool.domain.dispatch.events import (
    IncidentEdited,
    IncidentNoted,
    IncidentRequeued,
    PremiseNoteChanged,
)
from bluepool.domain.dispatch.premises import NoteKind
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.errors import ConcurrentUpdate, Conflict, Forbidden, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.personal import REDACTED
from bluepool.services.context import Context
from bluepool.services.dispatch import edits, incidents, premises, units
from bluepool.services.ports import GazetteerHit
from tests.services import test_dispatch as base
from tests.services.test_dispatch import DISPATCHER, HERE, OFFICER, RecordingPublisher

# The dispatch tests' collective: agency a (units a-1, a-2, jurisdiction ja), agency b.
store, publisher, ctx = base.store, base.publisher, base.ctx

PHONE = "+423 555 01 02"


def a_call(ctx: Context, priority: int = 3) -> str:
    return incidents.create_incident(ctx, DISPATCHER, "theft", HERE, priority).id


def test_an_edit_raises_one_event_naming_the_fields(
    ctx: Context, store: MemoryStore, publisher: RecordingPublisher
) -> None:
    incident = a_call(ctx)
    change = edits.Edit(priority=1, caller_name="Anna Muster", caller_phone=PHONE)
    record = edits.edit_incident(ctx, DISPATCHER, incident, 1, change)
    assert (record.priority, record.caller_phone, record.version) == (1, PHONE, 2)
    [event] = [e for e in publisher.events if isinstance(e, IncidentEdited)]
    assert event.fields == ("priority", "caller_name", "caller_phone")
    # The change log names the fields; the audit log keeps the values redacted.
    [line] = [c for c in store.changes if c.action == "edit"]
    assert line.data == {"fields": ["priority", "caller_name", "caller_phone"]}
    audit = str(store.audit)
    assert "Anna" not in audit
    assert "555" not in audit
    assert REDACTED in audit


def test_an_edit_on_a_stale_version_changes_nothing(ctx: Context) -> None:
    incident = a_call(ctx)
    edits.edit_incident(ctx, DISPATCHER, incident, 1, edits.Edit(priority=2))
    with pytest.raises(ConcurrentUpdate) as e:
        edits.edit_incident(ctx, DISPATCHER, incident, 1, edits.Edit(priority=5))
    assert e.value.code == "stale_version"
    assert incidents.get_incident(ctx, DISPATCHER, incident).priority == 2


def test_a_moved_call_finds_its_jurisdiction_again(ctx: Context) -> None:
    incident = a_call(ctx)
    with pytest.raises(Invalid) as e:
        edits.edit_incident(ctx, DISPATCHER, incident, 1, edits.Edit(location=Location(1, 1)))
    assert e.value.code == "outside_jurisdictions"
    moved = Location(HERE.lat + 0.01, HERE.lon)
    record = edits.edit_incident(ctx, DISPATCHER, incident, 1, edits.Edit(location=moved))
    assert (record.location, record.jurisdiction) == (moved, "ja")


def test_an_officer_notes_only_a_call_their_unit_is_on(
    ctx: Context, publisher: RecordingPublisher
) -> None:
    incident = a_call(ctx)
    with pytest.raises(Forbidden):
        edits.add_note(ctx, OFFICER, incident, "seen")
    incidents.assign(ctx, DISPATCHER, incident, "a-1")
    result = edits.add_note(ctx, OFFICER, incident, "suspect left north")
    assert result.note.actor == "olaf"
    assert any(isinstance(e, IncidentNoted) for e in publisher.events)


def test_close_takes_the_collective_s_dispositions(ctx: Context, store: MemoryStore) -> None:
    with MemoryUnitOfWork(store) as uow:
        uow.closing.put(ClosingRules((Disposition("arrest", "Arrest made"),)))
        uow.commit()
    incident = a_call(ctx)
    with pytest.raises(Invalid) as e:
        incidents.close_incident(ctx, DISPATCHER, incident, "no_report")
    assert "arrest" in e.value.detail
    record = incidents.close_incident(ctx, DISPATCHER, incident, "arrest", "R-1")
    assert (record.status.value, record.disposition, record.report_number) == (
        "closed",
        "arrest",
        "R-1",
    )
    with pytest.raises(Conflict):
        incidents.close_incident(ctx, DISPATCHER, incident, "arrest")


def test_the_last_clear_leaves_the_call_open_when_the_collective_says_so(
    ctx: Context, store: MemoryStore
) -> None:
    with MemoryUnitOfWork(store) as uow:
        uow.closing.put(ClosingRules(last_unit_clear_closes=False))
        uow.commit()
    incident = a_call(ctx)
    incidents.assign(ctx, DISPATCHER, incident, "a-1")
    units.set_status(ctx, OFFICER, "a-1", UnitStatus.ON_SCENE)
    units.set_status(ctx, OFFICER, "a-1", UnitStatus.AVAILABLE)
    record = incidents.get_incident(ctx, DISPATCHER, incident)
    assert record.status.value == "on_scene"
    assert record.timeline[-1].kind == "awaiting_close"


def test_an_early_clear_needs_confirming_and_a_requeue_raises_the_alert(
    ctx: Context, publisher: RecordingPublisher
) -> None:
    incident = a_call(ctx, priority=1)
    incidents.assign(ctx, DISPATCHER, incident, "a-1")
    with pytest.raises(Conflict) as e:
        units.set_status(ctx, OFFICER, "a-1", UnitStatus.AVAILABLE)
    assert e.value.code == "confirm_clear"
    assert units.get_unit(ctx, OFFICER, "a-1").status is UnitStatus.DISPATCHED
    assert not any(isinstance(x, IncidentRequeued) for x in publisher.events)
    units.set_status(ctx, OFFICER, "a-1", UnitStatus.AVAILABLE, confirm=True)
    [alert] = [x for x in publisher.events if isinstance(x, IncidentRequeued)]
    assert (alert.incident.id, alert.incident.priority) == (incident, 1)
    assert alert.reason.startswith("a-1 available")


class OneAddress:
    def search(self, text: str, limit: int) -> list[GazetteerHit]:
        return [GazetteerHit("address", "Städtle 38, Vaduz", HERE, 100.0)] if "38" in text else []

    def reverse(self, location: Location) -> GazetteerHit | None:
        return None


def test_a_note_by_address_stands_at_the_gazetteer_s_point(
    ctx: Context, publisher: RecordingPublisher
) -> None:
    with_gazetteer = Context(**{f: getattr(ctx, f) for f in ctx.__dataclass_fields__})
    object.__setattr__(with_gazetteer, "gazetteer", OneAddress())
    draft = premises.NoteDraft(NoteKind.HAZARD, "weapons history", address="Städtle 38, Vaduz")
    note = premises.create_note(with_gazetteer, DISPATCHER, draft)
    assert (note.location, note.radius_m) == (HERE, 30)
    assert any(isinstance(e, PremiseNoteChanged) for e in publisher.events)
    with pytest.raises(Invalid) as e:
        premises.create_note(
            with_gazetteer, DISPATCHER, premises.NoteDraft(NoteKind.HAZARD, "x", address="Nowhere")
        )
    assert e.value.code == "unknown_address"
    incident = a_call(ctx)
    assert [n.text for n in premises.for_incident(ctx, DISPATCHER, incident)] == ["weapons history"]


def test_an_expired_note_is_no_longer_shown(ctx: Context) -> None:
    soon = ctx.clock.now() + timedelta(seconds=5)
    draft = premises.NoteDraft(NoteKind.PREMISE, "gate code 4711", HERE, 40, expires_at=soon)
    premises.create_note(ctx, DISPATCHER, draft)
    incident = a_call(ctx)
    assert len(premises.for_incident(ctx, DISPATCHER, incident)) == 1
    for _ in range(5):
        ctx.clock.now()  # the fake clock moves a second a reading
    assert premises.for_incident(ctx, DISPATCHER, incident) == ()
    assert premises.list_notes(ctx, DISPATCHER, live=False)[0].text == "gate code 4711"

"""The audit log from the use cases: every change, sign-in, refused write and read across
agencies is an entry, in the transaction of what it records; the log lists, verifies and
is sealed by signed checkpoints."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.adapters.signing import Ed25519Keys, private_pem
from bluepool.domain.access.events import SignedIn
from bluepool.domain.access.roles import Role, User
from bluepool.domain.audit.chain import FindingKind
from bluepool.domain.audit.entries import AuditEntry
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.errors import Conflict, Forbidden, Invalid
from bluepool.domain.shared.ids import IncidentId, Username
from bluepool.services.access import sessions, users
from bluepool.services.audit import log
from bluepool.services.collective import stations
from bluepool.services.context import Context
from bluepool.services.dispatch import incidents, units
from bluepool.services.ports import AuditFilter, Page
from tests.builders import DISPOSITION
from tests.services.test_authorization import (
    EVERYONE,
    HERE,
    TABLE,
    USERS,
    collective,
)

DORA, OLAF, ANN, COLE = (
    USERS[Role.DISPATCHER],
    USERS[Role.OFFICER],
    USERS[Role.ANALYST],
    USERS[Role.COLLECTIVE_ADMIN],
)


def audited(keys: Ed25519Keys | None = None) -> Context:
    ctx = collective()
    return dataclasses.replace(ctx, audit_keys=keys or Ed25519Keys(None, development=True))


def entries(ctx: Context) -> list[AuditEntry]:
    with ctx.uow() as uow:
        return list(uow.audit.entries())


def store_of(ctx: Context) -> list[AuditEntry]:
    uow = ctx.uow()
    assert isinstance(uow, MemoryUnitOfWork)
    return uow.store.audit


def test_a_change_is_an_entry_with_its_actor_subject_and_payload() -> None:
    ctx = audited()
    before = len(entries(ctx))
    incident = incidents.create_incident(ctx, DORA, "theft", HERE)
    [entry] = entries(ctx)[before:]
    assert (entry.kind, entry.action, entry.actor) == ("change", "incident.created", "dora")
    assert entry.subject == f"incident/{incident.id}"
    assert entry.data["incident"]["call_type"] == "theft"
    units.set_status(ctx, DORA, "a-1", UnitStatus.BUSY)
    last = entries(ctx)[-1]
    assert (last.action, last.agency, last.subject) == ("unit.updated", "a", "unit/a-1")
    assert log.verify_log(ctx, ANN).ok


def test_a_failed_transaction_leaves_no_entry() -> None:
    ctx = audited()
    before = len(entries(ctx))
    incident = incidents.create_incident(ctx, DORA, "theft", HERE)
    incidents.close_incident(ctx, DORA, incident.id, DISPOSITION)
    count = len(entries(ctx))
    with pytest.raises(Conflict):  # closed: nothing changes, nothing is recorded
        incidents.assign(ctx, DORA, incident.id, "a-1")
    with ctx.uow() as uow:  # raised, then the block ends without a commit
        uow.raise_event(SignedIn(ctx.clock.now(), "ghost"))
    assert len(entries(ctx)) == count > before
    assert all(e.actor != "ghost" for e in entries(ctx))


def test_a_refused_write_is_an_entry_naming_the_use_case_and_the_rule() -> None:
    ctx = audited()
    before = len(entries(ctx))
    with pytest.raises(Forbidden):
        incidents.create_incident(ctx, OLAF, "theft", HERE)
    [entry] = entries(ctx)[before:]
    assert (entry.kind, entry.actor, entry.action) == (
        "refused",
        "olaf",
        "dispatch.incidents.create_incident",
    )
    assert entry.data["rule"] == "require_dispatch"
    with pytest.raises(Forbidden):
        users.update_user(ctx, USERS[Role.AGENCY_ADMIN], "olaf", role=Role.DISPATCHER)
    assert entries(ctx)[-1].data["rule"] == "agency_roles"


READS = {
    "list_entries",
    "export_entries",
    "verify_log",
    "latest_checkpoint",
    "list_users",
    "changes",
    "position_history",
    "floor",
    # the ledger's reads
    "entries",
    "balances",
    "agency_statement",
    "incident_costs",
    "settlement",
    "closed_periods",
    # the board's reports, KPIs and goals
    "board_report",
    "kpi_report",
    "figures_and_shapes",
    "goal_status",
    "hotspot_report",
    "weekly_goals",
    "kpi_document",
}


def test_every_write_use_case_records_its_refusals() -> None:
    for use_case, _, allowed in TABLE:
        name = use_case.__name__
        if allowed != EVERYONE and name not in READS:
            assert getattr(use_case, "refusal_recorded", False), name


def test_sign_in_failed_sign_in_and_sign_out_are_entries_without_the_password() -> None:
    ctx = audited()
    users.create_user(ctx, COLE, User(Username("dora2"), Role.DISPATCHER), "s3cret-enough")
    before = len(entries(ctx))
    assert users.authenticate(ctx, "dora2", "s3cret-enough", "10.0.0.7") is not None
    assert users.authenticate(ctx, "dora2", "wrong-password") is None
    assert users.authenticate(ctx, "nobody" * 20, "s3cret-enough") is None
    dora2 = users.signed_in(ctx, "dora2")
    assert dora2 is not None
    sessions.end_session(
        ctx, dora2, sessions.start_session(ctx, dora2, timedelta(hours=1)).session_id
    )
    found = entries(ctx)[before:]
    assert [(e.kind, e.actor) for e in found] == [
        ("sign_in", "dora2"),
        ("sign_in_failed", "dora2"),
        ("sign_in_failed", ("nobody" * 20)[:64]),
        ("sign_out", "dora2"),
    ]
    assert found[0].data == {"address": "10.0.0.7"}
    assert not any("s3cret" in e.body or "wrong-password" in e.body for e in entries(ctx))


def test_sign_ins_stay_out_of_the_change_log_the_outbox_and_the_stream() -> None:
    ctx = audited()
    with ctx.uow() as uow:
        changes, outbox = (
            len(uow.changes.find(None, None, Page(1000))[0]),
            len(uow.outbox.pending(1000)),
        )
    users.authenticate(ctx, "olaf", "x")
    users.authenticate(ctx, "olaf", "wrong")
    with pytest.raises(Forbidden):
        incidents.create_incident(ctx, OLAF, "theft", HERE)
    with ctx.uow() as uow:
        assert len(uow.changes.find(None, None, Page(1000))[0]) == changes
        assert len(uow.outbox.pending(1000)) == outbox


def test_a_read_of_another_agencys_records_is_an_entry() -> None:
    ctx = audited()
    before = len(entries(ctx))
    units.get_unit(ctx, OLAF, "a-1")  # their own agency's: nothing
    units.get_unit(ctx, DORA, "b-1")  # dispatch reads every agency's by role: nothing
    assert len(entries(ctx)) == before
    units.get_unit(ctx, OLAF, "b-1")
    [entry] = entries(ctx)[before:]
    assert (entry.kind, entry.actor, entry.agency, entry.subject) == (
        "read",
        "olaf",
        "b",
        "unit/b-1",
    )
    assert entry.action == "dispatch.units.get_unit"
    units.list_units(ctx, OLAF, units.UnitFilter(), Page())
    last = entries(ctx)[-1]
    assert (last.agency, last.subject, last.data["ids"]) == ("b", None, ["b-1", "b-2"])
    stations.get_station(ctx, OLAF, "sb")
    assert entries(ctx)[-1].subject == "station/sb"


def test_a_read_of_an_incident_in_another_agencys_jurisdiction_is_an_entry() -> None:
    ctx = audited()
    there = dataclasses.replace(HERE, lon=HERE.lon + 0.3)  # in jb, agency b's
    incident = incidents.create_incident(ctx, DORA, "theft", there)
    assert incident.jurisdiction == "jb"
    incidents.get_incident(ctx, OLAF, incident.id)
    entry = entries(ctx)[-1]
    assert (entry.kind, entry.agency, entry.subject) == ("read", "b", f"incident/{incident.id}")
    mine = incidents.create_incident(ctx, DORA, "theft", HERE)
    count = len(entries(ctx))
    incidents.get_incident(ctx, OLAF, IncidentId(mine.id))
    assert len(entries(ctx)) == count


def test_the_log_lists_newest_first_with_filters() -> None:
    ctx = audited()
    incidents.create_incident(ctx, DORA, "theft", HERE)
    users.authenticate(ctx, "olaf", "wrong")
    page = log.list_entries(ctx, ANN, AuditFilter(), Page(limit=2))
    assert page.total == len(entries(ctx))
    assert len(page.items) == 2
    assert page.items[0].seq > page.items[1].seq
    failed = log.list_entries(ctx, COLE, AuditFilter(kind="sign_in_failed"), Page())
    assert [e.actor for e in failed.items] == ["olaf"]
    by_dora = log.list_entries(
        ctx, ANN, AuditFilter(actor="dora", action="incident.created"), Page()
    )
    assert by_dora.total == 1
    later = log.list_entries(ctx, ANN, AuditFilter(since=failed.items[0].at), Page())
    assert [e.kind for e in later.items] == ["sign_in_failed"]
    assert log.list_entries(ctx, ANN, AuditFilter(until=failed.items[0].at), Page()).total == (
        page.total - 1
    )


def test_an_export_streams_what_the_list_finds_and_is_refused_before_it_reads() -> None:
    ctx = audited()
    incidents.create_incident(ctx, DORA, "theft", HERE)
    users.authenticate(ctx, "olaf", "wrong")
    where = AuditFilter(actor="dora")
    listed = log.list_entries(ctx, ANN, where, Page(limit=1000)).items
    assert listed
    assert tuple(log.export_entries(ctx, COLE, where)) == listed
    with pytest.raises(Forbidden):
        log.export_entries(ctx, DORA, where)  # at the call, not at the first row


def test_verify_finds_an_edited_entry_in_the_store() -> None:
    ctx = audited()
    incidents.create_incident(ctx, DORA, "theft", HERE)
    stored = store_of(ctx)
    stored[0] = dataclasses.replace(stored[0], body=stored[0].body.replace("theft", "fraud"))
    report = log.verify_log(ctx, ANN)
    assert not report.ok
    assert report.first is not None
    assert (report.first.seq, report.first.problem) == (1, FindingKind.EDITED)


def test_a_checkpoint_is_signed_and_catches_truncation() -> None:
    ctx = audited()
    with pytest.raises(Conflict):
        log.make_checkpoint(ctx, COLE)  # nothing to seal yet
    incidents.create_incident(ctx, DORA, "theft", HERE)
    incidents.create_incident(ctx, DORA, "theft", HERE)
    checkpoint = log.make_checkpoint(ctx, COLE)
    assert checkpoint.seq == len(entries(ctx))
    assert log.make_checkpoint(ctx, COLE) == checkpoint  # nothing new
    assert log.latest_checkpoint(ctx, ANN) == checkpoint
    report = log.verify_log(ctx, ANN)
    assert report.ok
    assert report.checkpoint == checkpoint
    del store_of(ctx)[-1]
    report = log.verify_log(ctx, ANN, checkpoint)
    assert report.first is not None
    assert (report.first.seq, report.first.problem) == (checkpoint.seq, FindingKind.TRUNCATED)


def test_a_forged_or_foreign_checkpoint_is_reported() -> None:
    ctx = audited()
    incidents.create_incident(ctx, DORA, "theft", HERE)
    checkpoint = log.make_checkpoint(ctx, COLE)
    forged = dataclasses.replace(checkpoint, seq=checkpoint.seq + 5)
    assert log.verify_log(ctx, ANN, forged).checkpoint_problem == (
        "the checkpoint's signature does not verify"
    )
    other = audited()
    incidents.create_incident(other, DORA, "theft", HERE)
    foreign = log.make_checkpoint(other, COLE)
    report = log.verify_log(ctx, ANN, foreign)
    assert report.checkpoint_problem is not None
    assert "another key" in report.checkpoint_problem
    assert not report.ok


def test_a_configured_key_file_signs(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "audit.pem"
    path.write_text(private_pem(key))
    ctx = audited(Ed25519Keys(path, development=False))
    incidents.create_incident(ctx, DORA, "theft", HERE)
    checkpoint = log.make_checkpoint(ctx, COLE)
    assert checkpoint.public_key == key.public_key().public_bytes_raw().hex()
    with ctx.uow() as uow:
        assert uow.audit.signing_key() is None  # nothing kept in the database


def test_production_without_a_key_file_refuses_checkpoints(tmp_path: Path) -> None:
    ctx = audited(Ed25519Keys(None, development=False))
    incidents.create_incident(ctx, DORA, "theft", HERE)
    with pytest.raises(Invalid) as err:
        log.make_checkpoint(ctx, COLE)
    assert err.value.code == "no_signing_key"
    (tmp_path / "bad.pem").write_text("not a key")
    ctx = audited(Ed25519Keys(tmp_path / "bad.pem", False))
    incidents.create_incident(ctx, DORA, "theft", HERE)
    with pytest.raises(Invalid, match=r"bad\.pem"):
        log.make_checkpoint(ctx, COLE)

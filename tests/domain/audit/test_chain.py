"""The chain rule and its verification: each kind of tampering is found and named by seq."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bluepool.domain.audit.chain import FindingKind, Seal, digest, link, verify
from bluepool.domain.audit.checkpoints import Checkpoint
from bluepool.domain.audit.entries import GENESIS, AuditDraft, AuditEntry, Kind
from bluepool.domain.shared.errors import Invalid

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def a_log(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    seq, hash = 0, GENESIS
    for i in range(n):
        draft = AuditDraft(
            T0 + timedelta(seconds=i),
            "dora",
            Kind.CHANGE,
            "unit.status",
            agency="a",
            subject=f"unit/a-{i}",
            data={"status": "busy", "n": i, "where": 47.5},
        )
        entry = link(seq, hash, draft)
        entries.append(entry)
        seq, hash = entry.seq, entry.hash
    return entries


def problems(entries: list[AuditEntry], seal: Seal | None = None) -> list[tuple[int, FindingKind]]:
    return [(f.seq, f.problem) for f in verify(entries, seal).findings]


def renumbered(entries: list[AuditEntry]) -> list[AuditEntry]:
    return [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(entries)]


def test_a_whole_chain_verifies() -> None:
    log = a_log(50)
    result = verify(log)
    assert result.ok
    assert (result.entries, result.head_seq, result.head_hash) == (50, 50, log[-1].hash)
    assert log[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(log))


def test_the_hash_covers_the_previous_hash_and_the_canonical_body() -> None:
    entry = a_log(1)[0]
    assert entry.hash == digest(GENESIS, entry.body)
    # RFC 8785: sorted keys, no spaces
    assert entry.body.startswith('{"action":"unit.status","actor":"dora","agency":"a"')
    assert entry.data == {"n": 0, "status": "busy", "where": 47.5}


def test_an_empty_log_verifies() -> None:
    result = verify([])
    assert result.ok
    assert (result.head_seq, result.head_hash) == (0, GENESIS)


def test_an_edited_body_is_found() -> None:
    log = a_log(10)
    log[4] = dataclasses.replace(log[4], body=log[4].body.replace('"busy"', '"available"'))
    assert problems(log) == [(5, FindingKind.EDITED)]


def test_an_edited_column_is_found() -> None:
    log = a_log(10)
    log[6] = dataclasses.replace(log[6], actor="mallory")
    assert problems(log) == [(7, FindingKind.EDITED)]
    log = a_log(10)
    log[2] = dataclasses.replace(log[2], at=log[2].at + timedelta(hours=1))
    assert problems(log) == [(3, FindingKind.EDITED)]


def test_an_entry_rewritten_and_rehashed_is_found_by_the_next_link() -> None:
    log = a_log(10)
    body = log[4].body.replace('"busy"', '"available"')
    log[4] = dataclasses.replace(log[4], body=body, hash=digest(log[4].prev_hash, body))
    found = verify(log).findings
    assert [(f.seq, f.problem) for f in found] == [(5, FindingKind.EDITED)]
    assert "rewritten" in found[0].detail


def test_a_deleted_entry_is_found() -> None:
    log = a_log(10)
    del log[3]
    assert problems(log) == [(4, FindingKind.DELETED)]
    log = a_log(10)
    del log[3:6]
    found = verify(log).findings
    assert [(f.seq, f.problem) for f in found] == [(4, FindingKind.DELETED)]
    assert "seq 4..6 missing" in found[0].detail


def test_the_first_entries_deleted_are_found() -> None:
    log = a_log(10)
    assert problems(log[2:]) == [(1, FindingKind.DELETED)]


def test_an_inserted_entry_is_found() -> None:
    log = a_log(10)
    forged = link(log[3].seq, log[3].hash, AuditDraft(T0, "mallory", Kind.SIGN_IN, "x"))
    assert problems(renumbered([*log[:4], forged, *log[4:]])) == [(5, FindingKind.INSERTED)]


def test_an_inserted_entry_that_is_not_even_chained_is_found() -> None:
    log = a_log(10)
    junk = dataclasses.replace(log[0], prev_hash="f" * 64)
    junk = dataclasses.replace(junk, hash=digest(junk.prev_hash, junk.body))
    assert problems(renumbered([*log[:4], junk, *log[4:]])) == [(5, FindingKind.INSERTED)]


def test_reordered_entries_are_found() -> None:
    log = a_log(10)
    swapped = renumbered([*log[:5], log[6], log[5], *log[7:]])
    found = verify(swapped).findings
    assert [(f.seq, f.problem) for f in found] == [(6, FindingKind.REORDERED)]
    assert "stored after it" in found[0].detail


def test_an_entry_moved_far_back_is_found() -> None:
    log = a_log(10)
    moved = renumbered([log[0], *log[2:8], log[1], *log[8:]])
    assert problems(moved) == [(2, FindingKind.REORDERED)]


def test_a_fork_is_found() -> None:
    log = a_log(5)
    other = link(log[2].seq, log[2].hash, AuditDraft(T0, "eve", Kind.SIGN_OUT, "x"))
    forked = renumbered([*log[:4], other, *log[4:]])
    assert (5, FindingKind.FORKED) in problems(forked)


def seal_of(entry: AuditEntry) -> Seal:
    return Seal(entry.seq, entry.hash, T0)


def test_a_truncated_log_is_found_against_a_checkpoint() -> None:
    log = a_log(10)
    seal = seal_of(log[7])
    assert problems(log, seal) == []
    found = verify(log[:5], seal).findings
    assert [(f.seq, f.problem) for f in found] == [(6, FindingKind.TRUNCATED)]
    assert "ends at seq 5" in found[0].detail
    assert problems([], seal) == [(1, FindingKind.TRUNCATED)]


def test_truncation_without_a_checkpoint_leaves_a_whole_chain() -> None:
    assert verify(a_log(10)[:5]).ok


def test_a_log_rewritten_up_to_the_checkpoint_is_found() -> None:
    log = a_log(10)
    seal = seal_of(log[7])
    rewritten = a_log(3)
    for i in range(3, 10):  # a whole new chain, longer than the checkpoint
        d = AuditDraft(T0, "mallory", Kind.CHANGE, "x", data={"i": i})
        rewritten.append(link(rewritten[-1].seq, rewritten[-1].hash, d))
    assert verify(rewritten).ok
    assert problems(rewritten, seal) == [(8, FindingKind.EDITED)]


def test_a_deletion_before_the_checkpoint_moves_its_entry() -> None:
    log = a_log(10)
    seal = seal_of(log[7])
    # seq 3 deleted and the rest renumbered: the checkpointed entry is now seq 7
    found = verify(renumbered([*log[:2], *log[3:]]), seal).findings
    assert (7, FindingKind.DELETED) in [(f.seq, f.problem) for f in found]
    assert "now seq 7" in next(f.detail for f in found if f.seq == 7)


def test_a_log_relinked_after_a_deletion_is_found_against_the_checkpoint() -> None:
    log = a_log(10)
    seal = seal_of(log[7])
    relinked: list[AuditEntry] = []
    for e in [*log[:2], *log[3:]]:
        seq, prev = (relinked[-1].seq, relinked[-1].hash) if relinked else (0, GENESIS)
        relinked.append(
            dataclasses.replace(e, seq=seq + 1, prev_hash=prev, hash=digest(prev, e.body))
        )
    assert verify(relinked).ok
    assert problems(relinked, seal) == [(8, FindingKind.EDITED)]


def test_findings_are_capped() -> None:
    log = [dataclasses.replace(e, body=e.body + " ") for e in a_log(300)]
    result = verify(log, limit=10)
    assert len(result.findings) == 10
    assert result.first is not None
    assert result.first.seq == 1


@pytest.mark.parametrize("window", [1, 3, 4096])
def test_small_windows_still_find_local_tampering(window: int) -> None:
    log = a_log(20)
    del log[10]
    assert [(f.seq, f.problem) for f in verify(log, window=window).findings] == [
        (11, FindingKind.DELETED)
    ]


def test_a_checkpoint_round_trips_through_its_exported_form() -> None:
    cp = Checkpoint(8, "a" * 64, T0, "b" * 64, "c" * 128)
    assert Checkpoint.imported(cp.exported()) == cp
    assert cp.seal == Seal(8, "a" * 64, T0)
    assert b'"seq":8' in cp.message()


@pytest.mark.parametrize(
    "change",
    [
        {"format": "x"},
        {"seq": 0},
        {"seq": "8"},
        {"hash": "zz"},
        {"signature": "c" * 10},
        {"at": "yesterday"},
        {"at": "2026-12-01T08:00:00"},
    ],
)
def test_a_broken_checkpoint_file_is_refused(change: dict[str, object]) -> None:
    data = {**Checkpoint(8, "a" * 64, T0, "b" * 64, "c" * 128).exported(), **change}
    with pytest.raises(Invalid):
        Checkpoint.imported(data)


def test_values_the_quick_check_cannot_spell_still_verify() -> None:
    draft = AuditDraft(T0, 'o"neil\\é', Kind.SIGN_IN_FAILED, "user.sign_in_failed", subject="x\ny")
    entry = link(0, GENESIS, draft)
    assert verify([entry]).ok
    assert problems([dataclasses.replace(entry, actor="oneil")]) == [(1, FindingKind.EDITED)]

"""The chain rule and its verification.

Each entry's ``hash`` is ``sha256(prev_hash + body)`` (hex digits; ``body`` is the entry's
canonical JSON), and its ``prev_hash`` is the hash of the entry before it (``GENESIS`` for
the first). ``seq`` numbers the entries 1, 2, 3, ... in chain order; it is where an entry is
stored, not part of what is hashed, so the links alone say what follows what.

``verify`` reads the entries once, in ``seq`` order, and returns findings that name the
seq and what is wrong with it:

    edited      an entry's body no longer gives its hash (or a column disagrees with its
                body), or an entry was rewritten and rehashed (the next one was chained to
                another)
    deleted     entries are missing (a gap in seq, and the next entry follows one that is
                gone)
    inserted    an entry that nothing follows (the next entry follows the one before it)
    reordered   an entry stored before the entry it follows
    forked      two entries follow the same entry
    truncated   the log ends before the seq a checkpoint sealed

It holds only a window of recent entries (a broken link is judged against the entries
around it), so a million entries verify in bounded memory. Without a checkpoint, entries
cut from the end leave a shorter chain that is still whole: only a checkpoint kept
elsewhere (``checkpoints``) shows that the log once went further.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from bluepool.domain.audit.entries import GENESIS, AuditDraft, AuditEntry


def digest(prev_hash: str, body: str) -> str:
    """The hash of an entry with this body after the entry hashed ``prev_hash``."""
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def link(seq_before: int, hash_before: str, draft: AuditDraft) -> AuditEntry:
    """Chain ``draft`` after the entry ``seq_before`` whose hash is ``hash_before``
    (``0`` and ``GENESIS`` for the first entry)."""
    body = draft.body()
    return AuditEntry(
        seq_before + 1,
        draft.at,
        draft.actor,
        draft.kind.value,
        draft.action,
        draft.agency,
        draft.subject,
        body,
        hash_before,
        digest(hash_before, body),
    )


class FindingKind(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    FORKED = "forked"
    TRUNCATED = "truncated"


@dataclass(frozen=True, slots=True)
class Finding:
    seq: int
    problem: FindingKind
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.problem.value}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Seal:
    """What a checkpoint vouches for: the entry at ``seq`` had hash ``hash``."""

    seq: int
    hash: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    #: The last entry read (0 and GENESIS for an empty log).
    head_seq: int
    head_hash: str
    #: In the order found; capped at ``verify``'s ``limit``.
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        """The finding with the lowest seq: where to start looking."""
        return min(self.findings, key=lambda f: f.seq) if self.findings else None


class _Link(NamedTuple):
    pos: int
    seq: int
    prev_hash: str
    hash: str


_Note = Callable[[int, "FindingKind", str], None]

_COLUMNS = ("actor", "kind", "action", "agency", "subject")


def verify(
    entries: Iterable[AuditEntry],
    seal: Seal | None = None,
    *,
    window: int = 4096,
    limit: int = 100,
) -> Verification:
    """Check the chain ``entries`` (in seq order) and, with ``seal``, that it still holds
    the sealed entry. Returns every problem found, up to ``limit`` of them."""
    found: dict[tuple[int, FindingKind], Finding] = {}
    # (pos, seq, prev_hash, hash) of the entries around the one being read; plain tuples
    # (the loop runs a million times), made _Links when a broken link is judged.
    recent: deque[tuple[int, int, str, str]] = deque(maxlen=2 * window + 2)
    pending: deque[int] = deque()
    before: tuple[int, int, str, str] | None = None
    count = 0
    sealed_seq_hash: str | None = None
    seal_found_at: int | None = None
    sha256 = hashlib.sha256

    def note(seq: int, problem: FindingKind, detail: str) -> None:
        found.setdefault((seq, problem), Finding(seq, problem, detail))

    for pos, entry in enumerate(entries):
        count += 1
        seq, prev_hash, hash = entry.seq, entry.prev_hash, entry.hash
        if sha256((prev_hash + entry.body).encode("utf-8")).hexdigest() != hash:
            note(seq, FindingKind.EDITED, "its content no longer gives its hash")
        elif not _columns_agree(entry):
            _check_columns(entry, note)
        here = (pos, seq, prev_hash, hash)
        recent.append(here)
        if before is None:
            if prev_hash != GENESIS:
                pending.append(pos)
        elif prev_hash != before[3]:
            pending.append(pos)
        elif seq != before[1] + 1:
            note(seq, FindingKind.DELETED, _gap(before[1], seq))
        if seal is not None:
            if seq == seal.seq:
                sealed_seq_hash = hash
            if hash == seal.hash:
                seal_found_at = seq
        while pending and pending[0] + window <= pos:
            _judge(pending.popleft(), recent, note)
        if len(found) >= limit:
            break
        before = here
    else:
        while pending and len(found) < limit:
            _judge(pending.popleft(), recent, note)
        if seal is not None:
            last = _Link(*before) if before else None
            _check_seal(seal, last, sealed_seq_hash, seal_found_at, note)
    head_seq, head_hash = (before[1], before[3]) if before else (0, GENESIS)
    return Verification(count, head_seq, head_hash, tuple(found.values())[:limit])


def _columns_agree(entry: AuditEntry) -> bool:
    """The quick check that the columns are the body's: the body as the columns would
    write it (keys sorted, as RFC 8785 has them). False sends the entry to the exact
    check (``_check_columns``), which also covers values the quick one cannot spell
    (quotes, escapes)."""
    agency, subject = entry.agency, entry.subject
    head = (
        f'{{"action":"{entry.action}","actor":"{entry.actor}","agency":'
        f'{"null" if agency is None else f"{chr(34)}{agency}{chr(34)}"},"at":"'
    )
    body = entry.body
    if not body.startswith(head):
        return False
    start = len(head)
    end = body.find('"', start)
    if end < 0 or not body.startswith('","data":', end):
        return False
    try:
        if datetime.fromisoformat(body[start:end]) != entry.at:
            return False
    except ValueError:
        return False
    tail = "null" if subject is None else f'"{subject}"'
    return body.endswith(f',"kind":"{entry.kind}","subject":{tail}}}')


def _check_columns(entry: AuditEntry, note: _Note) -> None:
    try:
        content = entry.content()
    except ValueError:
        note(entry.seq, FindingKind.EDITED, "its body is not JSON")
        return
    for name in _COLUMNS:
        if content.get(name) != getattr(entry, name):
            note(entry.seq, FindingKind.EDITED, f"its {name} column disagrees with its body")
            return
    try:
        at = datetime.fromisoformat(content.get("at", ""))
    except (TypeError, ValueError):
        at = None
    if at != entry.at:
        note(entry.seq, FindingKind.EDITED, "its time column disagrees with its body")


def _gap(seq_before: int, seq: int) -> str:
    missing = (
        f"seq {seq_before + 1}" if seq == seq_before + 2 else f"seq {seq_before + 1}..{seq - 1}"
    )
    return f"{missing} missing: it comes after seq {seq_before}"


def _judge(pos: int, around: deque[tuple[int, int, str, str]], note: _Note) -> None:
    """Say why the entry at ``pos`` does not follow the entry stored before it, from the
    entries around it."""
    start = around[0][0]
    if pos < start:  # pragma: no cover - the window keeps it
        return
    recent = [_Link(*t) for t in around]
    broken = recent[pos - start]
    at = {link.hash: link for link in recent}
    following: dict[str, list[_Link]] = {}
    for link in recent:
        following.setdefault(link.prev_hash, []).append(link)
    before = recent[broken.pos - start - 1] if broken.pos > start else None
    target = at.get(broken.prev_hash)
    siblings = following.get(broken.prev_hash, [])
    if target is not None and len(siblings) > 1:
        for other in siblings:
            if other is broken:
                continue
            if other.hash in following:  # both branches go on: a fork
                note(
                    broken.seq,
                    FindingKind.FORKED,
                    f"it and seq {other.seq} both follow seq {target.seq}",
                )
            else:  # a dead end beside the chain: slipped in
                note(
                    other.seq,
                    FindingKind.INSERTED,
                    f"nothing follows it: seq {broken.seq} follows seq {target.seq}",
                )
    elif target is not None and target.pos > broken.pos:
        note(
            broken.seq,
            FindingKind.REORDERED,
            f"it follows seq {target.seq}, which is stored after it",
        )
    elif target is not None and target.pos < broken.pos - 1:
        for pos in range(target.pos + 1, broken.pos):
            skipped = recent[pos - start]
            if skipped.hash not in following:  # a moved entry is still followed
                note(
                    skipped.seq,
                    FindingKind.INSERTED,
                    f"nothing follows it: seq {broken.seq} follows seq {target.seq}",
                )
    elif target is None and before is None:
        if broken.seq > 1:
            note(
                1, FindingKind.DELETED, f"the log starts at seq {broken.seq}, after a missing entry"
            )
        else:
            note(broken.seq, FindingKind.EDITED, "the first entry does not start the chain")
    elif target is None and before is not None:
        if any(f.pos > broken.pos for f in following.get(before.hash, ())):
            note(
                broken.seq,
                FindingKind.INSERTED,
                f"nothing follows it: a later entry follows seq {before.seq}",
            )
        elif broken.seq > before.seq + 1:
            note(before.seq + 1, FindingKind.DELETED, _gap(before.seq, broken.seq))
        else:
            note(
                before.seq,
                FindingKind.EDITED,
                f"seq {broken.seq} was chained to another entry: this one was rewritten "
                "(or entries after it deleted and the rest renumbered)",
            )


def _check_seal(
    seal: Seal,
    last: _Link | None,
    sealed_seq_hash: str | None,
    seal_found_at: int | None,
    note: _Note,
) -> None:
    when = seal.at.isoformat()
    if sealed_seq_hash == seal.hash:
        return
    if seal_found_at is not None:
        problem = FindingKind.DELETED if seal_found_at < seal.seq else FindingKind.INSERTED
        note(
            seal_found_at,
            problem,
            f"the entry the checkpoint of {when} sealed at seq {seal.seq} is now seq "
            f"{seal_found_at}: entries before it were {problem.value}",
        )
    elif last is None or last.seq < seal.seq:
        end = last.seq if last else 0
        note(
            end + 1,
            FindingKind.TRUNCATED,
            f"the log ends at seq {end}, but the checkpoint of {when} sealed seq {seal.seq}",
        )
    else:
        note(
            seal.seq,
            FindingKind.EDITED,
            f"not the entry the checkpoint of {when} sealed: the log was rewritten up to here",
        )

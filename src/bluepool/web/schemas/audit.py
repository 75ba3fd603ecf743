"""The audit API's bodies: a checkpoint as exported (``bluepool audit
export-checkpoint``, ``GET /api/v1/audit/checkpoint``), to verify the log against, and the
entries as CSV (``GET /api/v1/audit.csv``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import Field

from bluepool.domain.audit.checkpoints import FORMAT, MAX_SEQ, Checkpoint
from bluepool.domain.audit.entries import AuditEntry
from bluepool.web.schemas.common import Strict

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class CheckpointFile(Strict):
    """A signed checkpoint in the form other agencies keep (the same JSON as the file
    ``bluepool audit export-checkpoint`` writes)."""

    format: Literal["bluepool-audit-checkpoint/1"] = FORMAT
    seq: int = Field(ge=1, le=MAX_SEQ)
    hash: Hex64
    at: datetime
    public_key: Hex64
    signature: Annotated[str, Field(pattern=r"^[0-9a-f]{128}$")]

    def checkpoint(self) -> Checkpoint:
        return Checkpoint.imported(self.model_dump(mode="json"))


#: The CSV's columns: an entry's fields, ``body`` (what its hash covers) last.
CSV_FIELDS = (
    *("seq", "at", "kind", "action", "actor", "agency", "subject"),
    *("hash", "prev_hash", "body"),
)
#: Rows per chunk sent: each chunk is one hop to the thread pool, not each row.
CSV_CHUNK = 500
#: What a spreadsheet would read as the start of a formula (CSV injection).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_chunks(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """The entries as CSV (RFC 4180, a header row first), in chunks of ``CSV_CHUNK`` rows.
    The copied columns are text a user may have typed (a failed sign-in's name), so one
    that starts like a formula gets a leading ``'``; ``body``, the record, is as stored."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for n, e in enumerate(entries, 1):
        text = map(_cell, (e.kind, e.action, e.actor, e.agency or "", e.subject or ""))
        at = e.at.astimezone(UTC).isoformat()
        writer.writerow((e.seq, at, *text, e.hash, e.prev_hash, e.body))
        if n % CSV_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text

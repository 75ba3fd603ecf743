"""Read models of the audit context: what ``verify`` reports."""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.audit.chain import Finding, Verification
from bluepool.domain.audit.checkpoints import Checkpoint


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The log verified, against a checkpoint when there was one."""

    entries: int
    head_seq: int
    head_hash: str
    findings: tuple[Finding, ...]
    #: The checkpoint the log was checked against (None: no checkpoint yet).
    checkpoint: Checkpoint | None = None
    #: What is wrong with the checkpoint itself (a bad signature, another key), if anything.
    checkpoint_problem: str | None = None
    #: Entries committed but not yet chained (on PostgreSQL, for a moment after their
    #: commit; see ``SqlAuditLog``): not verified yet, and not a fault.
    waiting: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings and self.checkpoint_problem is None

    @property
    def first(self) -> Finding | None:
        return min(self.findings, key=lambda f: f.seq) if self.findings else None

    @classmethod
    def of(
        cls,
        verification: Verification,
        checkpoint: Checkpoint | None,
        checkpoint_problem: str | None,
        waiting: int = 0,
    ) -> AuditReport:
        return cls(
            verification.entries,
            verification.head_seq,
            verification.head_hash,
            verification.findings,
            checkpoint,
            checkpoint_problem,
            waiting,
        )

"""The audit log's use cases: list its entries (or stream them, for an export), verify it,
seal its head in a signed checkpoint, and hand out the latest checkpoint for other agencies
to keep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from bluepool.domain.access.roles import User
from bluepool.domain.audit.chain import verify
from bluepool.domain.audit.checkpoints import Checkpoint, signed_message
from bluepool.domain.audit.entries import AuditEntry
from bluepool.domain.audit.records import AuditReport
from bluepool.domain.shared.errors import Conflict, Invalid, NotFound
from bluepool.services.audit import policy
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.ports import AuditFilter, AuditKeys, AuditPage, Page, UnitOfWork


def list_entries(ctx: Context, user: User, where: AuditFilter, page: Page) -> AuditPage:
    """The audit log, newest first."""
    policy.read(user)
    with ctx.reader() as uow:
        items, total = uow.audit.find(where, page)
        return AuditPage(tuple(items), total, page.limit, page.offset)


def export_entries(ctx: Context, user: User, where: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, for a download. Who may read is asked now; the
    log is read as the caller iterates, by one query (one consistent view, however long
    the download takes)."""
    policy.read(user)
    return _stream(ctx.reader(), where)


def _stream(reader: UnitOfWork, where: AuditFilter) -> Iterator[AuditEntry]:
    with reader as uow:
        yield from uow.audit.matching(where)


def verify_log(ctx: Context, user: User, checkpoint: Checkpoint | None = None) -> AuditReport:
    """Verify the whole chain and, against ``checkpoint`` (else the latest one the
    database keeps), that the log still holds the entry it sealed and that it is signed
    by the collective's key."""
    policy.read(user)
    with ctx.reader() as uow:
        if checkpoint is None:
            checkpoint = uow.audit.latest_checkpoint()
        problem = None
        if checkpoint is not None:
            keys = ctx.audit_keys
            if keys is None or not keys.verify(
                checkpoint.public_key, checkpoint.message(), checkpoint.signature
            ):
                problem = "the checkpoint's signature does not verify"
            elif (known := keys.known(uow)) is not None and known != checkpoint.public_key:
                problem = "the checkpoint is signed by another key than this collective's"
        seal = checkpoint.seal if checkpoint is not None and problem is None else None
        verification = verify(uow.audit.entries(), seal)
        waiting = uow.audit.waiting()
    return AuditReport.of(verification, checkpoint, problem, waiting)


@refusal_recorded
def make_checkpoint(ctx: Context, user: User) -> Checkpoint:
    """Sign the head of the log and keep the checkpoint."""
    policy.checkpoint(user)
    keys = _keys(ctx)
    with ctx.uow() as uow:
        uow.audit.settle()  # what has committed is chained before the head is sealed
        head = uow.audit.head()
        if head is None:
            raise Conflict("the audit log is empty: nothing to seal", code="empty_audit_log")
        latest = uow.audit.latest_checkpoint()
        if latest is not None and latest.seq == head.seq:
            return latest  # nothing new to seal
        signer = keys.signer(uow)
        at = ctx.clock.now().astimezone(UTC)
        signature = signer.sign(signed_message(head.seq, head.hash, at))
        checkpoint = Checkpoint(head.seq, head.hash, at, signer.public_key, signature)
        uow.audit.add_checkpoint(checkpoint)
        uow.commit()
    return checkpoint


def latest_checkpoint(ctx: Context, user: User) -> Checkpoint:
    """The latest checkpoint, to export."""
    policy.read(user)
    with ctx.reader() as uow:
        found = uow.audit.latest_checkpoint()
    if found is None:
        raise NotFound("no audit checkpoint yet", code="no_checkpoint")
    return found


def _keys(ctx: Context) -> AuditKeys:
    if ctx.audit_keys is None:
        raise Invalid("no audit signing key is configured", code="no_signing_key")
    return ctx.audit_keys

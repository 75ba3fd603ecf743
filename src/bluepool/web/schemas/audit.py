"""The audit API's bodies: a checkpoint as exported (``bluepool audit
export-checkpoint``, ``GET /api/v1/audit/checkpoint``), to verify the log against."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from bluepool.domain.audit.checkpoints import FORMAT, MAX_SEQ, Checkpoint
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

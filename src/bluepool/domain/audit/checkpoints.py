"""Checkpoints: the head of the log at one moment, signed, for other agencies to keep.

A checkpoint says "the entry at ``seq`` had hash ``hash`` at ``at``", signed with the
collective's Ed25519 key. Kept outside the database (exported as JSON), it lets
``verify`` tell that the log was cut (truncated) or rewritten up to that entry, which the
chain alone cannot show. Signing and checking signatures is the adapters' work (a port);
here is what is signed and the exported form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import rfc8785

from bluepool.domain.audit.chain import Seal
from bluepool.domain.shared.errors import Invalid

#: The exported file's ``format``.
FORMAT: Final = "bluepool-audit-checkpoint/1"
_HEX = re.compile(r"[0-9a-f]+")


#: The largest seq a checkpoint can name: the largest integer JSON carries exactly
#: (RFC 8785 refuses to sign a larger one).
MAX_SEQ = 2**53 - 1


def signed_message(seq: int, hash: str, at: datetime) -> bytes:
    """The bytes a checkpoint's signature covers: canonical JSON of what it vouches for."""
    return rfc8785.dumps({"format": FORMAT, "seq": seq, "hash": hash, "at": at.isoformat()})


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime
    #: The signer's Ed25519 public key (hex of its 32 bytes).
    public_key: str
    #: Hex of the 64-byte signature over ``message()``.
    signature: str

    def message(self) -> bytes:
        return signed_message(self.seq, self.hash, self.at)

    @property
    def seal(self) -> Seal:
        return Seal(self.seq, self.hash, self.at)

    def exported(self) -> dict[str, Any]:
        """The checkpoint as the JSON file other agencies keep."""
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.isoformat(),
            "public_key": self.public_key,
            "signature": self.signature,
        }

    @classmethod
    def imported(cls, data: Any) -> Checkpoint:
        """Read an exported checkpoint; raise Invalid naming what is wrong with it."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise Invalid(f"not an audit checkpoint (format {FORMAT})", code="bad_checkpoint")
        seq, at = data.get("seq"), data.get("at")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
            raise Invalid(
                f"checkpoint: seq must be a positive integer up to {MAX_SEQ}",
                code="bad_checkpoint",
            )
        for name, size in (("hash", 64), ("public_key", 64), ("signature", 128)):
            value = data.get(name)
            if not isinstance(value, str) or len(value) != size or not _HEX.fullmatch(value):
                raise Invalid(
                    f"checkpoint: {name} must be {size} hex digits", code="bad_checkpoint"
                )
        try:
            when = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise Invalid(
                "checkpoint: at must be an ISO 8601 time with a zone", code="bad_checkpoint"
            )
        return cls(seq, data["hash"], when, data["public_key"], data["signature"])

"""What the audit log keeps: one entry per sign-in, failed sign-in, sign-out, refused write,
change and read of another agency's record.

An entry is drafted (``AuditDraft``: who, what, when, about what) and then chained
(``chain.link``): it gets the next ``seq``, the hash of the entry before it (``prev_hash``)
and its own ``hash``, computed over ``prev_hash`` and its ``body``, the canonical JSON
(RFC 8785) of the draft. The body is stored as it was hashed; the other columns are a copy
of it for searching, and ``chain.verify`` checks that they still agree with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import rfc8785

#: The ``prev_hash`` of the first entry.
GENESIS = "0" * 64


class Kind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    #: A write a policy refused; ``action`` names the use case, ``data["rule"]`` the rule.
    REFUSED = "refused"
    #: A change to the collective's records (a domain event); ``action`` is its type.
    CHANGE = "change"
    #: A user bound to an agency read records of another agency.
    READ = "read"


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An entry before it is chained."""

    at: datetime
    actor: str
    kind: Kind
    action: str
    #: The agency the entry is about (the owner of the record changed or read), if any.
    agency: str | None = None
    #: What it is about, ``entity/id`` (``unit/a-1``), if one record.
    subject: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor,
            "kind": self.kind.value,
            "action": self.action,
            "agency": self.agency,
            "subject": self.subject,
            "data": dict(self.data),
        }

    def body(self) -> str:
        """The canonical JSON of this draft (RFC 8785): what its hash covers."""
        return rfc8785.dumps(self.content()).decode("utf-8")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A chained entry, as the log stores it."""

    seq: int
    at: datetime
    actor: str
    kind: str
    action: str
    agency: str | None
    subject: str | None
    #: The canonical JSON the hash covers (see ``AuditDraft.body``).
    body: str
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """The body, parsed."""
        content: dict[str, Any] = json.loads(self.body)
        return content

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.content()["data"]
        return data

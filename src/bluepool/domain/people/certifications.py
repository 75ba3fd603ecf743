"""Certifications: what a person is qualified for, from when, until when.

A grant certifies one person for one kind of certification ("k9_handler", "tactical",
"negotiator"), issued on a day by someone, under an expiry rule: it never expires, it is
valid for a number of days, or until a calendar date. ``expires_on`` is the first day it
is no longer valid (None: never). A renewal issues a new grant and marks the old one
``superseded_by`` it: the history stays, every grant with its own dates. Days are UTC days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NewType

from bluepool.domain.people.personnel import PersonId
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.ids import Username, check_id

GrantId = NewType("GrantId", str)

#: The longest validity a duration may give, in days (ten years).
MAX_VALID_DAYS = 3660
#: The words for the well-known kinds (others are named by their code).
LABELS: dict[str, str] = {
    "k9_handler": "K-9",
    "tactical": "tactical",
    "negotiator": "negotiator",
}


def label(kind: str) -> str:
    """A kind of certification in words: ``k9_handler`` is the K-9 certification."""
    return LABELS.get(kind, kind.replace("_", " "))


def expiry(
    issued_on: date, valid_days: int | None = None, expires_on: date | None = None
) -> date | None:
    """The first day a grant issued on ``issued_on`` is no longer valid, by its expiry rule:
    ``valid_days`` (a duration), ``expires_on`` (a calendar date), or neither (never).
    Invalid when both are given or the grant would expire before it is issued."""
    if valid_days is not None and expires_on is not None:
        raise Invalid(
            "give a certification a duration or an expiry date, not both", code="bad_expiry"
        )
    if valid_days is not None:
        if not 1 <= valid_days <= MAX_VALID_DAYS:
            raise Invalid(
                f"a certification is valid for 1 to {MAX_VALID_DAYS} days", code="bad_expiry"
            )
        return issued_on + timedelta(days=valid_days)
    if expires_on is not None and expires_on <= issued_on:
        raise Invalid(
            f"a certification cannot expire ({expires_on.isoformat()}) on or before the day "
            f"it is issued ({issued_on.isoformat()})",
            code="expires_before_issued",
        )
    return expires_on


@dataclass(frozen=True, slots=True)
class Grant:
    id: GrantId
    person_id: PersonId
    kind: str
    issued_on: date
    #: The first day it is no longer valid (None: it never expires).
    expires_on: date | None
    issued_by: Username
    #: The grant that renewed this one (None: not renewed).
    superseded_by: GrantId | None = None

    @classmethod
    def issue(
        cls,
        id: str,
        person_id: PersonId,
        kind: str,
        issued_on: date,
        issued_by: Username,
        valid_days: int | None = None,
        expires_on: date | None = None,
    ) -> Grant:
        return cls(
            GrantId(check_id("certification", id)),
            person_id,
            check_id("certification kind", kind),
            issued_on,
            expiry(issued_on, valid_days, expires_on),
            issued_by,
        )

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.expires_on is None or day < self.expires_on)

    def valid_at(self, at: datetime) -> bool:
        return self.valid_on(at.date())

    def renewed_by(self, new: Grant) -> Grant:
        """This grant, superseded by ``new`` (same person and kind); Conflict when it was
        renewed already."""
        if self.superseded_by is not None:
            raise Conflict(
                f"certification {self.id} was renewed already (by {self.superseded_by})",
                code="already_renewed",
            )
        if new.person_id != self.person_id or new.kind != self.kind:
            raise Invalid(
                "a renewal certifies the same person for the same kind", code="bad_renewal"
            )
        return replace(self, superseded_by=new.id)


def standing(grants: Iterable[Grant], person_id: PersonId, kind: str, at: datetime) -> str | None:
    """None when ``person_id`` holds a valid grant of ``kind`` at ``at``; otherwise what is
    wrong, in words ("K-9 certification expired 2026-11-03", "K-9 certification missing")."""
    day = at.date()
    mine = [g for g in grants if g.person_id == person_id and g.kind == kind]
    if any(g.valid_on(day) for g in mine):
        return None
    what = f"{label(kind)} certification"
    past = [g.expires_on for g in mine if g.expires_on is not None and g.expires_on <= day]
    if past:
        return f"{what} expired {max(past).isoformat()}"
    future = [g.issued_on for g in mine if g.issued_on > day]
    if future:
        return f"{what} valid only from {min(future).isoformat()}"
    return f"{what} missing"

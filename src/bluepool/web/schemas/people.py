"""Request bodies of the people API: persons, crew shifts, certification grants and
renewals. Responses are the records of ``domain.people``."""

from __future__ import annotations

from pydantic import Field

from bluepool.domain.people.certifications import MAX_VALID_DAYS
from bluepool.domain.people.crews import MAX_ROLE
from bluepool.domain.people.personnel import MAX_NAME, Person
from bluepool.domain.shared.ids import ID_PATTERN, AgencyId
from bluepool.web.schemas.common import Day, Integer, Moment, Slug, Strict


class PersonIn(Strict):
    id: str = Slug
    agency: str = Slug
    #: Personal data: shown to those who may read the record, never logged.
    full_name: str = Field(min_length=1, max_length=MAX_NAME)
    #: The officer's user account, of the same agency (none: not linked yet).
    username: str | None = Field(default=None, min_length=1, max_length=64)

    def person(self) -> Person:
        return Person.of(self.id, AgencyId(self.agency), self.full_name, self.username)


class CrewIn(Strict):
    """``person`` on ``unit`` as ``role`` from ``starts_at`` until ``ends_at``."""

    unit: str = Slug
    person: str = Slug
    role: str = Field(min_length=1, max_length=MAX_ROLE, pattern=ID_PATTERN)
    starts_at: Moment
    ends_at: Moment


class Expiry(Strict):
    """When it stops being valid: after ``valid_days``, on ``expires_on``, or never
    (neither given)."""

    issued_on: Day
    valid_days: Integer | None = Field(default=None, ge=1, le=MAX_VALID_DAYS)
    expires_on: Day | None = None


class CertificationIn(Expiry):
    person: str = Slug
    kind: str = Slug


class RenewalIn(Expiry):
    """The new grant's issue day and expiry rule."""

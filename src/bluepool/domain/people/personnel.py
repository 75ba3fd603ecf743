"""Personnel: the officers of an agency, as records of the agency.

A person is not a user account: an officer is on the agency's roll whether or not they ever
sign in; when they do, ``username`` links the record to their account (what lets an officer
read their own records). The name is personal data (``shared.personal``): it is shown to the
signed-in users who may read the record and never reaches a log or a public page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, Username, check_id

PersonId = NewType("PersonId", str)

#: The longest name kept, in characters.
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class Person:
    id: PersonId
    agency_id: AgencyId
    #: Personal data (``shared.personal.PERSONAL_FIELDS``).
    full_name: str
    #: The user account of the officer, once linked ("" : none).
    username: Username | None = None

    @classmethod
    def of(
        cls, id: str, agency_id: AgencyId, full_name: str, username: str | None = None
    ) -> Person:
        """A person, its fields checked; Invalid (without echoing the name) when one is bad."""
        name = " ".join(full_name.split())
        if not name:
            raise Invalid("a person needs a name", code="bad_name")
        if len(name) > MAX_NAME:
            raise Invalid(f"a person's name has at most {MAX_NAME} characters", code="bad_name")
        return cls(
            PersonId(check_id("person", id)),
            agency_id,
            name,
            Username(username) if username else None,
        )

"""Request bodies that change a call as it develops: an edit, a note, the close, and the
premise and hazard notes. The caller's name and number are marked personal data
(``x-personal`` in the OpenAPI document; ``domain.shared.personal`` holds the rule)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from bluepool.domain.dispatch.incidents import MAX_NOTE
from bluepool.domain.dispatch.premises import MAX_RADIUS_M, MAX_TEXT, NoteKind
from bluepool.domain.shared.ids import MAX_ID_LENGTH
from bluepool.domain.shared.personal import MAX_NAME
from bluepool.web.schemas.common import Integer, Moment, Point, Strict, Tag

_PERSONAL = {"x-personal": True}
CallerName = Annotated[
    str,
    Field(
        max_length=MAX_NAME,
        description="the caller's name (personal data: never logged nor audited)",
        json_schema_extra=_PERSONAL,
    ),
]
CallbackNumber = Annotated[
    str,
    Field(
        max_length=40,
        description="the caller's callback number (personal data: never logged nor audited)",
        json_schema_extra=_PERSONAL,
    ),
]


class IncidentEdit(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 3, "priority": 1, "caller_phone": "+423 555 01 02"}]
        }
    )

    version: Integer = Field(
        ge=1, description="the version the edit was made on; another: 409 stale_version"
    )
    call_type: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)
    priority: Integer | None = Field(default=None, ge=1, le=5)
    location: Point | None = Field(
        default=None, description="the jurisdiction is found again, the address too unless given"
    )
    address: str | None = Field(default=None, max_length=300)
    caller_name: CallerName | None = None
    caller_phone: CallbackNumber | None = None


class NoteCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Caller says the man left on foot, north"}]}
    )

    text: str = Field(min_length=1, max_length=MAX_NOTE)


class IncidentClose(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"disposition": "report_taken", "report_number": "2026-0042"}]
        }
    )

    disposition: str = Field(
        default="",
        max_length=MAX_ID_LENGTH,
        description="one of the collective's dispositions for the call type "
        "(GET /closing?call_type=...); without one: 422 bad_disposition",
    )
    report_number: str = Field(default="", max_length=32)


class PremiseNoteCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "hazard",
                    "text": "Dog on premises, bites",
                    "location": {"lat": 47.139, "lon": 9.5215},
                    "radius_m": 40,
                    "expires_at": "2027-06-01T00:00:00Z",
                }
            ]
        }
    )

    kind: NoteKind
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    location: Point | None = Field(default=None, description="the centre; or give an address")
    radius_m: Integer | None = Field(default=None, ge=1, le=MAX_RADIUS_M)
    address: str = Field(
        default="", max_length=300, description="found in the gazetteer when no location"
    )
    agency: Tag | None = Field(default=None, description="the agency keeping it (its admins)")
    expires_at: Moment | None = Field(default=None, description="none: until removed")


class PremiseNoteUpdate(Strict):
    kind: NoteKind | None = None
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    expires_at: Moment | None = Field(default=None, description="null: until removed")

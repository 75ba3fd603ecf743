"""Request bodies of the dispatch API: incidents, assignments, unit records, status and
position updates. Responses are the dispatch records (``domain.dispatch.records``)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.ids import MAX_ID_LENGTH
from bluepool.services.dispatch.positions import MAX_BATCH
from bluepool.web.schemas.common import Name, Point, Slug, Strict, Tag


class IncidentCreate(Strict):
    call_type: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    priority: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="1 is most urgent; default: the call type's",
    )
    location: Point
    description: str = Field(default="", max_length=4000)


class AssignmentCreate(Strict):
    unit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)


class StatusUpdate(Strict):
    status: UnitStatus
    at: AwareDatetime | None = Field(default=None, description="when the device saw it")
    idempotency_key: str | None = Field(default=None, max_length=128)


class PositionUpdate(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: AwareDatetime = Field(description="when the fix was taken (with a time zone)")
    idempotency_key: str | None = Field(default=None, max_length=128)


class Fix(Strict):
    """One position fix of a batch."""

    unit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: AwareDatetime = Field(description="when the fix was taken (with a time zone)")
    speed: float | None = Field(default=None, ge=0, le=1000, description="metres per second")
    heading: float | None = Field(
        default=None, ge=0, lt=360, description="degrees clockwise from north"
    )


class PositionBatch(Strict):
    fixes: list[Fix] = Field(min_length=1, max_length=MAX_BATCH)


class UnitCreate(Strict):
    id: str = Slug
    agency: str = Slug
    name: Name = ""
    kind: str = Field(min_length=1, max_length=32)
    capabilities: list[Tag] = Field(min_length=1, max_length=32)
    station: Tag | None = None
    location: Point | None = None


class UnitUpdate(Strict):
    name: Name | None = None
    kind: str | None = Field(default=None, min_length=1, max_length=32)
    capabilities: list[Tag] | None = Field(default=None, max_length=32)
    station: Tag | None = None

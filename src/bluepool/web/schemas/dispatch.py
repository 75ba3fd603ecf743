"""Request bodies of the dispatch API: incidents, assignments, unit records, status and
position updates. Responses are the dispatch records (``domain.dispatch.records``)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from bluepool.domain.dispatch.units import MAX_REASON, UnitStatus
from bluepool.domain.shared.ids import MAX_ID_LENGTH
from bluepool.services.dispatch.positions import MAX_BATCH
from bluepool.web.schemas.common import (
    Flag,
    Integer,
    Moment,
    Name,
    Number,
    Point,
    Slug,
    Strict,
    Tag,
)
from bluepool.web.schemas.incidents import CallbackNumber, CallerName


class IncidentCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "call_type": "burglary",
                    "priority": 2,
                    "location": {"lat": 47.139, "lon": 9.5215},
                    "description": "back door forced, caller at the neighbour's",
                    "address": "Städtle 38, Vaduz",
                }
            ]
        }
    )

    call_type: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    priority: Integer | None = Field(
        default=None,
        ge=1,
        le=5,
        description="1 is most urgent; default: the call type's",
    )
    location: Point
    description: str = Field(default="", max_length=4000)
    address: str | None = Field(
        default=None,
        max_length=300,
        description="where it is, as the caller said it; default: the nearest address to "
        "the location (from the gazetteer)",
    )
    caller_name: CallerName = ""
    caller_phone: CallbackNumber = ""


class OverrideRequest(Strict):
    reason: str = Field(
        max_length=MAX_REASON, description="why the sharing rule is set aside (required)"
    )


class AssignmentCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"unit_id": "vaduz-p1"},
                {"unit_id": "schaan-p1", "override": {"reason": "shots fired, nearest car"}},
            ]
        }
    )

    unit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    override: OverrideRequest | None = Field(
        default=None,
        description="assign a unit its agency's sharing policy or home reserve excludes, "
        "with a reason (supervisors; dispatchers when the collective allows it)",
    )


class DiversionCreate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"unit_id": "vaduz-p1"}]})

    unit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)


class RecallRequest(Strict):
    reason: str = Field(default="", max_length=MAX_REASON)


class StatusUpdate(Strict):
    status: UnitStatus
    at: Moment | None = Field(default=None, description="when the device saw it")
    idempotency_key: str | None = Field(default=None, max_length=128)
    reason: str = Field(
        default="",
        max_length=MAX_REASON,
        description="why the unit is out of service (required for out_of_service)",
    )
    confirm: Flag = Field(
        default=False,
        description="clear a unit that has not reached its call yet (without: 409 confirm_clear)",
    )


class PositionUpdate(Strict):
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)
    at: Moment = Field(description="when the fix was taken (with a time zone)")
    idempotency_key: str | None = Field(default=None, max_length=128)


class Fix(Strict):
    """One position fix of a batch."""

    unit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    lat: Number = Field(ge=-90, le=90)
    lon: Number = Field(ge=-180, le=180)
    at: Moment = Field(description="when the fix was taken (with a time zone)")
    speed: Number | None = Field(default=None, ge=0, le=1000, description="metres per second")
    heading: Number | None = Field(
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


class EmergencyPress(Strict):
    """The emergency button. Every field may be left out: the press alone is enough."""

    location: Point | None = Field(
        default=None, description="the device's position now; default: the unit's last fix"
    )


class BackupRequest(Strict):
    detail: str = Field(default="", max_length=500, description='e.g. "suspect fled on foot"')


class FieldIncidentCreate(Strict):
    """An incident the crew came upon (a self-initiated call type)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"call_type": "traffic_stop", "description": "FL-1234"}]}
    )

    call_type: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    location: Point | None = Field(
        default=None, description="where; default: the unit's last position fix"
    )
    description: str = Field(default="", max_length=4000)

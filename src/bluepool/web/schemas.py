"""The API's request and response models (pydantic); they are the OpenAPI contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from bluepool.domain.access.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from bluepool.domain.access.roles import Role
from bluepool.domain.dispatch.units import UnitStatus
from bluepool.domain.shared.ids import ID_PATTERN, MAX_ID_LENGTH

Slug = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
#: A capability or an id inside a list: a short slug.
Tag = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
Name = Annotated[str, Field(max_length=200)]


def _no_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k)
            _no_nul(v)
    elif isinstance(value, list):
        for v in value:
            _no_nul(v)


class Strict(BaseModel):
    """A request body: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul(cls, data: Any) -> Any:
        _no_nul(data)
        return data


class Point(Strict):
    lat: float = Field(ge=-90, le=90, description="latitude, WGS84 degrees")
    lon: float = Field(ge=-180, le=180, description="longitude, WGS84 degrees")


class Problem(BaseModel):
    detail: Any
    code: str


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    role: str
    username: str
    agency: str | None = None
    unit_id: str | None = None


# incidents -----------------------------------------------------------------------------


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


class AssignmentPublic(BaseModel):
    unit_id: str
    status: str
    assigned_at: datetime
    cleared_at: datetime | None


class TimelineEntryPublic(BaseModel):
    at: datetime
    kind: str
    actor: str
    unit_id: str | None
    detail: str


class IncidentPublic(BaseModel):
    id: str
    call_type: str
    priority: int
    location: Point
    jurisdiction: str | None
    description: str
    status: str
    received_at: datetime
    closed_at: datetime | None
    assignments: list[AssignmentPublic]
    timeline: list[TimelineEntryPublic]
    version: int


class IncidentsPublic(BaseModel):
    items: list[IncidentPublic]
    total: int
    limit: int
    offset: int


class CandidatePublic(BaseModel):
    unit_id: str
    agency: str
    eta_seconds: float
    fills: list[str]
    own_agency: bool
    proposed: bool = Field(description="part of the proposed response that fills the plan")
    reasons: list[str]


class ExclusionPublic(BaseModel):
    unit_id: str
    agency: str
    reason: str


class ProposedPublic(BaseModel):
    capability: str
    unit_id: str


class ShortfallPublic(BaseModel):
    capability: str
    missing: int


class RecommendationPublic(BaseModel):
    incident_id: str
    method: str
    candidates: list[CandidatePublic]
    proposed: list[ProposedPublic]
    shortfalls: list[ShortfallPublic]
    excluded: list[ExclusionPublic]


class AssignmentCreate(Strict):
    unit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)


# units ---------------------------------------------------------------------------------


class UnitPublic(BaseModel):
    id: str
    agency: str
    name: str
    kind: str
    capabilities: list[str]
    station: str | None
    status: UnitStatus
    location: Point | None
    jurisdiction: str | None
    incident_id: str | None
    workload: int
    status_at: datetime | None
    position_at: datetime | None
    version: int


class UnitUpdateResult(UnitPublic):
    applied: bool = Field(description="false when the update was a replay or older than the last")


class UnitsPublic(BaseModel):
    items: list[UnitPublic]
    total: int
    limit: int
    offset: int


class AssignResult(BaseModel):
    incident_id: str
    unit_id: str
    eta_seconds: float
    reasons: list[str]
    incident: IncidentPublic
    unit: UnitPublic


class StatusUpdate(Strict):
    status: UnitStatus
    at: AwareDatetime | None = Field(default=None, description="when the device saw it")
    idempotency_key: str | None = Field(default=None, max_length=128)


class PositionUpdate(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: AwareDatetime = Field(description="when the fix was taken (with a time zone)")
    idempotency_key: str | None = Field(default=None, max_length=128)


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


# the collective ------------------------------------------------------------------------


class AgencyIn(Strict):
    id: str = Slug
    name: str = Field(min_length=1, max_length=200)


class AgencyUpdate(Strict):
    name: str = Field(min_length=1, max_length=200)


class AgencyPublic(BaseModel):
    id: str
    name: str


class JurisdictionIn(Strict):
    id: str = Slug
    name: str = Field(min_length=1, max_length=200)
    agency: str = Slug
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon")


class JurisdictionPublic(BaseModel):
    id: str
    name: str
    agency: str
    geometry: dict[str, Any] | None = None


class StationIn(Strict):
    id: str = Slug
    agency: str = Slug
    name: str = Field(min_length=1, max_length=200)
    location: Point


class StationPublic(BaseModel):
    id: str
    agency: str
    name: str
    location: Point


class RequirementIn(Strict):
    capability: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    count: int = Field(default=1, ge=1, le=50)


class CallTypeIn(Strict):
    code: str = Slug
    name: str = Field(min_length=1, max_length=200)
    default_priority: int = Field(default=3, ge=1, le=5)
    plan: list[RequirementIn] = Field(
        min_length=1, max_length=20, description="the response plan (run card)"
    )


class CallTypePublic(BaseModel):
    code: str
    name: str
    default_priority: int
    plan: list[RequirementIn]


class RuleIn(Strict):
    jurisdictions: list[Tag] | None = Field(default=None, description="null: any")
    call_types: list[Tag] | None = Field(default=None, description="null: any")
    capabilities: list[Tag] | None = Field(default=None, description="null: any")
    max_priority: int = Field(default=5, ge=1, le=5)


class RulePublic(RuleIn):
    summary: str


class PolicyIn(Strict):
    home_reserve: int = Field(default=0, ge=0, le=1000)
    rules: list[RuleIn] = Field(default=[], max_length=100)


class PolicyPublic(BaseModel):
    agency: str
    home_reserve: int
    rules: list[RulePublic]


class UserCreate(Strict):
    username: str = Slug
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: Role
    full_name: Name = ""
    agency: Tag | None = None
    unit_id: Tag | None = None


class UserUpdate(Strict):
    role: Role | None = None
    full_name: Name | None = None
    unit_id: str | None = Field(
        default=None, max_length=MAX_ID_LENGTH, description='"" unlinks the unit'
    )
    active: bool | None = None
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )


class UserPublic(BaseModel):
    username: str
    role: Role
    full_name: str
    agency: str | None
    unit_id: str | None
    active: bool


class ChangePublic(BaseModel):
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    data: dict[str, Any]


class ChangesPublic(BaseModel):
    items: list[ChangePublic]
    total: int
    limit: int
    offset: int

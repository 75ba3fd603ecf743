"""Request bodies of the collective API: agencies, jurisdictions, stations, call types.
Responses are the collective's records (``domain.collective.records``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, field_validator

from bluepool.domain.shared.ids import ID_PATTERN, MAX_ID_LENGTH
from bluepool.web.schemas.common import Integer, Point, Slug, Strict


class AgencyIn(Strict):
    id: str = Slug
    name: str = Field(min_length=1, max_length=200)


class AgencyUpdate(Strict):
    name: str = Field(min_length=1, max_length=200)


class JurisdictionIn(Strict):
    id: str = Slug
    name: str = Field(min_length=1, max_length=200)
    agency: str = Slug
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon")

    @field_validator("geometry")
    @classmethod
    def _numbers_only(cls, geometry: dict[str, Any]) -> dict[str, Any]:
        _coordinates_are_numbers(geometry.get("coordinates"))
        return geometry


def _coordinates_are_numbers(value: Any) -> None:
    """A GeoJSON coordinate is a JSON number: not text, not true or false."""
    if isinstance(value, list):
        for v in value:
            _coordinates_are_numbers(v)
    elif isinstance(value, bool) or not isinstance(value, int | float | None):
        raise ValueError(f"a coordinate is a number, not {type(value).__name__} {value!r:.20}")


class StationIn(Strict):
    id: str = Slug
    agency: str = Slug
    name: str = Field(min_length=1, max_length=200)
    location: Point


class RequirementIn(Strict):
    capability: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
    count: Integer = Field(default=1, ge=1, le=50)


class CallTypeIn(Strict):
    code: str = Slug
    name: str = Field(min_length=1, max_length=200)
    default_priority: Integer = Field(default=3, ge=1, le=5)
    plan: list[RequirementIn] = Field(
        min_length=1, max_length=20, description="the response plan (run card)"
    )
    self_initiated: StrictBool = Field(
        default=False, description="officers may start it from their phone (traffic stop, on view)"
    )
    emergency: StrictBool = Field(
        default=False,
        description="the officer-in-distress call type the emergency button opens (one at most)",
    )

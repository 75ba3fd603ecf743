"""What every request body shares: refused unknown fields and NUL characters, points, the
error body, short ids."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

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

"""What every request body shares: refused unknown fields and NUL characters, strict
numbers, flags and times, points, the error body, short ids.

Bad input is refused, not coerced: a number is a JSON number (``47`` and ``47.5``, never
``"47.5"`` or ``false``), an integer a JSON integer, a flag ``true`` or ``false`` (never
``"yes"`` or ``1``), a time ISO 8601 text with a zone (never a number). Every number,
integer and flag field of a request body uses the types below.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from bluepool.domain.shared.ids import ID_PATTERN, MAX_ID_LENGTH

Slug = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
#: A capability or an id inside a list: a short slug.
Tag = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)]
Name = Annotated[str, Field(max_length=200)]

#: A JSON number: an integer is a fine float (47 is a latitude), text and booleans are not.
Number = StrictFloat
#: A JSON integer: not 3.0, "3" or true.
Integer = StrictInt
#: true or false: not "yes", "true", 1 or null.
Flag = StrictBool


def _time_as_text(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError("a time is ISO 8601 text with a time zone, e.g. 2024-05-01T12:00:00Z")
    return value


def _flag_text(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("a flag is true or false")


#: A flag in a query string: ``true`` or ``false`` (not ``yes``, ``on`` or ``1``).
QueryFlag = Annotated[bool, BeforeValidator(_flag_text)]

#: A moment as ISO 8601 text with a time zone (a number is refused, not read as epoch seconds).
Moment = Annotated[AwareDatetime, BeforeValidator(_time_as_text)]


def _day_as_text(value: Any) -> Any:
    if not isinstance(value, str | date) or isinstance(value, datetime):
        raise ValueError("a day is ISO 8601 text, e.g. 2026-11-03")
    return value


#: A calendar day as ISO 8601 text (``2026-11-03``; a number or a time is refused).
Day = Annotated[date, BeforeValidator(_day_as_text)]


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
    lat: Number = Field(ge=-90, le=90, description="latitude, WGS84 degrees")
    lon: Number = Field(ge=-180, le=180, description="longitude, WGS84 degrees")


class Problem(BaseModel):
    detail: Any
    code: str

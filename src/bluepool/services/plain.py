"""Records and events as plain JSON-able data: the one way bluepool turns them into JSON
(the change log's data, the outbox's payloads, the event stream).

Dataclasses become dicts of their fields (class-level constants left out), tuples and
frozensets lists (frozensets sorted), datetimes ISO 8601 strings, enums their values.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from bluepool.domain.shared.events import Event

#: A JSON object: what ``payload`` gives, what the outbox stores and the stream sends.
JSONObject = dict[str, Any]

_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """Return ``value`` as JSON-able data."""
    if isinstance(value, Enum):  # before str: a StrEnum is a str
        return value.value
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(value):
            raise TypeError(f"cannot make plain data of {cls.__name__}")
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value))
    return {n: plain(getattr(value, n)) for n in names}


def payload(event: Event) -> JSONObject:
    """The event as the outbox and the event stream carry it: its fields and its ``type``."""
    data: JSONObject = plain(event)
    data["type"] = event.type
    return data

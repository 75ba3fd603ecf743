"""Personal data: what a caller tells dispatch about themselves, and the names of people.

A caller's name and callback number are personal data. They are the one rule here: the
fields named in ``PERSONAL_FIELDS`` are shown to the signed-in users who work the call
(the API, the console, the live stream) and nowhere else. They never reach a log, the
change log or a public page, and the audit log keeps them redacted (``redact``): an entry
says that a caller's number changed, never the number.
"""

from __future__ import annotations

import re
from typing import Any

from bluepool.domain.shared.errors import Invalid

#: Every field, on any record or event, that holds personal data.
PERSONAL_FIELDS = frozenset({"caller_name", "caller_phone", "full_name"})
#: What a personal value becomes where it must not appear.
REDACTED = "[personal]"

MAX_NAME = 200
#: A callback number as people write it: digits, spaces, + - ( ) / and a few letters
#: for an extension ("+423 236 71 11 ext 4").
_PHONE = re.compile(r"^\+?[0-9][0-9 ()/.\-]{2,30}(?: ?(?:ext|x)\.? ?[0-9]{1,6})?$")


def is_personal(name: str) -> bool:
    return name in PERSONAL_FIELDS


def redact(data: Any) -> Any:
    """``data`` (plain JSON-able data) with every personal field's value replaced by
    ``REDACTED`` (an empty value stays empty: that nothing is known is no secret)."""
    if isinstance(data, dict):
        return {
            k: (REDACTED if data[k] else data[k]) if is_personal(k) else redact(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact(v) for v in data]
    return data


def check_caller_name(value: str) -> str:
    name = " ".join(value.split())
    if len(name) > MAX_NAME:
        raise Invalid(f"a caller's name has at most {MAX_NAME} characters", code="bad_caller")
    return name


def check_callback_number(value: str) -> str:
    """The number, spaces tidied; raise Invalid (without echoing it) when it is none."""
    number = " ".join(value.split())
    if number and not _PHONE.match(number):
        raise Invalid(
            "the callback number must be a phone number (digits, spaces, + - ( ) /)",
            code="bad_callback_number",
        )
    return number

"""Identifiers of the collective's things: short, human-readable strings.

Every id (an agency, jurisdiction, station, unit, call type code, capability, username) has
one grammar, whoever writes it: the API, the collective file or the boundary importer. It is
``ID_PATTERN`` (an ASCII letter or digit, then letters, digits, ``-``, ``_`` or ``.``), at
most ``MAX_ID_LENGTH`` characters; docs/decisions/0005-one-id-grammar.md says why this one.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import NewType

from bluepool.domain.shared.errors import Invalid

AgencyId = NewType("AgencyId", str)
JurisdictionId = NewType("JurisdictionId", str)
StationId = NewType("StationId", str)
UnitId = NewType("UnitId", str)
IncidentId = NewType("IncidentId", str)
CallTypeCode = NewType("CallTypeCode", str)
Username = NewType("Username", str)

_FIRST = "A-Za-z0-9"
_REST = r"A-Za-z0-9_.\-"
#: The grammar as a pattern string, for pydantic's ``Field(pattern=...)`` (anchored, since
#: pydantic searches rather than matches).
ID_PATTERN = f"^[{_FIRST}][{_REST}]*$"
ID_RE = re.compile(ID_PATTERN)
MAX_ID_LENGTH = 64
_ALLOWED = re.compile(f"[{_REST}]")
_HOW = (
    f'use letters, digits, "-", "_" and ".", beginning with a letter or digit, '
    f"at most {MAX_ID_LENGTH} characters"
)


def check_id(kind: str, value: str) -> str:
    """Return ``value`` if it is a valid id; raise ``Invalid`` (code ``bad_id``) saying why not.

    ``kind`` names what the id is for in the message (``"unit id"``, ``"username"``).
    """
    if len(value) > MAX_ID_LENGTH:
        shown = _quoted(value[:MAX_ID_LENGTH] + "...")
        why = f"it has {len(value)} characters, at most {MAX_ID_LENGTH}"
        raise Invalid(f"{shown} is not a valid {kind}: {why}", code="bad_id")
    if ID_RE.fullmatch(value) is None:
        why = f"{_flaw(value)}; {_HOW}"
        raise Invalid(f"{_quoted(value)} is not a valid {kind}: {why}", code="bad_id")
    return value


def _quoted(value: str) -> str:
    """Quote ``value`` with its control characters escaped, so a message stays one line."""
    return json.dumps(value, ensure_ascii=False)


def _flaw(value: str) -> str:
    if not value:
        return "it is empty"
    if ID_RE.fullmatch(value[0]) is None:
        return f"it begins with {value[0]!r}"
    bad = next(c for c in value if not _ALLOWED.fullmatch(c))
    return f"it contains {bad!r}"


def slugify(name: str, *, default: str = "id") -> str:
    """Make an id from a display name: ``"Schaan-Süd (Ost)"`` gives ``"schaan-sud-ost"``.

    Accents are dropped, every other run of characters that is not a lowercase letter or a
    digit becomes one ``-``, and the result is cut to ``MAX_ID_LENGTH``. A name with nothing
    left (``"東京"``) gives ``default``. The result always passes ``check_id``; two names may
    give the same id, which the caller must check.
    """
    check_id("default id", default)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_ID_LENGTH].rstrip("-") or default

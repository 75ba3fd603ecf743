"""Closing a call properly: the dispositions a collective closes calls with, the report
number, whether the last unit clearing closes the call, and the clear that comes too early.

The collective file's ``closing:`` section sets the rules (docs/collective-file.md); a
collective that sets none closes with ``DEFAULT_DISPOSITIONS`` and the last unit's clear
closing the call, as before. A disposition may be limited to some call types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bluepool.domain.dispatch.units import Unit, UnitStatus
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import CallTypeCode


@dataclass(frozen=True, slots=True)
class Disposition:
    code: str
    name: str
    #: The call types it closes; empty: every call type.
    call_types: frozenset[CallTypeCode] = frozenset()

    def applies_to(self, call_type: CallTypeCode) -> bool:
        return not self.call_types or call_type in self.call_types


DEFAULT_DISPOSITIONS = (
    Disposition("report_taken", "Report taken"),
    Disposition("no_report", "Handled, no report"),
    Disposition("unfounded", "Unfounded"),
    Disposition("gone_on_arrival", "Gone on arrival"),
    Disposition("cancelled", "Cancelled by caller"),
)

#: A report number: letters, digits, ``-`` and ``/``, starting with a letter or digit
#: ("2026-001234", "VD/26/118"), at most 32 characters.
REPORT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{0,31}$")


@dataclass(frozen=True, slots=True)
class ClosingRules:
    dispositions: tuple[Disposition, ...] = DEFAULT_DISPOSITIONS
    #: True: the last unit clearing after serving the call closes it (without a
    #: disposition); False: the call waits for dispatch to close it with one.
    last_unit_clear_closes: bool = True

    def __post_init__(self) -> None:
        if not self.dispositions:
            raise Invalid("give at least one disposition", code="bad_disposition")
        codes = [d.code for d in self.dispositions]
        if len(set(codes)) != len(codes):
            raise Invalid("a disposition's code is given twice", code="bad_disposition")

    def value(self) -> dict[str, Any]:
        """The rules as plain values (how the collective's settings keep them)."""
        return {
            "dispositions": [
                {"code": d.code, "name": d.name, "call_types": sorted(d.call_types)}
                for d in self.dispositions
            ],
            "last_unit_clear_closes": self.last_unit_clear_closes,
        }

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> ClosingRules:
        return cls(
            tuple(
                Disposition(
                    d["code"], d["name"], frozenset(CallTypeCode(c) for c in d["call_types"])
                )
                for d in value["dispositions"]
            ),
            bool(value["last_unit_clear_closes"]),
        )

    def for_call_type(self, call_type: CallTypeCode) -> tuple[Disposition, ...]:
        return tuple(d for d in self.dispositions if d.applies_to(call_type))

    def disposition(self, code: str, call_type: CallTypeCode) -> Disposition:
        """The disposition ``code`` for a call of ``call_type``; raise Invalid naming the
        ones it may be closed with."""
        allowed = self.for_call_type(call_type)
        found = next((d for d in allowed if d.code == code), None)
        if found is None:
            known = ", ".join(d.code for d in allowed)
            what = f"no disposition {code!r}" if code else "a disposition is required"
            raise Invalid(
                f"{what} for a {call_type} call; close it with one of: {known}",
                code="bad_disposition",
            )
        return found


def check_report_number(value: str) -> str:
    number = value.strip()
    if number and not REPORT_NUMBER.match(number):
        raise Invalid(
            f"report number {number!r} must be letters, digits, - and / (at most 32), "
            "starting with a letter or digit",
            code="bad_report_number",
        )
    return number


def clears_early(unit: Unit, new: UnitStatus, at: datetime) -> bool:
    """True when ``new``, seen at ``at``, would free ``unit`` from its incident before it
    got there (an accidental clear recalls the unit, and a call left without a unit is
    requeued): such a clear must be confirmed. An update older than the unit's status
    changes nothing, so it needs no confirming."""
    return (
        (unit.status_at is None or at >= unit.status_at)
        and unit.incident_id is not None
        and unit.status in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE)
        and new is UnitStatus.AVAILABLE
    )

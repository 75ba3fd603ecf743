"""Sharing policies: what each agency lends to the rest of the collective.

An agency's units always serve its own jurisdictions. Beyond them, a unit serves an incident
only when a rule of its agency's policy covers the incident's jurisdiction, call type, priority
and the unit's capability. Whatever the rules say, a lending agency keeps ``home_reserve``
available units inside its own jurisdictions.

An agency without a policy lends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId


@dataclass(frozen=True, slots=True)
class SharingRule:
    """Lend units with ``capabilities`` to ``jurisdictions`` for ``call_types``.

    ``None`` means any. ``max_priority`` lends only for incidents at least that urgent
    (priority 1 is the most urgent).
    """

    jurisdictions: frozenset[JurisdictionId] | None = None
    call_types: frozenset[CallTypeCode] | None = None
    capabilities: frozenset[str] | None = None
    max_priority: int = 5

    def lends(
        self,
        jurisdiction_id: JurisdictionId | None,
        call_type: CallTypeCode,
        priority: int,
        capabilities: frozenset[str],
    ) -> frozenset[str]:
        """Return which of ``capabilities`` this rule lends for such an incident."""
        if self.jurisdictions is not None and jurisdiction_id not in self.jurisdictions:
            return frozenset()
        if self.call_types is not None and call_type not in self.call_types:
            return frozenset()
        if priority > self.max_priority:
            return frozenset()
        return capabilities if self.capabilities is None else capabilities & self.capabilities

    def describe(self) -> str:
        parts = []
        parts.append(
            "any capability" if self.capabilities is None else ", ".join(sorted(self.capabilities))
        )
        parts.append(
            "anywhere"
            if self.jurisdictions is None
            else "to " + ", ".join(sorted(self.jurisdictions))
        )
        parts.append(
            "any call type"
            if self.call_types is None
            else "for " + ", ".join(sorted(self.call_types))
        )
        if self.max_priority == 1:
            parts.append("priority 1 only")
        elif self.max_priority < 5:
            parts.append(f"priority 1-{self.max_priority}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class SharingPolicy:
    agency_id: AgencyId
    home_reserve: int = 0
    rules: tuple[SharingRule, ...] = ()

    def __post_init__(self) -> None:
        if self.home_reserve < 0:
            raise Invalid(f"home reserve of {self.agency_id} must be 0 or more")

    def lends(
        self,
        jurisdiction_id: JurisdictionId | None,
        call_type: CallTypeCode,
        priority: int,
        capabilities: frozenset[str],
    ) -> frozenset[str]:
        """Return which of ``capabilities`` the agency lends for such an incident."""
        lent: frozenset[str] = frozenset()
        for rule in self.rules:
            lent |= rule.lends(jurisdiction_id, call_type, priority, capabilities)
        return lent

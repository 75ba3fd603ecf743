"""Read models of the sharing context: an agency's sharing policy and its rules."""

from __future__ import annotations

from dataclasses import dataclass

from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule


def _sorted(values: frozenset[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted(values))


@dataclass(frozen=True, slots=True)
class RuleRecord:
    #: None: any.
    jurisdictions: tuple[str, ...] | None
    call_types: tuple[str, ...] | None
    capabilities: tuple[str, ...] | None
    max_priority: int
    #: The rule in words.
    summary: str

    @classmethod
    def of(cls, r: SharingRule) -> RuleRecord:
        return cls(
            _sorted(r.jurisdictions),
            _sorted(r.call_types),
            _sorted(r.capabilities),
            r.max_priority,
            r.describe(),
        )


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    agency: AgencyId
    home_reserve: int
    rules: tuple[RuleRecord, ...]

    @classmethod
    def of(cls, p: SharingPolicy) -> PolicyRecord:
        return cls(p.agency_id, p.home_reserve, tuple(RuleRecord.of(r) for r in p.rules))

"""Which certifications a capability needs, and which capabilities a crew cannot staff.

The collective's ``certifications`` setting says, for each capability, the certifications
its crew must hold and who must hold them: the holder of one role (``k9: [{certification:
k9_handler, role: handler}]``: the dog's handler) or every member (``swat: [{certification:
tactical}]``). A unit offers a capability that needs certifications only while its crew
holds valid ones (``lapsed``); a capability no rule names needs none, and a unit with none
of those is never affected (no crew needed either).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from bluepool.domain.people.certifications import Grant, standing
from bluepool.domain.people.crews import CrewAssignment
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import UnitId, check_id


@dataclass(frozen=True, slots=True)
class Needs:
    """A capability's crew must hold ``certification``: the holder of ``role``, or every
    member when ``role`` is None."""

    capability: str
    certification: str
    role: str | None = None


@dataclass(frozen=True, slots=True)
class CertificationRules:
    needs: tuple[Needs, ...] = ()

    #: The name it is kept under among the collective's settings.
    SETTING: ClassVar[str] = "certifications"

    def of_capability(self, capability: str) -> tuple[Needs, ...]:
        return tuple(n for n in self.needs if n.capability == capability)

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset(n.capability for n in self.needs)

    def value(self) -> dict[str, Any]:
        out: dict[str, list[dict[str, str]]] = {}
        for n in self.needs:
            item = {"certification": n.certification}
            if n.role is not None:
                item["role"] = n.role
            out.setdefault(n.capability, []).append(item)
        return out

    @classmethod
    def of(cls, value: Mapping[str, Any] | None) -> CertificationRules:
        """The rules from the setting's value; Invalid when it is not of that shape."""
        needs: list[Needs] = []
        for capability, items in (value or {}).items():
            if not isinstance(items, list):
                raise Invalid(
                    f"certifications.{capability} must be a list", code="bad_certification_rule"
                )
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("certification"), str):
                    raise Invalid(
                        f"certifications.{capability}: each item names a certification",
                        code="bad_certification_rule",
                    )
                role = item.get("role")
                needs.append(
                    Needs(
                        check_id("capability", str(capability)),
                        check_id("certification kind", item["certification"]),
                        check_id("crew role", str(role)) if role is not None else None,
                    )
                )
        return cls(tuple(needs))


def lapsed(
    rules: CertificationRules,
    unit_id: UnitId,
    capabilities: frozenset[str],
    crew: Sequence[CrewAssignment],
    grants: Iterable[Grant],
    at: datetime,
) -> dict[str, str]:
    """The capabilities of a unit its crew at ``at`` cannot staff, each with the reason in
    words ("handler's K-9 certification expired 2026-11-03"); empty when it can staff all."""
    out: dict[str, str] = {}
    held = tuple(grants)
    for capability in sorted(capabilities & rules.capabilities):
        if not crew:
            out[capability] = f"no crew on {unit_id} at {at:%H:%M}"
            continue
        for n in rules.of_capability(capability):
            reason = _unmet(n, crew, held, at)
            if reason is not None:
                out[capability] = reason
                break
    return out


def _unmet(
    n: Needs, crew: Sequence[CrewAssignment], grants: tuple[Grant, ...], at: datetime
) -> str | None:
    if n.role is not None:
        holders = [a for a in crew if a.role == n.role]
        if not holders:
            return f"no {n.role} in the crew"
        # One holder of the role with a valid grant is enough.
        reasons = [standing(grants, a.person_id, n.certification, at) for a in holders]
        if any(r is None for r in reasons):
            return None
        return f"{n.role}'s {reasons[0]}" if len(holders) == 1 else f"every {n.role}: {reasons[0]}"
    for a in sorted(crew, key=lambda a: a.person_id):
        reason = standing(grants, a.person_id, n.certification, at)
        if reason is not None:
            return f"{a.role} {a.person_id}: {reason}"
    return None


def withheld(
    rules: CertificationRules,
    units: Iterable[tuple[UnitId, frozenset[str]]],
    crews: Sequence[CrewAssignment],
    grants: Sequence[Grant],
    at: datetime,
) -> dict[UnitId, dict[str, str]]:
    """``lapsed`` for each unit (id, capabilities) that has a capability the rules name:
    what the recommender withholds (``recommend.Collective.withheld``)."""
    if not rules.needs:
        return {}
    named = rules.capabilities
    out: dict[UnitId, dict[str, str]] = {}
    for unit_id, caps in units:
        if caps.isdisjoint(named):
            continue
        crew = [a for a in crews if a.unit_id == unit_id and a.holds(at)]
        found = lapsed(rules, unit_id, caps, crew, grants, at)
        if found:
            out[unit_id] = found
    return out

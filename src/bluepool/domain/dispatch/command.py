"""Dispatch in command: what the floor decides over the recommender's head.

- An **override** sends a unit that the recommendation excluded by a sharing rule
  (``policy_forbids``: its agency does not lend it here; ``reserve_kept``: lending it would
  break its agency's home reserve), with the dispatcher's reason. Nothing else can be
  overridden: a unit that is busy, lacks the capability, or has no position or road cannot
  go, whoever asks. Who may override is the collective's rule (``FloorRules``): supervisors
  always, dispatchers when the collective allows it (``services.dispatch.policy``).
- A **diversion** takes a unit off a less urgent call for a more urgent one. The offers are
  the units committed to a strictly less urgent open incident that the recommender would
  send here if they were free (``divertable``); the old call goes back to the queue when no
  unit is left on it.
- A **recall** takes a unit off an incident; the unit is available again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from bluepool.domain.dispatch.recommend import Candidate, Exclusion
from bluepool.domain.dispatch.rules import RuleCode
from bluepool.domain.dispatch.units import COMMITTED, Unit, UnitStatus
from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import format_duration
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, IncidentId, UnitId

#: The rules an override may set aside: the agencies' sharing rules, nothing else.
OVERRIDABLE = frozenset({RuleCode.POLICY_FORBIDS, RuleCode.RESERVE_KEPT})
#: How many diversion offers a recommendation carries at most (the nearest).
MAX_OFFERS = 5
#: The specialist margin without a ``dispatch`` setting, and its bounds (seconds).
DEFAULT_SPECIALIST_MARGIN_S = 120
MAX_SPECIALIST_MARGIN_S = 3600


@dataclass(frozen=True, slots=True)
class FloorRules:
    """How the collective runs its dispatch floor: the collective file's ``dispatch:``."""

    #: Dispatchers, not only supervisors, may override a sharing rule (with a reason).
    dispatchers_may_override: bool = False
    #: A specialist (a dog team, a tactical team, a helicopter) is not sent to fill another
    #: kind's line (a patrol line) while a unit of that kind arrives within this many
    #: seconds of it; 0: specialists rank like any unit (docs/decisions/0020).
    specialist_margin_s: int = DEFAULT_SPECIALIST_MARGIN_S

    #: The name it is kept under among the collective's settings.
    SETTING: ClassVar[str] = "dispatch"

    def __post_init__(self) -> None:
        if not 0 <= self.specialist_margin_s <= MAX_SPECIALIST_MARGIN_S:
            raise Invalid(
                f"the specialist margin must be 0 to {MAX_SPECIALIST_MARGIN_S} seconds",
                code="bad_margin",
            )

    def value(self) -> dict[str, Any]:
        return {
            "dispatchers_may_override": self.dispatchers_may_override,
            "specialist_margin_s": self.specialist_margin_s,
        }

    @classmethod
    def of(cls, value: Mapping[str, Any] | None) -> FloorRules:
        value = value or {}
        margin = value.get("specialist_margin_s", DEFAULT_SPECIALIST_MARGIN_S)
        return cls(
            dispatchers_may_override=value.get("dispatchers_may_override") is True,
            specialist_margin_s=int(margin),
        )


@dataclass(frozen=True, slots=True)
class Override:
    """A sharing rule set aside for one assignment: which rule, what it said, and why."""

    #: The rule overridden (``policy_forbids`` or ``reserve_kept``).
    rule: RuleCode
    #: The recommender's words for the exclusion.
    excluded: str
    #: The dispatcher's reason.
    reason: str

    @classmethod
    def of(cls, exclusion: Exclusion, reason: str) -> Override:
        return cls(exclusion.code, exclusion.reason, reason)

    @property
    def detail(self) -> str:
        """The timeline's words."""
        return f"{self.rule.value} overridden ({self.excluded}): {self.reason}"


@dataclass(frozen=True, slots=True)
class Committed:
    """The incident a unit is committed to, as a diversion offer names it."""

    id: IncidentId
    priority: int
    call_type: CallTypeCode


def divertable(
    units: Iterable[Unit],
    priority: int,
    incident_id: IncidentId,
    committed: Mapping[IncidentId, Committed],
) -> list[Unit]:
    """The units committed to an open incident strictly less urgent than ``priority``, as
    free copies the recommender can rank.

    A copy counts toward no agency's home reserve (its jurisdiction is left out): the unit
    is not available at home now, and diverting it leaves its agency's available units as
    they are; the agency's sharing rules still apply.
    """
    out: list[Unit] = []
    for u in units:
        on = committed.get(u.incident_id) if u.incident_id else None
        if (
            u.status in COMMITTED
            and on is not None
            and on.id != incident_id
            and on.priority > priority
        ):
            out.append(
                dataclasses.replace(
                    u, status=UnitStatus.AVAILABLE, incident_id=None, jurisdiction_id=None
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class DiversionOffer:
    """A unit on a less urgent call that could come here instead."""

    unit_id: UnitId
    agency: AgencyId
    eta_seconds: float
    fills: tuple[str, ...]
    #: The incident it would leave.
    from_incident: IncidentId
    from_priority: int
    from_call_type: CallTypeCode
    #: In words: "divert from P4 Noise complaint, ETA 2 min 5 s".
    summary: str
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, c: Candidate, on: Committed, call_type_name: str) -> DiversionOffer:
        summary = (
            f"divert from P{on.priority} {call_type_name}, ETA {format_duration(c.eta_seconds)}"
        )
        return cls(
            c.unit_id,
            c.agency_id,
            round(c.eta_seconds, 1),
            tuple(sorted(c.fills)),
            on.id,
            on.priority,
            on.call_type,
            summary,
            c.reasons,
        )

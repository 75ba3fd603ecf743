"""The rules that keep a unit out of a recommendation, each with a stable code.

``recommend`` says in words why it excluded a unit, for a dispatcher to read, and gives the
rule it applied as a code, for programs to act on: the service picks its error from the code,
never from the wording, so the words can change without changing what a caller receives.

    code              the unit is excluded because
    ----------------  --------------------------------------------------------------------
    unit_unavailable  it is not available (dispatched, on scene, busy, off duty, ...)
    not_capable       it has none of the capabilities the response plan asks for
    certification_lapsed
                      its crew on shift cannot staff any capability of the unit the plan
                      asks for: a certification lapsed or missing, or no crew at all
                      (``people.gating``); a unit keeps the capabilities it can staff
    no_position       its position is unknown, so it has no ETA to rank it by
    policy_forbids    its agency's sharing policy does not lend it for this incident
    reserve_kept      lending it would leave its agency fewer units at home than its reserve
    no_route          no route leads from its position to the incident (a road network in
                      pieces); a place far from the roads is still reached, off road

The rules are checked in that order and a unit is excluded by the first that applies.
"""

from __future__ import annotations

from enum import StrEnum


class RuleCode(StrEnum):
    """Why a unit was excluded; a ``str``, so it compares and serialises as its value."""

    UNIT_UNAVAILABLE = "unit_unavailable"
    NOT_CAPABLE = "not_capable"
    CERTIFICATION_LAPSED = "certification_lapsed"
    NO_POSITION = "no_position"
    POLICY_FORBIDS = "policy_forbids"
    RESERVE_KEPT = "reserve_kept"
    NO_ROUTE = "no_route"

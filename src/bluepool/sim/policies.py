"""Dispatch policies: the sharing policies the collective runs under, as domain values.

Every policy is a ``Collective`` (``domain.dispatch.recommend``) handed to the production
``recommend``, so the simulator never decides who may serve a call by itself:

- ``siloed``: no agency lends anything; each serves its own jurisdictions alone.
- ``pooled``: every agency lends every unit anywhere, with no home reserve: the closest
  capable unit of any agency goes.
- ``pooled_reserve``: as pooled, but each agency keeps N available units inside its own
  jurisdictions (``home_reserve``).
- ``configured``: the sharing policies the collective file states.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from bluepool.domain.dispatch.recommend import Collective
from bluepool.domain.shared.ids import AgencyId
from bluepool.domain.sharing.policies import SharingPolicy, SharingRule
from bluepool.sim.fleet import Fleet

LABELS = {
    "siloed": "siloed",
    "pooled": "pooled",
    "pooled_reserve": "pooled with home reserves",
    "configured": "as configured",
    "lower_bound": "lower bound",
}

_LEND_EVERYTHING = (SharingRule(),)


def collective_for(
    policy: str,
    fleet: Fleet,
    *,
    home_reserve: int = 0,
    reserve_by_agency: Mapping[str, int] | None = None,
) -> Collective:
    """The collective ``recommend`` works within under ``policy``."""
    by_agency = reserve_by_agency or {}
    if policy == "siloed":
        policies: dict[AgencyId, SharingPolicy] = {}
    elif policy == "pooled":
        policies = {a: SharingPolicy(a, 0, _LEND_EVERYTHING) for a in fleet.agencies}
    elif policy == "pooled_reserve":
        policies = {
            a: SharingPolicy(a, by_agency.get(a, home_reserve), _LEND_EVERYTHING)
            for a in fleet.agencies
        }
    elif policy == "configured":
        policies = dict(fleet.policies)
    else:
        raise ValueError(f"unknown policy {policy!r}")
    # The fleet's kinds break equal ranks, as in production. Specialists are not spared
    # (specialist_margin_s 0): the candidate pools' proof (sim/pool.py) covers a ranking
    # by a key of each unit alone, which the margin's swaps are not.
    return Collective(
        dict(fleet.jurisdiction_agency),
        policies,
        dict(fleet.agency_names),
        kind_counts=dict(Counter(u.kind for u in fleet.units)),
    )


def may_lend_to(collective: Collective, fleet: Fleet) -> list[tuple[int, ...]]:
    """For each agency, the jurisdictions (indices) whose calls its units might ever serve:
    its own, and those some rule of its policy names (or all, for a rule naming none)."""
    out: list[tuple[int, ...]] = []
    for agency in fleet.agencies:
        policy = collective.policies.get(agency)
        rules = policy.rules if policy is not None else ()
        out.append(
            tuple(
                i
                for i, j in enumerate(fleet.jurisdictions)
                if j.agency_id == agency
                or any(r.jurisdictions is None or j.id in r.jurisdictions for r in rules)
            )
        )
    return out

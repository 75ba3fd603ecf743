"""A cheap lower bound on response times: every call gets the nearest unit able to serve
it, at once, as if no unit were ever busy and every agency lent everything.

No policy can beat it call by call, so the gap between a policy and the bound is what
contention (busy units, queueing) and the sharing rules cost. With a road network the
bound asks the road ETA of the 8 posts nearest by distance only, so it is then a close
approximation of the bound rather than the bound itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.spatial import cKDTree

from bluepool.domain.collective.agencies import Requirement
from bluepool.domain.shared.geo import Location
from bluepool.domain.shared.ids import CallTypeCode
from bluepool.sim.calls import CallStream
from bluepool.sim.fleet import Fleet, FloatArray, chord_to_metres, unit_vectors
from bluepool.sim.travel import TravelModel

#: With a road network, the nearest posts by distance whose road ETA is asked.
_ROAD_CANDIDATES = 8


def lower_bound(
    fleet: Fleet,
    calls: CallStream,
    travel: TravelModel,
    plans: Mapping[CallTypeCode, tuple[Requirement, ...]],
    default_plan: tuple[Requirement, ...],
) -> FloatArray:
    """Seconds from each call to its nearest unit with a capability its plan needs
    (NaN where no unit has one)."""
    out = np.full(len(calls), np.nan)
    needed = [
        frozenset(r.capability for r in plans.get(ct, default_plan)) for ct in calls.call_type
    ]
    call_xyz = unit_vectors(calls.lat, calls.lon)
    post_xyz = fleet.post_xyz
    post_caps: list[set[str]] = [set() for _ in fleet.posts]
    for u, p in zip(fleet.units, fleet.unit_post, strict=True):
        post_caps[p] |= u.capabilities
    for caps in set(needed):
        sel = np.array([n == caps for n in needed])
        posts = np.array([i for i, pc in enumerate(post_caps) if pc & caps], dtype=np.int64)
        if len(posts) == 0:
            continue
        tree = cKDTree(post_xyz[posts])
        if travel.straight_line:
            chord, _ = tree.query(call_xyz[sel], k=1)
            out[sel] = chord_to_metres(np.atleast_1d(chord)) * travel.seconds_per_metre
            continue
        k = min(_ROAD_CANDIDATES, len(posts))
        _, idx = tree.query(call_xyz[sel], k=k)
        idx = np.atleast_2d(idx).reshape(int(sel.sum()), k)
        for row, i in zip(idx, np.flatnonzero(sel), strict=True):
            scene = Location(float(calls.lat[i]), float(calls.lon[i]))
            etas = travel.port.to_destination([fleet.posts[posts[p]] for p in row], scene)
            known = [e for e in etas if e is not None]
            out[i] = min(known) if known else np.nan
    return out

"""Maps for dispatch: the road network to draw, and a unit's route to an incident."""

from __future__ import annotations

from bluepool.domain.access.roles import User
from bluepool.domain.shared.errors import Conflict, Invalid, NotFound
from bluepool.domain.shared.geojson import Feature
from bluepool.domain.shared.ids import IncidentId, UnitId
from bluepool.services.context import Context
from bluepool.services.dispatch import policy
from bluepool.services.lookup import found


def route(ctx: Context, user: User, incident_id: str, unit_id: str) -> Feature:
    """Return a unit's road route to an incident as a GeoJSON Feature (LineString, with
    ``duration_s`` and ``length_m``): GeoJSON is the record here, a standard format."""
    policy.read(user)
    if ctx.router is None:
        raise Conflict(
            "no road network is loaded (docs/routing.md says how to load one)",
            code="no_road_network",
        )
    with ctx.reader() as uow:
        incident = found(uow.incidents, IncidentId(incident_id), "incident")
        unit = found(uow.units, UnitId(unit_id), "unit")
    if unit.location is None:
        raise Invalid(f"unit {unit.id} has no known position", code="position_unknown")
    feature = ctx.router.route(unit.location, incident.location)
    feature["properties"].update({"unit_id": unit.id, "incident_id": incident.id})
    return feature


def roads(ctx: Context, user: User) -> Feature:
    """The road network as a GeoJSON FeatureCollection, for maps."""
    policy.read(user)
    if ctx.router is None:
        raise NotFound("no road network is loaded", code="no_road_network")
    return ctx.router.roads()

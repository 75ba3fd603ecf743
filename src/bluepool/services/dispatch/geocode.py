"""Locations by address: search the gazetteer as a dispatcher types, and name what is at a
point (a map click, an incident without an address). Every match says which jurisdiction it
lies in; one outside the collective names the nearest jurisdiction and how far it is."""

from __future__ import annotations

from collections.abc import Sequence

from bluepool.domain.access.roles import User
from bluepool.domain.dispatch.geocoding import (
    GeocodeMatch,
    GeocodeResults,
    NearestJurisdiction,
    ReverseGeocode,
    Whereabouts,
)
from bluepool.domain.shared.errors import Conflict, Invalid
from bluepool.domain.shared.geo import Location
from bluepool.services.context import Context
from bluepool.services.dispatch import policy
from bluepool.services.ports import Gazetteer, GazetteerHit

#: The most matches one search returns.
MAX_LIMIT = 50
#: The longest query searched (characters).
MAX_QUERY = 200


def search(ctx: Context, user: User, text: str, limit: int = 10) -> GeocodeResults:
    """The gazetteer's best matches for ``text`` (fuzzy: typos tolerated), best first."""
    policy.read(user)
    gazetteer = _gazetteer(ctx)
    query = " ".join(text.split())
    if not query:
        raise Invalid("say what to look for: q must not be blank", code="blank_query")
    if len(query) > MAX_QUERY or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(
            f"q holds at most {MAX_QUERY} characters and limit is 1 to {MAX_LIMIT}",
            code="bad_query",
        )
    hits = gazetteer.search(query, limit)
    places = whereabouts(ctx, [h.location for h in hits])
    return GeocodeResults(query, tuple(_match(h, w) for h, w in zip(hits, places, strict=True)))


def reverse(ctx: Context, user: User, location: Location) -> ReverseGeocode:
    """The nearest address (or street) to a point, and the point's jurisdiction."""
    policy.read(user)
    hit = _gazetteer(ctx).reverse(location)
    (here,) = whereabouts(ctx, [location])
    match = _match(hit, whereabouts(ctx, [hit.location])[0]) if hit is not None else None
    return ReverseGeocode(
        location.lat, location.lon, match, here.jurisdiction, here.outside,
        here.nearest_jurisdiction,
    )  # fmt: skip


def address_of(ctx: Context, location: Location) -> str:
    """The address to show for an incident at ``location`` ("" without a gazetteer or with
    nothing near)."""
    if ctx.gazetteer is None:
        return ""
    hit = ctx.gazetteer.reverse(location)
    return hit.label if hit is not None else ""


def whereabouts(ctx: Context, locations: Sequence[Location]) -> list[Whereabouts]:
    """Each location's jurisdiction; for one outside them all, the nearest, named."""
    locator = ctx.locator()
    found = locator.locate_many(locations)
    out: list[Whereabouts] = []
    names: dict[str, str] | None = None
    for location, jurisdiction in zip(locations, found, strict=True):
        if jurisdiction is not None:
            out.append(Whereabouts(jurisdiction, False, None))
            continue
        nearest = locator.nearest(location)
        if nearest is None:
            out.append(Whereabouts(None, True, None))
            continue
        if names is None:
            with ctx.reader() as uow:
                names = {j.id: j.name for j in uow.jurisdictions.list()}
        jid, metres = nearest
        out.append(
            Whereabouts(None, True, NearestJurisdiction(jid, names.get(jid, jid), round(metres, 1)))
        )
    return out


def _gazetteer(ctx: Context) -> Gazetteer:
    if ctx.gazetteer is None:
        raise Conflict(
            "no gazetteer is loaded (docs/geocoding.md says how to build one)",
            code="no_gazetteer",
        )
    return ctx.gazetteer


def _match(hit: GazetteerHit, where: Whereabouts) -> GeocodeMatch:
    return GeocodeMatch(
        hit.kind,
        hit.label,
        hit.location.lat,
        hit.location.lon,
        hit.score,
        hit.category,
        hit.distance_m,
        where.jurisdiction,
        where.outside,
        where.nearest_jurisdiction,
    )

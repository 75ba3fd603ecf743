"""The geocoding API: locations by address (search as the dispatcher types) and the address
at a point (a map click). Both need a gazetteer (``BLUEPOOL_ADDRESSES``); without one they
answer 409 ``no_gazetteer``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from bluepool.domain.dispatch.geocoding import GeocodeResults, ReverseGeocode
from bluepool.domain.shared.geo import Location
from bluepool.services.dispatch import geocode
from bluepool.web.deps import ContextDep, CurrentUser
from bluepool.web.schemas.common import Problem

router = APIRouter(tags=["geocoding"])
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": Problem} for c in (403, 409)}


@router.get("/geocode", response_model=GeocodeResults, responses=ERRORS)
def search(
    ctx: ContextDep,
    user: CurrentUser,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=geocode.MAX_QUERY,
            description="what the caller said: an address (Städtle 38, Vaduz; 38 Main St), "
            "a street, an intersection (Main St & High St), a place or a point of interest",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=geocode.MAX_LIMIT)] = 10,
) -> GeocodeResults:
    """Ranked matches for ``q`` (fuzzy: typos and a word still being typed are tolerated),
    each with its position and jurisdiction; a match outside the collective is marked
    ``outside: true`` and names the nearest jurisdiction."""
    return geocode.search(ctx, user, q, limit)


@router.get("/geocode/reverse", response_model=ReverseGeocode, responses=ERRORS)
def reverse(
    ctx: ContextDep,
    user: CurrentUser,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> ReverseGeocode:
    """The nearest address to the point (within 60 m), else the nearest street (within
    2 km; ``match`` is null past that), and the point's jurisdiction or, outside the
    collective, the nearest one."""
    return geocode.reverse(ctx, user, Location(lat, lon))

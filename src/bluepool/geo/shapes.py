"""When a GeoJSON shape can be a jurisdiction: one rule for the API, the collective file and
the boundary importers.

Refused (``BadGeometry``, code ``bad_geometry``): anything but a Polygon or MultiPolygon,
unreadable coordinates, an empty shape, a coordinate that is not a number or lies outside
longitude -180..180 / latitude -90..90, and a shape without area. None of these is an area
a call could fall in, so nothing sensible can be made of them.

Repaired and reported: a shape that is an area but breaks the OGC validity rules (a ring
that crosses itself, the parts of a MultiPolygon overlapping, a dangling spike), as
boundaries digitised by hand or cut from OpenStreetMap often do. Refusing it would make a
user redraw a boundary for a flaw too small to see on a map; repairing it silently would
hide a change to the shape. So shapely's ``make_valid`` repairs it, its polygonal parts are
kept (a spike becomes a line, which is dropped), and the caller gets a warning to pass on.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

from bluepool.domain.shared.errors import Invalid

AREA_TYPES = frozenset({"Polygon", "MultiPolygon"})


class BadGeometry(Invalid):
    """A shape that cannot be a jurisdiction: ``where`` it is and the ``reason``."""

    code = "bad_geometry"

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}")


def polygonal(geometry: object, where: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Return ``geometry`` as a usable GeoJSON Polygon or MultiPolygon, and what was repaired.

    ``where`` names the shape in a ``BadGeometry`` error (``"boundary 'Vaduz' in
    li.geojson"``). A valid shape comes back as ``{"type", "coordinates"}`` with its
    coordinates as given; an invalid one comes back repaired, with a warning saying what was
    wrong. Warnings are reasons, like ``BadGeometry.reason``: the caller says where.
    """
    if not isinstance(geometry, Mapping):
        raise BadGeometry(where, "no geometry" if geometry is None else "not a GeoJSON object")
    kind = geometry.get("type")
    if kind not in AREA_TYPES:
        raise BadGeometry(where, f"must be a Polygon or MultiPolygon, not {kind}")
    try:
        with warnings.catch_warnings():  # NaN coordinates warn here; they are refused below
            warnings.simplefilter("ignore", RuntimeWarning)
            shape = shapely.geometry.shape(geometry)
    except (
        AttributeError,
        IndexError,
        KeyError,
        TypeError,
        ValueError,
        shapely.errors.ShapelyError,
    ) as exc:
        raise BadGeometry(where, f"malformed {kind} coordinates: {exc}") from None
    if shape.is_empty:
        raise BadGeometry(where, f"empty {kind}")
    _check_coordinates(shape, where)
    if shape.is_valid:  # GEOS counts a ring without area (collinear, a spike) as invalid
        return {"type": kind, "coordinates": geometry["coordinates"]}, ()
    why = shapely.is_valid_reason(shape)
    repaired = _polygonal_part(shapely.make_valid(shape))
    if repaired is None or repaired.area <= 0.0:
        raise BadGeometry(where, f"zero area (invalid {kind}: {why}; nothing polygonal)")
    result: dict[str, Any] = json.loads(shapely.to_geojson(repaired))
    return result, (f"invalid {kind} ({why}): repaired, check it on a map",)


def _check_coordinates(shape: shapely.Geometry, where: str) -> None:
    coords = shapely.get_coordinates(shape)
    if not np.all(np.isfinite(coords)):
        raise BadGeometry(where, "a coordinate is not a number")
    lon, lat = coords[:, 0], coords[:, 1]
    outside = (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)
    if outside.any():
        i = int(np.argmax(outside))
        raise BadGeometry(
            where,
            f"coordinates outside longitude -180..180, latitude -90..90: "
            f"({lon[i]:g}, {lat[i]:g}) (GeoJSON puts longitude first)",
        )


def _polygonal_part(shape: shapely.Geometry) -> shapely.Polygon | shapely.MultiPolygon | None:
    """Return the Polygon or MultiPolygon made of ``shape``'s polygonal parts, if any."""
    if isinstance(shape, shapely.Polygon | shapely.MultiPolygon):
        return shape
    polygons: list[shapely.Polygon] = []
    for part in getattr(shape, "geoms", ()):
        if isinstance(part, shapely.Polygon):
            polygons.append(part)
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            found = _polygonal_part(part)
            if isinstance(found, shapely.Polygon):
                polygons.append(found)
            elif isinstance(found, shapely.MultiPolygon):
                polygons.extend(found.geoms)
    polygons = [p for p in polygons if not p.is_empty]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)

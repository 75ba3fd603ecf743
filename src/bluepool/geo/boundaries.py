"""Administrative boundaries: the named areas a collective's jurisdictions are drawn from.

Two sources are read. An OpenStreetMap extract, where a municipality is a
``boundary=administrative`` relation (or closed way) at some ``admin_level`` (8, the OSM
default for municipalities in most countries), assembled into (multi)polygons by osmium's
area handler. Or a GeoJSON file, where each feature is an area and one property names it.

Either way the result is a list of ``Boundary(name, geometry)`` with GeoJSON geometries
(Polygon or MultiPolygon, longitude first), which the caller maps to agencies.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import osmium

from bluepool.domain.shared.errors import Invalid
from bluepool.geo.shapes import AREA_TYPES, polygonal

logger = logging.getLogger(__name__)

#: Properties tried, in order, for an area's name when none is given.
NAME_PROPERTIES = ("name", "NAME", "Name", "AREA_NAME", "area_name", "NAMELSAD", "label")


class Boundary(NamedTuple):
    """A named area: ``(name, GeoJSON Polygon or MultiPolygon geometry)``."""

    name: str
    geometry: dict[str, Any]


def read_osm_boundaries(
    source: str | Path, *, admin_level: int | str = 8, boundary: str = "administrative"
) -> list[Boundary]:
    """Read the named ``boundary=administrative`` areas at ``admin_level`` from an OSM file.

    Areas without a name are left out (they are usually stray closed boundary ways, not
    areas of their own). The result is sorted by name.
    """
    path = Path(source)
    if not path.is_file():
        raise Invalid(f"no OSM file at {path}", code="not_a_file")
    level = str(admin_level)
    wanted = osmium.filter.TagFilter(("boundary", boundary))
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(wanted)
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
        .with_filter(osmium.filter.TagFilter(("boundary", boundary)))
    )
    factory = osmium.geom.GeoJSONFactory()
    found: list[Boundary] = []
    unnamed = 0
    try:
        for area in processor:
            if not isinstance(area, osmium.osm.Area) or area.tags.get("admin_level") != level:
                continue
            name = area.tags.get("name")
            if not name:
                unnamed += 1
                continue
            try:
                geometry = json.loads(factory.create_multipolygon(area))
            except RuntimeError:  # osmium could not close the rings (cut by the extract)
                logger.warning("boundary %r is incomplete in %s; left out", name, path.name)
                continue
            found.append(Boundary(name, checked_geometry(geometry, name, path.name)))
    except RuntimeError as exc:
        raise Invalid(f"cannot read {path.name} as OSM data: {exc}", code="bad_osm") from exc
    if unnamed:
        logger.info("left out %d unnamed admin_level=%s areas of %s", unnamed, level, path.name)
    _reject_duplicate_names(found, path.name)
    return sorted(found, key=lambda b: b.name)


def read_geojson_boundaries(
    source: str | Path, *, name_property: str | None = None
) -> list[Boundary]:
    """Read the Polygon and MultiPolygon features of a GeoJSON file, named by a property.

    ``name_property`` defaults to the first of ``NAME_PROPERTIES`` the features have.
    """
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise Invalid(f"cannot read {path.name} as GeoJSON: {exc}", code="bad_geojson") from exc
    features = list(_features(data))
    areas = [f for f in features if (f.get("geometry") or {}).get("type") in AREA_TYPES]
    if not areas:
        raise Invalid(f"{path.name} holds no Polygon or MultiPolygon feature", code="bad_geojson")
    key = name_property or _name_property(areas)
    found = []
    for i, feature in enumerate(areas):
        name = (feature.get("properties") or {}).get(key)
        if name is None or str(name).strip() == "":
            raise Invalid(f"feature {i} of {path.name} has no {key!r}", code="bad_geojson")
        name = str(name).strip()
        found.append(Boundary(name, checked_geometry(feature["geometry"], name, path.name)))
    _reject_duplicate_names(found, path.name)
    return found


def read_boundaries(
    source: str | Path,
    *,
    admin_level: int | str = 8,
    name_property: str | None = None,
) -> list[Boundary]:
    """Read boundaries from an OSM file (.osm.pbf, .osm) or a GeoJSON file (.geojson, .json)."""
    name = Path(source).name.lower()
    if name.endswith((".geojson", ".json")):
        return read_geojson_boundaries(source, name_property=name_property)
    return read_osm_boundaries(source, admin_level=admin_level)


def checked_geometry(geometry: Mapping[str, Any], name: str, source: str) -> dict[str, Any]:
    """Return a boundary's GeoJSON geometry if it can be a jurisdiction, repaired if need be.

    The rule is ``geo.shapes.polygonal``'s: a shape that is no area raises ``BadGeometry``
    naming ``source`` and the boundary; a merely invalid one is repaired and logged.
    """
    where = f"boundary {name!r} in {source}"
    result, repairs = polygonal(geometry, where)
    for why in repairs:
        logger.warning("%s: %s", where, why)
    return result


def _reject_duplicate_names(found: list[Boundary], source: str) -> None:
    """Raise ``Invalid`` if two boundaries of one file share a name (ids come from names)."""
    seen: set[str] = set()
    for boundary in found:
        if boundary.name in seen:
            raise Invalid(
                f"boundary name {boundary.name!r} appears more than once in {source}; "
                "names must be unique (jurisdiction ids are derived from them)",
                code="duplicate_name",
            )
        seen.add(boundary.name)


def _features(data: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(data, Mapping):
        raise Invalid("GeoJSON must be an object", code="bad_geojson")
    kind = data.get("type")
    if kind == "FeatureCollection":
        yield from data.get("features") or []
    elif kind == "Feature":
        yield data
    elif kind in AREA_TYPES:
        yield {"type": "Feature", "properties": {}, "geometry": data}
    else:
        raise Invalid(f"GeoJSON of type {kind!r} holds no areas", code="bad_geojson")


def _name_property(features: list[Mapping[str, Any]]) -> str:
    props = features[0].get("properties") or {}
    for key in NAME_PROPERTIES:
        if key in props:
            return key
    raise Invalid(
        f"cannot tell which property names the areas (tried {', '.join(NAME_PROPERTIES)}); "
        "pass name_property",
        code="bad_geojson",
    )

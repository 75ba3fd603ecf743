"""GeoJSON (RFC 7946) as types: what maps draw and routes return, in the standard's own
shape. Geometries stay open JSON objects, as the standard defines them."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

#: A GeoJSON geometry object.
GeoJSON = dict[str, Any]


class Feature(TypedDict):
    type: Literal["Feature"]
    id: NotRequired[str]
    geometry: GeoJSON
    properties: dict[str, Any]


class FeatureCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[Feature]

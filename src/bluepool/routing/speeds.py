"""Speeds: how fast a unit drives on a road, from its posted limit or its class.

A way's ``maxspeed`` tag wins when it can be read ("50", "30 mph", "50 km/h", "CH:urban",
"none", "walk"). Otherwise the road's class (``highway=*``) gives a default speed. Both the
class defaults and the meaning of zone limits such as ``DE:rural`` can be changed with a speed
file (TOML, YAML or JSON), for instance::

    maxspeed_factor = 0.9        # drive a little under the posted limit

    [classes]                    # km/h by highway=* value
    residential = 25
    service = 15

    [zones]                      # km/h for maxspeed=<country>:<zone>
    "CH:rural" = 80

A flat mapping of class to km/h (``{"residential": 25}``) is accepted too.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bluepool.domain.shared.errors import Invalid

#: Default speed in km/h for each drivable ``highway=*`` class.
DEFAULT_CLASS_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 110.0,
        "motorway_link": 60.0,
        "trunk": 90.0,
        "trunk_link": 50.0,
        "primary": 70.0,
        "primary_link": 45.0,
        "secondary": 60.0,
        "secondary_link": 40.0,
        "tertiary": 50.0,
        "tertiary_link": 35.0,
        "unclassified": 40.0,
        "residential": 30.0,
        "living_street": 10.0,
        "service": 20.0,
        "road": 30.0,
        "track": 15.0,
    }
)

#: Speeds in km/h for ``maxspeed=<country>:<zone>`` values that are not generic.
DEFAULT_ZONE_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "AT:rural": 100.0,
        "AT:motorway": 130.0,
        "AT:trunk": 100.0,
        "BE:rural": 70.0,
        "BE-VLG:rural": 70.0,
        "BE-WAL:rural": 90.0,
        "CH:rural": 80.0,
        "CH:trunk": 100.0,
        "CH:motorway": 120.0,
        "DE:rural": 100.0,
        "DE:motorway": 130.0,
        "DK:rural": 80.0,
        "FR:rural": 80.0,
        "FR:motorway": 130.0,
        "GB:nsl_single": 96.6,
        "GB:nsl_dual": 112.7,
        "GB:motorway": 112.7,
        "IT:rural": 90.0,
        "IT:motorway": 130.0,
        "LI:rural": 80.0,
        "NL:rural": 80.0,
        "NL:motorway": 130.0,
        "RU:rural": 90.0,
        "RU:motorway": 110.0,
        "UK:nsl_single": 96.6,
        "UK:nsl_dual": 112.7,
        "UK:motorway": 112.7,
    }
)

#: Speeds in km/h for the zone part alone, when the country is not listed.
GENERIC_ZONE_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "urban": 50.0,
        "rural": 90.0,
        "trunk": 100.0,
        "motorway": 120.0,
        "living_street": 10.0,
        "walk": 7.0,
        "school": 30.0,
        "bicycle_road": 30.0,
        "nsl_single": 96.6,
        "nsl_dual": 112.7,
    }
)

KMH_PER_MPH = 1.609344
KMH_PER_KNOT = 1.852
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")
_ZONE_NUMBER = re.compile(r"zone:?(\d+)$")


@dataclass(frozen=True, slots=True)
class SpeedProfile:
    """Speeds for the road classes a unit may drive on, in km/h.

    ``classes`` also decides which ``highway=*`` values are drivable at all: a class without a
    speed is left out of the network. ``maxspeed_factor`` scales a posted limit (never the class
    defaults), and ``none_kmh`` stands for roads without a limit (``maxspeed=none``).
    """

    classes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CLASS_SPEEDS_KMH))
    zones: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ZONE_SPEEDS_KMH))
    maxspeed_factor: float = 1.0
    none_kmh: float = 130.0

    def __post_init__(self) -> None:
        for name, kmh in {**self.classes, **self.zones}.items():
            if not (math.isfinite(kmh) and kmh > 0):
                raise Invalid(f"speed for {name!r} must be a positive number of km/h, not {kmh}")
        if not (math.isfinite(self.maxspeed_factor) and self.maxspeed_factor > 0):
            raise Invalid(f"maxspeed_factor must be positive, not {self.maxspeed_factor}")

    def class_speed(self, highway: str) -> float | None:
        """Return the default speed for a road class, or None when it is not drivable."""
        return self.classes.get(highway)

    def parse_maxspeed(self, value: str | None) -> float | None:
        """Read a ``maxspeed`` tag as km/h (before ``maxspeed_factor``); None when unreadable.

        Several values ("50;30") give the lowest; "signals" and "variable" give None.
        """
        if not value:
            return None
        speeds = [self._parse_one(part) for part in value.split(";")]
        known = [s for s in speeds if s is not None]
        return min(known) if known else None

    def _parse_one(self, text: str) -> float | None:
        text = text.strip()
        low = text.lower()
        if low == "none":
            return self.none_kmh
        if low == "walk":
            return GENERIC_ZONE_SPEEDS_KMH["walk"]
        m = _NUMBER.match(low)
        if m:
            number = float(m.group(1).replace(",", "."))
            unit = m.group(2)
            if unit == "mph":
                number *= KMH_PER_MPH
            elif unit == "knots":
                number *= KMH_PER_KNOT
            return number if number > 0 else None
        if ":" in text:
            return self._zone_speed(text)
        return None

    def _zone_speed(self, text: str) -> float | None:
        if text in self.zones:
            return self.zones[text]
        zone = text.split(":", 1)[1].lower()
        m = _ZONE_NUMBER.match(zone)
        if m:
            return float(m.group(1))
        return GENERIC_ZONE_SPEEDS_KMH.get(zone)

    def way_speed(self, highway: str, maxspeed: str | None) -> float | None:
        """Return the speed to drive a way at in km/h, or None when its class is not drivable."""
        default = self.class_speed(highway)
        if default is None:
            return None
        posted = self.parse_maxspeed(maxspeed)
        if posted is None:
            return default
        return posted * self.maxspeed_factor


def speed_profile_from_mapping(data: Mapping[str, Any]) -> SpeedProfile:
    """Build a profile from a parsed speed file: sectioned (``classes``/``zones``) or flat."""
    known = {"classes", "zones", "maxspeed_factor", "none_kmh"}
    flat = {k: v for k, v in data.items() if k not in known}
    classes = dict(DEFAULT_CLASS_SPEEDS_KMH)
    zones = dict(DEFAULT_ZONE_SPEEDS_KMH)
    try:
        classes.update({str(k): float(v) for k, v in dict(data.get("classes", {})).items()})
        classes.update({str(k): float(v) for k, v in flat.items()})
        zones.update({str(k): float(v) for k, v in dict(data.get("zones", {})).items()})
        return SpeedProfile(
            classes=classes,
            zones=zones,
            maxspeed_factor=float(data.get("maxspeed_factor", 1.0)),
            none_kmh=float(data.get("none_kmh", 130.0)),
        )
    except (TypeError, ValueError) as exc:
        raise Invalid(f"speed file does not map names to km/h: {exc}", code="bad_speeds") from exc


def load_speed_profile(path: str | Path) -> SpeedProfile:
    """Read a speed file (``.toml``, ``.yaml``/``.yml`` or ``.json``) into a profile."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise Invalid(
                f"speed file {path.name} must end in .toml, .yaml, .yml or .json",
                code="bad_speeds",
            )
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise Invalid(f"cannot read speed file {path.name}: {exc}", code="bad_speeds") from exc
    if not isinstance(data, Mapping):
        raise Invalid(f"speed file {path.name} must hold a mapping", code="bad_speeds")
    return speed_profile_from_mapping(data)

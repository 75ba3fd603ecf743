"""The resource types of the collective's catalogue (NIMS-style typing).

A resource type names a kind of thing the collective pools: a typed *unit* capability
(``swat-type-1``: a SWAT team of type 1, dispatched like any unit) or loanable
*equipment* (``drone``, ``surveillance-kit``: checked out and back in, ``loans``). The
built-in types are ``BUILTIN_TYPES``; a collective adds its own (or renames a built-in
one) through the ``resource_types`` setting, which the collective file's
``resource_types:`` writes: ``{"<type id>": {"name": "...", "kind": "unit"|"equipment"}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import check_id

#: The setting (``domain.collective.settings``) that holds the collective's own types.
SETTING = "resource_types"


class ResourceKind(StrEnum):
    #: A crewed, typed unit capability: lent through dispatch and the agreements.
    UNIT = "unit"
    #: A thing that is checked out to an agency or an incident and back in.
    EQUIPMENT = "equipment"


@dataclass(frozen=True, slots=True)
class ResourceType:
    id: str
    name: str
    kind: ResourceKind

    def __post_init__(self) -> None:
        check_id("resource type", self.id)
        if not self.name.strip():
            raise Invalid(f"resource type {self.id} needs a name", code="bad_resource_type")

    @property
    def loanable(self) -> bool:
        return self.kind is ResourceKind.EQUIPMENT


def _t(type_id: str, name: str, kind: ResourceKind) -> ResourceType:
    return ResourceType(type_id, name, kind)


_U, _E = ResourceKind.UNIT, ResourceKind.EQUIPMENT

BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _t("swat-type-1", "SWAT team type 1", _U),
    _t("swat-type-2", "SWAT team type 2", _U),
    _t("k9-detection", "K-9 detection team", _U),
    _t("k9-patrol", "K-9 patrol team", _U),
    _t("bomb-squad", "Bomb squad", _U),
    _t("helicopter", "Helicopter", _E),
    _t("drone", "Drone (UAS)", _E),
    _t("crime-scene-unit", "Crime-scene unit", _E),
    _t("mobile-command-post", "Mobile command post", _E),
    _t("surveillance-kit", "Surveillance kit", _E),
    _t("armoured-vehicle", "Armoured vehicle", _E),
    _t("boat", "Patrol boat", _E),
)


def types_of(value: Mapping[str, Any]) -> tuple[ResourceType, ...]:
    """The types a ``resource_types`` setting's value holds; ``Invalid`` naming the bad
    one."""
    found = []
    for type_id, body in value.items():
        if not isinstance(body, Mapping):
            raise Invalid(f"resource type {type_id}: expected name and kind")
        try:
            kind = ResourceKind(body.get("kind", ""))
        except ValueError:
            kinds = ", ".join(k.value for k in ResourceKind)
            raise Invalid(
                f"resource type {type_id}: kind must be one of {kinds}, not {body.get('kind')!r}",
                code="bad_resource_type",
            ) from None
        found.append(ResourceType(type_id, str(body.get("name", "")), kind))
    return tuple(found)


def setting_value(types: Iterable[ResourceType]) -> dict[str, Any]:
    """The ``resource_types`` setting's value for ``types`` (``types_of`` reads it)."""
    return {t.id: {"name": t.name, "kind": t.kind.value} for t in types}


def catalogue(own: Iterable[ResourceType] = ()) -> dict[str, ResourceType]:
    """Every type the collective knows, by id: the built-in ones, then its own (an own
    type of a built-in id replaces it)."""
    found = {t.id: t for t in BUILTIN_TYPES}
    found.update((t.id, t) for t in own)
    return dict(sorted(found.items()))

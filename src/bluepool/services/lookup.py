"""Fetch-or-refuse, the same way in every use case: a missing id is NotFound, a reference
to a missing record is Invalid."""

from __future__ import annotations

from typing import Any, TypeVar

from bluepool.domain.shared.errors import Invalid, NotFound
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.ports import Repository, UnitOfWork

T = TypeVar("T")


def found(repo: Repository[Any, T], key: str, what: str) -> T:
    """Return the item under ``key``, or raise NotFound ("no unit P-9", code unit_not_found)."""
    item = repo.get(key)
    if item is None:
        raise not_found(what, key)
    return item


def not_found(what: str, key: str) -> NotFound:
    """The error for a missing ``what`` ("no unit P-9", code unit_not_found)."""
    return NotFound(f"no {what} {key}", code=f"{what.replace(' ', '_')}_not_found")


def agency_exists(uow: UnitOfWork, agency_id: str) -> None:
    """Refuse a record that names an agency the collective does not have."""
    if uow.agencies.get(AgencyId(agency_id)) is None:
        raise Invalid(f"no agency {agency_id}", code="unknown_agency")

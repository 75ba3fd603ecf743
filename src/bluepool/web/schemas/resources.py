"""Request bodies of the resources API: the catalogue's resources and their loans.
Responses are ``domain.resources.records``."""

from __future__ import annotations

from pydantic import Field

from bluepool.domain.resources.resources import (
    MAX_NOTES,
    Condition,
    Resource,
    ResourceId,
    Window,
)
from bluepool.domain.shared.ids import AgencyId, StationId
from bluepool.web.schemas.common import Integer, Moment, Name, Slug, Strict

Notes = Field(default="", max_length=MAX_NOTES)


class WindowIn(Strict):
    """When the resource may be lent: from ``start`` until ``end`` (after ``start``)."""

    start: Moment
    end: Moment


class ResourceTerms(Strict):
    type: str = Slug
    name: Name = Field(min_length=1)
    owner: str = Slug
    home_station: str | None = Field(default=None, min_length=1, max_length=64)
    condition: Condition = Condition.SERVICEABLE
    maintenance_notes: str = Notes
    #: Empty: lendable at any time.
    windows: list[WindowIn] = Field(default_factory=list, max_length=100)

    def resource(self, resource_id: str) -> Resource:
        return Resource(
            ResourceId(resource_id),
            self.type,
            self.name,
            AgencyId(self.owner),
            StationId(self.home_station) if self.home_station else None,
            self.condition,
            self.maintenance_notes,
            tuple(Window(w.start, w.end) for w in self.windows),
        )


class ResourceIn(ResourceTerms):
    id: str = Slug


class ResourceChange(ResourceTerms):
    #: The version these terms were written against (a resource changed since is a 409).
    version: Integer = Field(ge=1)


class LoanIn(Strict):
    """Out from now until ``due_at``: to ``agency``, or to ``incident`` (one of them)."""

    due_at: Moment
    agency: str | None = Field(default=None, min_length=1, max_length=64)
    incident: str | None = Field(default=None, min_length=1, max_length=64)
    notes: str = Notes


class ReturnIn(Strict):
    """Back in, in ``condition`` (not serviceable: the item needs repair)."""

    condition: Condition
    notes: str = Notes

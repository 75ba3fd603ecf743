"""Request bodies of the mutual-aid API. Responses are ``domain.aid.records``.

Times are ISO 8601 with a zone; amounts in responses are integers in minor units."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from bluepool.domain.aid.requests import MAX_ITEMS, MAX_QUANTITY, MAX_TEXT, Category, Item, Step
from bluepool.web.schemas.common import Integer, Moment, Name, Slug, Strict, Tag

Text = Annotated[str, Field(max_length=MAX_TEXT)]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class VersionIn(Strict):
    #: The version the caller acts on (omitted: whatever the latest is; a moved-on
    #: request is a 409).
    version: Integer | None = Field(default=None, ge=1)


class ItemIn(Strict):
    """One line of the order (ICS-213RR block 4)."""

    quantity: Integer = Field(ge=1, le=MAX_QUANTITY)
    category: Category = Category.UNIT
    #: A unit kind (capability: k9, swat, air) or an equipment's resource type (drone).
    kind: Tag
    type: Name = ""
    priority: Integer = Field(default=3, ge=1, le=5)
    description: Text = ""
    requested_arrival: Moment | None = None
    reporting_location: Text = ""
    substitutes: Text = ""

    def item(self) -> Item:
        return Item(**self.model_dump())


class RequestIn(Strict):
    incident_id: str = Slug
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    #: Until when the resources are needed (an extension moves it on).
    needed_until: Moment


class ApprovalIn(VersionIn):
    #: The step approved; omitted: the one waiting (another than it is a 409).
    step: Step | None = None
    comment: Text = ""
    #: The supplying agency's step: its order number and ETA.
    order_number: Name = ""
    eta: Moment | None = None
    #: A collective admin approving the supplying agency's step names the agency.
    agency: Annotated[str, Slug] | None = None


class ReasonIn(VersionIn):
    reason: Reason


class FulfilIn(VersionIn):
    """Send one resource for an item: a unit (``unit_id``) or equipment (``equipment_id``,
    its id as text until the resource catalogue is there)."""

    item: Integer = Field(ge=1, le=MAX_ITEMS)
    unit_id: Tag | None = None
    equipment_id: Tag | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.unit_id is None) == (self.equipment_id is None):
            raise ValueError("name either unit_id or equipment_id")
        return self


class ReleaseIn(VersionIn):
    #: The units or equipment released; omitted: every one still out.
    resources: list[Tag] | None = Field(default=None, min_length=1, max_length=MAX_QUANTITY)


class ExtensionIn(VersionIn):
    until: Moment
    reason: Reason

"""Request bodies and query filters of the floor: an acknowledgement, and the incident
search's filters (``GET /incidents``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from pydantic import ConfigDict, Field

from bluepool.domain.dispatch.incidents import IncidentStatus
from bluepool.domain.dispatch.timers import TimerKind
from bluepool.domain.shared.ids import MAX_ID_LENGTH, CallTypeCode, JurisdictionId, UnitId
from bluepool.services.ports import IncidentFilter
from bluepool.web.schemas.common import QueryFlag, Strict


class Acknowledgement(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"timer": "welfare_check", "unit_id": "vaduz-p1"}]}
    )

    timer: TimerKind
    #: The unit the timer runs on (dispatched_not_enroute, welfare_check); none for
    #: unassigned.
    unit_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)


Text = Annotated[str | None, Query(min_length=1, max_length=200)]


async def _incident_filter(
    status: IncidentStatus | None = None,
    open: Annotated[
        QueryFlag | None, Query(description="only open (true) or closed (false)")
    ] = None,
    jurisdiction: str | None = None,
    priority: Annotated[int | None, Query(ge=1, le=5)] = None,
    call_type: str | None = None,
    received_from: Annotated[
        datetime | None, Query(description="received at or after (ISO 8601 with a zone)")
    ] = None,
    received_until: Annotated[
        datetime | None, Query(description="received before (ISO 8601 with a zone)")
    ] = None,
    address: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="the address contains this (any case)"),
    ] = None,
    unit_id: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_ID_LENGTH, description="a unit was assigned to it"),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="free text: every word in the id, call type, address, description "
            "or disposition",
        ),
    ] = None,
    disposition: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_ID_LENGTH, description="closed with this disposition"),
    ] = None,
) -> IncidentFilter:
    return IncidentFilter(
        status,
        open,
        JurisdictionId(jurisdiction) if jurisdiction else None,
        priority,
        CallTypeCode(call_type) if call_type else None,
        received_from,
        received_until,
        address,
        UnitId(unit_id) if unit_id else None,
        q,
        disposition,
    )


#: The incident search's filters, from the query string.
IncidentSearch = Annotated[IncidentFilter, Depends(_incident_filter)]

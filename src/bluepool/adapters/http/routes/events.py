"""The live event stream (Server-Sent Events) the console listens to."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from sse_starlette.sse import EventSourceResponse

from bluepool.adapters.http.deps import RuntimeDep, StreamUser
from bluepool.domain import access
from bluepool.domain.access import User

router = APIRouter(tags=["events"])


@router.get("/events", response_class=EventSourceResponse)
async def events(
    request: Request,
    runtime: RuntimeDep,
    user: StreamUser,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Every change as it happens: ``incident.created``, ``unit.assigned``, ``unit.updated``,
    ``unit.moved``, ``incident.updated``, ``incident.closed`` and admin changes.

    Each event's ``id`` is its sequence number; reconnect with ``Last-Event-ID`` to replay
    what was missed (the last 1,000 events are kept). Browsers' EventSource may pass the
    token as ``?access_token=``."""
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None

    async def stream() -> AsyncIterator[dict[str, Any]]:
        yield {"event": "hello", "data": json.dumps({"user": user.username})}
        async for event in runtime.broker.subscribe(after):
            if await request.is_disconnected():
                break
            yield {
                "id": str(event["seq"]),
                "event": event["type"],
                "data": json.dumps(event),
            }

    return EventSourceResponse(stream(), ping=15)


def _visible(user: User, event: dict[str, Any]) -> bool:
    record = event.get("user")
    if not str(event.get("type", "")).startswith("user."):
        return True
    agency = record.get("agency") if isinstance(record, dict) else None
    return access.may_see_user(user, agency)

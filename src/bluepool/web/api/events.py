"""The live event stream (Server-Sent Events) the console listens to."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from sse_starlette.sse import EventSourceResponse

from bluepool.domain.access import roles as access
from bluepool.domain.access.roles import User
from bluepool.web.deps import RuntimeDep, StreamUser

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

    Each event's ``id`` is ``EPOCH-SEQ``; reconnect with ``Last-Event-ID`` to replay what
    was missed (the last 1,000 events are kept). After a server restart the old ids mean
    nothing: the stream then starts with a ``reset`` event (read your state again).
    Browsers' EventSource may pass the token as ``?access_token=``. User records are
    streamed only to those who may read them."""
    broker = runtime.broker
    epoch, _, seq = (last_event_id or "").partition("-")
    after = int(seq) if epoch == broker.epoch and seq.isdigit() else None

    async def stream() -> AsyncIterator[dict[str, Any]]:
        yield {"event": "hello", "data": json.dumps({"user": user.username})}
        if last_event_id and after is None:
            yield {"event": "reset", "data": json.dumps({"reason": "the server restarted"})}
        async for event in broker.subscribe(after):
            if await request.is_disconnected():
                break
            if _visible(user, event):
                yield {
                    "id": f"{broker.epoch}-{event['seq']}",
                    "event": event["type"],
                    "data": json.dumps(event),
                }

    return EventSourceResponse(stream(), ping=15)


def _visible(user: User, event: dict[str, Any]) -> bool:
    """User records go only to those who may read them; everything else to everyone."""
    if not str(event.get("type", "")).startswith("user."):
        return True
    record = event.get("user")
    agency = record.get("agency") if isinstance(record, dict) else None
    return access.may_see_user(user, agency)

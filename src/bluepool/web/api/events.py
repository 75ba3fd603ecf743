"""The live event stream (Server-Sent Events) the console listens to."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from bluepool.domain.access.events import UserChanged
from bluepool.domain.access.roles import User
from bluepool.domain.shared.events import Event
from bluepool.services.access import policy
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
    ``unit.moved``, ``incident.updated``, ``incident.closed`` and admin changes (every name
    is in ``bluepool.domain.events.NAMES``).

    Each event's ``id`` is ``EPOCH-SEQ``; reconnect with ``Last-Event-ID`` to replay what
    was missed (the last 1,000 events are kept). After a server restart the old ids mean
    nothing: the stream then starts with a ``reset`` event (read your state again).
    Browsers' EventSource, which sends no headers, opens it with a single-use ticket
    (``POST /api/v1/events/ticket``, then ``?ticket=``). User records are
    streamed only to those who may read them."""
    broker = runtime.broker
    epoch, _, seq = (last_event_id or "").partition("-")
    after = int(seq) if epoch == broker.epoch and seq.isdigit() else None

    async def stream() -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(json.dumps({"user": user.username}), event="hello")
        if last_event_id and after is None:
            yield ServerSentEvent(json.dumps({"reason": "the server restarted"}), event="reset")
        async for published in broker.subscribe(after):
            if await request.is_disconnected():
                break
            if _visible(user, published.event):
                yield ServerSentEvent(
                    json.dumps(published.data),
                    event=published.event.type,
                    id=f"{broker.epoch}-{published.seq}",
                )

    return EventSourceResponse(stream(), ping=15)


def _visible(user: User, event: Event) -> bool:
    """User records go only to those who may read them; everything else to everyone."""
    if isinstance(event, UserChanged):
        return event.user is None or policy.may_see_user(user, event.user.agency)
    return True

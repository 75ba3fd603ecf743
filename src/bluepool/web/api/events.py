"""The live event stream (Server-Sent Events) the console listens to."""

from __future__ import annotations

import json
import secrets
import time
import weakref
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from bluepool.domain.access.events import UserChanged
from bluepool.services.access import policy
from bluepool.web.deps import RuntimeDep
from bluepool.web.streams import StreamGrantDep, StreamSlots, may_still_stream

router = APIRouter(tags=["events"])

_USER_EVENT = f"{UserChanged.entity}."
#: Names this worker process in the ``hello`` event (several workers serve one port).
WORKER = secrets.token_hex(4)


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={429: {"description": "too many event streams open (for this user, or in all)"}},
)
async def events(
    request: Request,
    runtime: RuntimeDep,
    grant: StreamGrantDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """Every change as it happens: ``incident.created``, ``unit.assigned``, ``unit.updated``,
    ``unit.moved``, ``incident.updated``, ``incident.closed`` and admin changes (every name
    is in ``bluepool.domain.events.NAMES``).

    The stream opens with a ``hello`` event (the user, and which worker process serves
    the stream). Each event's ``id`` is ``EPOCH-SEQ`` (with several workers, the same on
    every worker); reconnect with ``Last-Event-ID`` to replay what was missed (the last
    1,000 events are kept). When that is not possible (the server restarted, or more was
    missed than is kept) the stream starts with a ``reset`` event: read your state again.
    Browsers' EventSource, which sends no headers, opens it with a single-use ticket
    (``POST /api/v1/events/ticket``, then ``?ticket=``). Each reader gets only what they
    may read (user records only to those who may read them).

    A user has at most ``BLUEPOOL_MAX_STREAMS_PER_USER`` streams open, a server at most
    ``BLUEPOOL_MAX_STREAMS``: one more is 429. An open stream ends with a ``closed`` event
    when its reader may no longer read it (signed out, session or token expired, user
    deactivated; password, role, agency or unit changed)."""
    settings = runtime.settings
    broker = runtime.broker
    user = grant.user
    epoch, _, seq = (last_event_id or "").partition("-")
    after = int(seq) if epoch == broker.epoch and seq.isdigit() else None
    if after is not None and not broker.replays(after):
        after = None
    slots: StreamSlots = request.app.state.stream_slots
    slot = slots.take(user.username)
    recheck_s = settings.stream_recheck_s

    async def stream() -> AsyncIterator[ServerSentEvent]:
        try:
            hello = {"user": user.username, "worker": WORKER}
            yield ServerSentEvent(json.dumps(hello), event="hello")
            if last_event_id and after is None:
                reason = "the events since your last one are no longer kept"
                yield ServerSentEvent(json.dumps({"reason": reason}), event="reset")
            due = time.monotonic() + recheck_s
            async for published in broker.subscribe(after, tick_s=recheck_s):
                if await request.is_disconnected():
                    break
                about_reader = (
                    published is not None
                    and published.type.startswith(_USER_EVENT)
                    and published.data.get("id") == user.username
                )
                if about_reader or time.monotonic() >= due:
                    if not await run_in_threadpool(may_still_stream, runtime, grant):
                        reason = "you may no longer read this stream: sign in again"
                        yield ServerSentEvent(json.dumps({"reason": reason}), event="closed")
                        break
                    due = time.monotonic() + recheck_s
                if published is not None and policy.may_see_event(user, published.data):
                    yield ServerSentEvent(
                        json.dumps(published.data),
                        event=published.type,
                        id=f"{broker.epoch}-{published.seq}",
                    )
        finally:
            slot.release()

    body = stream()
    # A stream that is never iterated (the client left before it began) gives its place
    # back when it is collected.
    weakref.finalize(body, slot.release)
    return EventSourceResponse(body, ping=15)

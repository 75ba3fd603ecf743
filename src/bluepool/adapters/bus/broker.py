"""In-process event fan-out to live subscribers (the console's event stream).

``publish`` is the message bus's after-commit handler for every event (``bootstrap``); it
may be called from any thread (sync routes run in a threadpool). Each subscriber is an
asyncio queue fed on its own event loop. Every event gets a sequence number and is turned
into its wire form once (``services.plain.payload``, plus ``seq``); the last events are kept
so a client that reconnects with ``Last-Event-ID`` misses nothing that is still in the
buffer. Ids carry the broker's ``epoch`` so ids from before a restart are recognised.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bluepool.domain.shared.events import Event
from bluepool.services.plain import payload


@dataclass(frozen=True, slots=True)
class Published:
    """An event as the stream delivers it: its sequence number, the event and its data."""

    seq: int
    event: Event
    data: dict[str, Any]


class Broker:
    def __init__(self, keep: int = 1000, queue_size: int = 1000) -> None:
        #: Names this broker's run: sequence numbers restart with the process, so an event
        #: id from an earlier run (a client reconnecting after a restart) means nothing here.
        self.epoch = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._recent: deque[Published] = deque(maxlen=keep)
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Published]]] = set()
        self._queue_size = queue_size

    def publish(self, event: Event) -> None:
        data = payload(event)
        with self._lock:
            seq = next(self._seq)
            data["seq"] = seq
            published = Published(seq, event, data)
            self._recent.append(published)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(self._offer, queue, published)
            except RuntimeError:  # the subscriber's loop is gone
                self._subscribers.discard((loop, queue))

    @staticmethod
    def _offer(queue: asyncio.Queue[Published], published: Published) -> None:
        if queue.full():  # a stalled client loses its oldest events, not the server's memory
            queue.get_nowait()
        queue.put_nowait(published)

    async def subscribe(self, after: int | None = None) -> AsyncIterator[Published]:
        """Yield events as they are published, first replaying those after ``after``."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Published] = asyncio.Queue(self._queue_size)
        entry = (loop, queue)
        with self._lock:
            self._subscribers.add(entry)
            backlog = [p for p in self._recent if after is not None and p.seq > after]
        try:
            last = after or 0
            for published in backlog:
                last = published.seq
                yield published
            while True:
                published = await queue.get()
                if published.seq > last:
                    last = published.seq
                    yield published
        finally:
            with self._lock:
                self._subscribers.discard(entry)

"""In-process event fan-out to live subscribers (the console's event stream).

``publish`` may be called from any thread (sync routes run in a threadpool); each subscriber
is an asyncio queue fed on its own event loop. Every event gets a sequence number, and the
last events are kept so a client that reconnects with ``Last-Event-ID`` misses nothing that
is still in the buffer; ids carry the broker's ``epoch`` so ids from before a restart are
recognised as such.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any


class Broker:
    def __init__(self, keep: int = 1000, queue_size: int = 1000) -> None:
        #: Names this broker's run: sequence numbers restart with the process, so an event
        #: id from an earlier run (a client reconnecting after a restart) means nothing here.
        self.epoch = secrets.token_hex(4)
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._recent: deque[dict[str, Any]] = deque(maxlen=keep)
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = (
            set()
        )
        self._queue_size = queue_size

    def publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            event = {**event, "seq": next(self._seq)}
            self._recent.append(event)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(self._offer, queue, event)
            except RuntimeError:  # the subscriber's loop is gone
                self._subscribers.discard((loop, queue))

    @staticmethod
    def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
        if queue.full():  # a stalled client loses its oldest events, not the server's memory
            queue.get_nowait()
        queue.put_nowait(event)

    async def subscribe(self, after: int | None = None) -> AsyncIterator[dict[str, Any]]:
        """Yield events as they are published, first replaying those after ``after``."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        entry = (loop, queue)
        with self._lock:
            self._subscribers.add(entry)
            backlog = [e for e in self._recent if after is not None and e["seq"] > after]
        try:
            last = after or 0
            for event in backlog:
                last = event["seq"]
                yield event
            while True:
                event = await queue.get()
                if event["seq"] > last:
                    last = event["seq"]
                    yield event
        finally:
            with self._lock:
                self._subscribers.discard(entry)

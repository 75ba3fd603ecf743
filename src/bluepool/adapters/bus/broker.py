"""Event fan-out to live subscribers (the console's event stream), in one process.

Events reach the broker in one of two ways (``bootstrap`` picks):

* ``publish(event)``, the message bus's after-commit handler, with one worker: the broker
  numbers the events itself, and its ``epoch`` names this process's run;
* ``deliver(data, seq)``, from a JetStream consumer (``adapters.bus.jetstream``) when several
  workers share one database: the events come numbered by the JetStream stream, the same
  numbers in every worker, and ``epoch`` names the stream.

Either may be called from any thread (sync routes run in a threadpool; the consumer has its
own). Each subscriber is an asyncio queue fed on its own event loop. Every event is carried
in its wire form (``services.plain.payload``, plus ``seq``); the last events are kept so a
client that reconnects with ``Last-Event-ID`` misses nothing that is still in the buffer.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bluepool.domain.shared.events import Event
from bluepool.services.plain import JSONObject, payload


@dataclass(frozen=True, slots=True)
class Published:
    """An event as the stream delivers it: its sequence number, wire name and data."""

    seq: int
    type: str
    data: JSONObject


#: Handed to the subscribers when the numbering starts over: their streams end (a client
#: reconnects, and its old id gets a ``reset``).
_ENDED = Published(0, "", {})


class Broker:
    def __init__(self, keep: int = 1000, queue_size: int = 1000) -> None:
        #: Names the numbering: this process's run (``publish``) or the JetStream stream
        #: (``deliver``). An event id of another epoch (a client reconnecting after a
        #: restart) means nothing here.
        self.epoch = secrets.token_hex(4)
        self.keep = keep
        self._lock = threading.Lock()
        self._last = 0
        self._recent: deque[Published] = deque(maxlen=keep)
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Published]]] = set()
        self._queue_size = queue_size

    @property
    def last_seq(self) -> int:
        return self._last

    def publish(self, event: Event) -> None:
        """Number ``event`` and hand it to every subscriber (one worker)."""
        self.deliver(payload(event))

    def deliver(self, data: dict[str, Any], seq: int | None = None) -> None:
        """Hand an event's wire data to every subscriber, numbered ``seq`` (or the next
        number). A number not above the last one delivered is a duplicate and dropped."""
        with self._lock:
            if seq is None:
                seq = self._last + 1
            elif seq <= self._last:
                return
            self._last = seq
            data = {**data, "seq": seq}
            published = Published(seq, str(data.get("type", "")), data)
            self._recent.append(published)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(self._offer, queue, published)
            except RuntimeError:  # the subscriber's loop is gone
                self._subscribers.discard((loop, queue))

    def restart(self, epoch: str, last_seq: int = 0) -> None:
        """Start a new numbering (a JetStream stream, named ``epoch``, whose next event is
        ``last_seq + 1``): what was kept belongs to the old one, and open subscriptions
        end."""
        with self._lock:
            self.epoch = epoch
            self._last = last_seq
            self._recent.clear()
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:  # their ids meant the old numbering: end them
            try:
                loop.call_soon_threadsafe(self._offer, queue, _ENDED)
            except RuntimeError:
                self._subscribers.discard((loop, queue))

    def replays(self, after: int) -> bool:
        """True when every event after ``after`` is still kept (or none came yet), so a
        client that saw up to ``after`` can resume without a gap."""
        with self._lock:
            if after >= self._last:  # nothing missed (or the client is ahead of us: wait)
                return True
            oldest = self._recent[0].seq if self._recent else self._last + 1
            return oldest <= after + 1

    @staticmethod
    def _offer(queue: asyncio.Queue[Published], published: Published) -> None:
        if queue.full():  # a stalled client loses its oldest events, not the server's memory
            queue.get_nowait()
        queue.put_nowait(published)

    async def subscribe(
        self, after: int | None = None, tick_s: float | None = None
    ) -> AsyncIterator[Published | None]:
        """Yield events as they are published, first replaying those after ``after``.

        With ``tick_s``, yield None whenever nothing came for that long, so the subscriber
        can look around (is its reader still allowed?) on a quiet stream too."""
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
                try:
                    published = await asyncio.wait_for(queue.get(), tick_s)
                except TimeoutError:
                    yield None
                    continue
                if published is _ENDED:
                    return
                if published.seq > last:
                    last = published.seq
                    yield published
        finally:
            with self._lock:
                self._subscribers.discard(entry)

"""Events across workers through NATS JetStream: the outbox relay and the stream consumer.

With several API workers on one database, an event committed in one worker must reach the
event streams of all of them, in one order, once. Every worker runs both halves, each on its
own thread with its own event loop and NATS connection (``bootstrap`` builds them when
``BLUEPOOL_NATS_URL`` is set; the app starts and stops them with its lifespan):

* ``OutboxRelay`` publishes the outbox. One relay at a time holds the turn
  (``Outbox.claim``, a PostgreSQL advisory lock for the transaction); it reads every
  unpublished message (``published_at IS NULL``, never "ids above the last one": ids of
  concurrent transactions commit out of order), publishes each to the subject
  ``<prefix>.events.<type>`` with ``Nats-Msg-Id`` = its outbox id, so JetStream drops a
  message published twice (a relay that died between the publish and the mark), and marks
  those JetStream acknowledged. It wakes when a commit nudges it (the message bus's
  after-commit handler) and polls as a fallback; now and then it prunes what was published
  long enough ago.
* ``StreamConsumer`` reads the JetStream stream with an ordered, ephemeral consumer and
  hands every message to this worker's ``Broker`` numbered with its stream sequence: the
  event ids every worker gives are the same, so a client reconnecting to another worker
  with ``Last-Event-ID`` resumes exactly. It starts ``Broker.keep`` events back, so a fresh
  worker can replay as far as any other.

NATS down: writes still commit (the outbox keeps the events), the relay and the consumer
retry, and once NATS is back the relay publishes the backlog and the consumer resumes from
the last sequence it delivered: the streams catch up without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig, StreamInfo
from nats.js.errors import BadRequestError, NotFoundError

from bluepool.adapters.bus.broker import Broker
from bluepool.domain.shared.events import Event
from bluepool.services.ports import Clock, UnitOfWork

log = logging.getLogger(__name__)

#: Seconds between tries while NATS (or the database) is unreachable.
RETRY_S = 0.5
WARN_EVERY_S = 60.0
#: How long the relay waits for JetStream to acknowledge a batch (its transaction, and on
#: SQLite the write lock, stays open meanwhile).
PUBLISH_TIMEOUT_S = 2.0
#: How soon a relay looks again when another one had the turn.
CONTENDED_S = 0.05
#: How the description of a stream this module made begins: then the mark of its making.
_EPOCH_MARK = "bluepool events, epoch "


def subject_prefix(stream: str) -> str:
    """The subjects a stream holds: ``BLUEPOOL`` -> ``bluepool.events.>``."""
    return f"{stream.lower()}.events"


async def ensure_stream(js: JetStreamContext, stream: str, max_age: timedelta) -> StreamInfo:
    """The stream's info, creating the stream (on file storage) if it does not exist."""
    try:
        return await js.stream_info(stream)
    except NotFoundError:
        pass
    config = StreamConfig(
        name=stream,
        description=f"{_EPOCH_MARK}{uuid.uuid4().hex}",
        subjects=[f"{subject_prefix(stream)}.>"],
        storage=StorageType.FILE,
        max_age=max_age.total_seconds(),
        duplicate_window=120,
    )
    with contextlib.suppress(BadRequestError):  # another worker created it first
        await js.add_stream(config)
    return await js.stream_info(stream)


def epoch_of(info: StreamInfo) -> str:
    """A name for this stream's numbering: the same in every worker, new if the stream is
    ever created again (its sequence numbers would start over).

    It is the random mark the stream was made with, kept in its description (its
    configuration, stored with it): the creation time the server reports is not stable
    across a restart of nats-server 2.9. A stream made before the mark falls back to it.
    """
    description = info.config.description or ""
    if description.startswith(_EPOCH_MARK):
        made = description
    else:
        made = info.created.isoformat() if info.created else ""
    return "js" + hashlib.sha256(f"{info.config.name}|{made}".encode()).hexdigest()[:8]


async def _connect(url: str, name: str, **callbacks: Any) -> NATS:
    async def _quiet(exc: Exception) -> None:
        log.debug("nats (%s): %s", name, exc)

    return await nats.connect(
        url,
        name=name,
        connect_timeout=2,
        reconnect_time_wait=RETRY_S,
        max_reconnect_attempts=-1,
        allow_reconnect=True,
        error_cb=_quiet,
        **callbacks,
    )


class _Loop:
    """A daemon thread running one coroutine on its own event loop until ``stop``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self.stopping.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        asyncio.run(self._forever())

    async def _forever(self) -> None:
        warned = -WARN_EVERY_S
        loop = asyncio.get_running_loop()
        while not self.stopping.is_set():
            try:
                await self.main()
            except Exception as exc:  # NATS or the database away: try again
                # Once a minute while it lasts, not twice a second.
                if loop.time() - warned >= WARN_EVERY_S:
                    log.warning("%s: %s; retrying every %s s", self.name, exc, RETRY_S)
                    warned = loop.time()
            await self.sleep(RETRY_S)

    async def sleep(self, seconds: float) -> None:
        await asyncio.to_thread(self.stopping.wait, seconds)

    def main(self) -> Awaitable[None]:
        raise NotImplementedError


class OutboxRelay(_Loop):
    def __init__(
        self,
        url: str,
        stream: str,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        retention: timedelta,
        poll_s: float = 1.0,
        batch: int = 500,
        prune_every_s: float = 60.0,
    ) -> None:
        super().__init__("bluepool-outbox-relay")
        self.url = url
        self.stream = stream
        self.uow = uow
        self.clock = clock
        self.retention = retention
        self.poll_s = poll_s
        self.batch = batch
        self.prune_every_s = prune_every_s
        self._wake = threading.Event()
        #: Messages this relay published (for the tests and the health check).
        self.published = 0

    def nudge(self, _event: Event | None = None) -> None:
        """A transaction with events committed: publish soon (an after-commit handler)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._wake.set()
        super().stop(timeout)

    async def main(self) -> None:
        nc = await _connect(self.url, self.name)
        try:
            js = nc.jetstream(timeout=PUBLISH_TIMEOUT_S)
            await ensure_stream(js, self.stream, self.retention)
            pruned_at = 0.0
            loop = asyncio.get_running_loop()
            while not self.stopping.is_set():
                self._wake.clear()
                if not nc.is_connected:
                    # NATS is away (the client reconnects by itself): open no transaction
                    # (on SQLite it would hold the write lock) until it is back.
                    await self.sleep(RETRY_S)
                    continue
                done = await self.relay_once(js)
                if done is None:
                    # Another worker's relay has the turn; it may have read the backlog
                    # before our commit: look again soon rather than at the next poll.
                    await asyncio.sleep(CONTENDED_S)
                    continue
                if done >= self.batch:
                    continue  # more waiting: no pause
                if loop.time() - pruned_at >= self.prune_every_s:
                    self.prune()
                    pruned_at = loop.time()
                await asyncio.to_thread(self._wake.wait, self.poll_s)
        finally:
            await nc.close()

    async def relay_once(self, js: JetStreamContext) -> int | None:
        """Publish one batch of the backlog if this relay gets the turn: how many went
        (None: another relay has the turn)."""
        prefix = subject_prefix(self.stream)
        with self.uow() as uow:
            if not uow.outbox.claim():
                return None
            messages = uow.outbox.pending(self.batch)
            if not messages:
                return 0
            # Sent in order on one connection (JetStream stores them in that order), then
            # the acknowledgements gathered.
            answers = await asyncio.gather(
                *(
                    js.publish(
                        f"{prefix}.{m.type}",
                        json.dumps(m.payload).encode(),
                        headers={"Nats-Msg-Id": str(m.id)},
                    )
                    for m in messages
                ),
                return_exceptions=True,
            )
            done = [
                m.id
                for m, answer in zip(messages, answers, strict=True)
                if m.id is not None and not isinstance(answer, BaseException)
            ]
            uow.outbox.mark_published(done, self.clock.now())
            uow.commit()
        self.published += len(done)
        failed = next((a for a in answers if isinstance(a, BaseException)), None)
        if failed is not None:
            raise failed
        return len(done)

    def prune(self) -> None:
        before = self.clock.now() - self.retention
        while True:
            with self.uow() as uow:
                gone = uow.outbox.prune(before, 10_000)
                uow.commit()
            if gone < 10_000:
                return


class StreamConsumer(_Loop):
    def __init__(
        self,
        url: str,
        stream: str,
        broker: Broker,
        retention: timedelta,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__("bluepool-stream-consumer")
        self.url = url
        self.stream = stream
        self.broker = broker
        self.retention = retention
        #: Called with each message's type (e.g. to drop a cache another worker changed).
        self.on_message = on_message
        self._epoch: str | None = None
        self._last = 0

    async def main(self) -> None:
        resubscribe = asyncio.Event()

        async def reconnected() -> None:
            # The server may have restarted: its ephemeral consumer is gone. Start a new
            # one from the last message delivered.
            resubscribe.set()

        nc = await _connect(self.url, self.name, reconnected_cb=reconnected)
        try:
            js = nc.jetstream(timeout=5)
            while not self.stopping.is_set():
                resubscribe.clear()
                await self._follow(js, resubscribe)
        finally:
            await nc.close()

    async def _follow(self, js: JetStreamContext, resubscribe: asyncio.Event) -> None:
        info = await ensure_stream(js, self.stream, self.retention)
        epoch = epoch_of(info)
        if epoch != self._epoch:  # first contact, or the stream was made anew
            start = max(1, info.state.first_seq, info.state.last_seq - self.broker.keep + 1)
            self.broker.restart(epoch, start - 1)
            self._epoch, self._last = epoch, start - 1
        sub = await js.subscribe(
            f"{subject_prefix(self.stream)}.>",
            stream=self.stream,
            ordered_consumer=True,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self._last + 1
            ),
        )
        try:
            while not self.stopping.is_set() and not resubscribe.is_set():
                try:
                    msg = await sub.next_msg(timeout=1.0)
                except NatsTimeout:
                    continue
                seq = msg.metadata.sequence.stream
                if seq <= self._last:
                    continue
                data = json.loads(msg.data)
                self.broker.deliver(data, seq)
                self._last = seq
                if self.on_message is not None:
                    self.on_message(str(data.get("type", "")))
        finally:
            try:
                await sub.unsubscribe()
            except Exception:  # the connection is already gone
                log.debug("unsubscribe failed", exc_info=True)

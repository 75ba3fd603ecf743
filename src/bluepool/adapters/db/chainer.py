"""The background audit chainer (PostgreSQL): one thread per process that links the
entries writers committed unchained, so a writer returns as soon as its commit does.

A writer's transaction inserts its entries with ``seq`` empty (``SqlAuditLog.flush``);
after the commit the unit of work only ``wake``s the chainer (an event, no I/O). The
chainer wakes, chains whatever waits in batches of ``CHAIN_BATCH`` a transaction
(``repositories.chain_waiting`` with ``wait=True``: the head row locked ``FOR UPDATE``,
so of the chainers of several processes one chains at a time and the next one, once it
has the lock, chains what the first left; the chain never forks), and sleeps again. A
round starts at least ``gather_s`` after the last one began, so under load the commits of
those milliseconds share it (a round costs about the same for 1 entry as for 30). It
also looks every ``poll_s`` seconds without being woken, for entries a process left
waiting when it died or a tool wrote without a chainer.

The chainer has its own small engine (one connection) so that stopping it never races
the application's pool: ``stop`` chains one last time, then closes that engine. The
composition root starts it and stops it when the application's engine is disposed.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine, create_engine, event

from bluepool.adapters.db.repositories import chain_waiting

log = logging.getLogger(__name__)

#: How often an idle chainer looks for waiting entries without being woken (seconds).
POLL_S = 1.0
#: The least time from one round's start to the next (seconds): a round costs about the
#: same for 1 entry as for 30 (its round trips), so under load the writers of these few
#: milliseconds share one; an idle chainer woken by one entry chains it at once.
GATHER_S = 0.025


class AuditChainer:
    """Chains committed audit entries in a thread of its own (see the module)."""

    def __init__(
        self, engine: Engine, *, poll_s: float = POLL_S, gather_s: float = GATHER_S
    ) -> None:
        self.url = engine.url
        self.poll_s = poll_s
        self.gather_s = gather_s
        self._engine: Engine | None = None
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: Entries this chainer has linked (for tests and the benchmark).
        self.chained = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    def start(self) -> AuditChainer:
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("the audit chainer was already started")
            self._engine = create_engine(
                self.url, pool_size=1, max_overflow=0, pool_pre_ping=True, pool_recycle=1800
            )
            self._thread = threading.Thread(
                target=self._run, name="bluepool-audit-chainer", daemon=True
            )
            self._thread.start()
        return self

    def wake(self) -> None:
        """Entries have committed: chain them soon (returns at once)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Chain what has committed one last time, end the thread, close its engine."""
        with self._lock:
            thread = self._thread
            if thread is None or self._stopping:
                return
            self._stopping = True
        self._wake.set()
        thread.join(timeout)
        if thread.is_alive():  # pragma: no cover - a database that does not answer
            log.warning("the audit chainer did not stop within %s s", timeout)
            return
        if self._engine is not None:
            self._engine.dispose()

    def stop_with(self, engine: Engine) -> AuditChainer:
        """Stop when ``engine`` is disposed (the runtime's end, wherever it is ended)."""
        event.listen(engine, "engine_disposed", lambda _engine: self.stop())
        return self

    def _run(self) -> None:
        last = 0.0
        while not self._stopping:
            self._wake.wait(self.poll_s)
            early = self.gather_s - (time.monotonic() - last)
            if early > 0 and not self._stopping:
                time.sleep(early)  # the last round was just now: let more entries gather
            self._wake.clear()
            last = time.monotonic()
            if not self._chain() and not self._stopping:
                self._wake.wait(self.poll_s)  # the database is away: do not spin
        self._chain()  # the last look: what committed while the last round ran

    def _chain(self) -> bool:
        assert self._engine is not None
        try:
            self.chained += chain_waiting(self._engine, wait=True)
        except Exception:  # the next wake or poll tries again
            log.exception("the audit chainer could not chain the waiting entries")
            return False
        return True


def start_chainer(engine: Engine) -> AuditChainer | None:
    """A running chainer for ``engine``'s database, stopped with it; None on SQLite,
    where entries are chained in their own transaction."""
    if engine.dialect.name != "postgresql":
        return None
    return AuditChainer(engine).start().stop_with(engine)

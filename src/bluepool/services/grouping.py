"""Group commit: requests that arrive while a transaction is being written share the next
one, and each is answered once that transaction has committed.

One thread per process takes whatever is queued (at most ``max_items``), hands it to the
handler, which writes it in one transaction and returns one answer per item (a result, or
the exception that item raises), and wakes each caller with its answer. Nothing waits on
a timer: under light load a group is one request and costs what it did alone; under load
the queue fills while the previous group commits, so groups grow with the load and the
commits (and the fsyncs) per request fall. Acknowledged still means durable: a caller is
answered only after its group committed, or with the error that stopped it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


class GroupCommit(Generic[I, R]):
    def __init__(self, max_items: int = 256) -> None:
        self.max_items = max_items
        self._handler: Callable[[Sequence[I]], Sequence[R | Exception]] | None = None
        self._queue: list[tuple[I, Future[R]]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def start(self, handler: Callable[[Sequence[I]], Sequence[R | Exception]]) -> None:
        """Set what writes a group (the thread itself starts on the first item, in the
        process that serves it: a worker forked after ``start`` gets its own)."""
        self._handler = handler

    def submit(self, item: I) -> R:
        """Queue ``item``, wait for its group to commit, return its answer (or raise)."""
        future: Future[R] = Future()
        with self._ready:
            self._ensure_thread()
            self._queue.append((item, future))
            self._ready.notify()
        return future.result()

    def _ensure_thread(self) -> None:
        import os

        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                group = self._queue[: self.max_items]
                del self._queue[: self.max_items]
            self._write(group)

    def _write(self, group: list[tuple[I, Future[R]]]) -> None:
        handler = self._handler
        try:
            if handler is None:
                raise RuntimeError("GroupCommit.start was not called")
            answers = handler([item for item, _ in group])
        except BaseException as exc:  # the whole group failed: every caller hears why
            failure = exc if isinstance(exc, Exception) else RuntimeError(repr(exc))
            for _, future in group:
                future.set_exception(failure)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), answer in zip(group, answers, strict=True):
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)

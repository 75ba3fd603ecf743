"""Password hashing with argon2id (argon2-cffi), and a bound on how many hashes run at once."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bluepool.services.ports import Overloaded
from bluepool.services.ports import PasswordHasher as HasherPort


class Argon2Hasher:
    def __init__(self, fast: bool = False) -> None:
        # ``fast`` lowers the cost for tests and demo seeding only; production uses defaults.
        self._ph = PasswordHasher(time_cost=1, memory_cost=8192) if fast else PasswordHasher()

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._ph.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class BoundedHasher:
    """At most ``workers`` hashes at once and ``queue`` more waiting; past that, refuse.

    argon2id takes tens of MiB and tens of milliseconds per hash, by design. Without a
    bound, a flood of sign-ins would run one hash per server thread at once and take the
    memory (and every other request's time); with it, the flood is refused at once
    (``Overloaded``: the API answers 503 with Retry-After) and costs nothing.
    """

    def __init__(
        self, inner: HasherPort, workers: int = 2, queue: int = 8, retry_after_s: int = 1
    ) -> None:
        self.inner = inner
        self.retry_after_s = retry_after_s
        self._admitted = threading.BoundedSemaphore(workers + queue)
        self._running = threading.BoundedSemaphore(workers)

    def hash(self, password: str) -> str:
        with self._slot():
            return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        with self._slot():
            return self.inner.verify(password_hash, password)

    def _slot(self) -> _Slot:
        if not self._admitted.acquire(blocking=False):
            raise Overloaded("too many sign-ins at once; try again shortly", self.retry_after_s)
        return _Slot(self._admitted, self._running)


class _Slot:
    def __init__(self, admitted: threading.BoundedSemaphore, running: threading.Semaphore) -> None:
        self._admitted = admitted
        self._running = running

    def __enter__(self) -> None:
        self._running.acquire()

    def __exit__(self, *exc: object) -> None:
        self._running.release()
        self._admitted.release()

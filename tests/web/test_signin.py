"""Sign-in cannot be used to exhaust the server or to guess passwords (issue 10, item 1):
rate limits per address and per user name, a lockout with back-off that always ends, and a
bounded number of password hashes at once. Counters in process memory and in Redis."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from bluepool.adapters.passwords import BoundedHasher
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.services.ports import Overloaded
from bluepool.web.throttle import SignInThrottle, lock_seconds

REDIS = "redis://127.0.0.1:6379/0"


def redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["memory://", pytest.param(REDIS, id="redis")])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == REDIS and not redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return str(request.param)


def throttle(storage: str, **options: object) -> SignInThrottle:
    # A fresh key prefix: every test starts with no counts, even in a shared Redis.
    return SignInThrottle(storage, prefix=f"test-{uuid.uuid4().hex}", **options)  # type: ignore[arg-type]


def attempt(client: TestClient, username: str, password: str | None = None) -> httpx.Response:
    password = password if password is not None else f"{username}-pw"
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def assert_429(r: httpx.Response, code: str) -> int:
    assert r.status_code == 429, r.text
    assert r.json()["code"] == code
    assert r.json()["detail"]
    retry_after = int(r.headers["Retry-After"])
    assert retry_after >= 1
    return retry_after


def test_too_many_attempts_for_one_name_are_429(client: TestClient, storage: str) -> None:
    client.app.state.sign_in = throttle(storage, per_username="3/minute")  # type: ignore[attr-defined]
    for _ in range(3):
        assert attempt(client, "dispatcher").status_code == 200
    assert_429(attempt(client, "dispatcher"), "rate_limited")
    assert_429(attempt(client, "DISPATCHER"), "rate_limited")  # names count without case
    assert attempt(client, "supervisor").status_code == 200  # another name is not limited


def test_too_many_attempts_from_one_address_are_429(client: TestClient, storage: str) -> None:
    client.app.state.sign_in = throttle(storage, per_address="4/minute")  # type: ignore[attr-defined]
    for name in ("dispatcher", "supervisor", "analyst", "admin"):
        assert attempt(client, name).status_code == 200
    assert_429(attempt(client, "west-admin"), "rate_limited")


def test_repeated_failures_lock_a_name_whether_or_not_it_exists(
    client: TestClient, storage: str
) -> None:
    client.app.state.sign_in = throttle(storage, failures=3, base_s=60, max_s=600)  # type: ignore[attr-defined]
    answers = {}
    for name in ("dispatcher", "no-such-user"):
        for _ in range(3):
            assert attempt(client, name, "wrong-guess").status_code == 401
        locked = attempt(client, name)  # even the right password waits
        retry_after = assert_429(locked, "locked")
        assert retry_after <= 60
        answers[name] = locked.json()
    assert answers["dispatcher"] == answers["no-such-user"]  # tells nothing about the name
    assert attempt(client, "supervisor").status_code == 200


def test_a_success_forgets_the_failures(client: TestClient, storage: str) -> None:
    client.app.state.sign_in = throttle(storage, failures=3)  # type: ignore[attr-defined]
    for _ in range(2):
        assert attempt(client, "dispatcher", "wrong-guess").status_code == 401
    assert attempt(client, "dispatcher").status_code == 200
    for _ in range(2):
        assert attempt(client, "dispatcher", "wrong-guess").status_code == 401
    assert attempt(client, "dispatcher").status_code == 200


def test_the_lock_doubles_per_failure_and_is_capped() -> None:
    assert [lock_seconds(n, 5, 30, 900) for n in range(3, 12)] == [
        0,
        0,
        30,
        60,
        120,
        240,
        480,
        900,
        900,
    ]
    assert lock_seconds(10**6, 5, 30, 900) == 900


def test_the_lock_always_ends(storage: str) -> None:
    guard = throttle(storage, failures=5, base_s=30, max_s=900)
    for _ in range(40):  # failures piling up (e.g. each lock waited out, then guessed on)
        guard.failed("dispatcher")
    refusal = guard.check("10.0.0.1", "dispatcher")
    assert refusal is not None
    assert refusal.code == "locked"
    assert refusal.retry_after_s <= 900
    # ... and what makes it end is the storage's expiry of the lock:
    lock = guard._lock(guard._key("dispatcher"))
    assert 0 < guard.storage.get_expiry(lock) - time.time() <= 900
    guard.succeeded("dispatcher")
    assert guard.check("10.0.0.1", "dispatcher") is None


def test_an_unreachable_storage_does_not_close_sign_in(client: TestClient) -> None:
    client.app.state.sign_in = SignInThrottle("redis://127.0.0.1:1/0")  # type: ignore[attr-defined]
    assert attempt(client, "dispatcher").status_code == 200


def test_a_rate_limit_setting_must_parse() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(sign_in_rate_per_address="lots")
    assert Settings(rate_limit_storage=REDIS, sign_in_rate_per_username="5/minute;20/hour")


# -- password hashing is bounded -------------------------------------------------------------


class Blocking:
    """A hasher that holds every call until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.running = 0

    def hash(self, password: str) -> str:
        self.running += 1
        self.release.wait(10)
        return "h:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        self.hash(password)
        return password_hash == "h:" + password


def test_hashes_beyond_the_workers_and_queue_are_refused_at_once() -> None:
    inner = Blocking()
    hasher = BoundedHasher(inner, workers=2, queue=1, retry_after_s=2)
    threads = [threading.Thread(target=hasher.hash, args=("pw",)) for _ in range(3)]
    for t in threads:
        t.start()
    # Two run, one waits; a fourth finds no room.
    for _ in range(200):
        if inner.running == 2:
            break
        threading.Event().wait(0.01)
    assert inner.running == 2
    with pytest.raises(Overloaded) as refused:
        hasher.verify("h:pw", "pw")
    assert refused.value.retry_after_s == 2
    inner.release.set()
    for t in threads:
        t.join(10)
    assert inner.running == 3
    assert hasher.verify("h:pw", "pw")  # room again


def test_a_flood_of_sign_ins_gets_503_with_retry_after(
    client: TestClient, runtime: Runtime
) -> None:
    hasher = runtime.context.hasher
    assert isinstance(hasher, BoundedHasher)
    taken = 0
    while hasher._admitted.acquire(blocking=False):  # every slot busy
        taken += 1
    try:
        r = attempt(client, "dispatcher")
        assert r.status_code == 503
        assert r.json()["code"] == "busy"
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        for _ in range(taken):
            hasher._admitted.release()
    assert taken == 2 + 8  # the default workers and queue
    assert attempt(client, "dispatcher").status_code == 200

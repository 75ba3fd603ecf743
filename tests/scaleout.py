"""Harness for the scale-out tests and drills: a private nats-server, ``bluepool serve
--workers N`` as a subprocess, and event-stream readers on threads."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bluepool import bootstrap
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.cli.runtime import operator
from bluepool.config import Settings
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.ids import Username
from bluepool.services.access.users import create_user

ADMIN = "chief"
ADMIN_PASSWORD = "a long and good password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Any, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.05)


class NatsServer:
    """A nats-server with JetStream on its own port and store, to stop and start at will."""

    def __init__(self, store: Path) -> None:
        binary = shutil.which("nats-server")
        if binary is None:
            pytest.skip("nats-server is not installed (apt-get install nats-server)")
        self.binary = binary
        self.store = store
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._listening, 20, "nats-server listening")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def _listening(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


@contextmanager
def nats_server(tmp: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp / "nats")
    server.start()
    try:
        yield server
    finally:
        server.kill()


class Workers:
    """``bluepool serve --workers N`` on a free port, as a subprocess."""

    def __init__(self, database_url: str, workers: int = 2, **settings: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.env = {
            **os.environ,
            "BLUEPOOL_ENVIRONMENT": "test",
            "BLUEPOOL_DATABASE_URL": database_url,
            "BLUEPOOL_SECRET_KEY": "s" * 40,
            "BLUEPOOL_MAX_STREAMS_PER_USER": "50",
            **{f"BLUEPOOL_{k.upper()}": v for k, v in settings.items()},
        }
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.cli = [sys.executable, "-m", "bluepool"]

    def create_admin(self) -> None:
        """Migrate and add the collective admin, in this process (as ``bluepool users
        create-admin`` would, without starting one more interpreter)."""
        upgrade(self.database_url)
        settings = Settings(environment="test", database_url=self.database_url)
        runtime = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
        try:
            admin = User(Username(ADMIN), Role.COLLECTIVE_ADMIN)
            create_user(runtime.context, operator(), admin, ADMIN_PASSWORD)
        finally:
            runtime.engine.dispose()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*self.cli, "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(self.healthy, 60, "the workers answering /health")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the server process)."""
        assert self.process is not None
        out = subprocess.run(
            ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
        ).stdout
        return [int(line.split()[0]) for line in out.splitlines() if "spawn_main" in line]

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            self.process = None

    def token(self) -> str:
        r = httpx.post(
            f"{self.base}/api/v1/auth/token",
            data={"username": ADMIN, "password": ADMIN_PASSWORD},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


@contextmanager
def serving(database_url: str, workers: int = 2, **settings: str) -> Iterator[Workers]:
    server = Workers(database_url, workers, **settings)
    server.create_admin()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Reader:
    """One event stream, read on a thread: its worker (from ``hello``) and every event."""

    def __init__(self, base: str, token: str, last_event_id: str | None = None) -> None:
        self.base = base
        self.token = token
        self.last_event_id = last_event_id
        self.worker: str | None = None
        self.events: list[dict[str, Any]] = []
        self.kinds: list[str] = []
        self.ready = threading.Event()
        #: Why the stream ended early, if the connection broke.
        self.broken: httpx.TransportError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self.ready.wait(20), "the stream did not open"

    def _read(self) -> None:
        headers = {"Last-Event-ID": self.last_event_id} if self.last_event_id else {}
        frame: dict[str, str] = {}
        try:
            self._stream(headers, frame)
        except httpx.TransportError as exc:
            # The server went away (a drill stopped it, or the test is over): the stream
            # ends here; what it read stays for the test to check.
            self.broken = exc

    def _stream(self, headers: dict[str, str], frame: dict[str, str]) -> None:
        with httpx.stream(
            "GET",
            f"{self.base}/api/v1/events",
            headers={**headers, "Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(10, read=None),
        ) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(("event:", "data:", "id:")):
                    key, _, value = line.partition(":")
                    frame[key] = value.strip()
                elif line == "" and frame:
                    kind = frame.get("event", "")
                    if kind:
                        self.kinds.append(kind)
                    if kind == "hello":
                        self.worker = json.loads(frame["data"])["worker"]
                        self.ready.set()
                    elif kind and "id" in frame:
                        self.events.append(
                            {"event": kind, "id": frame["id"], "data": json.loads(frame["data"])}
                        )
                    frame = {}

    def ids_of(self, kind: str) -> list[str]:
        """The record ids of the events of ``kind`` this reader saw, in order."""
        return [e["data"]["id"] for e in self.events if e["event"] == kind]

    def close(self) -> None:
        self._stop.set()


def readers_on_every_worker(base: str, token: str, workers: int) -> list[Reader]:
    """Open streams until at least one is served by each worker (new connections land on
    either); every stream opened is returned."""
    readers: list[Reader] = []
    for _ in range(40):
        readers.append(Reader(base, token))
        if len({r.worker for r in readers}) == workers:
            return readers
    raise AssertionError("could not reach every worker")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb, pg_ctl) in a temporary directory on a free
    port, to restart under load without touching the shared one."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        binaries = found[-1].parent if found else None
        if binaries is None or not (binaries / "initdb").exists():
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin = binaries
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as "postgres"
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser to start PostgreSQL as postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="bluepool-pg-"))
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", action, *extra
        )

    def start(self) -> None:
        self._ctl("start", "-l", str(self.dir / "log"))

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast", "-l", str(self.dir / "log"))

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()

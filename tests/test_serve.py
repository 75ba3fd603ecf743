"""``bluepool serve --workers N``: several worker processes on one PostgreSQL database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _postgres_database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def two_workers() -> Iterator[str]:
    with _postgres_database() as url:
        env = {**os.environ, "BLUEPOOL_ENVIRONMENT": "test", "BLUEPOOL_DATABASE_URL": url}
        env.pop("BLUEPOOL_SECRET_KEY", None)
        cli = [sys.executable, "-m", "bluepool"]
        subprocess.run(
            [*cli, "users", "create-admin", "chief", "--password-stdin"],
            input="a long and good password\n",
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        port = _free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(30)


@pytest.mark.postgres
def test_every_worker_accepts_a_token_another_worker_signed(two_workers: str) -> None:
    with httpx.Client(base_url=two_workers) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={"username": "chief", "password": "a long and good password"},
        ).json()["access_token"]
        # New connections land on either worker; every one accepts the token, because the
        # parent gave all workers one secret.
    answers = set()
    for _ in range(20):
        with httpx.Client(base_url=two_workers) as client:
            me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            answers.add(me.status_code)
    assert answers == {200}


def test_several_workers_refuse_sqlite() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bluepool",
            "serve",
            "--workers",
            "2",
            "--database-url",
            "sqlite:///x.db",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "BLUEPOOL_ENVIRONMENT": "test"},
    )
    assert result.returncode != 0
    assert "need PostgreSQL" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [([], {}, False), (["--access-log"], {}, True), ([], {"BLUEPOOL_ACCESS_LOG": "1"}, True)],
)
def test_the_access_log_is_off_unless_asked_for(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    expected: bool,
) -> None:
    import uvicorn
    from click.testing import CliRunner

    from bluepool.cli.serve import serve
    from bluepool.web import app as web_app

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(web_app, "freeze_startup_objects", lambda: None)  # not in tests
    result = CliRunner().invoke(
        serve,
        ["--database-url", f"sqlite:///{tmp_path / 'a.db'}", *args],
        env={"BLUEPOOL_ENVIRONMENT": "test", **env},
    )
    assert result.exit_code == 0, result.output
    assert calls[0]["access_log"] is expected

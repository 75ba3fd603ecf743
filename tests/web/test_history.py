"""KPIs of the call history over the API: a closed live incident copied into the history
(``add_live``) gives the same report with ``source=history`` as the live one; only a
collective admin copies; a bad source is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bluepool import bootstrap
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.domain.access.roles import Role, User
from bluepool.domain.shared.errors import Forbidden
from bluepool.domain.shared.ids import Username
from bluepool.services.analytics.history import add_live
from tests.web.conftest import login, seed
from tests.web.test_board import lent_call


@pytest.fixture
def runtime(migrated_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        environment="test",
        database_url=migrated_url,
        secret_key="t" * 40,
        history_path=tmp_path / "history.duckdb",
    )
    rt = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    seed(rt)
    yield rt
    rt.engine.dispose()


def without_source(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "source"}


def test_a_closed_incident_reports_the_same_from_the_history(
    runtime: Runtime, client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    lent_call(client, as_dispatcher)
    analyst = login(client, "analyst")
    now = runtime.context.clock.now()
    period = {
        "from": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
        "by": ["priority", "agency", "unit_kind"],
        "tz": "Europe/Vaduz",
    }
    empty = client.get("/api/v1/kpis", headers=analyst, params={**period, "source": "history"})
    assert empty.status_code == 200, empty.text
    assert empty.json()["calls"] == 0

    admin = User(Username("admin"), Role.COLLECTIVE_ADMIN)
    start, end = now - timedelta(days=1), now + timedelta(hours=1)
    assert add_live(runtime.context, admin, start, end) == 1
    assert add_live(runtime.context, admin, start, end) == 1  # again: replaced, not doubled

    live = client.get("/api/v1/kpis", headers=analyst, params=period).json()
    r = client.get("/api/v1/kpis", headers=analyst, params={**period, "source": "history"})
    assert r.status_code == 200, r.text
    history = r.json()
    assert (live["source"], history["source"]) == ("live", "history")
    assert without_source(history) == without_source(live)
    assert history["calls"] == 1
    assert history["assistance"]  # West's car in East: assistance received and given

    with pytest.raises(Forbidden):
        add_live(runtime.context, User(Username("analyst"), Role.ANALYST), start, end)
    bad = client.get("/api/v1/kpis", headers=analyst, params={"source": "archive"})
    assert bad.status_code == 422

"""The committed API contract (docs/openapi.json) matches the code; change it on purpose
with `scripts/openapi`."""

from __future__ import annotations

import json
from pathlib import Path

from bluepool.config import Settings
from bluepool.web.app import create_app

SNAPSHOT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_openapi_matches_the_committed_contract() -> None:
    spec = create_app(Settings(environment="test", database_url="sqlite://")).openapi()
    committed = json.loads(SNAPSHOT.read_text())
    assert json.loads(json.dumps(spec, sort_keys=True)) == committed, (
        "the API changed: run scripts/openapi and commit docs/openapi.json if that was meant"
    )

"""The published OpenAPI matches what the server answers: schemathesis generates requests for
every operation of /openapi.json (whatever routers the app has: the list is the schema's,
not ours), sends them in process to the app serving the demo collective with its road
network, signed in as the collective admin, and checks every answer: no server error, a
status code the operation declares, the declared content type and headers, and a body that
matches the declared schema.

Bounded and deterministic: few examples per operation, derandomized, no shrinking. The
event stream (``GET /api/v1/events``) is left out: it never ends, so it has no body to
check; tests/web/test_events.py covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.config import HealthCheck
from schemathesis.engine import Status, events

from bluepool import bootstrap
from bluepool.adapters.db.migrate import upgrade
from bluepool.adapters.files.collective import read_collective
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.config import Settings
from bluepool.domain.shared.geo import Location
from bluepool.geo.jurisdictions import JurisdictionIndex
from bluepool.routing.network import demo_network_path
from bluepool.services.access import sessions, users
from bluepool.services.dispatch import incidents
from bluepool.services.setup import load_collective
from bluepool.web import auth
from bluepool.web.app import create_app
from tests.conftest import DATABASES, _database

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))
#: Examples per operation and per generation mode: enough to reach every declared answer of
#: an operation that validates its input, few enough to keep the run short.
MAX_EXAMPLES = 12
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
UNBOUNDED = ("/api/v1/events",)


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, Callable[[], str]]]:
    """The app on a migrated database holding the demo collective and a few incidents
    (SQLite, and PostgreSQL when configured), and the headers of its collective admin."""
    with _database(request.param, tmp_path_factory.mktemp("conformance")) as url:
        yield from _serve(url)


def _serve(url: str) -> Iterator[tuple[Any, Callable[[], str]]]:
    upgrade(url)
    settings_ = Settings(
        environment="test",
        database_url=url,
        secret_key="s" * 40,
        road_network=demo_network_path(),
    )
    runtime = bootstrap.build(settings_, hasher=Argon2Hasher(fast=True))
    spec = read_collective(DEMO)
    ctx = runtime.context
    with ctx.uow() as uow:
        load_collective(
            uow, spec, ctx.hasher, ctx.clock, "test", JurisdictionIndex(spec.jurisdictions)
        )
    admin = users.signed_in(ctx, "admin")
    assert admin is not None
    dispatcher = users.signed_in(ctx, "dispatcher")
    assert dispatcher is not None
    for lat, lon, call_type in [(47.139, 9.5215, "burglary"), (47.2, 9.54, "traffic_collision")]:
        incidents.create_incident(ctx, dispatcher, call_type, Location(lat, lon))

    def token() -> str:
        # A session of its own for each request: one that signs out ends only itself.
        grant = sessions.start_session(ctx, admin, timedelta(hours=1))
        return auth.issue(
            admin.username,
            auth.stamp(admin.password_hash, admin.role),
            grant.session_id,
            runtime.settings.secret_key,
            ctx.clock.now(),
            timedelta(hours=1),
        )

    yield create_app(runtime=runtime), token
    runtime.engine.dispose()


#: The operations that take credentials in their body: a made-up one is rightly a 401.
SIGN_IN = {"POST /api/v1/auth/token", "POST /api/v1/auth/refresh"}


def test_every_operation_answers_as_published(served: tuple[Any, Callable[[], str]]) -> None:
    app, token = served
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path=list(UNBOUNDED))

    # A fresh token for every request: an operation that signs out or rotates a token must
    # not leave the rest of the run unauthenticated.
    @schema.auth(refresh_interval=None)
    class FreshToken:
        def get(self, case: Any, ctx: Any) -> str:
            return token()

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.config.update(suppress_health_check=[HealthCheck.all])
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True)
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    schema.config.checks.update(included_check_names=CHECKS)
    operations: set[str] = set()
    succeeded: set[str] = set()
    signed_out: set[str] = set()
    cases = 0
    failures: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            label = event.recorder.label
            operations.add(label)
            cases += len(event.recorder.cases)
            for interaction in event.recorder.interactions.values():
                status = interaction.response.status_code if interaction.response else 0
                if 200 <= status < 300:
                    succeeded.add(label)
                elif status == 401 and label not in SIGN_IN:
                    signed_out.add(label)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        case = event.recorder.cases[case_id].value
                        failure = check.failure_info.failure
                        failures.append(
                            f"{event.recorder.label}: {check.name}: {failure.title}: "
                            f"{failure.message[:300]}\n    {case.as_curl_command()}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event!r:.500}")
    print(
        f"schemathesis: {cases} cases over {len(operations)} operations, "
        f"{len(succeeded)} of them answered 2xx at least once"
    )
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} mismatches:\n" + "\n".join(unique[:40])
    assert len(operations) >= 45
    # The run reached past the sign-in: every request carried a valid token, and the
    # generated requests were good enough to succeed on nearly every operation.
    assert not signed_out
    assert len(succeeded) >= 0.75 * len(operations)

"""Bad input is refused, not coerced: every request body's numbers, integers, flags and
times take only their own JSON type (a 422 naming the field, and nothing changes); an
incident outside every jurisdiction is taken only when the collective accepts such calls,
and is marked."""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bluepool import bootstrap
from bluepool.adapters.passwords import Argon2Hasher
from bluepool.config import Settings
from bluepool.web import schemas
from bluepool.web.app import create_app
from bluepool.web.schemas import access, collective, common, dispatch, sharing
from tests.web.conftest import centre, login, square

pytestmark = pytest.mark.usefixtures("runtime")

#: A moment just past (the server refuses device times ahead of its clock).
WHEN = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
INSIDE = {"lat": centre("west").lat, "lon": centre("west").lon}

# (method, path, a valid body) for every request body kind of the API.
BODIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "incident": (
        "POST",
        "/api/v1/incidents",
        {"call_type": "burglary", "priority": 3, "location": dict(INSIDE)},
    ),
    "assignment": ("POST", "/api/v1/incidents/none/assignments", {"unit_id": "west-p1"}),
    "status": ("POST", "/api/v1/units/west-p1/status", {"status": "busy", "at": WHEN}),
    "position": ("POST", "/api/v1/units/west-p1/positions", {**INSIDE, "at": WHEN}),
    "unit": (
        "POST",
        "/api/v1/units",
        {
            "id": "west-p9",
            "agency": "west",
            "kind": "patrol",
            "capabilities": ["patrol"],
            "location": dict(INSIDE),
        },
    ),
    "unit update": ("PATCH", "/api/v1/units/west-p1", {"name": "renamed"}),
    "user": (
        "POST",
        "/api/v1/users",
        {"username": "new-user", "password": "a long enough password", "role": "analyst"},
    ),
    "user update": ("PATCH", "/api/v1/users/analyst", {"active": True}),
    "agency": ("POST", "/api/v1/agencies", {"id": "north", "name": "North Police"}),
    "agency update": ("PUT", "/api/v1/agencies/west", {"name": "West PD"}),
    "station": (
        "POST",
        "/api/v1/stations",
        {"id": "west-2", "agency": "west", "name": "West 2", "location": dict(INSIDE)},
    ),
    "jurisdiction": (
        "POST",
        "/api/v1/jurisdictions",
        {"id": "north-town", "name": "North", "agency": "west", "geometry": square(9.60)},
    ),
    "call type": (
        "POST",
        "/api/v1/call-types",
        {
            "code": "fraud",
            "name": "Fraud",
            "default_priority": 4,
            "plan": [{"capability": "patrol", "count": 1}],
        },
    ),
    "agreement": (
        "POST",
        "/api/v1/agreements",
        {
            "id": "WEST-EAST-1",
            "title": "West lends East",
            "parties": ["west", "east"],
            "valid_from": "2026-01-01T00:00:00Z",
            "clauses": [{"lender": "west", "max_priority": 3, "rates": {"per_hour": {"*": 9000}}}],
        },
    ),
}

# (body kind, the field as the error names it, a value of the wrong JSON type)
BAD: list[tuple[str, str, Any]] = [
    ("incident", "location.lat", False),
    ("incident", "location.lat", "47.1"),
    ("incident", "location.lon", None),
    ("incident", "priority", True),
    ("incident", "priority", "2"),
    ("incident", "priority", 2.0),
    ("incident", "call_type", 7),
    ("assignment", "unit_id", 1),
    ("status", "at", 1893499200),
    ("status", "at", True),
    ("position", "lat", "47.1"),
    ("position", "lon", True),
    ("position", "at", 1893499200.0),
    ("unit", "location.lat", False),
    ("unit", "capabilities", "patrol"),
    ("unit update", "name", 5),
    ("user", "role", 3),
    ("user update", "active", "yes"),
    ("user update", "active", 1),
    ("user update", "active", "true"),
    ("agency", "name", ["West"]),
    ("agency update", "name", 5),
    ("station", "location.lon", "9.5"),
    ("jurisdiction", "geometry", {"type": "Polygon", "coordinates": [[["9.6", 47.0]]]}),
    ("jurisdiction", "geometry", {"type": "Polygon", "coordinates": [[[True, 47.0]]]}),
    ("call type", "default_priority", True),
    ("call type", "plan.0.count", "2"),
    ("agreement", "clauses.0.home_reserve", "1"),
    ("agreement", "clauses.0.max_priority", False),
    ("agreement", "clauses.0.rates.per_hour.*", 90.5),
    ("agreement", "valid_from", 1767225600),
]


def _with(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """``body`` with the (dotted) ``field`` set to ``value``."""
    out = copy.deepcopy(body)
    *path, last = field.split(".")
    node: Any = out
    for key in path:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return out


def _changes(client: TestClient, headers: dict[str, str]) -> int:
    total: int = client.get("/api/v1/changes", headers=headers).json()["total"]
    return total


@pytest.mark.parametrize(("kind", "field", "value"), BAD, ids=[f"{k}-{f}-{v!r}" for k, f, v in BAD])
def test_a_value_of_the_wrong_type_is_a_422_naming_the_field(
    client: TestClient, as_admin: dict[str, str], kind: str, field: str, value: Any
) -> None:
    method, path, body = BODIES[kind]
    before = _changes(client, as_admin)
    r = client.request(method, path, json=_with(body, field, value), headers=as_admin)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "validation_error"
    named = [d for d in problem["detail"] if d["field"] == field]
    assert named, problem
    assert all(d["reason"] for d in named)
    assert _changes(client, as_admin) == before


@pytest.mark.parametrize("kind", [k for k in BODIES if k != "assignment"])
def test_the_valid_bodies_of_the_table_are_accepted(
    client: TestClient, as_admin: dict[str, str], kind: str
) -> None:
    method, path, body = BODIES[kind]
    r = client.request(method, path, json=body, headers=as_admin)
    assert r.status_code in (200, 201), r.text


def test_a_wrong_type_says_what_was_sent(client: TestClient, as_admin: dict[str, str]) -> None:
    method, path, body = BODIES["incident"]
    r = client.request(method, path, json=_with(body, "location.lat", "47.1"), headers=as_admin)
    [problem] = r.json()["detail"]
    assert problem == {
        "field": "location.lat",
        "reason": "Input should be a valid number, not text",
    }
    r = client.request(method, path, json=_with(body, "priority", True), headers=as_admin)
    [problem] = r.json()["detail"]
    assert problem["reason"] == "Input should be a valid integer, not true or false"


def test_an_integer_is_a_fine_latitude(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/units/west-p1/positions", json={"lat": 47, "lon": 9, "at": WHEN}, headers=as_admin
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/units/west-p1", headers=as_admin).json()["location"] == {
        "lat": 47.0,
        "lon": 9.0,
    }


def _leaves(annotation: Any, strict: bool = False) -> Iterator[tuple[Any, bool]]:
    """Every plain type inside ``annotation``, with whether a ``Strict`` marker covers it."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        marked = strict or any(getattr(m, "strict", None) is True for m in metadata)
        yield from _leaves(inner, marked)
    elif origin in (Union, types.UnionType, list, tuple, dict, set, frozenset):
        for arg in get_args(annotation):
            yield from _leaves(arg, strict)
    else:
        yield annotation, strict


def _request_models() -> list[type[BaseModel]]:
    found = []
    for module in (access, collective, common, dispatch, sharing):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, common.Strict) and obj.__module__.startswith(schemas.__name__):
                found.append(obj)
    return found


def test_every_number_integer_and_flag_of_a_request_body_is_strict() -> None:
    """A new request field typed plain ``float``, ``int`` or ``bool`` fails here: use
    ``common.Number``, ``Integer`` or ``Flag``."""
    models = _request_models()
    assert len(models) >= 14
    lax = []
    for model in models:
        for name, info in model.model_fields.items():
            assert isinstance(info, FieldInfo)
            strict = any(getattr(m, "strict", None) is True for m in info.metadata)
            for leaf, covered in _leaves(info.annotation, strict):
                if leaf in (float, int, bool) and not covered:
                    lax.append(f"{model.__name__}.{name}: {leaf.__name__}")
    assert not lax, lax


# incidents outside every jurisdiction --------------------------------------------------

OUTSIDE = {"call_type": "burglary", "priority": 3, "location": {"lat": 48.0, "lon": 9.0}}


def test_an_incident_outside_every_jurisdiction_is_refused_by_default(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    before = client.get("/api/v1/incidents", headers=as_dispatcher).json()["total"]
    r = client.post("/api/v1/incidents", headers=as_dispatcher, json=OUTSIDE)
    assert r.status_code == 422
    assert r.json()["code"] == "outside_jurisdictions"
    assert "outside every jurisdiction" in r.json()["detail"]
    assert client.get("/api/v1/incidents", headers=as_dispatcher).json()["total"] == before


def test_an_incident_inside_is_not_marked(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    r = client.post("/api/v1/incidents", headers=as_dispatcher, json=BODIES["incident"][2])
    assert r.status_code == 201
    assert r.json()["outside"] is False
    assert r.json()["jurisdiction"] == "west-town"


@pytest.fixture
def accepting(migrated_url: str) -> Iterator[TestClient]:
    """A collective that takes calls outside its jurisdictions (the database the ``runtime``
    fixture seeded, served with ``outside_incidents="accept"``)."""
    settings = Settings(
        environment="test",
        database_url=migrated_url,
        secret_key="t" * 40,
        outside_incidents="accept",
    )
    rt = bootstrap.build(settings, hasher=Argon2Hasher(fast=True))
    with TestClient(create_app(runtime=rt)) as c:
        yield c
    rt.engine.dispose()


def test_an_accepted_incident_outside_is_marked(accepting: TestClient) -> None:
    headers = login(accepting, "dispatcher")
    r = accepting.post("/api/v1/incidents", headers=headers, json=OUTSIDE)
    assert r.status_code == 201, r.text
    incident = r.json()
    assert incident["outside"] is True
    assert incident["jurisdiction"] is None
    assert incident["timeline"][0]["detail"] == "burglary P3 outside every jurisdiction"
    again = accepting.get(f"/api/v1/incidents/{incident['id']}", headers=headers).json()
    assert again["outside"] is True
    listed = accepting.get("/api/v1/incidents", headers=headers).json()["items"]
    assert [i["outside"] for i in listed if i["id"] == incident["id"]] == [True]


def test_the_setting_takes_only_refuse_or_accept() -> None:
    with pytest.raises(ValueError, match="outside_incidents"):
        Settings(outside_incidents="maybe")  # type: ignore[arg-type]


# query strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/incidents?open=true", 200),
        ("/api/v1/incidents?open=false", 200),
        ("/api/v1/incidents?open=yes", 422),
        ("/api/v1/incidents?open=1", 422),
        ("/api/v1/jurisdictions?geometry=true", 200),
        ("/api/v1/jurisdictions?geometry=on", 422),
        ("/api/v1/incidents?priority=2", 200),
        ("/api/v1/incidents?priority=two", 422),
        ("/api/v1/units?limit=1.5", 422),
    ],
)
def test_query_parameters_take_only_their_own_type(
    client: TestClient, as_dispatcher: dict[str, str], url: str, status: int
) -> None:
    r = client.get(url, headers=as_dispatcher)
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["detail"][0]["field"].startswith("query.")

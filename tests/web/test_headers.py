"""Every answer carries the security headers: pages, the API, static files, the event
stream, and every error (401, 404, 405, 413, 422, 400, 500); Strict-Transport-Security only
over TLS. The pages have no inline script, and their scripts insert no HTML (issue 10,
hardening item 4)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient

from bluepool import bootstrap
from bluepool.bootstrap import Runtime
from bluepool.config import Settings
from bluepool.web.app import create_app
from bluepool.web.headers import content_security_policy, tile_origin
from bluepool.web.pages import views
from tests.web.conftest import centre

PAGES = views.HERE
EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def assert_secured(r: httpx.Response, https: bool = False) -> None:
    for name, value in EXPECTED.items():
        assert r.headers.get(name) == value, (r.request.url, r.status_code, name)
    csp = r.headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'", csp
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    if https:
        assert r.headers.get("strict-transport-security", "").startswith("max-age=")
    else:
        assert "strict-transport-security" not in r.headers


@pytest.fixture
def raising_client(runtime: Runtime) -> TestClient:
    """The app with one route that fails: a server error's 500 must carry the headers too."""
    app = create_app(runtime=runtime)

    @app.get("/api/v1/test-boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("boom")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("path", ["/", "/officer", "/login", "/docs", "/openapi.json", "/health"])
def test_pages_and_documents_carry_the_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert_secured(r)


@pytest.mark.parametrize(
    "path",
    [
        "/static/js/console.js",
        "/static/css/console.css",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    ],
)
def test_static_files_carry_the_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert_secured(r)


def test_api_answers_and_errors_carry_the_headers(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    answers = {
        200: client.get("/api/v1/incidents", headers=as_dispatcher),
        201: client.post(
            "/api/v1/incidents",
            json={
                "call_type": "burglary",
                "location": {"lat": centre("west").lat, "lon": centre("west").lon},
            },
            headers=as_dispatcher,
        ),
        400: client.get("/api/v1/units/a%00b", headers=as_dispatcher),  # NUL in the URL
        401: client.get("/api/v1/incidents"),
        404: client.get("/api/v1/incidents/nope", headers=as_dispatcher),
        405: client.delete("/health"),
        422: client.post("/api/v1/incidents", json={"call_type": ""}, headers=as_dispatcher),
    }
    for status, r in answers.items():
        assert r.status_code == status, (status, r.text)
        assert_secured(r)
    assert_secured(client.get("/no/such/page"))  # the router's own 404


def test_a_refused_write_carries_the_headers(
    client: TestClient, as_dispatcher: dict[str, str]
) -> None:
    """413 and 401 come from web/limits.py before the app is reached."""
    too_large = client.post(
        "/api/v1/incidents",
        content=b"x" * (2 * 1024 * 1024),
        headers={**as_dispatcher, "content-type": "application/json"},
    )
    assert too_large.status_code == 413
    assert_secured(too_large)
    unsigned = client.post("/api/v1/incidents", json={})
    assert unsigned.status_code == 401
    assert_secured(unsigned)


def test_a_server_error_carries_the_headers(raising_client: TestClient) -> None:
    r = raising_client.get("/api/v1/test-boom")
    assert r.status_code == 500
    assert_secured(r)


def test_the_event_stream_carries_the_headers(base_url: str) -> None:
    tok = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": "dispatcher", "password": "dispatcher-pw"},
    ).json()["access_token"]
    with httpx.stream(
        "GET", f"{base_url}/api/v1/events", params={"access_token": tok}, timeout=10
    ) as r:
        # However the stream is signed in to, its answer (a stream, or a refusal) is secured.
        assert_secured(r)
        if r.status_code == 200:
            assert r.headers["content-type"].startswith("text/event-stream")


def test_hsts_only_over_tls(client: TestClient, runtime: Runtime) -> None:
    assert "strict-transport-security" not in client.get("/health").headers
    with TestClient(create_app(runtime=runtime), base_url="https://bluepool.example") as tls:
        assert_secured(tls.get("/health"), https=True)
        assert_secured(tls.get("/api/v1/incidents"), https=True)  # a 401 too
    # The app itself trusts no header: only the request's scheme counts.
    r = client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in r.headers


def test_hsts_behind_a_tls_proxy_that_uvicorn_trusts(base_url: str) -> None:
    """uvicorn takes the scheme from X-Forwarded-Proto when the proxy's address is in
    FORWARDED_ALLOW_IPS (by default the loopback: this test's client)."""
    plain = httpx.get(f"{base_url}/health")
    assert_secured(plain)
    proxied = httpx.get(f"{base_url}/health", headers={"X-Forwarded-Proto": "https"})
    assert_secured(proxied, https=True)


def test_the_tile_servers_origin_may_serve_images(migrated_url: str) -> None:
    assert tile_origin(None) is None
    assert tile_origin("/tiles/{z}/{x}/{y}.png") is None
    assert tile_origin("https://tiles.example.org/{z}/{x}/{y}.png") == "https://tiles.example.org"
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert "img-src 'self' data:;" in content_security_policy(None)
    settings = Settings(
        environment="test",
        database_url=migrated_url,
        secret_key="t" * 40,
        tile_url="https://{s}.tile.example.org:8443/{z}/{x}/{y}.png",
    )
    runtime = bootstrap.build(settings)
    try:
        with TestClient(create_app(runtime=runtime)) as c:
            csp = c.get("/login").headers["content-security-policy"]
    finally:
        runtime.engine.dispose()
    assert "img-src 'self' data: https://*.tile.example.org:8443;" in csp
    assert "connect-src 'self';" in csp


# --------------------------------------------------------------------------------------
# no inline script, no HTML insertion


class Scripts(HTMLParser):
    """Inline scripts (a <script> without src that is not a JSON data block) and handler
    attributes (onclick=...) of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        handlers = [k for k in named if k.startswith("on")]
        if handlers:
            self.problems.append(f"<{tag} {' '.join(handlers)}>")
        if tag == "script" and "src" not in named and named.get("type") != "application/json":
            self.problems.append("<script> without src")
        for key in ("href", "src", "action"):
            if (named.get(key) or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {key}=javascript:>")


@pytest.mark.parametrize("path", ["/", "/officer", "/login", "/docs"])
def test_the_pages_have_no_inline_script(client: TestClient, path: str) -> None:
    parser = Scripts()
    parser.feed(client.get(path).text)
    assert parser.problems == []


def test_the_templates_are_autoescaped() -> None:
    env = views.templates.env
    for template in sorted((PAGES / "templates").glob("*.html")):
        assert env.autoescape(template.name) if callable(env.autoescape) else env.autoescape
        parser = Scripts()
        parser.feed(template.read_text())
        assert parser.problems == [], template.name


HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\("
    r"|setTimeout\(\s*[\"'`]|bind(Popup|Tooltip)\(\s*[\"'`]|setContent\(\s*[\"'`]|html:\s*[\"'`]"
)


def test_the_scripts_insert_no_html() -> None:
    """Our ES modules build the DOM from text (dom.js); a string given to Leaflet's
    bindTooltip/bindPopup/setContent or a divIcon's html would be parsed as HTML."""
    found = [
        f"{js.name}:{n}: {line.strip()}"
        for js in sorted((PAGES / "static" / "js").glob("*.js"))
        for n, line in enumerate(js.read_text().splitlines(), 1)
        if HTML_SINKS.search(line)
    ]
    assert found == []

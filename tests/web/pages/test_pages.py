"""The console's pages render, its static files are served, and it loads nothing from
outside the server (no CDN): without a tile URL it works fully offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bluepool.adapters.db.migrate import upgrade
from bluepool.config import Settings
from bluepool.web.app import create_app
from bluepool.web.pages import views

PAGES = ["/", "/login", "/officer", "/audit", "/admin", "/supervisor", "/analyst"]
TEMPLATES = Path(views.__file__).parent / "templates"
STATIC = views.STATIC
ASSET = re.compile(r"""(?:src|href)="(/static/[^"?#]+)""")


def _client(tmp_path: Path, **settings: object) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    upgrade(url)
    app = create_app(
        Settings(environment="test", database_url=url, secret_key="c" * 40, **settings)  # type: ignore[arg-type]
    )
    with TestClient(app) as client:
        yield client
    app.state.runtime.engine.dispose()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path)


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_as_html(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in r.text.lower()
    assert '<html lang="en">' in r.text


@pytest.mark.parametrize("path", PAGES)
def test_every_asset_a_page_names_is_served(client: TestClient, path: str) -> None:
    assets = ASSET.findall(client.get(path).text)
    assert any(a.endswith(".css") for a in assets)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200, asset


def test_pages_need_no_token_but_the_api_does(client: TestClient) -> None:
    # The shells are public; the data behind them is not.
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/incidents").status_code == 401


def test_console_has_the_map_queue_units_recommendation_and_shortcuts(
    client: TestClient,
) -> None:
    html = client.get("/").text
    for marker in (
        'id="map"',
        'id="queue-list"',
        'id="units-table"',
        'id="rec-panel"',
        'id="new-form"',
        'id="offline-banner"',
        'aria-live="polite"',
        "/static/vendor/leaflet/leaflet.js",
    ):
        assert marker in html, marker
    for key in ("N", "A", "J", "K", "Esc", "/"):
        assert f"<kbd>{key}</kbd>" in html


def test_form_fields_have_labels(client: TestClient) -> None:
    for path in PAGES:
        html = client.get(path).text
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        # /admin builds its forms in the browser: the end-to-end tests find each field by
        # its label.
        assert ids or path == "/admin"
        for field in ids:
            assert f'for="{field}"' in html, (path, field)


def test_leaflet_is_vendored_with_its_licence(client: TestClient) -> None:
    for asset in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/LICENSE",
        "/static/vendor/leaflet/images/marker-icon.png",
        "/static/vendor/leaflet/images/layers.png",
    ):
        assert client.get(asset).status_code == 200, asset
    js = client.get("/static/js/console.js")
    assert "javascript" in js.headers["content-type"]


def test_markercluster_is_vendored_with_its_licence(client: TestClient) -> None:
    for asset in (
        "/static/vendor/markercluster/leaflet.markercluster.js",
        "/static/vendor/markercluster/MarkerCluster.css",
        "/static/vendor/markercluster/LICENSE",
    ):
        assert client.get(asset).status_code == 200, asset
    console = client.get("/").text
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in console


def test_no_external_urls_in_templates_or_our_scripts() -> None:
    # Everything the console loads comes from this server: no CDN, no web fonts.
    files = [
        *TEMPLATES.glob("*.html"),
        *(STATIC / "js").glob("*.js"),
        *(STATIC / "css").glob("*.css"),
    ]
    assert len(files) >= 8
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text, path
        assert "https://" not in text, path
        assert not re.search(r"""(?:src|href)=["']//""", text), path


@pytest.mark.parametrize("path", PAGES)
def test_rendered_pages_load_nothing_from_elsewhere(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert "http://" not in html
    assert "https://" not in html
    assert "data-tile-url" not in html


def test_tile_url_setting_reaches_the_map(tmp_path: Path) -> None:
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    for client in _client(tmp_path, tile_url=tiles):
        for path in ("/", "/officer"):
            assert f'data-tile-url="{tiles}"' in client.get(path).text


def test_pages_are_not_in_the_api_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not set(PAGES) & set(paths)


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="needs node to check the scripts' syntax")
@pytest.mark.parametrize("script", sorted(p.name for p in (STATIC / "js").glob("*.js")))
def test_scripts_parse_as_es_modules(script: str) -> None:
    assert NODE is not None
    r = subprocess.run(
        [NODE, "--experimental-default-type=module", "--check", str(STATIC / "js" / script)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert r.returncode == 0, r.stderr


EVENT_TYPES = re.compile(r'<script type="application/json" id="event-types">(.*?)</script>')


@pytest.mark.parametrize("path", ["/", "/officer", "/admin", "/supervisor", "/analyst"])
def test_live_pages_get_the_stream_event_names_from_the_one_list(
    client: TestClient, path: str
) -> None:
    import json

    from bluepool.domain import events

    (names,) = EVENT_TYPES.findall(client.get(path).text)
    assert json.loads(names) == list(events.NAMES)
    # ... and the script that listens names none of its own.
    live = (STATIC / "js" / "live.js").read_text()
    assert not any(f'"{name}"' in live for name in events.NAMES)


def test_the_audit_page_has_filters_entries_chain_detail_and_a_download(
    client: TestClient,
) -> None:
    from bluepool.domain.audit.entries import Kind

    html = client.get("/audit").text
    for marker in (
        'id="audit-filters"',
        'id="f-since"',
        'id="f-until"',
        'id="f-actor"',
        'id="f-agency"',
        'id="f-subject"',
        'id="entries-table"',
        'id="page-next"',
        'id="chain-verified"',
        'id="entry-body"',
        'id="csv"',
        'id="denied"',
        "/static/js/audit.js",
    ):
        assert marker in html, marker
    options = re.findall(r'<select id="f-kind".*?</select>', html, re.S)[0]
    assert re.findall(r'<option value="(\w+)"', options) == [k.value for k in Kind]


@pytest.mark.parametrize("path", ["/", "/audit", "/supervisor", "/analyst", "/admin"])
def test_every_screen_has_the_one_screen_navigation(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert html.count('aria-label="Screens"') == 1
    assert 'class="topnav"' not in html
    assert 'aria-label="Pages"' not in html


def test_the_screens_list_gives_the_audit_log_to_its_readers() -> None:
    from bluepool.services.audit.policy import READERS

    screens = (STATIC / "js" / "screens.js").read_text(encoding="utf-8")
    (roles,) = re.findall(r'path: "/audit", label: "Audit log", roles: \[(.*?)\]', screens)
    assert {r.strip(' "') for r in roles.split(",")} == {r.value for r in READERS}


def test_the_console_gets_the_dispatch_roles_from_the_one_list(client: TestClient) -> None:
    import json

    from bluepool.domain.access.roles import DISPATCH_ROLES

    html = client.get("/").text
    (roles,) = re.findall(
        r'<script type="application/json" id="dispatch-roles">(.*?)</script>', html
    )
    assert set(json.loads(roles)) == {r.value for r in DISPATCH_ROLES}

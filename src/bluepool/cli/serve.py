"""``bluepool serve`` and ``bluepool demo``: the dispatch center over HTTP."""

from __future__ import annotations

import gc
from importlib import resources
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.load import load_collective_file
from bluepool.cli.runtime import database_option, open_runtime, roads_option, settings_from
from bluepool.config import Settings

DEMO_DIR = resources.files("bluepool") / "demo"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@database_option
@roads_option
@exit_messages()
def serve(host: str, port: int, database_url: str | None, road_network: Path | None) -> None:
    """Serve the dispatch center (API, console, event stream); migrates the database first."""
    _serve(settings_from(database_url=database_url, road_network=road_network), host, port)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--database-url",
    envvar="BLUEPOOL_DATABASE_URL",
    default="sqlite:///var/demo.db",
    show_default=True,
)
@exit_messages()
def demo(host: str, port: int, database_url: str) -> None:
    """Serve the dispatch center with the demo collective (demo data, demo passwords)."""
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    roads = DEMO_DIR / "liechtenstein.roads.npz"
    settings = settings_from(
        environment="demo",
        database_url=database_url,
        road_network=Path(str(roads)) if roads.is_file() else None,
    )
    if _is_empty(settings):
        with resources.as_file(DEMO_DIR / "collective.yaml") as path:
            summary = load_collective_file(settings, path)
        click.echo("demo collective loaded: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
    click.echo("sign in as dispatcher / dispatcher (demo data only)")
    _serve(settings, host, port)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from bluepool.adapters.db.migrate import upgrade
    from bluepool.web.app import create_app

    upgrade(settings.database_url)
    app = create_app(settings)
    if settings.environment == "production":
        from bluepool.services.access.users import users_with_default_passwords

        weak = users_with_default_passwords(app.state.runtime.context)
        if weak:
            raise click.ClickException(
                "production refuses to start while these users' passwords equal their "
                f"names (demo data?): {', '.join(weak[:10])}"
            )
    # Start-up built long-lived objects (road network, jurisdictions): keep them out of the
    # garbage collector's full sweeps, whose pauses would otherwise land in request tails.
    gc.collect()
    gc.freeze()
    click.echo(f"bluepool dispatch center on http://{host}:{port}  (API docs: /docs)")
    uvicorn.run(app, host=host, port=port, log_level="info")


def _is_empty(settings: Settings) -> bool:
    with open_runtime(settings) as runtime, runtime.context.uow() as uow:
        return not uow.agencies.list()

"""``bluepool serve`` and ``bluepool demo``: the dispatch center over HTTP."""

from __future__ import annotations

import os
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
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API worker processes (more than one needs PostgreSQL)",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar="BLUEPOOL_ACCESS_LOG",
    help="a line per request on stdout (uvicorn's access log; credentials redacted)",
)
@database_option
@roads_option
@exit_messages()
def serve(
    host: str,
    port: int,
    workers: int,
    access_log: bool,
    database_url: str | None,
    road_network: Path | None,
) -> None:
    """Serve the dispatch center (API, console, event stream); migrates the database first."""
    settings = settings_from(database_url=database_url, road_network=road_network)
    _serve(settings, host, port, workers, access_log=access_log)


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


def _serve(
    settings: Settings, host: str, port: int, workers: int = 1, *, access_log: bool = True
) -> None:
    import uvicorn

    from bluepool.adapters.db.migrate import upgrade
    from bluepool.web.app import create_app, freeze_startup_objects

    if workers > 1 and settings.database_url.startswith("sqlite"):
        raise click.ClickException(
            "several workers need PostgreSQL (--database-url postgresql://...): SQLite "
            "takes one writer at a time"
        )
    if workers > 1 and not settings.nats_url:
        click.echo(
            "warning: without BLUEPOOL_NATS_URL each worker's event stream carries only the "
            "changes made through that worker (docs/scale-out.md)",
            err=True,
        )
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
    click.echo(f"bluepool dispatch center on http://{host}:{port}  (API docs: /docs)")
    if workers > 1:
        # Each worker builds its own app from the environment; they must all sign tokens
        # with one secret (the settings' own, random when none is configured).
        app.state.runtime.engine.dispose()
        os.environ.update(settings.as_environment())
        uvicorn.run(
            "bluepool.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
        )
        return
    freeze_startup_objects()
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)


def _is_empty(settings: Settings) -> bool:
    with open_runtime(settings) as runtime, runtime.context.uow() as uow:
        return not uow.agencies.list()

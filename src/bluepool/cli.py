"""The ``bluepool`` command: serve the dispatch center, run the demo, load a collective."""

from __future__ import annotations

import gc
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from bluepool import bootstrap
from bluepool.config import Settings

DEMO_DIR = resources.files("bluepool") / "demo"


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise click.ClickException(
            "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        ) from None


database_option = click.option(
    "--database-url",
    envvar="BLUEPOOL_DATABASE_URL",
    help="SQLAlchemy URL, e.g. sqlite:///bluepool.db or postgresql://user@host/db "
    "[env BLUEPOOL_DATABASE_URL]",
)
roads_option = click.option(
    "--roads",
    "road_network",
    envvar="BLUEPOOL_ROAD_NETWORK",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="compiled road network (bluepool import roads) for drive-time ETAs "
    "[env BLUEPOOL_ROAD_NETWORK]",
)


@click.group()
@click.version_option(package_name="bluepool")
def main() -> None:
    """bluepool: central dispatch for a collective of police agencies."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@database_option
def db_upgrade(database_url: str | None) -> None:
    """Create or migrate the database schema to the latest version."""
    from bluepool.adapters.db.migrate import upgrade

    settings = _settings(database_url=database_url)
    upgrade(settings.database_url)
    click.echo(f"database at the latest schema: {_redact(settings.database_url)}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@database_option
def load(file: Path, database_url: str | None) -> None:
    """Validate a collective file (YAML) and load it, all or nothing."""
    settings = _settings(database_url=database_url)
    summary = _load(settings, file)
    click.echo(f"loaded {file}: " + ", ".join(f"{n} {k}" for k, n in summary.items()))


def _load(settings: Settings, file: Path) -> dict[str, int]:
    from bluepool.adapters.db.migrate import upgrade
    from bluepool.adapters.files.collective import read_collective
    from bluepool.domain.shared.errors import DomainError
    from bluepool.geo.jurisdictions import JurisdictionIndex
    from bluepool.services.setup import load_collective

    try:
        spec = read_collective(file)
        upgrade(settings.database_url)
        runtime = bootstrap.build(settings)
        ctx = runtime.context
        with ctx.uow() as uow:
            summary = load_collective(
                uow,
                spec,
                ctx.hasher,
                ctx.clock,
                "bluepool load",
                JurisdictionIndex(
                    spec.jurisdictions,
                    on_gap=settings.jurisdiction_gaps,
                    max_gap_m=settings.jurisdiction_max_gap_m,
                ),
            )
        ctx.jurisdictions_changed()
        runtime.engine.dispose()
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    return summary


@main.group("import")
def import_() -> None:
    """Import road networks and jurisdictions from OpenStreetMap or GeoJSON."""


@import_.command("roads")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the compiled network [default: ./NAME.roads.npz]",
)
@click.option(
    "--speeds",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="road-class speeds in km/h (TOML, YAML or JSON), e.g. residential = 30",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
def import_roads(file: Path, out: Path | None, speeds: Path | None, quiet: bool) -> None:
    """Compile an OpenStreetMap extract (.osm.pbf or .osm) into a road network for
    drive-time ETAs; serve it with `bluepool serve --roads OUT`."""
    from bluepool.domain.shared.errors import DomainError
    from bluepool.routing.roads import import_roads as compile_roads

    try:
        summary = compile_roads(file, out, speeds=speeds, progress=not quiet)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo("\n".join(summary.lines()))


@import_.command("jurisdictions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--assign",
    "assignments",
    multiple=True,
    metavar="NAME=AGENCY",
    help="give the boundary NAME to AGENCY (repeat for each)",
)
@click.option("--all-to", "all_to", metavar="AGENCY", help="give every boundary to AGENCY")
@click.option(
    "--admin-level",
    default=8,
    show_default=True,
    help="OSM admin_level of the boundaries to read (8: municipalities)",
)
@click.option("--name-property", help="GeoJSON property holding the name [default: name]")
@click.option("--replace", is_flag=True, help="redraw jurisdictions that already exist")
@click.option("--dry-run", is_flag=True, help="show what would be imported; change nothing")
@database_option
def import_jurisdictions(
    file: Path,
    assignments: tuple[str, ...],
    all_to: str | None,
    admin_level: int,
    name_property: str | None,
    replace: bool,
    dry_run: bool,
    database_url: str | None,
) -> None:
    """Read administrative boundaries (OSM extract or GeoJSON) and make them jurisdictions
    of the agencies named with --assign or --all-to."""
    from bluepool.adapters.db.migrate import upgrade
    from bluepool.domain.access.roles import Role, User
    from bluepool.domain.collective.agencies import Jurisdiction
    from bluepool.domain.shared.errors import DomainError
    from bluepool.domain.shared.ids import AgencyId, JurisdictionId, Username, slugify
    from bluepool.geo.boundaries import read_boundaries
    from bluepool.geo.jurisdictions import JurisdictionIndex
    from bluepool.services.admin import import_jurisdictions as save

    wanted: dict[str, str] = {}
    for item in assignments:
        name, sep, agency = item.partition("=")
        if not sep or not name.strip() or not agency.strip():
            raise click.BadParameter(f"{item!r} is not NAME=AGENCY", param_hint="--assign")
        wanted[name.strip()] = agency.strip()
    if not wanted and not all_to:
        raise click.UsageError(
            "say which agency gets which boundary: --assign NAME=AGENCY or --all-to AGENCY"
        )
    try:
        boundaries = read_boundaries(file, admin_level=admin_level, name_property=name_property)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    names = {b.name for b in boundaries}
    unknown = sorted(set(wanted) - names)
    if unknown:
        raise click.ClickException(
            f"{file}: no boundary named {', '.join(unknown)}; found: {', '.join(sorted(names))}"
        )
    chosen = [
        Jurisdiction(
            JurisdictionId(slugify(b.name, default="jurisdiction")),
            b.name,
            AgencyId(wanted.get(b.name) or all_to or ""),
            b.geometry,
        )
        for b in boundaries
        if b.name in wanted or all_to
    ]
    ids = [j.id for j in chosen]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise click.ClickException(
            f"{file}: boundaries whose names give the same id: {', '.join(clashes)}"
        )
    for j in chosen:
        click.echo(f"  {j.id:<24} {j.name:<28} -> {j.agency_id}")
    skipped = sorted(names - {j.name for j in chosen})
    if skipped:
        click.echo(f"not assigned (skipped): {', '.join(skipped)}")
    for o in JurisdictionIndex(chosen).overlaps():
        click.echo(
            f"warning: {o.first} and {o.second} overlap by {o.area_m2:,.0f} m2; a point "
            "in both goes to the first listed"
        )
    if dry_run:
        click.echo("dry run: nothing changed")
        return
    settings = _settings(database_url=database_url)
    upgrade(settings.database_url)
    runtime = bootstrap.build(settings)
    cli_user = User(Username("bluepool-cli"), Role.COLLECTIVE_ADMIN)
    try:
        result = save(runtime.context, cli_user, chosen, replace)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        runtime.engine.dispose()
    click.echo(f"{result['created']} jurisdictions created, {result['updated']} redrawn")


@main.command()
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(min=0), help="random seed [default: the scenario's]")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="where to write report.json, report.html and the plots [default: reports/SCENARIO]",
)
@click.option("--workers", type=int, help="processes for the policies [default: one per CPU]")
@click.option("--quiet", is_flag=True, help="no progress bar")
@click.option(
    "--from-database",
    is_flag=True,
    help="simulate the collective as it stands in the database, not the scenario's file",
)
@database_option
def simulate(
    scenario: Path,
    seed: int | None,
    out_dir: Path | None,
    workers: int | None,
    quiet: bool,
    from_database: bool,
    database_url: str | None,
) -> None:
    """Simulate a collective on a call stream and compare dispatch policies (siloed, pooled,
    pooled with home reserves) against a lower bound; print a summary, write a report."""
    from bluepool.services.setup import CollectiveSpec, snapshot
    from bluepool.sim import (
        DataMissing,
        ScenarioError,
        load_scenario,
        run,
        summary_table,
        write_report,
    )

    collective: CollectiveSpec | None = None
    if from_database:
        from bluepool.adapters.db.migrate import upgrade

        settings = _settings(database_url=database_url)
        upgrade(settings.database_url)
        runtime = bootstrap.build(settings)
        with runtime.context.reader() as uow:
            collective = snapshot(uow)
        runtime.engine.dispose()
        if not collective.units:
            raise click.ClickException("the database holds no units: load a collective first")
    try:
        report = run(
            load_scenario(scenario),
            seed,
            progress=not quiet,
            workers=workers,
            collective=collective,
        )
    except (DataMissing, ScenarioError) as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(summary_table(report))
    for path in write_report(report, out_dir or Path("reports") / scenario.stem):
        click.echo(f"wrote {path}")


@main.command()
@click.argument("calllog", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the column mapping: a scenario with [calls.mapping], or a TOML file that is one",
)
@click.option(
    "--collective",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="place calls in the jurisdictions of this collective file by their lat/lon",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the calibration table to write (CSV)",
)
def calibrate(calllog: Path, mapping: Path, collective: Path | None, out_path: Path) -> None:
    """Derive Poisson call rates by area x hour of week x priority from a call log, for
    generated call streams."""
    from bluepool.sim import ScenarioError
    from bluepool.sim.calibrate import calibrate as derive
    from bluepool.sim.scenario import load_mapping

    try:
        written = derive(calllog, load_mapping(mapping), out_path, collective=collective)
    except ScenarioError as exc:
        raise click.ClickException(exc.detail) from None
    for path in written:
        click.echo(f"wrote {path}")


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from bluepool.adapters.db.migrate import upgrade
    from bluepool.web.app import create_app

    upgrade(settings.database_url)
    app = create_app(settings)
    if settings.environment == "production":
        from bluepool.services.admin import users_with_default_passwords

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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@database_option
@roads_option
def serve(host: str, port: int, database_url: str | None, road_network: Path | None) -> None:
    """Serve the dispatch center (API, console, event stream); migrates the database first."""
    _serve(_settings(database_url=database_url, road_network=road_network), host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--database-url",
    envvar="BLUEPOOL_DATABASE_URL",
    default="sqlite:///var/demo.db",
    show_default=True,
)
def demo(host: str, port: int, database_url: str) -> None:
    """Serve the dispatch center with the demo collective (demo data, demo passwords)."""
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    roads = DEMO_DIR / "liechtenstein.roads.npz"
    settings = _settings(
        environment="demo",
        database_url=database_url,
        road_network=Path(str(roads)) if roads.is_file() else None,
    )
    if _is_empty(settings):
        with resources.as_file(DEMO_DIR / "collective.yaml") as path:
            summary = _load(settings, path)
        click.echo("demo collective loaded: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
    click.echo("sign in as dispatcher / dispatcher (demo data only)")
    _serve(settings, host, port)


def _is_empty(settings: Settings) -> bool:
    from bluepool.adapters.db.migrate import upgrade

    upgrade(settings.database_url)
    runtime = bootstrap.build(settings)
    with runtime.context.uow() as uow:
        empty = not uow.agencies.list()
    runtime.engine.dispose()
    return empty


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``bluepool import``: road networks, gazetteers and jurisdictions from OpenStreetMap or
GeoJSON; CAD call history from CSV exports."""

from __future__ import annotations

import glob
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import (
    database_option,
    history_option,
    open_runtime,
    operator,
    settings_from,
)
from bluepool.domain.collective.agencies import Jurisdiction

#: What to do when a jurisdiction to import exists already (the service says only that).
REPLACE_HINT = "use --replace to redraw it"


@click.group("import")
def import_() -> None:
    """Import road networks and jurisdictions from OpenStreetMap or GeoJSON, and CAD call
    history from CSV."""


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
@click.option(
    "--with-addresses",
    is_flag=True,
    help="also build the gazetteer (as `bluepool import addresses`), next to OUT as "
    "NAME.addresses.npz",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
@exit_messages()
def import_roads(
    file: Path, out: Path | None, speeds: Path | None, with_addresses: bool, quiet: bool
) -> None:
    """Compile an OpenStreetMap extract (.osm.pbf or .osm) into a road network for
    drive-time ETAs; serve it with `bluepool serve --roads OUT`."""
    from bluepool.routing.roads import import_roads as compile_roads

    summary = compile_roads(file, out, speeds=speeds, progress=not quiet)
    click.echo("\n".join(summary.lines()))
    if with_addresses:
        roads = Path(summary.output or "")
        name = roads.name.removesuffix(".npz").removesuffix(".roads")
        _import_addresses(file, roads.with_name(f"{name}.addresses.npz"), quiet)


@import_.command("addresses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the gazetteer [default: ./NAME.addresses.npz]",
)
@click.option("--quiet", is_flag=True, help="no progress bar")
@exit_messages()
def import_addresses(file: Path, out: Path | None, quiet: bool) -> None:
    """Build the gazetteer of an OpenStreetMap extract (house numbers, streets,
    intersections, places, points of interest) for locations by address; serve it with
    BLUEPOOL_ADDRESSES=OUT."""
    _import_addresses(file, out, quiet)


def _import_addresses(file: Path, out: Path | None, quiet: bool) -> None:
    from bluepool.geo.gazetteer_build import import_addresses as build

    summary = build(file, out, progress=not quiet)
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
@exit_messages(hints={"duplicate": REPLACE_HINT})
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
    from bluepool.domain.collective.agencies import Jurisdiction
    from bluepool.domain.shared.ids import AgencyId, JurisdictionId, slugify
    from bluepool.geo.boundaries import read_boundaries
    from bluepool.geo.jurisdictions import JurisdictionIndex
    from bluepool.services.collective.jurisdictions import import_jurisdictions as save

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
    boundaries = read_boundaries(file, admin_level=admin_level, name_property=name_property)
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
    with open_runtime(settings_from(database_url=database_url)) as runtime:
        result = save(runtime.context, operator(), chosen, replace)
    click.echo(f"{result.created} jurisdictions created, {result.updated} redrawn")


@import_.command("calls")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--mapping",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the mapping file of the export's columns (YAML; docs/history.md)",
)
@click.option("--from", "start", help="only calls received from (YYYY-MM-DD, UTC)")
@click.option("--to", "end", help="only calls received before (YYYY-MM-DD, UTC)")
@history_option
@database_option
@exit_messages()
def import_calls(
    files: tuple[str, ...],
    mapping: Path,
    start: str | None,
    end: str | None,
    history_path: Path | None,
    database_url: str | None,
) -> None:
    """Import CAD call history from CSV FILES (globs allowed) by a mapping file: every row
    dropped or doubted is counted by reason, and a bad file imports nothing."""
    from bluepool.adapters.files.call_mapping import read_mapping
    from bluepool.adapters.history.store import DuckHistory
    from bluepool.cli.report import moment
    from bluepool.domain.analytics.history import area_names
    from bluepool.services.analytics.history import import_places

    paths = expand(files)
    spec = read_mapping(mapping)
    settings = settings_from(database_url=database_url, history_path=history_path)
    with open_runtime(settings) as runtime:
        places = import_places(runtime.context)
    store = DuckHistory(settings.history_file())
    made = store.import_files(
        paths,
        spec,
        moment(start),
        moment(end),
        progress=click.echo,
        known_areas=area_names(places),
        locate=locator(places) if places else None,
    )
    click.echo("\n".join(made.lines()))
    click.echo(f"history: {store.path} ({store.count()} calls)")


def locator(
    jurisdictions: Sequence[Jurisdiction],
) -> Callable[[Sequence[tuple[float, float]]], list[tuple[str, str] | None]]:
    """The jurisdiction (and its agency) each (lat, lon) lies in, or None: how an import
    places the calls that have a point and no area."""
    from bluepool.domain.shared.geo import Location
    from bluepool.geo.jurisdictions import JurisdictionIndex

    index = JurisdictionIndex(jurisdictions)
    agency = {j.id: str(j.agency_id) for j in jurisdictions}

    def locate(points: Sequence[tuple[float, float]]) -> list[tuple[str, str] | None]:
        found = index.locate_many([Location(lat, lon) for lat, lon in points])
        return [None if j is None else (str(j), agency[j]) for j in found]

    return locate


def expand(patterns: tuple[str, ...]) -> list[Path]:
    """The files the arguments name, globs expanded in order, each once."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        matched = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else []
        if glob.has_magic(pattern) and not matched:
            raise click.BadParameter(f"no file matches {pattern!r}", param_hint="FILES")
        for name in matched or [pattern]:
            path = Path(name)
            if not path.is_file():
                raise click.BadParameter(f"{name}: no such file", param_hint="FILES")
            found.setdefault(path)
    return list(found)

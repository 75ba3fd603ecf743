"""``bluepool simulate`` and ``bluepool calibrate``: the simulator, fed from files.

The simulator reads no collective file and opens no database: these commands read the
collective the scenario names (or take the database's snapshot) and hand it over.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, open_runtime, settings_from

if TYPE_CHECKING:
    from bluepool.domain.spec import CollectiveSpec
    from bluepool.sim import Scenario


@click.command()
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
@click.option(
    "--agreements",
    "agreements_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="draft agreements (YAML) to try: the collective as configured is simulated with "
    "and without them, on the same calls",
)
@database_option
@exit_messages()
def simulate(
    scenario: Path,
    seed: int | None,
    out_dir: Path | None,
    workers: int | None,
    quiet: bool,
    from_database: bool,
    database_url: str | None,
    agreements_file: Path | None,
) -> None:
    """Simulate a collective on a call stream and compare dispatch policies (siloed, pooled,
    pooled with home reserves) against a lower bound; print a summary, write a report.

    With --agreements, compare the collective as configured (the agreements in force)
    with the same collective once the draft agreements are signed."""
    from bluepool.sim import load_scenario, run, summary_table, write_report

    collective = database_collective(database_url) if from_database else None
    plan = load_scenario(scenario)
    if collective is None:
        collective = scenario_collective(plan)
    out = out_dir or Path("reports") / scenario.stem
    if agreements_file is not None:
        tried = with_drafts(collective, agreements_file)
        plan = dataclasses.replace(
            plan, policies=dataclasses.replace(plan.policies, compare=("configured",))
        )
        for title, spec, folder in (
            ("agreements in force", collective, out / "in-force"),
            (f"with {agreements_file.name}", tried, out / "with-draft"),
        ):
            click.echo(f"as configured, {title}:")
            report = run(plan, spec, seed, progress=not quiet, workers=workers)
            click.echo(summary_table(report))
            for path in write_report(report, folder):
                click.echo(f"wrote {path}")
        return
    report = run(plan, collective, seed, progress=not quiet, workers=workers)
    click.echo(summary_table(report))
    for path in write_report(report, out):
        click.echo(f"wrote {path}")


def with_drafts(collective: CollectiveSpec, path: Path) -> CollectiveSpec:
    """The collective once the draft agreements in ``path`` are signed: they join the
    agreements in force (a draft with the id of one in force replaces it). Agencies, call
    types and jurisdictions the drafts name must be the collective's."""
    from bluepool.adapters.files.agreements import AgreementsFileError, read_agreements
    from bluepool.adapters.files.collective import Problem
    from bluepool.domain.sharing.agreements import COLLECTIVE, Stage
    from bluepool.domain.sharing.lending import in_effect

    drafts = read_agreements(path)
    agencies = {a.id for a in collective.agencies} | {COLLECTIVE}
    codes = {c.code for c in collective.call_types}
    owners = {j.id: j.agency_id for j in collective.jurisdictions}
    problems = []
    for i, d in enumerate(drafts):
        for party in d.parties:
            if party not in agencies:
                problems.append(Problem(f"agreements[{i}].parties", f"no agency {party!r}"))
        for k, c in enumerate(d.clauses):
            at = f"agreements[{i}].clauses[{k}]"
            for code in sorted((c.call_types or frozenset()) - codes):
                problems.append(Problem(f"{at}.call_types", f"no call type {code!r}"))
            for j in sorted((c.jurisdictions or frozenset()) - owners.keys()):
                problems.append(Problem(f"{at}.jurisdictions", f"no jurisdiction {j!r}"))
    if problems:
        raise AgreementsFileError.of(path, problems)
    named = {d.id for d in drafts}
    signed = [dataclasses.replace(d, stage=Stage.SIGNED) for d in drafts]
    kept = [a for a in in_effect(collective.agreements) if a.id not in named]
    return dataclasses.replace(collective, agreements=(*kept, *signed))


def database_collective(database_url: str | None) -> CollectiveSpec:
    """The collective as it stands in the database; refuse an empty one."""
    from bluepool.services.setup import snapshot

    settings = settings_from(database_url=database_url)
    with open_runtime(settings) as runtime, runtime.context.reader() as uow:
        collective = snapshot(uow)
    if not collective.units:
        raise click.ClickException("the database holds no units: load a collective first")
    return collective


def scenario_collective(scenario: Scenario) -> CollectiveSpec:
    """The collective file the scenario names, read and checked; first, every data file
    the scenario needs must be there (``DataMissing`` names all that are not)."""
    from bluepool.adapters.files.collective import read_collective

    scenario.require_data()
    return read_collective(scenario.collective)


@click.command()
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
@exit_messages()
def calibrate(calllog: Path, mapping: Path, collective: Path | None, out_path: Path) -> None:
    """Derive Poisson call rates by area x hour of week x priority from a call log, for
    generated call streams."""
    from bluepool.adapters.files.collective import read_collective
    from bluepool.sim import calibrate as derive
    from bluepool.sim import load_mapping

    columns = load_mapping(mapping)
    jurisdictions = read_collective(collective).jurisdictions if collective else None
    for path in derive(calllog, columns, out_path, jurisdictions=jurisdictions):
        click.echo(f"wrote {path}")

"""``bluepool simulate``, ``bluepool calibrate`` and ``bluepool validate``: the simulator,
fed from files and from the call history.

The simulator reads no collective file and opens no database: these commands read the
collective the scenario names (or take the database's snapshot) and hand it over.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bluepool.cli.errors import exit_messages
from bluepool.cli.runtime import database_option, history_option, open_runtime, settings_from

if TYPE_CHECKING:
    from bluepool.domain.spec import CollectiveSpec
    from bluepool.sim import Scenario
    from bluepool.sim.history import Observed


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
            echo_warnings(report.warnings)
            for path in write_report(report, folder):
                click.echo(f"wrote {path}")
        return
    report = run(plan, collective, seed, progress=not quiet, workers=workers)
    click.echo(summary_table(report))
    echo_warnings(report.warnings)
    for path in write_report(report, out):
        click.echo(f"wrote {path}")


def echo_warnings(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(f"warning: {line}", err=True)


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


def history_calls(
    history_path: Path | None,
    database_url: str | None,
    start: str | None,
    end: str | None,
    tz: str,
    agencies: tuple[str, ...],
    self_initiated: bool,
) -> tuple[list[Observed], dict[str, int]]:
    """The history's calls of the period, as the simulator takes them, and those left
    out by reason (the simulator opens no history: the adapter reads it here)."""
    from bluepool.adapters.history.store import DuckHistory
    from bluepool.cli.report import moment
    from bluepool.domain.shared.errors import Invalid
    from bluepool.services.analytics.kpis import zone_of
    from bluepool.sim.history import observed

    try:
        zone = zone_of(tz)
    except Invalid:
        raise click.BadParameter(f"{tz!r} is not a time zone", param_hint="--tz") from None
    settings = settings_from(database_url=database_url, history_path=history_path)
    store = DuckHistory(settings.history_file())
    if not store.path.exists():
        raise click.ClickException(
            f"no call history at {store.path}: import calls first (bluepool import calls)"
        )
    begin = moment(start) or datetime(1900, 1, 1, tzinfo=UTC)
    until = moment(end) or datetime(2200, 1, 1, tzinfo=UTC)
    rows = store.located_calls(begin, until)
    calls, dropped = observed(rows, zone, agencies=agencies, self_initiated=self_initiated)
    if not calls:
        raise click.ClickException(
            f"the history holds no usable call in the period ({len(rows)} read; left out: "
            + (", ".join(f"{k} {v}" for k, v in dropped.items()) or "none")
            + ")"
        )
    click.echo(f"history: {store.path}: {len(rows)} calls read, {len(calls)} used")
    return calls, dict(dropped)


def history_options(f: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(
        (
            click.option("--from", "start", help="calls received from (YYYY-MM-DD, UTC)"),
            click.option("--to", "end", help="calls received before (YYYY-MM-DD, UTC)"),
            click.option(
                "--tz",
                default="UTC",
                show_default=True,
                help="the local time zone of the calls (hours of week, hours of day)",
            ),
            click.option(
                "--agency",
                "agencies",
                multiple=True,
                help="only calls this agency answers for (repeatable) [default: all]",
            ),
            click.option(
                "--include-self-initiated",
                is_flag=True,
                help="keep the calls crews started themselves (left out by default)",
            ),
            history_option,
        )
    ):
        f = option(f)
    return f


@click.command()
@click.argument(
    "calllog", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--source",
    type=click.Choice(["log", "history"]),
    default="log",
    show_default=True,
    help="a call-log CSV (CALLLOG, with --mapping) or the imported call history",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the column mapping: a scenario with [calls.mapping], or a TOML file that is one",
)
@click.option(
    "--collective",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="log: place calls in this collective's jurisdictions by their lat/lon; history: "
    "measure travel distances from its stations",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the calibration table to write (CSV); the other files go beside it",
)
@click.option(
    "--method",
    type=click.Choice(["product", "raw"]),
    default="product",
    show_default=True,
    help="product: area x priority rate times the hour-of-week profile; raw: each cell's "
    "own count (for many weeks of calls)",
)
@history_options
@database_option
@exit_messages()
def calibrate(
    calllog: Path | None,
    source: str,
    mapping: Path | None,
    collective: Path | None,
    out_path: Path,
    method: str,
    start: str | None,
    end: str | None,
    tz: str,
    agencies: tuple[str, ...],
    include_self_initiated: bool,
    history_path: Path | None,
    database_url: str | None,
) -> None:
    """Calibrate generated calls and the service model: Poisson call rates by area x hour
    of week x priority, the call-type mix, and (from the history) call-processing and
    turnout delays, on-scene samples and a fitted travel law; warnings are printed."""
    from bluepool.adapters.files.collective import read_collective
    from bluepool.sim import calibrate as derive
    from bluepool.sim import load_mapping
    from bluepool.sim.history import calibrate_history, posts_of

    spec = read_collective(collective) if collective else None
    if source == "log":
        if calllog is None or mapping is None:
            raise click.UsageError("--source log needs CALLLOG and --mapping")
        columns = load_mapping(mapping)
        jurisdictions = spec.jurisdictions if spec else None
        for path in derive(calllog, columns, out_path, jurisdictions=jurisdictions, method=method):
            click.echo(f"wrote {path}")
        return
    if calllog is not None or mapping is not None:
        raise click.UsageError("--source history reads no CALLLOG nor --mapping")
    calls, dropped = history_calls(
        history_path, database_url, start, end, tz, agencies, include_self_initiated
    )
    made = calibrate_history(
        calls, out_path, method=method, posts=posts_of(spec) if spec else None, dropped=dropped
    )
    counts = made.counts
    click.echo(f"{counts['calls']} calls calibrated ({method})")
    for name in ("call_processing", "turnout"):
        d = counts["delays"][name]  # type: ignore[index]
        click.echo(f"{name}: {d['samples']} samples from {d['from']}, median {d['median_s']} s")
    travel = counts["travel"]
    click.echo(
        "travel: "
        + (
            f"T = {travel['a_s']} s + {travel['b']} s/sqrt(m) * sqrt(d) up to "  # type: ignore[index]
            f"{travel['critical_m']} m, linear beyond ({travel['areas_fitted']} areas)"  # type: ignore[index]
            if "a_s" in travel  # type: ignore[operator]
            else "not fitted"
        )
    )
    echo_warnings(made.warnings)
    for path in made.files:
        click.echo(f"wrote {path}")


@click.command()
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    type=click.Choice(["history"]),
    default="history",
    show_default=True,
    help="the observed calls to replay",
)
@click.option("--seed", type=click.IntRange(min=0), help="random seed [default: the scenario's]")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="where to write validation.json, .csv and .png [default: reports/SCENARIO]",
)
@history_options
@database_option
@exit_messages()
def validate(
    scenario: Path,
    source: str,
    seed: int | None,
    out_dir: Path | None,
    start: str | None,
    end: str | None,
    tz: str,
    agencies: tuple[str, ...],
    include_self_initiated: bool,
    history_path: Path | None,
    database_url: str | None,
) -> None:
    """Replay a period of the call history through the scenario's calibrated model and
    print the simulated KPIs against the observed ones (median and 90th percentile of call
    processing, turnout, travel and total response, over all calls, by priority and by
    area) with the relative error, under each policy of the scenario."""
    from bluepool.sim import load_scenario
    from bluepool.sim.validate import table, write_validation
    from bluepool.sim.validate import validate as check

    plan = load_scenario(scenario)
    spec = scenario_collective(plan)
    calls, dropped = history_calls(
        history_path, database_url, start, end, tz, agencies, include_self_initiated
    )
    result = check(plan, spec, calls, seed=seed, dropped=dropped)
    for policy in result.comparisons:
        click.echo(table(result, policy))
        click.echo("")
    echo_warnings(result.warnings)
    for path in write_validation(result, out_dir or Path("reports") / scenario.stem):
        click.echo(f"wrote {path}")

"""The bluepool command, through click's CliRunner."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluepool import bootstrap
from bluepool.cli import main
from bluepool.cli.errors import message
from bluepool.cli.imports import REPLACE_HINT
from bluepool.config import Settings
from bluepool.domain.shared.errors import Duplicate, NotFound

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for var in ("BLUEPOOL_DATABASE_URL", "BLUEPOOL_SECRET_KEY", "BLUEPOOL_ROAD_NETWORK"):
        monkeypatch.delenv(var, raising=False)
    # Cheap password hashes: loading the demo hashes 14 passwords.
    monkeypatch.setenv("BLUEPOOL_ENVIRONMENT", "test")
    return CliRunner()


def counts(url: str) -> tuple[int, int]:
    runtime = bootstrap.build(Settings(database_url=url, environment="test"))
    with runtime.context.uow() as uow:
        result = len(uow.agencies.list()), len(uow.units.list())
    runtime.engine.dispose()
    return result


def test_db_upgrade_creates_the_schema(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(main, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "latest schema" in result.output
    assert counts(url) == (0, 0)


def test_load_the_demo_collective(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "47 units" in result.output
    assert counts(url) == (4, 47)


def test_database_url_from_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    result = runner.invoke(main, ["load", str(DEMO)], env={"BLUEPOOL_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert counts(url) == (4, 47)


def test_loading_twice_is_refused_and_changes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    result = runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    assert result.exit_code != 0
    assert "already" in result.output or "exists" in result.output
    assert counts(url) == (4, 47)


def test_a_bad_file_names_file_field_and_reason_and_loads_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    text = DEMO.read_text().replace("station: vaduz-", "station: nowhere-", 1)
    bad.write_text(text)
    (tmp_path / "jurisdictions.geojson").write_text(
        (DEMO.parent / "jurisdictions.geojson").read_text()
    )
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(main, ["load", str(bad), "--database-url", url])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output
    assert "station" in result.output
    assert "nowhere-" in result.output
    runner.invoke(main, ["db", "upgrade", "--database-url", url])
    assert counts(url) == (0, 0)


def test_production_refuses_the_default_secret(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(
        main, ["serve", "--database-url", url], env={"BLUEPOOL_ENVIRONMENT": "production"}
    )
    assert result.exit_code != 0
    assert "BLUEPOOL_SECRET_KEY" in result.output


def test_production_refuses_demo_passwords(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    env = {"BLUEPOOL_ENVIRONMENT": "production", "BLUEPOOL_SECRET_KEY": "s" * 48}
    result = runner.invoke(main, ["serve", "--database-url", url], env=env)
    assert result.exit_code != 0
    assert "dispatcher" in result.output
    assert "passwords equal their names" in result.output


TESTS = Path(__file__).parent


def test_import_roads_compiles_a_network_and_says_what_it_kept(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "town.roads.npz"
    result = runner.invoke(
        main,
        [
            "import",
            "roads",
            str(TESTS / "routing" / "data" / "town.osm"),
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "km of road" in result.output
    assert out.is_file()


def test_import_roads_of_a_missing_file_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["import", "roads", str(tmp_path / "nope.osm.pbf")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_import_jurisdictions_assigns_boundaries_to_agencies(
    runner: CliRunner, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    source = TESTS / "geo" / "data" / "admin.osm"
    result = runner.invoke(
        main, ["import", "jurisdictions", str(source), "--dry-run", "--all-to", "vaduz"]
    )
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    result = runner.invoke(
        main,
        [
            "import",
            "jurisdictions",
            str(source),
            "--assign",
            "Nowhere=vaduz",
            "--database-url",
            url,
        ],
    )
    assert result.exit_code != 0
    assert "no boundary named Nowhere" in result.output
    again = ["import", "jurisdictions", str(source), "--all-to", "unterland", "--database-url", url]
    result = runner.invoke(main, again)
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    result = runner.invoke(main, again)
    assert result.exit_code == 1
    assert "exists" in result.output
    assert result.output.count("--replace") == 1  # the CLI's hint, given once
    result = runner.invoke(main, [*again, "--replace"])
    assert result.exit_code == 0, result.output
    assert "redrawn" in result.output


@pytest.mark.parametrize(
    "detail",
    [
        "jurisdiction vaduz exists",
        "jurisdiction vaduz exists (use --replace to redraw it)",  # the service said it
    ],
)
def test_a_duplicate_jurisdiction_is_told_the_replace_flag_once(detail: str) -> None:
    said = message(Duplicate(detail), {"duplicate": REPLACE_HINT})
    assert said.startswith("jurisdiction vaduz exists")
    assert said.count("--replace to redraw it") == 1
    assert message(NotFound("no agency x"), {"duplicate": REPLACE_HINT}) == "no agency x"


def test_simulate_the_demo_week_writes_a_report(runner: CliRunner, tmp_path: Path) -> None:
    scenario = TESTS.parent / "scenarios" / "demo-week.toml"
    result = runner.invoke(
        main, ["simulate", str(scenario), "--out", str(tmp_path), "--quiet", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "pooled with home reserves" in result.output
    assert (tmp_path / "report.json").is_file()
    assert (tmp_path / "report.html").is_file()


def test_simulate_a_broken_scenario_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[calls]\nsource = "nowhere"\n')
    result = runner.invoke(main, ["simulate", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.toml" in result.output


def test_simulate_a_broken_collective_file_is_a_clear_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    text = (TESTS.parent / "scenarios" / "demo-week.toml").read_text()
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        text.replace('"../src/bluepool/demo/collective.yaml"', '"broken.yaml"').replace(
            '"demo/calibration.csv"', f'"{TESTS.parent / "scenarios/demo/calibration.csv"}"'
        )
    )
    (tmp_path / "broken.yaml").write_text("agencies: [{id: 'bad id!', name: B}]\n")
    result = runner.invoke(main, ["simulate", str(scenario), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 1
    assert "broken.yaml: agencies[0].id" in result.output
    (tmp_path / "broken.yaml").unlink()
    result = runner.invoke(main, ["simulate", str(scenario), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 1
    assert "missing" in result.output
    assert "broken.yaml" in result.output


def test_calibrate_places_calls_in_the_collective_s_jurisdictions(
    runner: CliRunner, tmp_path: Path
) -> None:
    log = tmp_path / "calls.csv"
    log.write_text(
        "when,y,x\n"
        "2024-01-01 00:10,47.12624,9.52260\n"  # Vaduz
        "2024-01-01 01:20,47.20751,9.52703\n"  # Eschen
        "2024-01-01 02:30,0.0,0.0\n"  # in no jurisdiction: left out
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('time = "when"\nlat = "y"\nlon = "x"\n')
    out = tmp_path / "rates.csv"
    args = ["calibrate", str(log), "--mapping", str(mapping), "--out", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "no area column" in result.output
    result = runner.invoke(main, [*args, "--collective", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    with out.open() as f:
        assert {row["area"] for row in csv.DictReader(f)} == {"vaduz", "eschen"}


def test_simulate_the_collective_in_the_database(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    scenario = TESTS.parent / "scenarios" / "demo-week.toml"
    empty = runner.invoke(
        main, ["simulate", str(scenario), "--from-database", "--database-url", url, "--quiet"]
    )
    assert empty.exit_code == 1
    assert "no units" in empty.output
    runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    result = runner.invoke(
        main,
        [
            "simulate",
            str(scenario),
            "--from-database",
            "--database-url",
            url,
            "--out",
            str(tmp_path / "r"),
            "--quiet",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "pooled" in result.output


def test_users_create_admin_and_reset_password_from_the_shell(
    runner: CliRunner, tmp_path: Path
) -> None:
    from bluepool.services.access import users

    url = f"sqlite:///{tmp_path / 'x.db'}"
    made = runner.invoke(
        main,
        ["users", "create-admin", "rootadmin", "--password-stdin", "--database-url", url],
        input="first-secret\n",
    )
    assert made.exit_code == 0, made.output
    weak = runner.invoke(
        main,
        ["users", "reset-password", "rootadmin", "--password-stdin", "--database-url", url],
        input="RootAdmin\n",
    )
    assert weak.exit_code == 1
    assert "must not be the user name" in weak.output
    reset = runner.invoke(
        main,
        ["users", "reset-password", "rootadmin", "--activate", "--database-url", url],
        input="second-secret\nsecond-secret\n",
    )
    assert reset.exit_code == 0, reset.output
    runtime = bootstrap.build(Settings(database_url=url, environment="test"))
    try:
        assert users.authenticate(runtime.context, "rootadmin", "first-secret") is None
        signed = users.authenticate(runtime.context, "rootadmin", "second-secret")
        assert signed is not None
        assert signed.role.value == "collective_admin"
    finally:
        runtime.engine.dispose()
    missing = runner.invoke(
        main,
        ["users", "reset-password", "nobody", "--password-stdin", "--database-url", url],
        input="third-secret\n",
    )
    assert missing.exit_code == 1
    assert "no user nobody" in missing.output


def test_positions_prune_deletes_the_history_past_the_retention(
    runner: CliRunner, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from bluepool.domain.access.roles import Role, User
    from bluepool.domain.dispatch.positions import PositionFix
    from bluepool.domain.shared.geo import Location
    from bluepool.domain.shared.ids import UnitId, Username
    from bluepool.services.dispatch import positions

    url = f"sqlite:///{tmp_path / 'p.db'}"
    runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    runtime = bootstrap.build(Settings(database_url=url, environment="test"))
    now = datetime.now(UTC)
    with runtime.context.uow() as uow:
        unit = uow.units.list()[0].id
    fixes = [
        PositionFix(UnitId(unit), now - timedelta(hours=h), Location(47.1, 9.5)) for h in (1, 5, 30)
    ]
    admin = User(Username("root"), Role.COLLECTIVE_ADMIN)
    positions.report_positions(runtime.context, admin, fixes)
    result = runner.invoke(
        main, ["positions", "prune", "--retention-hours", "2", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert "2 fixes older than 2 h deleted" in result.output
    left = positions.position_history(runtime.context, admin, unit)
    assert [p.at for p in left.items] == [fixes[0].at]
    runtime.engine.dispose()


DRAFT = """\
agreements:
  - id: unterland-collective
    title: Unterland lends its patrol cars to the whole collective
    parties: [unterland, collective]
    valid_from: 2027-01-01
    clauses:
      - lender: unterland
        capabilities: [patrol]
        home_reserve: 2
"""


def test_simulate_a_draft_agreement_against_the_agreements_in_force(
    runner: CliRunner, tmp_path: Path
) -> None:
    scenario = TESTS.parent / "scenarios" / "demo-week.toml"
    draft = tmp_path / "draft.yaml"
    draft.write_text(DRAFT, encoding="utf-8")

    result = runner.invoke(
        main,
        [
            *("simulate", str(scenario), "--agreements", str(draft), "--out", str(tmp_path)),
            *("--quiet", "--workers", "1"),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "as configured, agreements in force:" in result.output
    assert "as configured, with draft.yaml:" in result.output
    in_force = json.loads((tmp_path / "in-force" / "report.json").read_text())
    tried = json.loads((tmp_path / "with-draft" / "report.json").read_text())
    (before,) = [p for p in in_force["policies"] if p["policy"] == "configured"]
    (after,) = [p for p in tried["policies"] if p["policy"] == "configured"]
    # Unterland lending its patrol cars everywhere (not only to Schaan and Planken) serves
    # more calls across the lines: the draft changed who may be sent.
    assert after["cross_boundary_dispatches"] > before["cross_boundary_dispatches"]
    assert after["queued_share"] < before["queued_share"]


def test_simulate_a_draft_naming_an_unknown_agency_is_a_clear_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    scenario = TESTS.parent / "scenarios" / "demo-week.toml"
    draft = tmp_path / "draft.yaml"
    draft.write_text(DRAFT.replace("[unterland, collective]", "[unterland, nowhere]"))

    result = runner.invoke(main, ["simulate", str(scenario), "--agreements", str(draft), "--quiet"])

    assert result.exit_code != 0
    assert "draft.yaml: agreements[0].parties: no agency 'nowhere'" in result.output

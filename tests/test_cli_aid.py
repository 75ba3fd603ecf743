"""``bluepool mutual-aid``: list the requests, write one's form as PDF."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from bluepool.cli import main
from bluepool.cli.runtime import open_runtime, operator, settings_from
from bluepool.domain.aid.requests import Category, Item
from bluepool.domain.shared.geo import Location
from bluepool.services.aid.requests import create_request
from bluepool.services.dispatch import incidents
from tests.test_cli_audit import DEMO, runner  # noqa: F401 (the fixture)


def test_a_request_is_listed_and_printed(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    url = f"sqlite:///{tmp_path / 'aid.db'}"
    assert runner.invoke(main, ["load", str(DEMO), "--database-url", url]).exit_code == 0
    result = runner.invoke(main, ["mutual-aid", "list", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "no mutual-aid requests" in result.output
    with open_runtime(settings_from(database_url=url)) as runtime:
        ctx, user = runtime.context, operator()
        incident = incidents.create_incident(
            ctx, user, "armed_robbery", Location(47.139, 9.5215), 1
        )
        needed = ctx.clock.now() + timedelta(hours=4)
        made = create_request(ctx, user, incident.id, [Item(1, Category.UNIT, "k9")], needed)

    result = runner.invoke(
        main, ["mutual-aid", "list", "--state", "requested", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert made.id in result.output
    assert "waits for requesting_supervisor" in result.output
    assert "1 x k9" in result.output
    result = runner.invoke(
        main, ["mutual-aid", "list", "--state", "nonsense", "--database-url", url]
    )
    assert result.exit_code != 0
    assert "is not one of" in result.output

    out = tmp_path / "form.pdf"
    result = runner.invoke(
        main, ["mutual-aid", "form", made.id, "-o", str(out), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(main, ["mutual-aid", "form", "MA-1999-0001", "--database-url", url])
    assert result.exit_code != 0

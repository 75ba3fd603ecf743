"""``bluepool resources``: the overdue alerts are raised once a loan, and the catalogue
lists who has what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from bluepool import bootstrap
from bluepool.cli import main
from bluepool.config import Settings
from bluepool.domain.resources.loans import LoanId
from bluepool.domain.resources.resources import ResourceId
from bluepool.domain.shared.ids import AgencyId
from bluepool.services.ports import Page
from tests.builders import a_loan
from tests.test_cli import DEMO, runner  # noqa: F401 - the fixture


def test_overdue_alerts_each_late_loan_once(runner: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert runner.invoke(main, ["load", str(DEMO), "--database-url", url]).exit_code == 0
    runtime = bootstrap.build(Settings(database_url=url, environment="test"))
    now = datetime.now(UTC)
    late = a_loan(
        id=LoanId("loan-late"),
        resource=ResourceId("unt-surv-1"),
        resource_type="surveillance-kit",
        lender=AgencyId("unterland"),
        borrower=AgencyId("schaan-planken"),
        out_at=now - timedelta(days=3),
        due_at=now - timedelta(hours=2),
    )
    with runtime.context.uow() as uow:
        uow.loans.add(late)
        uow.commit()

    first = runner.invoke(main, ["resources", "overdue", "--database-url", url])
    assert first.exit_code == 0, first.output
    assert "loan-late: unt-surv-1 lent by unterland to schaan-planken" in first.output
    assert "1 overdue, 1 newly alerted" in first.output
    again = runner.invoke(main, ["resources", "overdue", "--database-url", url])
    assert "1 overdue, 0 newly alerted" in again.output
    with runtime.context.uow() as uow:
        changes, _ = uow.changes.find("loan", "loan-late", Page(10, 0))
    assert [c.action for c in changes] == ["overdue"]

    listed = runner.invoke(main, ["resources", "list", "--database-url", url])
    assert (
        "unt-surv-1: Surveillance kit, unterland, serviceable, out to schaan-planken"
        in listed.output
    )
    assert "vaduz-drone-2: Drone (UAS), vaduz, needs_repair, in" in listed.output
    runtime.engine.dispose()

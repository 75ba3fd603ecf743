"""``bluepool ledger``: close a month (a second close refused with a clear message,
changing nothing), print and write a statement (the same bytes each time), replay (nothing
posted twice)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluepool.adapters.db.engine import make_engine, make_session_factory
from bluepool.adapters.db.uow import SqlUnitOfWork
from bluepool.cli import main
from bluepool.services.ledger.posting import post_usages
from tests import test_cli
from tests.builders import lent_in_march

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))
#: The CLI tests' runner (a fixture: the environment cleared, cheap password hashes).
runner = test_cli.runner


@pytest.fixture
def url(runner: CliRunner, tmp_path: Path) -> str:
    """The demo collective, and Vaduz's patrol car lent to Schaan-Planken for an hour on
    two incidents in March 2025, at CHF 90.00 an hour."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    usages = lent_in_march("I-1", "I-2")
    with SqlUnitOfWork(make_session_factory(engine)) as uow:
        post_usages(uow, usages, usages[0][0].started, "test")
        uow.commit()
    engine.dispose()
    return url


def test_a_month_is_closed_once(runner: CliRunner, url: str) -> None:
    result = runner.invoke(main, ["ledger", "close", "2025-03", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "period 2025-03 closed: 2 transactions, CHF 180.00 owed between agencies\n"
    )
    again = runner.invoke(main, ["ledger", "close", "2025-03", "--database-url", url])
    assert again.exit_code == 1
    assert "period 2025-03 is already closed" in again.output
    bad = runner.invoke(main, ["ledger", "close", "March", "--database-url", url])
    assert bad.exit_code == 1
    assert "'March' is not a period such as 2027-01" in bad.output


def test_a_statement_is_the_same_bytes_every_time(
    runner: CliRunner, url: str, tmp_path: Path
) -> None:
    runs = []
    for n in (1, 2):
        pdf = tmp_path / f"vaduz-{n}.pdf"
        args = ["ledger", "statement", "vaduz", "2025-03", "--pdf", str(pdf), "--database-url", url]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        runs.append((result.stdout_bytes, pdf.read_bytes()))
    (csv, pdf), again = runs
    assert (csv, pdf) == again
    assert csv.splitlines()[0] == b"agency,vaduz,period,2025-03"
    assert csv.splitlines()[-1] == b"net,180.00"
    assert pdf.startswith(b"%PDF-")
    missing = runner.invoke(
        main, ["ledger", "statement", "atlantis", "2025-03", "--database-url", url]
    )
    assert (missing.exit_code, "no agency atlantis" in missing.output) == (1, True)


def test_replay_posts_nothing_twice(runner: CliRunner, url: str) -> None:
    for _ in range(2):
        result = runner.invoke(main, ["ledger", "replay", "--database-url", url])
        assert result.exit_code == 0, result.output
        assert result.output == "replayed: 0 transactions posted\n"

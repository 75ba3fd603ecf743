"""``bluepool audit``: verify (exit 3 naming the first bad seq), checkpoint, export."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from bluepool.cli import main
from bluepool.cli.audit import DAMAGED

DEMO = Path(str(resources.files("bluepool") / "demo" / "collective.yaml"))


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for var in (
        "BLUEPOOL_DATABASE_URL",
        "BLUEPOOL_SECRET_KEY",
        "BLUEPOOL_ROAD_NETWORK",
        "BLUEPOOL_AUDIT_SIGNING_KEY_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BLUEPOOL_ENVIRONMENT", "test")
    return CliRunner()


@pytest.fixture
def loaded(runner: CliRunner, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    result = runner.invoke(main, ["load", str(DEMO), "--database-url", url])
    assert result.exit_code == 0, result.output
    return url


def sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_a_loaded_collective_verifies_and_is_sealed(
    runner: CliRunner, loaded: str, tmp_path: Path
) -> None:
    result = runner.invoke(main, ["audit", "verify", "--database-url", loaded])
    assert result.exit_code == 0, result.output
    assert "audit log whole" in result.output
    assert "no checkpoint" in result.output
    result = runner.invoke(main, ["audit", "checkpoint", "--database-url", loaded])
    assert result.exit_code == 0, result.output
    out = tmp_path / "checkpoint.json"
    result = runner.invoke(
        main, ["audit", "export-checkpoint", "-o", str(out), "--database-url", loaded]
    )
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported["format"] == "bluepool-audit-checkpoint/1"
    printed = runner.invoke(main, ["audit", "export-checkpoint", "--database-url", loaded])
    assert json.loads(printed.output) == exported
    result = runner.invoke(
        main, ["audit", "verify", "--checkpoint", str(out), "--database-url", loaded]
    )
    assert result.exit_code == 0, result.output
    assert f"at seq {exported['seq']}" in result.output


def test_an_edited_entry_exits_3_naming_its_seq(runner: CliRunner, loaded: str) -> None:
    sql(
        loaded,
        'UPDATE audit_entries SET body = replace(body, \'"actor":"\', \'"actor":"x\') '
        "WHERE seq = 3",
    )
    result = runner.invoke(main, ["audit", "verify", "--database-url", loaded])
    assert result.exit_code == DAMAGED
    assert "seq 3: edited" in result.output
    assert "first bad seq 3 (edited)" in result.output


def test_a_deleted_entry_exits_3_naming_its_seq(runner: CliRunner, loaded: str) -> None:
    sql(loaded, "DELETE FROM audit_entries WHERE seq = 5")
    result = runner.invoke(main, ["audit", "verify", "--database-url", loaded])
    assert result.exit_code == DAMAGED
    assert "first bad seq 5 (deleted)" in result.output


def test_truncation_is_found_against_the_exported_checkpoint(
    runner: CliRunner, loaded: str, tmp_path: Path
) -> None:
    runner.invoke(main, ["audit", "checkpoint", "--database-url", loaded])
    out = tmp_path / "kept.json"
    runner.invoke(main, ["audit", "export-checkpoint", "-o", str(out), "--database-url", loaded])
    sealed = json.loads(out.read_text())["seq"]
    # cut the tail, and the database's own checkpoints with it
    sql(loaded, f"DELETE FROM audit_entries WHERE seq > {sealed - 3}")
    sql(loaded, "DELETE FROM audit_checkpoints")
    alone = runner.invoke(main, ["audit", "verify", "--database-url", loaded])
    assert alone.exit_code == 0  # the chain left is whole: only the kept checkpoint knows
    result = runner.invoke(
        main, ["audit", "verify", "--checkpoint", str(out), "--database-url", loaded]
    )
    assert result.exit_code == DAMAGED
    assert f"first bad seq {sealed - 2} (truncated)" in result.output


def test_a_broken_checkpoint_file_is_a_clear_error(
    runner: CliRunner, loaded: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "bluepool-audit-checkpoint/1", "seq": 0}')
    result = runner.invoke(
        main, ["audit", "verify", "--checkpoint", str(bad), "--database-url", loaded]
    )
    assert result.exit_code == 1
    assert "bad.json: checkpoint: seq must be a positive integer" in result.output
    # beyond what JSON carries exactly: refused, not a crash while checking the signature
    bad.write_text(
        '{"format": "bluepool-audit-checkpoint/1", "seq": 12467468142548244480, '
        f'"hash": "{"a" * 64}", "at": "2026-12-02T08:00:00+00:00", '
        f'"public_key": "{"b" * 64}", "signature": "{"c" * 128}"}}'
    )
    result = runner.invoke(
        main, ["audit", "verify", "--checkpoint", str(bad), "--database-url", loaded]
    )
    assert result.exit_code == 1
    assert "seq must be a positive integer up to 9007199254740991" in result.output
    bad.write_text("{")
    result = runner.invoke(
        main, ["audit", "verify", "--checkpoint", str(bad), "--database-url", loaded]
    )
    assert result.exit_code == 1
    assert "not JSON" in result.output


def test_export_without_a_checkpoint_says_so(runner: CliRunner, loaded: str) -> None:
    result = runner.invoke(main, ["audit", "export-checkpoint", "--database-url", loaded])
    assert result.exit_code == 1
    assert "no audit checkpoint yet" in result.output


def test_production_signs_only_with_a_key_file(
    runner: CliRunner, loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUEPOOL_ENVIRONMENT", "production")
    monkeypatch.setenv("BLUEPOOL_SECRET_KEY", "s" * 40)
    result = runner.invoke(main, ["audit", "checkpoint", "--database-url", loaded])
    assert result.exit_code == 1
    assert "BLUEPOOL_AUDIT_SIGNING_KEY_FILE" in result.output
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bluepool.adapters.signing import private_pem

    key = tmp_path / "audit.pem"
    key.write_text(private_pem(Ed25519PrivateKey.generate()))
    monkeypatch.setenv("BLUEPOOL_AUDIT_SIGNING_KEY_FILE", str(key))
    result = runner.invoke(main, ["audit", "checkpoint", "--database-url", loaded])
    assert result.exit_code == 0, result.output

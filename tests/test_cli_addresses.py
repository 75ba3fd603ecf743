"""``bluepool import addresses`` and ``bluepool import roads --with-addresses``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bluepool.cli import main
from bluepool.geo.gazetteer import open_gazetteer

TESTS = Path(__file__).parent


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for var in ("BLUEPOOL_DATABASE_URL", "BLUEPOOL_ROAD_NETWORK", "BLUEPOOL_ADDRESSES"):
        monkeypatch.delenv(var, raising=False)
    return CliRunner()


def test_import_addresses_builds_the_gazetteer(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "hand.addresses.npz"
    source = TESTS / "geo" / "data" / "gazetteer.osm"
    result = runner.invoke(main, ["import", "addresses", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 addresses" in result.output
    assert "1 intersections" in result.output
    assert open_gazetteer(out).search("Städtle 38", 1)[0].entry.label == "Städtle 38, Vaduz"


def test_import_roads_builds_the_gazetteer_when_asked(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "hand.roads.npz"
    source = TESTS / "geo" / "data" / "gazetteer.osm"
    result = runner.invoke(
        main, ["import", "roads", str(source), "--out", str(out), "--with-addresses", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "km of road" in result.output
    assert "streets" in result.output
    assert out.is_file()
    assert (tmp_path / "hand.addresses.npz").is_file()


def test_import_addresses_of_a_file_that_is_not_osm_is_a_clear_error(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not osm at all")
    result = runner.invoke(main, ["import", "addresses", str(bad), "--quiet"])
    assert result.exit_code != 0
    assert "bad.osm.pbf" in result.output

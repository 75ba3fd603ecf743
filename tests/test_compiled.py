"""The check that stops tests and benchmarks from running a stale compiled module."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bluepool import compiled


def test_a_source_edited_after_its_extension_was_built_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "bluepool"
    (package / "sim").mkdir(parents=True)
    for name in ("engine", "pool", "plots"):
        (package / "sim" / f"{name}.py").write_text("")
    for name in ("engine", "pool"):
        (package / "sim" / f"{name}.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    (package / "bluepool__mypyc.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")  # no source
    os.utime(package / "sim" / "engine.py", (2_000_000_000, 2_000_000_000))  # edited later
    monkeypatch.setattr(compiled, "PACKAGE", package)

    assert compiled.compiled() == ["bluepool/sim/engine.py", "bluepool/sim/pool.py"]
    assert compiled.stale() == ["bluepool/sim/engine.py"]
    assert "make install" in compiled.stale_message(compiled.stale())

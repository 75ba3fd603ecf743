"""Which of bluepool's modules run compiled by mypyc, and whether one is stale.

``setup.py`` compiles the hot paths (docs/decisions/0004); Python then imports the
extension beside each source file instead of the source. After an edit that extension is
stale until the next build, and Python would run the old code: the test suite and the
benchmarks refuse to run then.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parent


def _pairs() -> list[tuple[Path, Path]]:
    """(source, extension) for every compiled module."""
    pairs = []
    for ext in sorted(PACKAGE.rglob("*.so")) + sorted(PACKAGE.rglob("*.pyd")):
        source = ext.with_name(ext.name.split(".")[0] + ".py")
        if source.exists():
            pairs.append((source, ext))
    return pairs


def compiled() -> list[str]:
    """The modules that run compiled, as paths inside the package."""
    return [str(src.relative_to(PACKAGE.parent)) for src, _ in _pairs()]


def stale() -> list[str]:
    """The compiled modules whose source changed after they were compiled."""
    return [
        str(src.relative_to(PACKAGE.parent))
        for src, ext in _pairs()
        if src.stat().st_mtime > ext.stat().st_mtime
    ]


def stale_message(modules: list[str]) -> str:
    return (
        f"{', '.join(modules)} changed after it was compiled, and Python would run the old "
        "code: run `make install` to compile it again (or `BLUEPOOL_PURE=1 make install` "
        "for plain Python)"
    )

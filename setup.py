"""Compile the dispatch and simulation hot paths with mypyc (docs/decisions/0004).

The modules stay plain, type-checked Python; mypyc turns each into a C extension that
Python imports instead of the source. ``BLUEPOOL_PURE=1`` builds without them (plain
Python everywhere, for a debugger or a machine without a C compiler).
"""

from __future__ import annotations

import os

from setuptools import setup

#: The modules compiled: what runs for every call a simulation makes.
COMPILED = [
    "src/bluepool/domain/dispatch/recommend.py",
    "src/bluepool/domain/shared/geo.py",
    "src/bluepool/domain/dispatch/travel.py",
    "src/bluepool/sim/pool.py",
    "src/bluepool/sim/engine.py",
]


def extensions() -> list[object]:
    if os.environ.get("BLUEPOOL_PURE") == "1":
        return []
    from mypyc.build import mypycify

    # Type-checked with flags of its own: the project's mypy settings name a pydantic plugin
    # that the isolated build environment lacks, as it lacks most of what the modules
    # these import need (`make check` type-checks everything, strictly).
    return list(
        mypycify(
            [
                "--config-file",
                os.devnull,
                "--ignore-missing-imports",
                "--follow-imports=silent",
                *COMPILED,
            ],
            opt_level="3",
            group_name="bluepool",
        )
    )


setup(ext_modules=extensions())

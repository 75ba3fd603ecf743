"""Idempotency keys are kept a day, then swept by later writes."""

from __future__ import annotations

import zlib
from datetime import timedelta

import pytest

from tests.builders import T0
from tests.conftest import UowFactory


def sweeping_key() -> str:
    return next(k for n in range(10_000) if zlib.crc32((k := f"k{n}").encode()) % 100 == 0)


def test_keys_older_than_a_day_are_swept(uow_factory: UowFactory) -> None:
    if uow_factory.backend == "memory":
        pytest.skip("the in-memory store lives for one simulation; it keeps every key")
    with uow_factory() as uow:
        uow.idempotency.record("old", T0)
        uow.idempotency.record("recent", T0 + timedelta(days=1, hours=12))
        uow.commit()
    with uow_factory() as uow:
        uow.idempotency.record(sweeping_key(), T0 + timedelta(days=2))
        uow.commit()
    with uow_factory() as uow:
        assert not uow.idempotency.seen("old")
        assert uow.idempotency.seen("recent")

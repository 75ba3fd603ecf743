"""The collective file's ``mutual_aid`` section: the approval steps, in order, stored as the
``mutual_aid`` setting and read back."""

from __future__ import annotations

from pathlib import Path

from bluepool.adapters.files.collective import read_collective
from bluepool.adapters.memory.repositories import MemoryStore
from bluepool.adapters.memory.uow import MemoryUnitOfWork
from bluepool.domain.aid.requests import AidRules, Step
from bluepool.services.aid.requests import rules
from bluepool.services.setup import snapshot
from tests.adapters.files.test_collective import a_collective, error_of, write
from tests.services.test_setup import load


def test_the_steps_are_read_stored_and_read_back(tmp_path: Path) -> None:
    assert read_collective(write(tmp_path, a_collective())).mutual_aid is None
    data = {**a_collective(), "mutual_aid": {"approval_steps": ["supplying_agency", "finance"]}}
    spec = read_collective(write(tmp_path, data))
    assert spec.mutual_aid == AidRules((Step.SUPPLYING_AGENCY, Step.FINANCE))

    store = MemoryStore()
    load(store, spec)
    with MemoryUnitOfWork(store) as uow:
        assert rules(uow).steps == (Step.SUPPLYING_AGENCY, Step.FINANCE)
        assert snapshot(uow).mutual_aid == spec.mutual_aid


def test_unknown_missing_or_repeated_steps_are_refused(tmp_path: Path) -> None:
    for steps in (["chief"], [], ["finance", "finance"]):
        data = {**a_collective(), "mutual_aid": {"approval_steps": steps}}
        assert "mutual_aid" in str(error_of(tmp_path, data)), steps

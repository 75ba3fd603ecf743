"""The collective file's people: the certification rules, personnel, their certifications
and the first crews; every mistake named by file, field and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from bluepool.adapters.files.collective import read_collective
from bluepool.domain.people.gating import CertificationRules
from tests.adapters.files.test_collective import DEMO, a_collective, error_of, write


def with_people(**crew: Any) -> dict[str, Any]:
    data = a_collective()
    data["certifications"] = {"k9": [{"certification": "k9_handler", "role": "handler"}]}
    data["personnel"] = [{"id": "e-1", "agency": "east", "full_name": "Erna East"}]
    data["certification_grants"] = [
        {"id": "g-1", "person": "e-1", "kind": "k9_handler", "issued_on": "2026-01-01"}
    ]
    data["crews"] = [{"unit": "east-k9", "person": "e-1", "role": "handler"} | crew]
    return data


def test_the_demo_has_crews_and_one_lapsed_handler() -> None:
    demo = read_collective(DEMO)
    assert demo.certification_rules is not None
    assert {n.capability for n in demo.certification_rules.needs} == {"k9", "swat"}
    crewed = {c.unit_id for c in demo.crews}
    assert {"vaduz-k9-1", "schaan-k9-1", "schaan-swat-1"} <= crewed
    lapsed = [g for g in demo.certifications if g.expires_on == date(2026, 11, 3)]
    assert [g.person_id for g in lapsed] == ["vad-off-1"]


def test_people_are_read(tmp_path: Path) -> None:
    spec = read_collective(write(tmp_path, with_people(hours=8)))
    assert spec.certification_rules == CertificationRules.of(
        {"k9": [{"certification": "k9_handler", "role": "handler"}]}
    )
    assert [p.full_name for p in spec.personnel] == ["Erna East"]
    assert spec.certifications[0].expires_on is None
    assert spec.crews[0].hours == 8


def test_a_crew_of_another_agencys_unit_is_named(tmp_path: Path) -> None:
    error = error_of(tmp_path, with_people(unit="west-1"))
    assert error.field == "crews[0].unit"
    assert "own agency's units" in error.reason
    assert error.problems[0].line is not None


def test_a_certification_that_expires_before_it_is_issued_is_named(tmp_path: Path) -> None:
    data = with_people()
    data["certification_grants"][0]["expires_on"] = "2025-01-01"
    error = error_of(tmp_path, data)
    assert error.field == "certification_grants[0]"
    assert "on or before the day it is issued" in error.reason


def test_unknown_people_and_capabilities_are_named(tmp_path: Path) -> None:
    data = with_people(person="nobody")
    data["certifications"]["hovercraft"] = [{"certification": "pilot"}]
    error = error_of(tmp_path, data)
    fields = {p.field for p in error.problems}
    assert {"crews[0].person", "certifications.hovercraft"} <= fields

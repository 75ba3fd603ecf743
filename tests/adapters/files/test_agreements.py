"""The agreements file: sharing agreements written by hand, each problem named by field
and line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bluepool.adapters.files.agreements import AgreementsFileError, read_agreements
from bluepool.domain.sharing.agreements import COLLECTIVE, Stage

GOOD = """\
agreements:
  - id: VAD-SCH-2027-01
    title: Vaduz dog teams for Schaan-Planken
    parties: [vaduz, schaan-planken]
    valid_from: 2027-01-01
    valid_until: 2027-12-31T18:00:00+01:00
    clauses:
      - lender: vaduz
        capabilities: [k9]
        max_priority: 3
        home_reserve: 1
        max_loan_hours: 12
        rates: {per_hour: {k9: "120.50"}, standby_per_hour: {"*": 40}, minimum: 50}
      - lender: schaan-planken
        capabilities: [swat]
  - id: UNT-ALL
    title: Unterland to all
    parties: [unterland, collective]
    valid_from: 2027-02-01
    clauses:
      - lender: unterland
        per_day_note_is_not_a_key: 1
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_draft_agreements_with_exact_amounts(tmp_path: Path) -> None:
    text = GOOD.replace("        per_day_note_is_not_a_key: 1\n", "")

    first, second = read_agreements(write(tmp_path, text))

    assert first.stage is Stage.DRAFT
    assert first.version == 1
    assert first.valid_from == datetime(2027, 1, 1, tzinfo=UTC)
    assert first.valid_until == datetime(2027, 12, 31, 17, tzinfo=UTC)
    k9 = first.clauses[0]
    assert (k9.max_priority, k9.home_reserve, k9.max_loan_hours) == (3, 1, 12)
    assert (k9.rates.hourly("k9"), k9.rates.standby("patrol"), k9.rates.minimum) == (
        12050,
        4000,
        5000,
    )
    assert first.borrower(first.clauses[1]) == "vaduz"
    assert second.parties == ("unterland", COLLECTIVE)


def test_every_problem_is_named_with_its_field_and_line(tmp_path: Path) -> None:
    text = GOOD.replace('k9: "120.50"', "k9: 12.345").replace("home_reserve: 1", "home_reserve: -1")

    with pytest.raises(AgreementsFileError) as caught:
        read_agreements(write(tmp_path, text))

    message = str(caught.value)
    assert (
        "agreements[0].clauses[0].home_reserve: "
        "Input should be greater than or equal to 0 (line 11)" in message
    )
    assert "agreements[0].clauses[0].rates.per_hour.k9: 12.345 is not exact" in message
    assert "agreements[1].clauses[0].per_day_note_is_not_a_key: unknown key (line 22)" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("valid_from: 2027-02-01", "valid_from: 2028-01-01\n    valid_until: 2027-06-01"),
            "agreements[1]: valid_until (2027-06-01T00:00:00+00:00) must be after valid_from",
        ),
        (("lender: unterland", "lender: vaduz"), "agreements[1]: clause 1: the lender 'vaduz'"),
        (
            ("id: UNT-ALL", "id: VAD-SCH-2027-01"),
            "agreements[1].id: VAD-SCH-2027-01 is given twice",
        ),
        (("valid_from: 2027-02-01", "valid_from: 2027-02-01T08:00:00"), "has no time zone offset"),
        (('k9: "120.50"', 'k9: "-3"'), "is below zero"),
    ],
)
def test_an_agreement_that_cannot_be_is_refused(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    text = GOOD.replace("        per_day_note_is_not_a_key: 1\n", "").replace(*change)

    with pytest.raises(AgreementsFileError) as caught:
        read_agreements(write(tmp_path, text))

    assert expected in str(caught.value)

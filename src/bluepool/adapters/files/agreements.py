"""An agreements file: sharing agreements written by hand, in YAML (docs/agreements.md).

``read_agreements(path)`` checks every field and returns the agreements, each a draft;
any problem raises ``AgreementsFileError``, listing every problem as
``FILE: FIELD: REASON (line N)``::

    draft.yaml: agreements[0].clauses[1].rates.per_hour.k9: "12.345" is not an amount (line 14)

Amounts are in the collective's currency, as a whole number (``120``) or a string with at
most two decimals (``"120.50"``); never a YAML float, which would not be exact. Dates are
ISO dates (midnight UTC) or times with an offset. What the file alone cannot check (that
its agencies and call types exist) the caller checks against the collective.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from bluepool.adapters.files.collective import (
    AgreementModel,
    CollectiveFileError,
    Loc,
    Problem,
    _field,
    _from_pydantic,
    _line,
    _Model,
    _parse_yaml,
    _read_text,
    agreement_of,
)
from bluepool.domain.shared.errors import DomainError
from bluepool.domain.sharing.agreements import Agreement


class AgreementsFileError(CollectiveFileError):
    """The agreements file cannot be read; nothing of it was used."""

    code = "bad_agreements_file"


class AgreementsFile(_Model):
    agreements: Annotated[list[AgreementModel], Field(min_length=1)]


def read_agreements(path: Path) -> tuple[Agreement, ...]:
    """Read and check an agreements file: each agreement a draft, version 1."""
    data, lines = _parse_yaml(path, _read_text(path))
    try:
        model = AgreementsFile.model_validate(data)
    except ValidationError as exc:
        raise AgreementsFileError.of(
            path, [_from_pydantic(err, lines) for err in exc.errors()]
        ) from None
    out: list[Agreement] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, a in enumerate(model.agreements):
        loc: Loc = ("agreements", i)
        if a.id in seen:
            problems.append(
                _problem(
                    (*loc, "id"), f"{a.id} is given twice (also agreements[{seen[a.id]}])", lines
                )
            )
            continue
        seen[a.id] = i
        if "stage" in a.model_fields_set:
            problems.append(
                _problem((*loc, "stage"), "the agreements of this file are drafts to try", lines)
            )
            continue
        try:
            out.append(agreement_of(a))
        except DomainError as exc:
            problems.append(_problem(loc, exc.detail, lines))
    if problems:
        raise AgreementsFileError.of(path, problems)
    return tuple(out)


def _problem(loc: Loc, reason: str, lines: Mapping[Loc, int]) -> Problem:
    return Problem(_field(loc), reason, _line(loc, lines))

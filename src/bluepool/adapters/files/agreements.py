"""An agreements file: sharing agreements written by hand, in YAML (docs/agreements.md).

``read_agreements(path)`` checks every field and returns the agreements as domain objects;
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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError

from bluepool.adapters.files.collective import (
    CollectiveFileError,
    Loc,
    Name,
    Priority,
    Problem,
    Slug,
    Slugs,
    _field,
    _from_pydantic,
    _line,
    _Model,
    _parse_yaml,
    _read_text,
)
from bluepool.domain.shared.errors import DomainError
from bluepool.domain.shared.ids import AgencyId, CallTypeCode, JurisdictionId
from bluepool.domain.shared.money import parse_amount
from bluepool.domain.sharing.agreements import Agreement, AgreementId, Clause, Rates


class AgreementsFileError(CollectiveFileError):
    """The agreements file cannot be read; nothing of it was used."""

    code = "bad_agreements_file"


def _amount(value: Any) -> int:
    if isinstance(value, (bool, float)):
        raise ValueError(f"{value!r} is not exact: write whole units (120) or a string ('120.50')")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is below zero")
        return value * 100
    if isinstance(value, str):
        try:
            minor = parse_amount("amount", value)
        except DomainError:
            raise ValueError(f"{value!r} is not an amount such as 120 or '120.50'") from None
        if minor < 0:
            raise ValueError(f"{value!r} is below zero")
        return minor
    raise ValueError(f"{value!r} is not an amount")


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no time zone offset")
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _moment(datetime.fromisoformat(value))
        except ValueError as exc:
            if "time zone" in str(exc):
                raise
            raise ValueError(f"{value!r} is not an ISO date or time") from None
    raise ValueError(f"{value!r} is not a date")


Amount = Annotated[int, BeforeValidator(_amount)]
Moment = Annotated[datetime, BeforeValidator(_moment)]


class RatesModel(_Model):
    per_hour: dict[str, Amount] = Field(default_factory=dict)
    standby_per_hour: dict[str, Amount] = Field(default_factory=dict)
    per_day: dict[str, Amount] = Field(default_factory=dict)
    minimum: Amount = 0


class ClauseModel(_Model):
    lender: Slug
    capabilities: Slugs | None = None
    resource_types: Slugs | None = None
    call_types: Slugs | None = None
    jurisdictions: Slugs | None = None
    max_priority: Priority = 5
    home_reserve: Annotated[int, Field(strict=True, ge=0)] = 0
    max_loan_hours: Annotated[int, Field(strict=True, gt=0)] | None = None
    rates: RatesModel = RatesModel()


class AgreementModel(_Model):
    id: Slug
    title: Name
    parties: Annotated[list[Slug], Field(min_length=2, max_length=2)]
    valid_from: Moment
    valid_until: Moment | None = None
    clauses: Annotated[list[ClauseModel], Field(min_length=1)]


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
        try:
            out.append(_agreement(a))
        except DomainError as exc:
            problems.append(_problem(loc, exc.detail, lines))
    if problems:
        raise AgreementsFileError.of(path, problems)
    return tuple(out)


def _problem(loc: Loc, reason: str, lines: Mapping[Loc, int]) -> Problem:
    return Problem(_field(loc), reason, _line(loc, lines))


def _agreement(a: AgreementModel) -> Agreement:
    def opt(values: list[str] | None) -> frozenset[Any] | None:
        return None if values is None else frozenset(values)

    return Agreement(
        AgreementId(a.id),
        a.title,
        (AgencyId(a.parties[0]), AgencyId(a.parties[1])),
        tuple(
            Clause(
                AgencyId(c.lender),
                capabilities=opt(c.capabilities),
                resource_types=opt(c.resource_types),
                call_types=frozenset(CallTypeCode(t) for t in c.call_types)
                if c.call_types is not None
                else None,
                jurisdictions=frozenset(JurisdictionId(j) for j in c.jurisdictions)
                if c.jurisdictions is not None
                else None,
                max_priority=c.max_priority,
                home_reserve=c.home_reserve,
                max_loan_hours=c.max_loan_hours,
                rates=Rates(
                    dict(c.rates.per_hour),
                    dict(c.rates.standby_per_hour),
                    dict(c.rates.per_day),
                    c.rates.minimum,
                ),
            )
            for c in a.clauses
        ),
        a.valid_from,
        a.valid_until,
    )

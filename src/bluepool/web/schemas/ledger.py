"""What the ledger API takes: periods, accounts and agencies in the path and the query
(its answers are the ledger's records, ``domain.ledger.records``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

#: ``"2027-01"``: a calendar month in UTC.
PERIOD_PATTERN = r"^\d{4}-\d{2}$"
PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, examples=["2027-01"])]
PeriodQuery = Annotated[str | None, Query(pattern=PERIOD_PATTERN, examples=["2027-01"])]
AgencyPath = Annotated[str, Path(max_length=64, examples=["vaduz"])]
AgencyQuery = Annotated[str | None, Query(max_length=64)]
AccountQuery = Annotated[
    str | None, Query(max_length=200, examples=["vaduz:receivable", "collective:fund:training"])
]
IncidentQuery = Annotated[str | None, Query(max_length=64)]


def document(media_type: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a route answering a document of ``media_type``."""
    schema = {"type": "string", "format": "binary"} if "pdf" in media_type else {"type": "string"}
    return {200: {"content": {media_type: {"schema": schema}}}}

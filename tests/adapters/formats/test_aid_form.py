"""The printed mutual-aid request: a PDF with the ICS-213RR's blocks, the same bytes for
the same request."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from bluepool.adapters.formats.aid_form import form
from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.aid.requests import Step
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.shared.ids import AgencyId, IncidentId
from tests.builders import T0, an_aid_request, an_incident

LATER = T0 + timedelta(minutes=5)


def test_the_form_has_every_block_and_is_reproducible() -> None:
    request = (
        an_aid_request()
        .approve(Step.REQUESTING_SUPERVISOR, "sup", AgencyId("A-2"), LATER, "needed <now> & here")
        .approve(Step.SUPPLYING_AGENCY, "adm", AgencyId("A-1"), LATER, "", "A1-77", LATER)
    )
    incident = IncidentRecord.of(an_incident(id=IncidentId("I-aid")))
    pdf = form(RequestRecord.of(request), incident)
    assert pdf.startswith(b"%PDF")
    assert form(RequestRecord.of(request), incident) == pdf
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for words in (
        "1. Incident name",
        "Riot, Städtle 1",
        "3. Resource request number",
        "MA-2025-0001",
        "4. Order",
        "k9 (unit)",
        "8. Approvals",
        "needed <now> & here",
        "waiting",
        "9. Supplier",
        "A1-77",
        "CHF 964.00",  # 2 x 120.50 an hour x 4 hours
        "10. Fulfilment and release",
        "11. Extensions",
    ):
        assert words in text, words
    fulfilled = request.approve(Step.FINANCE, "fin", AgencyId("collective"), LATER)
    assert form(RequestRecord.of(fulfilled), incident) != pdf

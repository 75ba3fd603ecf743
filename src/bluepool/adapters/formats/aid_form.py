"""A mutual-aid request printed as a form laid out like the ICS-213RR resource request.

The same request gives the same bytes: reportlab's invariant mode (a fixed creation date
and document id), and nothing on the page but the request's own data (no "printed at").
Times are shown in UTC; amounts in the collective's currency from integer minor units.

Blocks: 1 incident name, 2 date/time, 3 resource request number, 4 order (quantity,
kind, type, priority, detailed description, requested arrival, cost estimate), 5
reporting location, 6 substitutes, 7 requested by, 8 approvals (each configured step: who,
when, comment), 9 supplier (agency, order number, ETA, estimated cost, the clauses lent
under), 10 fulfilment and release (each resource sent and released), 11 extensions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from bluepool.domain.aid.records import RequestRecord
from bluepool.domain.dispatch.records import IncidentRecord
from bluepool.domain.shared.money import CURRENCY, format_amount

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("cell", parent=_STYLES["BodyText"], fontSize=8, leading=10)
_HEAD = ParagraphStyle("head", parent=_STYLES["Heading4"], fontSize=9, spaceBefore=4)
_TITLE = ParagraphStyle("title", parent=_STYLES["Title"], fontSize=14)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
    ]
)
_WIDTH = A4[0] - 30 * mm


def _moment(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _p(text: object) -> Paragraph:
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, _BODY)


def _table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    total = sum(widths)
    table = Table(
        [[_p(c) for c in row] for row in rows],
        colWidths=[_WIDTH * w / total for w in widths],
        repeatRows=1,
    )
    table.setStyle(_GRID)
    return table


def form(request: RequestRecord, incident: IncidentRecord, currency: str = CURRENCY) -> bytes:
    """The request as a PDF form (reproducible bytes)."""
    r = request
    story: list[Flowable] = [
        Paragraph("RESOURCE REQUEST (ICS-213RR) - MUTUAL AID", _TITLE),
        _table(
            [
                ["1. Incident name", "2. Date/time", "3. Resource request number"],
                [f"{r.incident_name} (incident {r.incident_id})", _moment(r.requested_at), r.id],
            ],
            [3, 2, 2],
        ),
        Paragraph("4. Order", _HEAD),
        _table(
            [
                [
                    "Qty",
                    "Kind",
                    "Type",
                    "Priority",
                    "Detailed item description",
                    "Requested arrival",
                    "Sent",
                    "Lent under",
                    "Rate",
                ],
                *[
                    [
                        i.quantity,
                        f"{i.kind} ({i.category.value})",
                        i.type,
                        i.priority,
                        i.description,
                        _moment(i.requested_arrival),
                        i.fulfilled,
                        i.terms.citation if i.terms else "",
                        _rate(i.terms.rate if i.terms else None, i.category.value, currency),
                    ]
                    for i in r.items
                ],
            ],
            [1, 2, 1.5, 1, 4, 2.2, 1, 3, 2],
        ),
        Paragraph("5. Requested delivery / reporting location", _HEAD),
        _p(
            "; ".join(
                f"item {i.number}: {i.reporting_location}" for i in r.items if i.reporting_location
            )
            or "-"
        ),
        Paragraph("6. Suitable substitutes and/or suggested sources", _HEAD),
        _p("; ".join(f"item {i.number}: {i.substitutes}" for i in r.items if i.substitutes) or "-"),
        Paragraph("7. Requested by", _HEAD),
        _p(f"{r.requested_by} for {r.requesting_agency}; needed until {_moment(r.needed_until)}"),
        Paragraph("8. Approvals", _HEAD),
        _table(
            [
                ["Step", "Approved by", "For", "At", "Comment"],
                *[_approval(r, n, step.value) for n, step in enumerate(r.steps)],
            ],
            [2.5, 2, 2, 2, 4],
        ),
        Paragraph("9. Supplier", _HEAD),
        _table(
            [
                ["Supplier", "Order number", "ETA", "Estimated cost", "Routed to", "State"],
                [
                    r.supplier or "-",
                    r.order_number or "-",
                    _moment(r.eta) or "-",
                    format_amount(r.cost, currency),
                    ", ".join(r.routed_to),
                    r.state.value,
                ],
            ],
            [2, 2, 2, 2, 3, 2],
        ),
        Paragraph("10. Fulfilment and release", _HEAD),
        _table(
            [
                ["Item", "Resource", "Sent at", "Sent by", "Released at", "Released by"],
                *[
                    [
                        f.item,
                        f"{f.resource} ({f.category.value})",
                        _moment(f.at),
                        f.by,
                        _moment(f.released_at),
                        f.released_by,
                    ]
                    for f in r.fulfilments
                ],
            ],
            [1, 3, 2.5, 2, 2.5, 2],
        ),
        Paragraph("11. Extensions", _HEAD),
        _table(
            [
                ["Until", "Reason", "At", "By"],
                *[[_moment(e.until), e.reason, _moment(e.at), e.by] for e in r.extensions],
            ],
            [2.5, 5, 2.5, 2],
        ),
        Spacer(1, 4 * mm),
        _p(
            f"Incident {incident.id}: {incident.call_type}, priority {incident.priority}, "
            f"{incident.status.value}. Version {r.version}."
            + (
                f" {r.state.value.capitalize()} by {r.closed_by}: {r.closed_reason}"
                if r.closed_reason
                else ""
            )
        ),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Resource request {r.id}",
        author="bluepool",
        creator="bluepool",
        subject=r.incident_name,
        invariant=1,
    )
    doc.build(story)
    return out.getvalue()


def _approval(r: RequestRecord, n: int, step: str) -> list[object]:
    if n < len(r.approvals):
        a = r.approvals[n]
        return [step, a.by, a.agency, _moment(a.at), a.comment]
    waiting = "waiting" if r.next_step is not None and n == len(r.approvals) else ""
    return [step, waiting, "", "", ""]


def _rate(rate: int | None, category: str, currency: str) -> str:
    if rate is None:
        return ""
    return f"{format_amount(rate, currency)}/{'h' if category == 'unit' else 'day'}"

"""An agency's statement as a PDF (reportlab), the same bytes for the same statement.

Reproducible: reportlab's invariant mode fixes the creation date and the document id,
the rows come sorted from the domain (``domain.ledger.statements``), and amounts are
written from integers, never through a float.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from bluepool.domain.ledger.statements import Row, Statement
from bluepool.domain.shared.money import format_amount

#: Column x positions (points) and headings, left to right.
COLUMNS = (
    (36, "incident"),
    (130, "resource"),
    (215, "direction"),
    (275, "counterparty"),
    (360, "min / days"),
    (420, "citation"),
    (640, "rate"),
    (730, "amount"),
)
TOP, BOTTOM, LINE = 540, 60, 14


def _cells(r: Row) -> tuple[str, ...]:
    return (
        r.incident,
        r.resource,
        r.direction.value,
        r.counterparty,
        f"{r.days} d" if r.days else f"{r.minutes} min",
        r.citation,
        r.rate,
        format_amount(r.amount),
    )


def statement_pdf(s: Statement, collective: str = "bluepool") -> bytes:
    out = io.BytesIO()
    c = Canvas(out, pagesize=landscape(A4), invariant=1, pageCompression=0)
    c.setTitle(f"Statement {s.agency} {s.period}")
    c.setAuthor(collective)
    c.setCreator(collective)
    page = 1

    def heading() -> float:
        c.setFont("Helvetica-Bold", 13)
        c.drawString(36, TOP + 20, f"Statement of {s.agency} for {s.period}")
        c.setFont("Helvetica", 8)
        c.drawRightString(806, TOP + 20, f"page {page}")
        c.setFont("Helvetica-Bold", 8)
        for x, title in COLUMNS:
            c.drawString(x, TOP, title)
        c.setFont("Helvetica", 8)
        return TOP - LINE

    y = heading()
    for row in s.rows:
        if y < BOTTOM:
            c.showPage()
            page += 1
            y = heading()
        for (x, _), cell in zip(COLUMNS, _cells(row), strict=True):
            c.drawString(x, y, cell[:48])
        y -= LINE
    if y < BOTTOM + 3 * LINE:
        c.showPage()
        page += 1
        y = heading()
    c.setFont("Helvetica-Bold", 9)
    for label, amount in (("total lent", s.lent), ("total borrowed", s.borrowed), ("net", s.net)):
        y -= LINE
        c.drawString(560, y, label)
        c.drawRightString(806, y, format_amount(amount))
    c.showPage()
    c.save()
    return out.getvalue()

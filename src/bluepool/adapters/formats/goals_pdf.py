"""The weekly goals report as a PDF (reportlab) for the board: each goal, its target, the
week's value and status (in colour and in words), the calls it rests on, and a small plot
of its last weeks. The same bytes for the same report (reportlab's invariant mode)."""

from __future__ import annotations

import io
from itertools import pairwise

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from bluepool.domain.analytics.goals import STATUS_WORDS, mmss
from bluepool.services.analytics.goals import GoalRecord, WeeklyGoals

COLOURS: dict[str, Color] = {
    "met": HexColor("#1e7b34"),
    "at_risk": HexColor("#b86e00"),
    "missed": HexColor("#b03021"),
    "no_data": HexColor("#6b6b6b"),
}
WIDTH, HEIGHT = A4
LEFT, RIGHT, TOP, BOTTOM = 40, WIDTH - 40, HEIGHT - 50, 50
#: The height of one goal's block, and of its trend plot.
BLOCK, PLOT_H, PLOT_W = 78, 46, 170


def _trend(c: Canvas, r: GoalRecord, x: float, y: float) -> None:
    """The statistic over its target, week by week: the dashed line is the target, the
    dotted one where at risk starts; each week a dot in its status's colour."""
    top = max([1.2, *(w.value_s / r.target_s for w in r.trend if w.value_s is not None)])
    c.setStrokeColor(HexColor("#999999"))
    c.setLineWidth(0.4)
    c.rect(x, y, PLOT_W, PLOT_H)

    def at(n: int, ratio: float) -> tuple[float, float]:
        step = PLOT_W / max(len(r.trend), 1)
        return x + step * (n + 0.5), y + PLOT_H * ratio / top

    for ratio, dash in ((1.0, (3, 2)), (0.9, (1, 2))):
        c.setDash(*dash)
        c.line(x, at(0, ratio)[1], x + PLOT_W, at(0, ratio)[1])
    c.setDash()
    points = [
        (at(n, w.value_s / r.target_s), w.status.value)
        for n, w in enumerate(r.trend)
        if w.value_s is not None
    ]
    c.setStrokeColor(HexColor("#333333"))
    c.setLineWidth(0.8)
    for (a, _), (b, _) in pairwise(points):
        c.line(*a, *b)
    for (px, py), status in points:
        c.setFillColor(COLOURS[status])
        c.circle(px, py, 2, stroke=0, fill=1)
    c.setFillColor(HexColor("#000000"))


def goals_pdf(report: WeeklyGoals, collective: str = "bluepool") -> bytes:
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(f"Goals, week {report.week}")
    c.setAuthor(collective)
    c.setCreator(collective)
    page = 1

    def heading() -> float:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(LEFT, TOP, f"Goals, week {report.week}")
        c.setFont("Helvetica", 8)
        c.drawRightString(RIGHT, TOP, f"page {page}")
        c.setFont("Helvetica", 9)
        span = f"{report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC"
        c.drawString(
            LEFT, TOP - 16, f"{span} (weeks in {report.time_zone}) · source: {report.source}"
        )
        public = report.calls - report.self_initiated
        c.drawString(
            LEFT,
            TOP - 30,
            f"{report.calls} calls: {public} from the public, {report.self_initiated} "
            "self-initiated (never in a goal)",
        )
        c.setFont("Helvetica", 7)
        c.drawString(
            LEFT,
            TOP - 44,
            "met: at most 90 % of the target · at risk: above 90 %, at most the target · "
            f"missed: above the target · trend: weeks {report.weeks[0]} to {report.weeks[-1]}",
        )
        return float(TOP - 64)

    y = heading()
    if not report.goals:
        c.setFont("Helvetica", 11)
        c.drawString(LEFT, y - 20, "No goal is set.")
    for r in report.goals:
        if y - BLOCK < BOTTOM:
            c.showPage()
            page += 1
            y = heading()
        status = r.period.status.value
        c.setFont("Helvetica-Bold", 10)
        c.drawString(LEFT, y - 12, r.description[:62])
        c.setFont("Helvetica", 9)
        c.drawString(LEFT, y - 27, f"target: {r.statistic.value} at most {mmss(r.target_s)}")
        c.drawString(
            LEFT, y - 40, f"this week: {mmss(r.period.value_s)} over {r.period.count} calls"
        )
        c.setFillColor(COLOURS[status])
        c.roundRect(LEFT, y - 62, 70, 15, 3, stroke=0, fill=1)
        c.setFillColor(HexColor("#ffffff"))
        c.setFont("Helvetica-Bold", 9)
        c.drawCentredString(LEFT + 35, y - 58, STATUS_WORDS[status])
        c.setFillColor(HexColor("#000000"))
        _trend(c, r, RIGHT - PLOT_W, y - 8 - PLOT_H)
        c.setStrokeColor(HexColor("#dddddd"))
        c.line(LEFT, y - BLOCK + 4, RIGHT, y - BLOCK + 4)
        y -= BLOCK
    c.showPage()
    c.save()
    return out.getvalue()

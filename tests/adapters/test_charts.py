"""The report figures drawn from known calls: each says what it shows, and the same data
gives the same bytes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bluepool.adapters.charts import kpis as figures
from bluepool.adapters.charts import svg
from bluepool.domain.analytics.figures import figures_of
from bluepool.domain.analytics.kpis import Call, Stage
from tests.builders import at

SQUARE = {"type": "Polygon", "coordinates": [[[9.5, 47.1], [9.6, 47.1], [9.6, 47.2], [9.5, 47.1]]]}


def calls() -> list[Call]:
    return [
        Call(
            f"c{n}",
            1 + n % 3,
            "burglary",
            "vaduz",
            "vaduz",
            "patrol",
            False,
            {Stage.RECEIVED: at(n * 37), Stage.ON_SCENE: at(n * 37 + 3 + n % 7)},
        )
        for n in range(60)
    ]


def test_each_kpi_figure_draws_its_calls_the_same_bytes_twice() -> None:
    zone = ZoneInfo("Europe/Vaduz")
    for name, title in (
        ("by-priority", b"Total response by priority"),
        ("time-of-week", b"Calls by hour of week"),
        ("by-jurisdiction", b"Median total response by jurisdiction"),
    ):
        draw = figures.FIGURES[name]
        first = svg(draw(figures_of(calls(), zone), [("vaduz", SQUARE)]))
        assert title in first, name
        assert svg(draw(figures_of(calls(), zone), [("vaduz", SQUARE)])) == first, name
    drawn = svg(figures.by_jurisdiction(figures_of(calls(), zone), [("vaduz", SQUARE)]))
    assert b"vaduz" in drawn

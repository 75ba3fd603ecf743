"""The figures' numbers agree with the KPI table of the same calls: each priority's box
has the table's median and 90th percentile of the total response, each jurisdiction on
the map its median, and the heat map counts every public call once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bluepool.domain.analytics import kpis
from bluepool.domain.analytics.figures import figures_of
from bluepool.domain.analytics.kpis import Call, Dimension
from tests.strategies import kpi_calls


def table(calls: tuple[Call, ...], by: Dimension) -> dict[str, kpis.KpiRow]:
    rows = kpis.summarise(calls, (Dimension.SELF_INITIATED, by))
    return {
        r.group[by.value]: r
        for r in rows
        if r.kpi == "total_response" and r.group["self_initiated"] == "public" and r.count
    }


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 40).flatmap(lambda n: st.tuples(*(kpi_calls(i) for i in range(n)))),
    st.sampled_from(["UTC", "Europe/Vaduz", "America/Los_Angeles"]),
)
def test_the_figures_carry_the_tables_numbers(calls: tuple[Call, ...], zone: str) -> None:
    made = figures_of(calls, ZoneInfo(zone))
    by_priority = table(calls, Dimension.PRIORITY)
    assert [b.priority for b in made.by_priority] == sorted(by_priority)
    for box in made.by_priority:
        row = by_priority[box.priority]
        assert (box.count, box.median_s, box.p90_s) == (row.count, row.median_s, row.p90_s)
        assert box.p10_s <= box.q1_s <= box.median_s <= box.q3_s <= box.p90_s
    by_jurisdiction = {k: v for k, v in table(calls, Dimension.JURISDICTION).items() if k}
    assert {m.jurisdiction: (m.count, m.median_s) for m in made.by_jurisdiction} == {
        k: (r.count, r.median_s) for k, r in by_jurisdiction.items()
    }
    hours = kpis.summarise(
        calls, (Dimension.SELF_INITIATED, Dimension.HOUR_OF_WEEK), ZoneInfo(zone)
    )
    public = {
        int(r.group["hour_of_week"]): r.count + r.missing + r.doubtful
        for r in hours
        if r.kpi == "call_processing" and r.group["self_initiated"] == "public"
    }
    grid = made.time_of_week
    assert {d * 24 + h: n for d, day in enumerate(grid) for h, n in enumerate(day) if n} == public
    assert sum(map(sum, grid)) == sum(1 for c in calls if not c.self_initiated)

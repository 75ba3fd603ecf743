"""Goals: one per jurisdiction, priority, KPI and statistic (the id says which), judged
from the KPI definitions on the public calls it covers: met, at risk, missed, no data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bluepool.domain.analytics import goals as g
from bluepool.domain.analytics.goals import Goal, Statistic, Status
from bluepool.domain.analytics.kpis import Call, Stage
from bluepool.domain.shared.errors import Invalid
from tests.builders import at


def call(
    n: int, on_scene_min: float, priority: int = 1, where: str = "vaduz", crew: bool = False
) -> Call:
    stages = {
        Stage.RECEIVED: at(n),
        Stage.DISPATCHED: at(n + 1),
        Stage.ON_SCENE: at(n + on_scene_min),
    }
    return Call(f"c{n}", priority, "burglary", where, where, "patrol", crew, stages)


P1_VADUZ = Goal("total_response", Statistic.MEDIAN, 360, "vaduz", 1)


def test_a_goal_is_named_and_described_by_what_it_targets() -> None:
    assert P1_VADUZ.id == "vaduz:p1:total_response:median"
    assert P1_VADUZ.describe() == "P1 median total response at most 6 min 0 s in vaduz"
    anywhere = Goal("turnout", Statistic.P90, 90)
    assert anywhere.id == "all:any:turnout:p90"
    assert Goal.of(P1_VADUZ.value()) == P1_VADUZ
    assert g.goals_of(g.goals_value([anywhere, P1_VADUZ])) == (anywhere, P1_VADUZ)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (None, Status.NO_DATA),
        (300, Status.MET),
        (324, Status.MET),
        (330, Status.AT_RISK),
        (360, Status.AT_RISK),
        (361, Status.MISSED),
    ],
)
def test_met_at_risk_missed(value: float | None, status: Status) -> None:
    assert g.status_of(360, value) is status


def test_judged_on_the_public_calls_it_covers() -> None:
    calls = [
        call(0, 4),
        call(10, 8),
        call(20, 9),
        call(30, 30, priority=2),  # another priority
        call(40, 30, where="schaan"),  # another jurisdiction
        call(50, 30, crew=True),  # self-initiated
    ]
    judged = g.judge(P1_VADUZ, calls, at(0), at(60))
    assert (judged.value_s, judged.count, judged.status) == (480, 3, Status.MISSED)
    p90 = g.judge(Goal("total_response", Statistic.P90, 570, "vaduz", 1), calls, at(0), at(60))
    assert p90.value_s == pytest.approx(528)  # 240, 480, 540 s: linear
    assert p90.status is Status.AT_RISK  # above 90 % of 570 s, not above it
    assert g.judge(P1_VADUZ, [], at(0), at(60)).status is Status.NO_DATA


def test_bad_goals_are_refused() -> None:
    for bad in (
        {"kpi": "happiness"},
        {"target_s": 0},
        {"target_s": 90_000},
        {"target_s": 12.5},
        {"priority": 6},
    ):
        fields = {"kpi": "turnout", "statistic": Statistic.P90, "target_s": 60, **bad}
        with pytest.raises(Invalid):
            Goal(**fields)  # type: ignore[arg-type]


def test_weeks_cut_a_period_from_its_start() -> None:
    spans = g.weeks(at(0), at(60 * 24 * 10))
    assert [(a, b) for a, b in spans] == [
        (at(0), at(60 * 24 * 7)),
        (at(60 * 24 * 7), at(60 * 24 * 10)),
    ]


def test_a_period_of_more_than_two_years_is_refused() -> None:
    with pytest.raises(Invalid):
        g.weeks(at(0), at(60 * 24 * 7 * 106))


VADUZ = ZoneInfo("Europe/Vaduz")


def test_an_iso_week_is_monday_to_monday_in_the_zone() -> None:
    start, end = g.iso_week("2026-W48", VADUZ)
    assert (start, end) == (
        datetime(2026, 11, 22, 23, tzinfo=UTC),  # Monday 23 November, midnight in Vaduz
        datetime(2026, 11, 29, 23, tzinfo=UTC),
    )
    # The week summer time ends has 169 hours.
    start, end = g.iso_week("2026-W43", VADUZ)
    assert end - start == timedelta(hours=169)
    assert g.week_of(start, VADUZ) == "2026-W43"
    assert g.week_of(start - timedelta(seconds=1), VADUZ) == "2026-W42"
    assert g.iso_week("2020-W53", ZoneInfo("UTC"))[0] == datetime(2020, 12, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad", ["2026-W54", "2025-W53", "2026-W00", "2026-48", "W48", "", "1969-W10"]
)
def test_a_bad_week_is_refused_saying_why(bad: str) -> None:
    with pytest.raises(Invalid) as caught:
        g.iso_week(bad, VADUZ)
    assert caught.value.code == "bad_week"
    assert repr(bad) in caught.value.detail


def test_the_last_complete_week_and_the_weeks_up_to_one() -> None:
    wednesday = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert g.last_complete_week(wednesday, VADUZ) == "2026-W48"
    # Sunday 23:30 UTC is already Monday in Vaduz: the week before is complete.
    assert g.last_complete_week(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), VADUZ) == "2026-W48"
    weeks = g.weeks_up_to("2026-W02", 4, VADUZ)
    assert [w[0] for w in weeks] == ["2025-W51", "2025-W52", "2026-W01", "2026-W02"]
    assert all(a[2] == b[1] for a, b in pairwise(weeks))  # no gap
    # The first weeks of 1970 are judged; the trend starts there.
    assert [w[0] for w in g.weeks_up_to("1970-W02", 4, VADUZ)] == ["1970-W01", "1970-W02"]


def test_each_week_is_judged_on_its_own_calls() -> None:
    spans = [(at(0), at(60)), (at(60), at(120)), (at(120), at(180))]
    calls = [call(0, 3), call(10, 5), call(70, 9), call(75, 30, crew=True), call(200, 1)]
    weeks = g.judge_weeks(P1_VADUZ, calls, spans)
    assert [(w.count, w.status) for w in weeks] == [
        (2, Status.MET),  # median 4 min of 6
        (1, Status.MISSED),  # 9 min; the crew's call is no response time
        (0, Status.NO_DATA),
    ]
    assert weeks[0].value_s == 240

"""The collective's goals: set and dropped by admins, judged over a period and week by
week from the KPIs of live incidents or of the call history (``domain.analytics.goals``;
docs/kpis.md#goals), and the weekly goals report. The goals are one section of the
settings (``goals``), each change an audited ``setting`` event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bluepool.domain.access.roles import User
from bluepool.domain.analytics import goals as g
from bluepool.domain.analytics.goals import Goal, Judged
from bluepool.domain.analytics.kpis import Call
from bluepool.domain.analytics.utilisation import Period
from bluepool.domain.collective.events import SettingChanged
from bluepool.domain.collective.settings import Setting
from bluepool.domain.shared.errors import Duplicate, Invalid
from bluepool.domain.shared.events import Action
from bluepool.domain.shared.ids import AgencyId, JurisdictionId
from bluepool.services.analytics import kpis, policy
from bluepool.services.analytics.kpis import Source
from bluepool.services.audit.refusals import refusal_recorded
from bluepool.services.context import Context
from bluepool.services.lookup import not_found
from bluepool.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class GoalRecord:
    id: str
    description: str
    kpi: str
    statistic: g.Statistic
    target_s: int
    jurisdiction: str | None
    priority: int | None
    #: Over the whole period.
    period: Judged
    #: Week by week, from the period's start.
    trend: tuple[Judged, ...]


def _stored(uow: UnitOfWork) -> tuple[Goal, ...]:
    setting = uow.settings.get(Goal.SETTING)
    return g.goals_of(setting.value) if setting is not None else ()


def stored_goals(ctx: Context) -> tuple[Goal, ...]:
    """The collective's goals (for a report already allowed)."""
    with ctx.reader() as uow:
        return _stored(uow)


#: A goal over each of some spans: ``judge(goal, spans)``.
Judge = Callable[[Goal, Sequence[tuple[datetime, datetime]]], tuple[Judged, ...]]


def judge_of(ctx: Context, start: datetime, end: datetime, source: Source) -> Judge:
    """How goals are judged over spans within ``[start, end)``: on the live incidents'
    calls (read once), or in the call history (SQL, by the same rules)."""
    if source == "history":
        return kpis.history_of(ctx).judge
    return judge_of_calls(kpis.live_calls(ctx, start, end))


def judge_of_calls(calls: Sequence[Call]) -> Judge:
    """Goals judged on calls at hand."""
    return lambda goal, spans: g.judge_weeks(goal, calls, spans)


def records_of(
    goals: Sequence[Goal],
    judge: Judge,
    start: datetime,
    end: datetime,
    spans: Sequence[tuple[datetime, datetime]],
) -> tuple[GoalRecord, ...]:
    """Each goal judged over ``[start, end)`` and over each of ``spans`` (its trend)."""
    records = []
    for goal in goals:
        (period,) = judge(goal, [(start, end)])
        records.append(
            GoalRecord(
                goal.id,
                goal.describe(),
                goal.kpi,
                goal.statistic,
                goal.target_s,
                goal.jurisdiction,
                goal.priority,
                period,
                judge(goal, spans),
            )
        )
    return tuple(records)


def goal_status(
    ctx: Context, user: User, start: datetime, end: datetime, source: Source = "live"
) -> tuple[GoalRecord, ...]:
    """Every goal judged over ``[start, end)`` and week by week, on the live incidents or
    (``source`` history) the call history."""
    policy.read(user)
    Period(start, end)
    weeks = g.weeks(start, end)
    goals = stored_goals(ctx)
    if not goals:
        return ()
    return records_of(goals, judge_of(ctx, start, end, source), start, end, weeks)


@dataclass(frozen=True, slots=True)
class WeeklyGoals:
    """The weekly goals report: each goal over one ISO week, and its trend over the
    weeks up to it (``g.TREND_WEEKS``, the week reported the last)."""

    week: str
    time_zone: str
    start: datetime
    end: datetime
    source: Source
    #: The week's calls, and those a crew started (never in a goal).
    calls: int
    self_initiated: int
    #: The name of each week of the trends, oldest first.
    weeks: tuple[str, ...]
    goals: tuple[GoalRecord, ...]


def weekly_goals(
    ctx: Context,
    user: User,
    week: str | None = None,
    time_zone: str = "UTC",
    source: Source = "live",
) -> WeeklyGoals:
    """Every goal over the ISO ``week`` in ``time_zone`` (default: the last complete
    week), with its trend over the weeks up to it."""
    policy.read(user)
    zone = kpis.zone_of(time_zone)
    name = week or g.last_complete_week(ctx.clock.now(), zone)
    spans = g.weeks_up_to(name, g.TREND_WEEKS, zone)
    start, end = spans[-1][1], spans[-1][2]
    judge = judge_of(ctx, spans[0][1], end, source)
    records = records_of(stored_goals(ctx), judge, start, end, [(a, b) for _, a, b in spans])
    counted = kpis.kpi_report(ctx, user, start, end, (), time_zone, source)
    return WeeklyGoals(
        name,
        time_zone,
        start,
        end,
        source,
        counted.calls,
        counted.self_initiated,
        tuple(n for n, _, _ in spans),
        records,
    )


def _owner(uow: UnitOfWork, goal: Goal) -> AgencyId | None:
    if goal.jurisdiction is None:
        return None
    owner = uow.jurisdictions.owners().get(JurisdictionId(goal.jurisdiction))
    if owner is None:
        raise Invalid(f"no jurisdiction {goal.jurisdiction}", code="unknown_jurisdiction")
    return owner


def _store(uow: UnitOfWork, goals: tuple[Goal, ...], actor: str, at: datetime) -> None:
    setting = Setting(Goal.SETTING, g.goals_value(goals))
    if uow.settings.get(Goal.SETTING) is None:
        uow.settings.add(setting)
        action = Action.CREATED
    else:
        uow.settings.update(setting)
        action = Action.UPDATED
    uow.raise_event(SettingChanged(at, actor, action, setting.name, setting))
    uow.commit()


@refusal_recorded
def set_goal(ctx: Context, user: User, goal: Goal) -> Goal:
    """Add a goal (one per jurisdiction, priority, KPI and statistic: 409 for a second)."""
    with ctx.uow() as uow:
        policy.set_goals(user, _owner(uow, goal))
        goals = _stored(uow)
        if any(x.id == goal.id for x in goals):
            raise Duplicate(f"goal {goal.id} is set already; drop it first", code="goal_exists")
        if len(goals) >= g.MAX_GOALS:
            raise Invalid(f"a collective keeps at most {g.MAX_GOALS} goals", code="too_many")
        _store(uow, (*goals, goal), user.username, ctx.clock.now())
    return goal


@refusal_recorded
def drop_goal(ctx: Context, user: User, goal_id: str) -> None:
    with ctx.uow() as uow:
        goals = _stored(uow)
        found = next((x for x in goals if x.id == goal_id), None)
        if found is None:
            raise not_found("goal", goal_id)
        policy.set_goals(user, _owner(uow, found))
        _store(uow, tuple(x for x in goals if x.id != goal_id), user.username, ctx.clock.now())

"""The collective's measurable goals: a target for one KPI statistic, in one jurisdiction
(or all) and at one priority (or any), judged over a period as met, at risk or missed
(issue 13 item 4; docs/kpis.md#goals).

"P1 median total response at most 6 min in Vaduz" is
``Goal(jurisdiction="vaduz", priority=1, kpi="total_response", statistic=MEDIAN,
target_s=360)``. A goal's id is made of those four choices, so there is one target for
each; the figure comes from the KPI definitions (``kpis.summarise``), public calls only.

A statistic at most 90 % of its target is **met**, above the target **missed**, in
between **at risk** (it meets the target, with little to spare); a period without a call
that has the KPI has **no data**.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bluepool.domain.analytics import kpis
from bluepool.domain.analytics.kpis import Call
from bluepool.domain.shared.errors import Invalid

#: A statistic up to this share of its target is met; up to the target, at risk.
AT_RISK_FROM = 0.9
#: The most goals a collective keeps (one settings row).
MAX_GOALS = 500
#: The longest period goals are followed over, week by week (two years).
MAX_WEEKS = 105
#: The weeks of trend the weekly report draws, the week reported the last.
TREND_WEEKS = 8


class Statistic(StrEnum):
    MEDIAN = "median"
    P90 = "p90"


class Status(StrEnum):
    MET = "met"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NO_DATA = "no_data"


#: Each status in words, for a reader.
STATUS_WORDS = {"met": "met", "at_risk": "at risk", "missed": "missed", "no_data": "no data"}


def mmss(seconds: float | None) -> str:
    """``6 min 05 s``; a dash for none."""
    if seconds is None:
        return "–"
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes} min {s:02d} s"


@dataclass(frozen=True, slots=True)
class Goal:
    kpi: str
    statistic: Statistic
    #: At most this many seconds.
    target_s: int
    #: None: every jurisdiction.
    jurisdiction: str | None = None
    #: None: every priority.
    priority: int | None = None

    SETTING = "goals"

    def __post_init__(self) -> None:
        if self.kpi not in kpis.BY_NAME:
            known = ", ".join(kpis.BY_NAME)
            raise Invalid(f"no KPI {self.kpi!r} (the KPIs are {known})", code="unknown_kpi")
        if isinstance(self.target_s, bool) or not isinstance(self.target_s, int):
            raise Invalid("a target is a whole number of seconds", code="bad_target")
        if not 0 < self.target_s <= 86_400:
            raise Invalid("a target is 1 second to 24 hours", code="bad_target")
        if self.priority is not None and not 1 <= self.priority <= 5:
            raise Invalid("a priority is 1 to 5", code="bad_priority")

    @property
    def id(self) -> str:
        where = self.jurisdiction or "all"
        priority = f"p{self.priority}" if self.priority is not None else "any"
        return f"{where}:{priority}:{self.kpi}:{self.statistic.value}"

    def describe(self) -> str:
        """ "P1 median total response at most 6 min 0 s in vaduz"."""
        priority = f"P{self.priority} " if self.priority is not None else ""
        where = f"in {self.jurisdiction}" if self.jurisdiction else "everywhere"
        label = kpis.BY_NAME[self.kpi].label
        minutes, seconds = divmod(self.target_s, 60)
        return f"{priority}{self.statistic.value} {label} at most {minutes} min {seconds} s {where}"

    def covers(self, call: Call) -> bool:
        return (
            not call.self_initiated
            and (self.jurisdiction is None or call.jurisdiction == self.jurisdiction)
            and (self.priority is None or call.priority == self.priority)
        )

    def value(self) -> dict[str, object]:
        return {
            "kpi": self.kpi,
            "statistic": self.statistic.value,
            "target_s": self.target_s,
            "jurisdiction": self.jurisdiction,
            "priority": self.priority,
        }

    @classmethod
    def of(cls, value: Mapping[str, object]) -> Goal:
        try:
            return cls(
                kpi=str(value["kpi"]),
                statistic=Statistic(str(value["statistic"])),
                target_s=value["target_s"],  # type: ignore[arg-type]
                jurisdiction=value.get("jurisdiction"),  # type: ignore[arg-type]
                priority=value.get("priority"),  # type: ignore[arg-type]
            )
        except (KeyError, ValueError) as exc:
            raise Invalid(f"a stored goal is malformed: {exc}", code="bad_goal") from exc


def goals_of(value: Mapping[str, object]) -> tuple[Goal, ...]:
    """The goals a setting's value keeps (``{"goals": [...]}``)."""
    found = value.get("goals", [])
    if not isinstance(found, list):
        raise Invalid("the goals setting holds a list", code="bad_goal")
    return tuple(Goal.of(g) for g in found)


def goals_value(goals: Sequence[Goal]) -> dict[str, object]:
    return {"goals": [g.value() for g in sorted(goals, key=lambda g: g.id)]}


def status_of(target_s: int, value_s: float | None) -> Status:
    if value_s is None:
        return Status.NO_DATA
    if value_s <= AT_RISK_FROM * target_s:
        return Status.MET
    return Status.AT_RISK if value_s <= target_s else Status.MISSED


@dataclass(frozen=True, slots=True)
class Judged:
    """A goal over one period: its statistic, how many calls it rests on, its status."""

    start: datetime
    end: datetime
    value_s: float | None
    count: int
    status: Status


def judge(goal: Goal, calls: Iterable[Call], start: datetime, end: datetime) -> Judged:
    covered = [c for c in calls if goal.covers(c)]
    (row,) = kpis.summarise(covered, (), kpis=[kpis.BY_NAME[goal.kpi]]) or (None,)
    if row is None:
        return Judged(start, end, None, 0, Status.NO_DATA)
    return judged(goal, start, end, row.count, row.median_s, row.p90_s)


def judged(
    goal: Goal,
    start: datetime,
    end: datetime,
    count: int,
    median_s: float | None,
    p90_s: float | None,
) -> Judged:
    """The goal over a period whose covered calls have these figures of its KPI."""
    value = median_s if goal.statistic is Statistic.MEDIAN else p90_s
    return Judged(start, end, value, count, status_of(goal.target_s, value))


def weeks(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` in weeks from ``start`` (the last one shorter); Invalid for a
    period longer than ``MAX_WEEKS``."""
    if end - start > timedelta(days=7 * MAX_WEEKS):
        raise Invalid(
            f"goals are followed over at most {MAX_WEEKS} weeks: ask for a shorter period",
            code="period_too_long",
        )
    spans, at = [], start
    while at < end:
        spans.append((at, min(at + timedelta(days=7), end)))
        at += timedelta(days=7)
    return spans


def received(call: Call) -> datetime:
    return call.stages[kpis.Stage.RECEIVED]


def judge_weeks(
    goal: Goal, calls: Sequence[Call], spans: Sequence[tuple[datetime, datetime]]
) -> tuple[Judged, ...]:
    """The goal over each of ``spans`` (in order, not overlapping), each on its own calls."""
    starts = [a for a, _ in spans]
    buckets: list[list[Call]] = [[] for _ in spans]
    for c in calls:
        if not goal.covers(c):
            continue
        at = received(c)
        n = bisect_right(starts, at) - 1
        if n >= 0 and at < spans[n][1]:
            buckets[n].append(c)
    return tuple(judge(goal, b, a, z) for b, (a, z) in zip(buckets, spans, strict=True))


_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")


def iso_week(text: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """An ISO week (``2026-W48``) as ``[Monday 00:00, the next Monday 00:00)`` in ``zone``,
    in UTC; Invalid for anything else."""
    found = _WEEK.fullmatch(text.strip())
    if found is None:
        raise Invalid(f"{text!r} is not an ISO week (YYYY-Www, e.g. 2026-W48)", code="bad_week")
    year, week = int(found[1]), int(found[2])
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise Invalid(f"{text!r}: {year} has no ISO week {week}", code="bad_week") from None
    if not 1970 <= year <= 2100:
        raise Invalid(f"{text!r}: a week from 1970 to 2100", code="bad_week")
    start = datetime.combine(monday, time(), zone)
    end = datetime.combine(monday + timedelta(days=7), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_of(at: datetime, zone: ZoneInfo) -> str:
    """The ISO week ``at`` falls in, in ``zone``."""
    year, week, _ = at.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(now: datetime, zone: ZoneInfo) -> str:
    return week_of(now.astimezone(zone) - timedelta(days=7), zone)


def weeks_up_to(week: str, n: int, zone: ZoneInfo) -> list[tuple[str, datetime, datetime]]:
    """The ``n`` ISO weeks ending with ``week`` (its name, start and end), oldest first
    (fewer when they would begin before 1970, the first year a week is judged in)."""
    start, _ = iso_week(week, zone)
    monday = start.astimezone(zone).date()
    names = [
        week_of(datetime.combine(monday - timedelta(weeks=k), time(12), zone), zone)
        for k in range(n - 1, -1, -1)
    ]
    return [(name, *iso_week(name, zone)) for name in names if name >= "1970"]

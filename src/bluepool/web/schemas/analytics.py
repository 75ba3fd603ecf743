"""Request bodies of the reports API: a goal. Responses are the services' records."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bluepool.domain.analytics.goals import Goal, Statistic
from bluepool.web.schemas.common import Integer, Strict

KpiName = Literal["call_processing", "queue", "turnout", "travel", "on_scene", "total_response"]


class GoalIn(Strict):
    kpi: KpiName
    statistic: Statistic
    target_s: Integer = Field(gt=0, le=86_400, description="at most this many seconds")
    jurisdiction: str | None = Field(
        default=None, min_length=1, max_length=64, description="null: every jurisdiction"
    )
    priority: Integer | None = Field(default=None, ge=1, le=5, description="null: any")

    def goal(self) -> Goal:
        return Goal(self.kpi, self.statistic, self.target_s, self.jurisdiction, self.priority)

"""Request bodies of the sharing API. Responses are ``domain.sharing.records``."""

from __future__ import annotations

from pydantic import Field

from bluepool.web.schemas.common import Integer, Strict, Tag


class RuleIn(Strict):
    jurisdictions: list[Tag] | None = Field(default=None, description="null: any")
    call_types: list[Tag] | None = Field(default=None, description="null: any")
    capabilities: list[Tag] | None = Field(default=None, description="null: any")
    max_priority: Integer = Field(default=5, ge=1, le=5)


class PolicyIn(Strict):
    home_reserve: Integer = Field(default=0, ge=0, le=1000)
    rules: list[RuleIn] = Field(default=[], max_length=100)

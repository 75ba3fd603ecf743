"""The collective's settings: how it runs itself, beside its records.

Each setting is a named section of plain values, as the collective file gives it
(``dispatch: {dispatchers_may_override: true}`` is the setting ``dispatch``); the context
that reads a section gives it its type (``domain.dispatch.command.FloorRules``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    value: dict[str, Any] = field(default_factory=dict)

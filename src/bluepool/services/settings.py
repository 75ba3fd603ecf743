"""Typed sections of the collective's settings (``domain.collective.settings``).

Every collective-wide setting is one row of the settings store, named by its section: the
``dispatch`` floor rules, the ``closing`` rules, the floor's ``timers``. The units of work
offer the closing rules and the timers through these views, so the services read them as
domain values while the store keeps one table of settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from bluepool.domain.collective.settings import Setting
from bluepool.domain.dispatch.closing import ClosingRules
from bluepool.domain.dispatch.timers import TimerLimits, timers_of, timers_value
from bluepool.services.ports import Repository

#: The section names.
CLOSING = "closing"
TIMERS = "timers"


def _put(settings: Repository[str, Setting], setting: Setting) -> None:
    if settings.get(setting.name) is None:
        settings.add(setting)
    else:
        settings.update(setting)


class ClosingSection:
    """The closing rules (``ports.ClosingSettings``)."""

    def __init__(self, settings: Repository[str, Setting]) -> None:
        self._settings = settings

    def get(self) -> ClosingRules | None:
        setting = self._settings.get(CLOSING)
        return ClosingRules.of(setting.value) if setting is not None else None

    def put(self, rules: ClosingRules) -> None:
        _put(self._settings, Setting(CLOSING, rules.value()))


class TimerSection:
    """The floor's timers, one ``TimerLimits`` per priority (``ports.TimerSettings``)."""

    def __init__(self, settings: Repository[str, Setting]) -> None:
        self._settings = settings

    def get(self) -> dict[int, TimerLimits]:
        setting = self._settings.get(TIMERS)
        return timers_of(setting.value) if setting is not None else {}

    def put(self, limits: Sequence[TimerLimits]) -> None:
        _put(self._settings, Setting(TIMERS, timers_value(limits)))

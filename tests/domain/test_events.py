"""The catalogue of events: every event class is listed once, every wire name is known, and
every event is a frozen, past-tense fact that says when and who."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import bluepool.domain
from bluepool.domain import events
from bluepool.domain.shared.events import Event, RecordChanged


def _event_classes() -> set[type[Event]]:
    found: set[type[Event]] = set()
    for info in pkgutil.walk_packages(bluepool.domain.__path__, "bluepool.domain."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Event) and cls not in (Event, RecordChanged):
                found.add(cls)
    return found


def test_every_event_class_of_the_domain_is_in_the_catalogue() -> None:
    assert _event_classes() == set(events.EVENTS)
    assert len(events.EVENTS) == len(set(events.EVENTS))


def test_every_event_is_frozen_has_a_wire_name_and_says_when_and_who() -> None:
    for cls in events.EVENTS:
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        names = [f.name for f in dataclasses.fields(cls)]
        assert names[:2] == ["at", "actor"], cls
        assert cls.types(), cls
        assert all("." in t for t in cls.types()), cls
        assert set(cls.types()) <= set(events.NAMES)


def test_record_changes_carry_the_record_under_the_entity_name() -> None:
    for cls in events.EVENTS:
        if issubclass(cls, RecordChanged):
            assert cls.entity in {f.name for f in dataclasses.fields(cls)}, cls

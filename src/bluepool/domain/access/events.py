"""Changes to who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluepool.domain.access.records import UserRecord
from bluepool.domain.shared.events import Action, Event, RecordChanged


@dataclass(frozen=True, slots=True)
class UserChanged(RecordChanged):
    """A user was created or changed (role, unit, password, deactivated); users are never
    deleted, only deactivated, so the change log keeps naming them."""

    user: UserRecord | None = None
    entity: ClassVar[str] = "user"
    actions: ClassVar[tuple[Action, ...]] = (Action.CREATED, Action.UPDATED)


@dataclass(frozen=True, slots=True)
class SignedIn(Event):
    """A user signed in (``actor``); ``address`` is the client's, when known."""

    address: str | None = None
    name: ClassVar[str] = "user.signed_in"
    published: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class SignInFailed(Event):
    """A sign-in was refused; ``actor`` is the user name as typed (never the password)."""

    address: str | None = None
    name: ClassVar[str] = "user.sign_in_failed"
    published: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class SignedOut(Event):
    address: str | None = None
    name: ClassVar[str] = "user.signed_out"
    published: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class WriteRefused(Event):
    """A policy refused ``actor`` a write: ``action`` names the use case, ``rule`` the
    rule that refused it (``require_dispatch``, ...)."""

    action: str = ""
    rule: str = ""
    detail: str = ""
    name: ClassVar[str] = "access.write_refused"
    published: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class RecordsRead(Event):
    """A user bound to an agency read records (``entity``, ``ids``) of another ``agency``."""

    entity: str = ""
    agency: str = ""
    ids: tuple[str, ...] = ()
    action: str = ""
    name: ClassVar[str] = "access.records_read"
    published: ClassVar[bool] = False

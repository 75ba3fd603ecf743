"""Failures the collective's rules can name.

    DomainError                      a rule of the collective refused the request
    ├── NotFound                     an id that names nothing
    ├── Invalid                      a value that cannot be (coordinates, an unknown capability)
    ├── Conflict                     the world changed or forbids it
    │   ├── InvalidTransition        a unit or incident cannot move to that status
    │   ├── UnitUnavailable          the unit cannot take an incident now
    │   ├── Duplicate                the id is already taken
    │   └── ConcurrentUpdate         someone else changed the record first
    └── Forbidden                    the caller's role or agency does not allow it
        └── PolicyForbids            an agency's sharing policy does not allow the loan

Each error carries a stable machine ``code``; the HTTP layer maps the classes to status codes
in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Invalid(DomainError):
    code = "invalid"


class Conflict(DomainError):
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class UnitUnavailable(Conflict):
    code = "unit_unavailable"


class Duplicate(Conflict):
    code = "duplicate"


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"


class Forbidden(DomainError):
    code = "forbidden"

    def __init__(self, detail: str, *, code: str | None = None, rule: str = "") -> None:
        super().__init__(detail, code=code)
        #: The rule that refused (``require_dispatch``, ``keep_user``...), for the audit log.
        self.rule = rule or self.code


class PolicyForbids(Forbidden):
    code = "policy_forbids"

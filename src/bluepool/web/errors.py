"""The one place that turns failures into HTTP answers: ``{"detail": ..., "code": ...}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from bluepool.domain.shared import errors
from bluepool.services.ports import Overloaded
from bluepool.web.schemas.common import Problem

STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.NotFound, 404),
    (errors.Invalid, 422),
    (errors.Conflict, 409),
    (errors.PolicyForbids, 409),  # the unit cannot take it: a conflict with the rules
    (errors.Forbidden, 403),
]
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


class HTTPProblem(HTTPException):
    """An HTTP error with its own machine ``code`` (else the status's usual one)."""

    def __init__(
        self, status: int, detail: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, detail, headers)
        self.code = code


#: What any operation of the API may answer, whatever it does (declared once, on the /api/v1
#: router; each route adds the 403, 404 and 409 it can give).
EVERY_OPERATION: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Malformed JSON, or a NUL character in the URL"},
    401: {"model": Problem, "description": "Not signed in, or the token is invalid or expired"},
    413: {"model": Problem, "description": "The body is larger than BLUEPOOL_MAX_BODY_BYTES"},
    422: {
        "model": Problem,
        "description": "Invalid input: `detail` names each field and why (code "
        "`validation_error`), or a rule the input breaks (its own code)",
    },
}


def status_of(exc: errors.DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _problem(
    status: int, detail: Any, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    return _problem(status_of(exc), exc.detail, exc.code)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return _problem(400, "the request body is not valid JSON", "malformed_json")
    detail = [
        {
            "field": ".".join(str(x) for x in p.get("loc", ()) if x != "body"),
            "reason": _reason(p),
        }
        for p in problems
    ]
    return _problem(422, detail, "validation_error")


_JSON_TYPES = {bool: "true or false", str: "text", int: "an integer", float: "a number"}


def _reason(problem: Any) -> str:
    """Pydantic's message; a wrong JSON type also says what was sent (``"47.1"`` is text,
    not a number: bad input is refused, not coerced)."""
    message = str(problem.get("msg", ""))
    if str(problem.get("type", "")).endswith("_type") and "input" in problem:
        sent = problem["input"]
        got = "null" if sent is None else _JSON_TYPES.get(type(sent), type(sent).__name__)
        if isinstance(sent, dict | list):
            got = "an object" if isinstance(sent, dict) else "a list"
        return f"{message}, not {got}"
    return message


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _problem(
        exc.status_code,
        exc.detail,
        getattr(exc, "code", None) or _HTTP_CODES.get(exc.status_code, "error"),
        dict(exc.headers) if exc.headers else None,
    )


async def _database_away(request: Request, exc: Exception) -> JSONResponse:
    # The database restarted or is unreachable. The engine throws away broken connections
    # (pool_pre_ping), so a later request reconnects. (A write cut off during its commit
    # may have been made: retry it with its idempotency key, where the route takes one.)
    return _problem(
        503,
        "the database is unavailable right now; try again",
        "unavailable",
        {"Retry-After": "1"},
    )


async def _overloaded(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Overloaded)
    return _problem(503, exc.detail, "busy", {"Retry-After": str(exc.retry_after_s)})


def install(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _database_away)
    app.add_exception_handler(errors.DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Overloaded, _overloaded)

"""Errors as the HTTP API answers them: a status and one JSON body,

    {"error": {"message": "...", "type": "...", "status": 422}}

the shape OpenAI-compatible clients read (`error.message`). The message is
the service's own (core/errors.py: written to be shown to a user), never a
traceback. Which status each error of the service gets is decided here and
nowhere else.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (AccessError, ConfigError, IndexStateError, IngestLockedError, LoadError, QueryError,
                         SafeCiteError)

# The service's errors, most specific first: (class, status, type).
STATUS = (
    (AccessError, 403, "permission_denied"),
    (QueryError, 422, "invalid_request"),
    (LoadError, 422, "invalid_file"),
    (IngestLockedError, 409, "busy"),
    (IndexStateError, 503, "no_index"),
    (ConfigError, 500, "configuration"),
    (SafeCiteError, 500, "error"),
)
TYPES = {400: "invalid_request", 401: "authentication", 403: "permission_denied", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 422: "invalid_request", 429: "rate_limited"}


class ApiError(Exception):
    """An answer other than success, raised by the API's own checks."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def body(status: int, message: str, kind: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind or TYPES.get(status, "error"), "status": status}}


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
                   kind: str | None = None) -> JSONResponse:
    return JSONResponse(body(status, message, kind), status_code=status, headers=headers)


def status_of(exc: Exception) -> tuple[int, str]:
    """The status and type the service's error `exc` is answered with."""
    for cls, status, kind in STATUS:
        if isinstance(exc, cls):
            return status, kind
    return 500, "error"


def _where(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "request"


def install(app: FastAPI) -> None:
    """Answer every error in the one shape."""

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(SafeCiteError)
    async def service_error(_request: Request, exc: Exception) -> JSONResponse:
        status, kind = status_of(exc)
        return error_response(status, str(exc), kind=kind)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message = "; ".join(f"{_where(e)}: {e.get('msg', 'invalid')}" for e in exc.errors())
        return error_response(422, message or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

"""The FastAPI application: the /v1 endpoints (routes.py), the
OpenAI-compatible ones (chat.py), the sign-in and limits (auth.py), errors
in one shape (errors.py), and a cap on the size of a request's body, so an
upload over the limit is refused (413) before it is read.

The schema is served at /openapi.json; no /docs page is served, since its
scripts would come from a CDN."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service import Accounts, SafeCite, settings

from . import chat, errors, routes
from .auth import Gate
from .limits import RateLimiter

VERSION = "1.0"
SLACK = 64 * 1024  # what multipart adds around a file: its headers and boundaries
JSON_LIMIT = 1024 * 1024  # any other request: a conversation's text is far smaller
UPLOAD_PATH = "/v1/documents"


class BodyLimit:
    """ASGI middleware: a request whose body is over its limit gets 413, from
    its Content-Length before anything is read, or as soon as the bytes sent
    without one pass the limit. The limit is `upload_bytes` for an upload,
    JSON_LIMIT for anything else."""

    def __init__(self, app: Any, upload_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_bytes if scope.get("path") == UPLOAD_PATH else JSON_LIMIT
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            return await _refuse(send, limit)
        seen, over, sent = 0, False, False

        async def counted() -> dict:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                return {"type": "http.disconnect"}  # the app stops reading; the answer is 413
            return message

        async def guarded(message: dict) -> None:
            nonlocal sent
            if not over:
                sent = True
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not sent:
            await _refuse(send, limit)


async def _refuse(send: Any, limit: int) -> None:
    mib = (limit if limit == JSON_LIMIT else limit - SLACK) / 1048576
    response = errors.error_response(413, f"the request is over the limit of {mib:g} MB")
    await response({"type": "http"}, _nothing, send)


async def _nothing() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


def create_app(safecite: SafeCite, *, accounts: Accounts | None = None, host: str = "127.0.0.1",
               rate: int | None = None, signin_rate: int | None = None) -> FastAPI:
    """The API over `safecite`, for `accounts` (default: the settings'),
    served on `host`; limits per minute default to the settings'."""
    app = FastAPI(title="SafeCite", version=VERSION, docs_url=None, redoc_url=None,
                  description="Cited answers from production-safety regulations, standards, plans and inspection "
                              "records. Authorization: Bearer <API key> (make user NAME=... ROLE=reader).")
    app.state.safecite = safecite
    app.state.gate = Gate(accounts or Accounts(), host,
                          RateLimiter(settings().api_rate if rate is None else rate),
                          RateLimiter(settings().api_signin_rate if signin_rate is None else signin_rate))
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(chat.router)
    app.add_middleware(BodyLimit, upload_bytes=safecite.uploads.max_bytes + SLACK)
    return app
